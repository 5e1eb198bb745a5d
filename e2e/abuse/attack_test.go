package abuse

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// A kind of attack is what one attacking connection does once connected.
type kind struct {
	name string
	// begin starts the connection's behaviour and returns a channel
	// that is closed when the server has closed the connection.
	begin func(c net.Conn) <-chan struct{}
	// redial is the pause before a worker whose connection the server
	// closed connects again: short enough to keep the pressure on, long
	// enough that the test stays an attack on the port's slots and does
	// not become a SYN flood that only measures the machine's CPU.
	redial time.Duration
	// lingers, if not zero: when the attack stops, its connections stay
	// open (still doing what they do), and the server must close them by
	// itself within this long.
	lingers time.Duration
}

// slowloris sends one byte a second from the very first, so it never gets
// classified.
func slowloris() kind {
	return kind{name: "slowloris (1 byte/s)", redial: 200 * time.Millisecond, begin: func(c net.Conn) <-chan struct{} {
		closed := readUntilClosed(c)
		go trickle(c, "GET / HTTP/1.1\r\nHost: piiri.test\r\n", closed)
		return closed
	}}
}

// slowHeaders finishes TLS and its request line at once, then sends its
// headers one byte a second: classified, then held by the HTTP server
// until its read-header timeout (5 s, server.go).
func slowHeaders() kind {
	return kind{name: "slow headers over TLS (1 byte/s)", redial: 200 * time.Millisecond, lingers: 30 * time.Second, begin: func(c net.Conn) <-chan struct{} {
		tc, err := handshake(c)
		if err != nil {
			return closedChan()
		}
		if _, err := io.WriteString(tc, "GET / HTTP/1.1\r\nHost: piiri.test\r\n"); err != nil {
			return closedChan()
		}
		closed := readUntilClosed(tc)
		go trickle(tc, "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", closed)
		return closed
	}}
}

// idle connects and sends nothing.
func idle() kind {
	return kind{name: "idle flood (sends nothing)", redial: time.Second, begin: func(c net.Conn) <-chan struct{} {
		return readUntilClosed(c)
	}}
}

// halfTLS sends a ClientHello and never answers the server's reply.
func halfTLS(hello []byte) kind {
	return kind{name: "half-open TLS (ClientHello, then silence)", redial: 200 * time.Millisecond, begin: func(c net.Conn) <-chan struct{} {
		if _, err := c.Write(hello); err != nil {
			return closedChan()
		}
		return readUntilClosed(c)
	}}
}

// keepAlive makes one HTTPS request and keeps the connection open and
// idle, as a browser's connection pool does, but forever: until the HTTP
// idle timeout (30 s, server.go).
func keepAlive() kind {
	return kind{name: "idle keep-alive HTTPS", redial: time.Second, lingers: 60 * time.Second, begin: func(c net.Conn) <-chan struct{} {
		tc, err := handshake(c)
		if err != nil {
			return closedChan()
		}
		_ = tc.SetDeadline(time.Now().Add(opTimeout))
		if _, err := io.WriteString(tc, "GET / HTTP/1.1\r\nHost: piiri.test\r\n\r\n"); err != nil {
			return closedChan()
		}
		br := bufio.NewReader(tc)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return closedChan()
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		_ = tc.SetDeadline(time.Time{})
		return readUntilClosed(br)
	}}
}

func handshake(c net.Conn) (*tls.Conn, error) {
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: serverHost}) //nolint:gosec // the attacker does not care
	_ = c.SetDeadline(time.Now().Add(opTimeout))
	if err := tc.Handshake(); err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return tc, nil
}

func closedChan() <-chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}

// readUntilClosed reads r to its end in the background: the channel is
// closed when the server has closed the connection.
func readUntilClosed(r io.Reader) <-chan struct{} {
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, r)
		close(closed)
	}()
	return closed
}

