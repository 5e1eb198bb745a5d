package portmux

import (
	"net"
	"sync"
)

// Listener is a net.Listener fed with the connections of one kind.
type Listener struct {
	addr      net.Addr
	ch        chan net.Conn
	closeOnce sync.Once
	closed    chan struct{}
}

// newListener queues up to size connections for Accept. Consumers accept
// in a loop, so the queue only smooths bursts; but a burst can be every
// pending connection finishing at once (a flood of TLS handshakes on a busy
// machine), and a connection refused for a full queue is a member's
// request lost, so it holds as many as can be pending.
func newListener(addr net.Addr, size int) *Listener {
	return &Listener{addr: addr, ch: make(chan net.Conn, size), closed: make(chan struct{})}
}

// Accept implements net.Listener.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener. Connections still queued are closed.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		for {
			select {
			case c := <-l.ch:
				_ = c.Close()
			default:
				return
			}
		}
	})
	return nil
}

// Addr implements net.Listener: the shared port's address.
func (l *Listener) Addr() net.Addr { return l.addr }

// put queues c for Accept without waiting: a classifier goroutine must
// never block on a consumer that is slow or absent (a route the server does
// not serve), or a few connections of that kind would hold every pending
// slot and shut the port for everyone. It reports why c was not queued.
func (l *Listener) put(c net.Conn) (refused string) {
	select {
	case <-l.closed:
		return OutcomeNotServed
	default:
	}
	select {
	case l.ch <- c:
		return ""
	default:
		return OutcomeBacklog
	}
}
