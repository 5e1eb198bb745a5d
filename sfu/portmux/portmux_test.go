package portmux

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"

	"piiri/internal/testwait"
	"piiri/tlsconf"
)

// stunBinding is a STUN binding request header (20 bytes, no attributes).
func stunBinding() []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b[0:], 0x0001)
	binary.BigEndian.PutUint32(b[4:], stunMagicCookie)
	copy(b[8:], "transaction!")
	return b
}

func rfc4571(msg []byte) []byte {
	out := make([]byte, 2, 2+len(msg))
	binary.BigEndian.PutUint16(out, uint16(len(msg)))
	return append(out, msg...)
}

// clientHello captures the first bytes a real TLS client sends.
func clientHello(t testing.TB) []byte {
	t.Helper()
	a, b := net.Pipe()
	go func() {
		_ = tls.Client(a, &tls.Config{InsecureSkipVerify: true}).Handshake()
	}()
	buf := make([]byte, 64)
	n, err := io.ReadAtLeast(b, buf, peekLen)
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
	_ = b.Close()
	return buf[:n]
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want Kind
	}{
		{"TLS ClientHello", clientHello(t), KindTLS},
		{"STUN binding request", stunBinding(), KindSTUN},
		{"TURN allocate request", append([]byte{0x00, 0x03}, stunBinding()[2:]...), KindSTUN},
		{"RFC 4571 framed STUN", rfc4571(stunBinding()), KindRFC4571},
		{"GET", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), KindHTTP},
		{"OPTIONS", []byte("OPTIONS * HTTP/1.1\r\n"), KindHTTP},
		{"HTTP/2 preface", []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), KindHTTP},
		{"lower-case method", []byte("get / HTTP/1.1\r\n"), KindUnknown},
		{"SSH banner", []byte("SSH-2.0-OpenSSH_9.2\r\n"), KindUnknown},
		{"too short", []byte("GET /"), KindUnknown},
		// Found by FuzzClassify: the space must come within the bytes the
		// mux peeks, whatever the caller passes.
		{"method longer than the peek", []byte("AAAAAAAAAAA / HTTP/1.1\r\n"), KindUnknown},
		{"PROPFIND", []byte("PROPFIND / HTTP/1.1\r\n"), KindHTTP},
		{"zeros", make([]byte, 32), KindUnknown},
		{"STUN type with top bits set (RTP-like)", append([]byte{0x80, 0x01}, stunBinding()[2:]...), KindUnknown},
	} {
		if got := Classify(tc.in); got != tc.want {
			t.Errorf("%s: Classify(% x) = %s, want %s", tc.name, tc.in[:min(len(tc.in), 12)], got, tc.want)
		}
	}
}

func FuzzClassify(f *testing.F) {
	f.Add(stunBinding())
	f.Add(rfc4571(stunBinding()))
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Add([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03})
	f.Fuzz(func(t *testing.T, b []byte) {
		k := Classify(b)
		switch k {
		case KindTLS:
			if b[0] != 0x16 || b[1] != 0x03 {
				t.Fatalf("TLS without a handshake record: % x", b)
			}
		case KindSTUN:
			if !isSTUN(b) {
				t.Fatal("STUN without a STUN header")
			}
		case KindRFC4571:
			if !isSTUN(b[2:]) || isSTUN(b) {
				t.Fatal("RFC 4571 without a framed STUN header")
			}
		case KindHTTP:
			if i := bytes.IndexByte(b, ' '); i < 3 || i > peekLen {
				t.Fatalf("HTTP without a method: %q", b)
			}
		}
		if len(b) < peekLen && k != KindUnknown {
			t.Fatalf("classified %d bytes as %s", len(b), k)
		}
	})
}

// testMux runs a Mux on a loopback port with a self-signed certificate
// and records outcomes.
type testMux struct {
	*Mux
	mu       sync.Mutex
	outcomes []string
}

func startMux(t *testing.T, edit func(*Config)) *testMux {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tlsconf.SelfSigned("piiri.test")
	if err != nil {
		t.Fatal(err)
	}
	tm := &testMux{}
	cfg := Config{
		TLS:             &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}},
		ClassifyTimeout: 2 * time.Second,
		OnClassified: func(o string) {
			tm.mu.Lock()
			tm.outcomes = append(tm.outcomes, o)
			tm.mu.Unlock()
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	m, err := New(ln, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tm.Mux = m
	go func() { _ = m.Serve() }()
	t.Cleanup(func() { _ = m.Close() })
	return tm
}

func (tm *testMux) waitOutcome(t *testing.T, want string) {
	t.Helper()
	testwait.Until(t, 5*time.Second, "outcome "+want, func() error {
		tm.mu.Lock()
		defer tm.mu.Unlock()
		if slices.Contains(tm.outcomes, want) {
			return nil
		}
		return fmt.Errorf("outcomes so far: %v", tm.outcomes)
	})
}

// accept takes one connection from l and returns what it reads first.
func accept(t *testing.T, l *Listener, n int) (net.Conn, []byte) {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		buf := make([]byte, n)
		_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(r.c, buf); err != nil {
			t.Fatalf("read from the classified connection: %v", err)
		}
		return r.c, buf
	case <-time.After(5 * time.Second):
		t.Fatal("nothing arrived on the listener")
		return nil, nil
	}
}

