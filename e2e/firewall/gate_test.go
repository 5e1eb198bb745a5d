package firewall

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// gateMark is the firewall mark the tls443 profile lets through to port
// 443 (and does not redirect again).
const gateMark = 0x443

// tlsGate is the tls443 profile's protocol-enforcing firewall: TCP to port
// 443 is redirected to it, and it passes on only connections that begin
// with a TLS ClientHello, as a firewall that inspects protocols does.
type tlsGate struct {
	ln net.Listener
	wg sync.WaitGroup

	mu      sync.Mutex
	passed  int
	refused int
}

func startTLSGate(t *testing.T) *tlsGate {
	t.Helper()
	ln, err := net.Listen("tcp4", "203.0.113.2:4430")
	if err != nil {
		t.Fatalf("TLS gate: %v", err)
	}
	g := &tlsGate{ln: ln}
	g.wg.Add(1)
	go g.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		g.wg.Wait()
	})
	return g
}

func (g *tlsGate) counts() (passed, refused int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.passed, g.refused
}

func (g *tlsGate) serve() {
	defer g.wg.Done()
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		go g.handle(c.(*net.TCPConn))
	}
}

func (g *tlsGate) handle(c *net.TCPConn) {
	defer c.Close()
	dst, err := originalDst(c)
	if err != nil {
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	head, err := br.Peek(2)
	if err != nil || head[0] != 0x16 || head[1] != 0x03 {
		g.mu.Lock()
		g.refused++
		g.mu.Unlock()
		return // not TLS: the firewall drops it
	}
	_ = c.SetReadDeadline(time.Time{})
	g.mu.Lock()
	g.passed++
	g.mu.Unlock()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, gateMark)
		}); err != nil {
			return err
		}
		return serr
	}}
	up, err := d.Dial("tcp4", dst)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// originalDst is where a redirected connection was going.
func originalDst(c *net.TCPConn) (string, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return "", err
	}
	var addr string
	var serr error
	err = rc.Control(func(fd uintptr) {
		mreq, err := unix.GetsockoptIPv6Mreq(int(fd), unix.SOL_IP, unix.SO_ORIGINAL_DST)
		if err != nil {
			serr = err
			return
		}
		// The bytes are a sockaddr_in: family, port (big endian), address.
		port := int(mreq.Multiaddr[2])<<8 | int(mreq.Multiaddr[3])
		ip := net.IPv4(mreq.Multiaddr[4], mreq.Multiaddr[5], mreq.Multiaddr[6], mreq.Multiaddr[7])
		addr = net.JoinHostPort(ip.String(), strconv.Itoa(port))
	})
	if err != nil {
		return "", err
	}
	return addr, serr
}
