package portmux

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pires/go-proxyproto"

	"piiri/internal/ratelimit"
)

// What one source address may hold of the shared port. A source is an
// IPv4 address or an IPv6 /64 (ratelimit.Source), the PROXY protocol's
// client address behind a trusted proxy.
//
// Three rules keep one host, or a few, from shutting the port for
// everyone:
//
//   - A source may have MaxPendingPerSource connections being classified
//     and MaxConnsPerSource open (classified or not, until they close);
//     beyond that its new connections are refused (OutcomeSourceLimit).
//   - When MaxPending connections are being classified in all, a new one
//     takes the place of the oldest pending connection of the source that
//     has the most (OutcomeShed), unless its own source is that one
//     (OutcomeOverflow). Legitimate clients send their first bytes at
//     once, so they are pending for a round trip or two and are never
//     the biggest holder: the one shed is a connection held on purpose.
//   - The classification deadline shrinks as the pending count passes
//     half of MaxPending, down to MinClassifyTimeout when it is full,
//     for new and already pending connections alike.

// source is what one source address holds.
type source struct {
	key     netip.Prefix
	open    int      // connections from accept to close, pending ones included
	pending []*entry // being classified, oldest first
}

// entry is one connection from accept until it is closed.
type entry struct {
	c        net.Conn // as accepted: deadlines set here reach every wrapper
	src      *source
	seq      uint64 // accept order, to find the oldest
	start    time.Time
	deadline time.Time
	pending  bool // counted as being classified
	counted  bool // counted in src.open
	shed     bool // closed to make room for another source's connection
}

// sourceKey is the limit key of an address; the zero prefix when the
// address is not an IP address.
func sourceKey(a net.Addr) netip.Prefix {
	var ip netip.Addr
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ = netip.AddrFromSlice(ta.IP)
	} else if a != nil {
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		}
	}
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	return ratelimit.Source(ip)
}

// sourceOf is the key of a new connection, and whether it is final: a
// connection from a trusted proxy names its client in a PROXY header not
// yet read, so until then it goes by the proxy's address and no
// per-source limit applies to it.
func sourceOf(c net.Conn) (key netip.Prefix, final bool) {
	if pc, ok := c.(*proxyproto.Conn); ok {
		return sourceKey(pc.Raw().RemoteAddr()), false
	}
	return sourceKey(c.RemoteAddr()), true
}

// classifyTimeout is the deadline a connection gets with pending
// connections being classified (itself included): base up to half of
// maxPending, then shorter in proportion, down to floor when full.
func classifyTimeout(pending, maxPending int, base, floor time.Duration) time.Duration {
	half := maxPending / 2
	if pending <= half || maxPending <= half {
		return base
	}
	frac := float64(min(pending, maxPending)-half) / float64(maxPending-half)
	return base - time.Duration(frac*float64(base-floor))
}

// admit counts a new connection in, or says why it is refused. An empty
// outcome with a nil entry means the mux is closing.
func (m *Mux) admit(c net.Conn, key netip.Prefix, final bool) (*entry, string) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ""
	}
	src := m.sourceLocked(key)
	if final {
		if refused := m.roomLocked(src); refused != "" {
			m.forgetIfIdleLocked(src)
			return nil, refused
		}
	}
	if m.npending >= m.cfg.MaxPending {
		victim := m.biggestHolderLocked()
		if victim == nil || len(victim.pending) <= len(src.pending) {
			m.forgetIfIdleLocked(src)
			return nil, OutcomeOverflow
		}
		m.shedLocked(victim.pending[0], now)
	}
	m.seq++
	e := &entry{c: c, seq: m.seq, start: now}
	m.attachLocked(e, src)
	t := classifyTimeout(m.npending, m.cfg.MaxPending, m.cfg.ClassifyTimeout, m.cfg.MinClassifyTimeout)
	e.deadline = now.Add(t)
	_ = c.SetDeadline(e.deadline)
	m.tightenLocked(t)
	return e, ""
}

// rekey moves a connection from a trusted proxy to its real source, once
// the PROXY header has named it, and applies that source's limits.
func (m *Mux) rekey(e *entry, key netip.Prefix) (refused string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.shed {
		return OutcomeShed
	}
	m.detachLocked(e)
	src := m.sourceLocked(key)
	if refused := m.roomLocked(src); refused != "" {
		m.forgetIfIdleLocked(src)
		return refused
	}
	m.attachLocked(e, src)
	return ""
}

