package turn

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"

	"piiri/metrics"
)

// peerPolicy is the relay policy: the SFU's media addresses are the only
// peers. It checks permissions by address and, in the relay sockets, every
// packet by address and port, both ways.
type peerPolicy struct {
	peers   map[netip.AddrPort]bool
	peerIPs map[netip.Addr]bool
	media   netip.AddrPort

	refused prometheus.Counter
	toPeer  prometheus.Counter
	toUser  prometheus.Counter
}

func newPeerPolicy(peers []netip.AddrPort, media netip.AddrPort, m *metrics.Metrics) *peerPolicy {
	p := &peerPolicy{
		peers:   make(map[netip.AddrPort]bool),
		peerIPs: make(map[netip.Addr]bool),
		media:   normalize(media),
		refused: m.TURNRefused,
		toPeer:  m.TURNRelayedBytes.WithLabelValues("to_sfu"),
		toUser:  m.TURNRelayedBytes.WithLabelValues("to_client"),
	}
	for _, a := range peers {
		a = normalize(a)
		p.peers[a] = true
		p.peerIPs[a.Addr()] = true
	}
	return p
}

func normalize(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// permit is pion's PermissionHandler: CreatePermission and ChannelBind for
// any address but the SFU's are refused.
func (p *peerPolicy) permit(_ net.Addr, peer net.IP) bool {
	ip, ok := netip.AddrFromSlice(peer)
	if ok && p.peerIPs[ip.Unmap()] {
		return true
	}
	p.refused.Inc()
	return false
}

// relays returns the relay address generator for one client transport,
// named by its path in metrics.
func (s *Server) relays(path string) pionturn.RelayAddressGenerator {
	return &relayGenerator{s: s, path: path}
}

// relayGenerator makes the relay sockets. They bind to the SFU media
// socket's address, so relaying stays on the host, and they are wrapped in
// a policyConn.
type relayGenerator struct {
	s    *Server
	path string
}

var (
	errNoTCPRelay = errors.New("turn: TCP relaying (RFC 6062) is not offered")
	errCapacity   = errors.New("turn: the server's cap on allocations (MaxAllocations) is reached")
)

func (g *relayGenerator) Validate() error { return nil }

// AllocatePacketConn makes a relay socket, within the server's cap (pion
// answers a refusal with 508, Insufficient Capacity). The cap counts
// sockets, reserved before they are opened, so concurrent allocations
// cannot overshoot it.
func (g *relayGenerator) AllocatePacketConn(conf pionturn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	s, user := g.s, conf.UserID
	s.mu.Lock()
	if s.nrelays >= s.cfg.MaxAllocations {
		s.mu.Unlock()
		s.refusals.WithLabelValues(metrics.TURNRefusedCapacity).Inc()
		s.warnCapacity()
		return nil, nil, errCapacity
	}
	s.nrelays++
	s.mu.Unlock()
	network := "udp4"
	if s.policy.media.Addr().Is6() {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, &net.UDPAddr{IP: s.policy.media.Addr().AsSlice()})
	if err != nil {
		s.mu.Lock()
		s.nrelays--
		s.mu.Unlock()
		return nil, nil, err
	}
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	pc := &policyConn{UDPConn: conn, policy: s.policy}
	pc.onClose = func() {
		s.mu.Lock()
		s.nrelays--
		delete(s.transports, normalize(local))
		if relays := s.relaysOf[user]; relays != nil {
			delete(relays, pc)
			if len(relays) == 0 {
				delete(s.relaysOf, user)
			}
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.transports[normalize(local)] = g.path
	if s.relaysOf[user] == nil {
		s.relaysOf[user] = make(map[*policyConn]struct{})
	}
	s.relaysOf[user][pc] = struct{}{}
	s.mu.Unlock()
	return pc, &net.UDPAddr{IP: g.s.cfg.RelayIP, Port: int(local.Port())}, nil
}

func (g *relayGenerator) AllocateListener(pionturn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errNoTCPRelay
}

func (g *relayGenerator) AllocateConn(pionturn.AllocateConnConfig) (net.Conn, error) {
	return nil, errNoTCPRelay
}

// policyConn is one allocation's relay socket. It sends only to the SFU
// (whichever of the SFU's addresses the client named goes to its real
// media socket) and accepts packets only from the SFU, reporting them as
// coming from the address the client last sent to, which is the one it
// holds a permission for.
type policyConn struct {
	*net.UDPConn
	policy  *peerPolicy
	alias   atomic.Pointer[net.UDPAddr]
	onClose func()
	closed  sync.Once
}

func (c *policyConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok || !c.policy.peers[normalize(ua.AddrPort())] {
		c.policy.refused.Inc()
		return len(p), nil // dropped, as a firewall would
	}
	if cur := c.alias.Load(); cur == nil || !cur.IP.Equal(ua.IP) || cur.Port != ua.Port {
		c.alias.Store(ua)
	}
	n, err := c.UDPConn.WriteToUDPAddrPort(p, c.policy.media)
	c.policy.toPeer.Add(float64(n))
	return n, err
}

func (c *policyConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.UDPConn.ReadFromUDPAddrPort(p)
		if err != nil {
			return n, nil, err
		}
		alias := c.alias.Load()
		if normalize(from) != c.policy.media || alias == nil {
			c.policy.refused.Inc()
			continue // only the SFU may send to a participant's relay
		}
		c.policy.toUser.Add(float64(n))
		return n, alias, nil
	}
}

// Close forgets the socket and closes it, once: Revoke and pion may both
// close it, and a second forget after the port was reused by a new
// allocation would drop that allocation's entry.
func (c *policyConn) Close() error {
	err := net.ErrClosed
	c.closed.Do(func() {
		c.onClose() // before the port is released
		err = c.UDPConn.Close()
	})
	return err
}