func dial(t *testing.T, m *testMux) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", m.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func dialTLS(t *testing.T, m *testMux, nextProtos ...string) net.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", m.Addr().String(), &tls.Config{InsecureSkipVerify: true, ServerName: "piiri.test", NextProtos: nextProtos})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestRoutes sends each kind of connection and checks that it arrives on
// the right listener with its first bytes intact (after TLS termination
// for the TLS ones).
func TestRoutes(t *testing.T) {
	m := startMux(t, nil)
	httpReq := []byte("GET /ws HTTP/1.1\r\nHost: piiri.test\r\n\r\n")
	for _, tc := range []struct {
		name    string
		conn    func() net.Conn
		send    []byte
		l       *Listener
		outcome string
	}{
		{"plain HTTP", func() net.Conn { return dial(t, m) }, httpReq, m.HTTP, OutcomeHTTP},
		{"HTTPS", func() net.Conn { return dialTLS(t, m, "http/1.1") }, httpReq, m.HTTPS, OutcomeHTTPS},
		{"TURN over TCP", func() net.Conn { return dial(t, m) }, stunBinding(), m.TURNTCP, OutcomeTURNTCP},
		{"TURN over TLS", func() net.Conn { return dialTLS(t, m) }, stunBinding(), m.TURNTLS, OutcomeTURNTLS},
		{"ICE-TCP", func() net.Conn { return dial(t, m) }, rfc4571(stunBinding()), m.ICETCP, OutcomeICETCP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.conn()
			if _, err := c.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			got, first := accept(t, tc.l, len(tc.send))
			defer got.Close()
			if !bytes.Equal(first, tc.send) {
				t.Errorf("first bytes % x, want % x", first, tc.send)
			}
			// The connection works both ways after classification.
			if _, err := got.Write([]byte("reply")); err != nil {
				t.Fatal(err)
			}
			reply := make([]byte, 5)
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "reply" {
				t.Errorf("reply: %q %v", reply, err)
			}
			m.waitOutcome(t, tc.outcome)
		})
	}
}

// closedByServer reports whether the server closed c (reads EOF or a reset).
func closedByServer(c net.Conn, within time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(within))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func TestGarbageIsClosed(t *testing.T) {
	m := startMux(t, nil)
	c := dial(t, m)
	if _, err := c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n")); err != nil {
		t.Fatal(err)
	}
	if !closedByServer(c, 5*time.Second) {
		t.Error("garbage connection left open")
	}
	m.waitOutcome(t, OutcomeUnknown)
}