// trickle writes msg one byte a second, over and over, until a write
// fails or closed is closed.
func trickle(w io.Writer, msg string, closed <-chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for i := 0; ; i++ {
		if _, err := io.WriteString(w, msg[i%len(msg):i%len(msg)+1]); err != nil {
			return
		}
		select {
		case <-closed:
			return
		case <-tick.C:
		}
	}
}

// clientHello is the first flight of a real TLS client.
func clientHello() ([]byte, error) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() { _ = tls.Client(a, &tls.Config{InsecureSkipVerify: true, ServerName: serverHost}).Handshake() }() //nolint:gosec // the attacker does not care
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(b, hdr); err != nil {
		return nil, err
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(b, body); err != nil {
		return nil, err
	}
	return append(hdr, body...), nil
}

// attack runs workers connections of one kind, spread over the source
// addresses, each connecting again when the server closes it.
type attack struct {
	kind    kind
	sources []string
	workers int

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	started   atomic.Int64 // workers that have connected at least once
	dialed    atomic.Int64 // connections made
	closedBy  atomic.Int64 // connections the server closed
	dialFails atomic.Int64
	openNow   atomic.Int64

	mu      sync.Mutex
	lingers []lingerer // left open when the attack stopped
}

type lingerer struct {
	c      net.Conn
	closed <-chan struct{}
}

func startAttack(k kind, sources []string, workers int) *attack {
	ctx, cancel := context.WithCancel(context.Background())
	a := &attack{kind: k, sources: sources, workers: workers, ctx: ctx, cancel: cancel}
	for i := range workers {
		a.wg.Add(1)
		go a.worker(sources[i%len(sources)])
	}
	return a
}

func (a *attack) worker(src string) {
	defer a.wg.Done()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	for first := true; a.ctx.Err() == nil; {
		c, err := d.DialContext(a.ctx, "tcp", serverIP+":443")
		if err != nil {
			a.dialFails.Add(1)
			a.pause()
			continue
		}
		a.dialed.Add(1)
		if first {
			a.started.Add(1)
			first = false
		}
		a.openNow.Add(1)
		closed := a.kind.begin(c)
		select {
		case <-closed:
			a.closedBy.Add(1)
			a.openNow.Add(-1)
			_ = c.Close()
			a.pause()
		case <-a.ctx.Done():
			if a.kind.lingers > 0 {
				a.mu.Lock()
				a.lingers = append(a.lingers, lingerer{c, closed})
				a.mu.Unlock()
				go func() {
					<-closed
					_ = c.Close()
				}()
			} else {
				_ = c.Close()
			}
			return
		}
	}
}

func (a *attack) pause() {
	select {
	case <-a.ctx.Done():
	case <-time.After(a.kind.redial):
	}
}

// end stops the attack: no more connections, and those of a kind that
// does not linger are closed.
func (a *attack) end() {
	a.cancel()
	a.wg.Wait()
}

// waitLingerers waits until the server has closed every connection the
// attack left open, at the latest by deadline (bound after the attack
// stopped), and closes those it has not.
func (a *attack) waitLingerers(deadline time.Time, bound time.Duration) error {
	a.mu.Lock()
	ls := a.lingers
	a.lingers = nil
	a.mu.Unlock()
	expired := make(chan struct{})
	timer := time.AfterFunc(time.Until(deadline), func() { close(expired) })
	defer timer.Stop()
	stillOpen := 0
	for _, l := range ls {
		select {
		case <-l.closed: // closed already: whatever the time now
		default:
			select {
			case <-l.closed:
			case <-expired:
				stillOpen++
			}
		}
		_ = l.c.Close()
	}
	if stillOpen > 0 {
		return fmt.Errorf("%s: the server left %d of the %d connections open for more than %v after the attack stopped", a.kind.name, stillOpen, len(ls), bound)
	}
	return nil
}

func (a *attack) String() string {
	return fmt.Sprintf("%d workers on %d addresses: %d connections made, %d closed by the server, %d open at the end, %d dials failed",
		a.workers, len(a.sources), a.dialed.Load(), a.closedBy.Load(), a.openNow.Load(), a.dialFails.Load())
}