// classified takes a connection out of the pending count before it is
// handed on; false means it was shed meanwhile and must be closed.
func (m *Mux) classified(e *entry) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.shed {
		return false
	}
	m.unpendLocked(e)
	return true
}

// release counts a closed connection out. It may be called more than once.
func (m *Mux) release(e *entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.detachLocked(e)
}

// wasShed reports whether e was closed to make room.
func (m *Mux) wasShed(e *entry) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return e.shed
}

func (m *Mux) sourceLocked(key netip.Prefix) *source {
	src := m.sources[key]
	if src == nil {
		src = &source{key: key}
		m.sources[key] = src
	}
	return src
}

// roomLocked says why src may not have one more connection, or "".
func (m *Mux) roomLocked(src *source) string {
	if src.open >= m.cfg.MaxConnsPerSource || len(src.pending) >= m.cfg.MaxPendingPerSource {
		return OutcomeSourceLimit
	}
	return ""
}

func (m *Mux) attachLocked(e *entry, src *source) {
	e.src = src
	e.counted, e.pending = true, true
	src.open++
	src.pending = append(src.pending, e)
	m.npending++
	m.holders[src] = struct{}{}
}

// unpendLocked takes e out of the pending count; it stays open.
func (m *Mux) unpendLocked(e *entry) {
	if !e.pending {
		return
	}
	e.pending = false
	m.npending--
	src := e.src
	for i, p := range src.pending {
		if p == e {
			src.pending = append(src.pending[:i], src.pending[i+1:]...)
			break
		}
	}
	if len(src.pending) == 0 {
		delete(m.holders, src)
	}
}

// detachLocked counts e out of everything.
func (m *Mux) detachLocked(e *entry) {
	m.unpendLocked(e)
	if e.counted {
		e.counted = false
		e.src.open--
		m.forgetIfIdleLocked(e.src)
	}
}

func (m *Mux) forgetIfIdleLocked(src *source) {
	if src.open == 0 && len(src.pending) == 0 && m.sources[src.key] == src {
		delete(m.sources, src.key)
	}
}

// biggestHolderLocked is the source with the most pending connections;
// between equals, the one whose oldest is oldest.
func (m *Mux) biggestHolderLocked() *source {
	var best *source
	for src := range m.holders {
		if best == nil || len(src.pending) > len(best.pending) ||
			len(src.pending) == len(best.pending) && src.pending[0].seq < best.pending[0].seq {
			best = src
		}
	}
	return best
}

// shedLocked ends e's classification at once; its goroutine closes it.
func (m *Mux) shedLocked(e *entry, now time.Time) {
	e.shed = true
	m.unpendLocked(e)
	e.deadline = now
	_ = e.c.SetDeadline(now)
}

// tightenLocked brings the deadlines of pending connections forward to
// start+t when t, the timeout a new connection gets now, is shorter than
// what they were given. Only steps of a sixteenth of the range count, so
// a pending count that hovers does not walk the list at every accept.
func (m *Mux) tightenLocked(t time.Duration) {
	step := (m.cfg.ClassifyTimeout - m.cfg.MinClassifyTimeout) / 16
	switch {
	case step <= 0: // the timeout never shrinks
	case t > m.applied:
		m.applied = t
	case t <= m.applied-step || t == m.cfg.MinClassifyTimeout && m.applied > t:
		for src := range m.holders {
			for _, e := range src.pending {
				if d := e.start.Add(t); d.Before(e.deadline) {
					e.deadline = d
					_ = e.c.SetDeadline(d)
				}
			}
		}
		m.applied = t
	}
}

// pendingCount is the number of connections being classified.
func (m *Mux) pendingCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.npending
}

// openFrom is the number of connections open from the source of addr.
func (m *Mux) openFrom(addr netip.Addr) (open, pending int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	src := m.sources[ratelimit.Source(addr)]
	if src == nil {
		return 0, 0
	}
	return src.open, len(src.pending)
}

// trackedConn is a classified connection: closing it gives its source's
// slot back, once.
type trackedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