// TestClassifyDeadline: a connection that sends nothing (or too little) is
// closed when the classification deadline passes.
func TestClassifyDeadline(t *testing.T) {
	m := startMux(t, func(c *Config) { c.ClassifyTimeout = 200 * time.Millisecond })
	silent := dial(t, m)
	trickle := dial(t, m)
	if _, err := trickle.Write([]byte("GET")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []net.Conn{silent, trickle} {
		if !closedByServer(c, 5*time.Second) {
			t.Error("a connection that never finished its first bytes was left open")
		}
	}
	m.waitOutcome(t, OutcomeTimeout)
}

// TestTLSWithoutCertificate: a TLS connection on a port without TLS is
// refused.
func TestTLSWithoutCertificate(t *testing.T) {
	m := startMux(t, func(c *Config) { c.TLS = nil })
	c, err := net.Dial("tcp", m.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := tls.Client(c, &tls.Config{InsecureSkipVerify: true}).Handshake(); err == nil {
		t.Fatal("TLS handshake succeeded on a port without TLS")
	}
	m.waitOutcome(t, OutcomeTLSOff)
}

// TestPendingCap: while MaxPending connections are being classified, a
// further one is closed at once, and the port recovers when they go.
func TestPendingCap(t *testing.T) {
	m := startMux(t, func(c *Config) { c.MaxPending = 2; c.ClassifyTimeout = 10 * time.Second })
	a, b := dial(t, m), dial(t, m)
	waitPending(t, m, 2)
	extra := dial(t, m)
	if !closedByServer(extra, 5*time.Second) {
		t.Fatal("a connection over the pending cap was left open")
	}
	m.waitOutcome(t, OutcomeOverflow)
	// The two slow ones finish: the port takes connections again.
	for _, c := range []net.Conn{a, b} {
		if _, err := c.Write(stunBinding()); err != nil {
			t.Fatal(err)
		}
		got, _ := accept(t, m.TURNTCP, 20)
		got.Close()
	}
	waitPending(t, m, 0)
	c := dial(t, m)
	if _, err := c.Write(stunBinding()); err != nil {
		t.Fatal(err)
	}
	got, _ := accept(t, m.TURNTCP, 20)
	got.Close()
}

func waitPending(t *testing.T, m *testMux, n int) {
	t.Helper()
	testwait.Until(t, 5*time.Second, "pending connections", func() error {
		if got := m.pendingCount(); got != n {
			return fmt.Errorf("%d pending, want %d", got, n)
		}
		return nil
	})
}

// TestUnservedKindsDoNotBlockThePort: connections of a kind nobody
// accepts (a closed listener: ICE-TCP switched off), or more than a
// consumer has queued, are refused at once, so they cannot fill the pending
// slots and lock everyone else out of the shared port.
func TestUnservedKindsDoNotBlockThePort(t *testing.T) {
	m := startMux(t, func(c *Config) { c.MaxPending = 4 })
	_ = m.ICETCP.Close()
	for range 10 {
		m.send(t, rfc4571(stunBinding()), OutcomeNotServed)
	}
	// Nobody accepts TURN over TCP here either: its queue fills, and
	// then each further connection is refused instead of waiting.
	queued := 0
	for m.count(OutcomeBacklog) == 0 {
		if queued++; queued > 100 {
			t.Fatal("a TURN connection queue that nobody reads never filled")
		}
		m.send(t, stunBinding(), OutcomeTURNTCP, OutcomeBacklog)
	}
	for range 10 {
		m.send(t, stunBinding(), OutcomeBacklog)
	}
	waitPending(t, m, 0)
	c := dial(t, m)
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	got, _ := accept(t, m.HTTP, 4)
	got.Close()
}

// send opens a connection, writes first, and waits until the mux has
// classified it with one of the outcomes. One at a time, so the pending
// cap never decides.
func (tm *testMux) send(t *testing.T, first []byte, outcomes ...string) {
	t.Helper()
	before := 0
	for _, o := range outcomes {
		before += tm.count(o)
	}
	c := dial(t, tm)
	if _, err := c.Write(first); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, 5*time.Second, fmt.Sprintf("a connection classified as one of %v", outcomes), func() error {
		n := 0
		for _, o := range outcomes {
			n += tm.count(o)
		}
		if n == before {
			tm.mu.Lock()
			defer tm.mu.Unlock()
			return fmt.Errorf("outcomes so far: %v", tm.outcomes)
		}
		return nil
	})
}

// count is how many connections had the outcome.
func (tm *testMux) count(outcome string) int {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	n := 0
	for _, o := range tm.outcomes {
		if o == outcome {
			n++
		}
	}
	return n
}

// TestProxyProtocol: behind a trusted load balancer, every path sees the
// client's address from the PROXY header; from anyone else the header is
// not believed.
func TestProxyProtocol(t *testing.T) {
	header := "PROXY TCP4 198.51.100.7 203.0.113.1 5555 443\r\n"
	// The binary version 2 header a load balancer such as HAProxy or AWS
	// NLB sends, for the same addresses.
	headerV2, err := proxyproto.HeaderProxyFromAddrs(2,
		&net.TCPAddr{IP: net.ParseIP("198.51.100.7"), Port: 5555},
		&net.TCPAddr{IP: net.ParseIP("203.0.113.1"), Port: 443}).Format()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("trusted", func(t *testing.T) {
		m := startMux(t, func(c *Config) { c.TrustedProxies = []string{"127.0.0.1/32"} })
		for _, tc := range []struct {
			header []byte
			send   []byte
			l      *Listener
		}{
			{[]byte(header), stunBinding(), m.TURNTCP},
			{[]byte(header), rfc4571(stunBinding()), m.ICETCP},
			{[]byte(header), []byte("GET / HTTP/1.1\r\n\r\n"), m.HTTP},
			{headerV2, stunBinding(), m.TURNTCP},
			{headerV2, rfc4571(stunBinding()), m.ICETCP},
			{headerV2, []byte("GET / HTTP/1.1\r\n\r\n"), m.HTTP},
		} {
			c := dial(t, m)
			if _, err := c.Write(append(append([]byte{}, tc.header...), tc.send...)); err != nil {
				t.Fatal(err)
			}
			got, first := accept(t, tc.l, len(tc.send))
			if !bytes.Equal(first, tc.send) {
				t.Errorf("first bytes after the header: % x", first)
			}
			if ra := got.RemoteAddr().String(); ra != "198.51.100.7:5555" {
				t.Errorf("remote address %s, want the client's 198.51.100.7:5555", ra)
			}
			got.Close()
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		m := startMux(t, func(c *Config) { c.TrustedProxies = []string{"192.0.2.0/24"} })
		c := dial(t, m)
		if _, err := c.Write(append([]byte(header), stunBinding()...)); err != nil {
			t.Fatal(err)
		}
		if !closedByServer(c, 5*time.Second) {
			t.Error("a PROXY header from an untrusted address was accepted")
		}
	})
}
