// Package portmux owns piiri's one shared TCP port (443 in production). A
// municipal firewall may let nothing else through, so everything a client
// needs arrives on it: each new connection is classified by its first bytes
// and handed to the HTTP server (web client, websocket), the TURN server
// (over TCP, or over TLS after termination here), or pion's ICE-TCP mux.
//
//	first bytes                               goes to
//	TLS ClientHello (0x16 0x03)               TLS termination, then by the first
//	                                          decrypted bytes: STUN → TURNTLS,
//	                                          anything else → HTTPS
//	STUN (magic cookie at offset 4)           TURNTCP
//	RFC 4571 framing (cookie at offset 6)     ICETCP
//	an HTTP method and a space                HTTP
//
// No single source address may hold the port (see limits.go): the
// connections being classified and the open connections of each source are
// capped, a full pending set makes room by shedding the biggest holder's
// oldest, and the classification deadline shrinks under pressure.
// Connections from configured trusted proxies start with a PROXY protocol
// (v1 or v2) header, so every path, and the limits, see the real client
// address.
package portmux

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pires/go-proxyproto"
)

// Outcomes of classifying a connection, for metrics and logs.
const (
	OutcomeHTTP        = "http"
	OutcomeHTTPS       = "https"
	OutcomeTURNTCP     = "turn-tcp"
	OutcomeTURNTLS     = "turn-tls"
	OutcomeICETCP      = "ice-tcp"
	OutcomeACME        = "acme"         // a TLS-ALPN-01 challenge, answered in the handshake
	OutcomeUnknown     = "unknown"      // bytes that are none of the above
	OutcomeTimeout     = "timeout"      // too slow to send its first bytes or finish TLS
	OutcomeOverflow    = "overflow"     // too many connections being classified, the most from its own source
	OutcomeSourceLimit = "source-limit" // its source has MaxConnsPerSource open or MaxPendingPerSource pending
	OutcomeShed        = "shed"         // pending, closed to make room for a source that holds fewer
	OutcomeTLSError    = "tls-error"    // a TLS handshake that failed
	OutcomeTLSOff      = "tls-disabled" // TLS on a port without a certificate
	OutcomeProxyError  = "proxy-error"  // a bad PROXY protocol header from a trusted proxy
	OutcomeNotServed   = "not-served"   // a kind this server does not serve (its listener is closed)
	OutcomeBacklog     = "backlog-full" // classified, but its consumer has too many waiting
)

// Config configures a Mux.
type Config struct {
	// TLS terminates TLS connections; nil refuses them.
	TLS *tls.Config
	// ClassifyTimeout bounds the time a new connection may take to send
	// its first bytes (and to finish TLS) while the port is calm. Default
	// 10 s.
	ClassifyTimeout time.Duration
	// MinClassifyTimeout is what ClassifyTimeout shrinks to, for new and
	// pending connections alike, as the pending count goes from half of
	// MaxPending to MaxPending. Default 2 s: a TLS handshake and the first
	// request take two round trips, well under a second even on a poor
	// mobile link, so only connections held on purpose run out of it.
	MinClassifyTimeout time.Duration
	// MaxPending caps connections being classified at once. At the cap a
	// new connection sheds the oldest pending one of the source with the
	// most, or is refused if that is its own source. Default 256.
	MaxPending int
	// MaxPendingPerSource caps one source's connections being classified.
	// Default 32: a browser opens at most six connections to a host at
	// once and each is pending for a round trip or two, so even ten
	// people behind one NAT loading the page in the same second stay far
	// below it, while eight sources are needed to fill MaxPending.
	MaxPendingPerSource int
	// MaxConnsPerSource caps one source's open connections, pending or
	// classified, until they close. Default 512. A member holds up to
	// about 20 at a meeting's start: up to 6 HTTP keep-alive connections
	// (idle until the HTTP idle timeout), the websocket, and for each of
	// the two peer connections an ICE-TCP connection and TURN over TCP
	// and TLS, plus the pre-join network check's TURN connections. A
	// 10-person office behind one NAT address needs about 200; 512 leaves
	// room for two or three meetings at once from one office.
	MaxConnsPerSource int
	// TrustedProxies lists the addresses (CIDR) of layer-4 load balancers
	// that send a PROXY protocol header; the header is honoured only from
	// them.
	TrustedProxies []string
	// OnClassified, if set, is called with each connection's outcome.
	OnClassified func(outcome string)
	Logger       *slog.Logger
}

// Mux classifies the connections of one TCP listener. Each field is a
// net.Listener that yields the connections of one kind. Close the
// listeners of kinds nobody accepts: their connections are then refused at
// once instead of waiting in a queue.
type Mux struct {
	HTTP    *Listener // plain HTTP
	HTTPS   *Listener // HTTP after TLS termination
	TURNTCP *Listener // TURN over TCP
	TURNTLS *Listener // TURN after TLS termination
	ICETCP  *Listener // ICE-TCP (RFC 4571 framed STUN and media)

	ln      net.Listener
	cfg     Config
	log     *slog.Logger
	proxied bool          // connections come with a PROXY header
	workers chan struct{} // classification goroutines, shed ones still ending included
	wg      sync.WaitGroup

	mu       sync.Mutex
	sources  map[netip.Prefix]*source
	holders  map[*source]struct{} // sources with pending connections
	npending int
	seq      uint64
	applied  time.Duration // no pending deadline is later than its start + applied
	closed   bool
}

// New wraps ln. Call Serve to start accepting.
func New(ln net.Listener, cfg Config) (*Mux, error) {
	if cfg.ClassifyTimeout <= 0 {
		cfg.ClassifyTimeout = 10 * time.Second
	}
	if cfg.MinClassifyTimeout <= 0 {
		cfg.MinClassifyTimeout = 2 * time.Second
	}
	cfg.MinClassifyTimeout = min(cfg.MinClassifyTimeout, cfg.ClassifyTimeout)
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 256
	}
	if cfg.MaxPendingPerSource <= 0 {
		cfg.MaxPendingPerSource = 32
	}
	if cfg.MaxConnsPerSource <= 0 {
		cfg.MaxConnsPerSource = 512
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OnClassified == nil {
		cfg.OnClassified = func(string) {}
	}
	m := &Mux{
		ln: ln, cfg: cfg, log: cfg.Logger,
		// Shed connections end at once, so twice the cap is never
		// reached unless the machine is too busy to run them.
		workers: make(chan struct{}, 2*cfg.MaxPending),
		sources: make(map[netip.Prefix]*source),
		holders: make(map[*source]struct{}),
	}
	if len(cfg.TrustedProxies) > 0 {
		m.proxied = true
		policy, err := proxyproto.TrustProxyHeaderFromRanges(cfg.TrustedProxies)
		if err != nil {
			return nil, fmt.Errorf("portmux: trusted proxies: %w", err)
		}
		m.ln = &proxyproto.Listener{Listener: ln, ConnPolicy: policy, ReadHeaderTimeout: cfg.ClassifyTimeout}
	}
	addr := ln.Addr()
	m.HTTP = newListener(addr, cfg.MaxPending)
	m.HTTPS = newListener(addr, cfg.MaxPending)
	m.TURNTCP = newListener(addr, cfg.MaxPending)
	m.TURNTLS = newListener(addr, cfg.MaxPending)
	m.ICETCP = newListener(addr, cfg.MaxPending)
	return m, nil
}

// Addr is the shared port's address.
func (m *Mux) Addr() net.Addr { return m.ln.Addr() }

// Serve accepts connections until the listener is closed.
func (m *Mux) Serve() error {
	var pause time.Duration
	for {
		c, err := m.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, proxyproto.ErrInvalidUpstream) {
				continue
			}
			// Out of file descriptors and the like: back off, as
			// net/http does, instead of spinning.
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			m.log.Warn("accept on the shared port", "err", err, "retry_in", pause)
			time.Sleep(pause)
			continue
		}
		pause = 0
		select {
		case m.workers <- struct{}{}:
		default:
			m.refuse(c, netip.Prefix{}, OutcomeOverflow)
			continue
		}
		key, final := sourceOf(c)
		e, refused := m.admit(c, key, final)
		if e == nil {
			<-m.workers
			m.refuse(c, key, refused)
			continue
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			defer func() { <-m.workers }()
			m.classify(e)
		}()
	}
}

// refuse closes a connection the accept loop does not take. It names the
// source by its key: asking a connection from a proxy for its address
// would wait for the PROXY header.
func (m *Mux) refuse(c net.Conn, key netip.Prefix, outcome string) {
	if outcome != "" {
		m.cfg.OnClassified(outcome)
		m.log.Debug("shared port: connection refused", "remote", key, "outcome", outcome)
	}
	_ = c.Close()
}

// Close stops accepting, closes the sub-listeners, and ends the
// classification of connections still sending their first bytes.
func (m *Mux) Close() error {
	err := m.ln.Close()
	m.mu.Lock()
	m.closed = true
	now := time.Now()
	for src := range m.holders {
		for _, e := range src.pending {
			_ = e.c.SetDeadline(now) // their reads fail at once
		}
	}
	m.mu.Unlock()
	for _, l := range []*Listener{m.HTTP, m.HTTPS, m.TURNTCP, m.TURNTLS, m.ICETCP} {
		_ = l.Close()
	}
	m.wg.Wait()
	return err
}

// classify reads the first bytes of e's connection and hands it on, or
// closes it.
func (m *Mux) classify(e *entry) {
	c := e.c
	if m.proxied {
		// RemoteAddr reads the PROXY header (within the deadline): the
		// real client's limits apply from here.
		if refused := m.rekey(e, sourceKey(c.RemoteAddr())); refused != "" {
			m.reject(e, c, refused, errors.New("over its source's limit"))
			return
		}
	}
	br := bufio.NewReaderSize(c, 1024)
	head, err := br.Peek(peekLen)
	if err != nil {
		m.reject(e, c, readOutcome(err), err)
		return
	}
	pc := &peekedConn{Conn: c, r: br}
	switch Classify(head) {
	case KindTLS:
		m.terminateTLS(e, pc)
	case KindSTUN:
		m.deliver(e, m.TURNTCP, pc, OutcomeTURNTCP)
	case KindRFC4571:
		m.deliver(e, m.ICETCP, pc, OutcomeICETCP)
	case KindHTTP:
		m.deliver(e, m.HTTP, pc, OutcomeHTTP)
	default:
		m.reject(e, c, OutcomeUnknown, fmt.Errorf("first bytes % x", head))
	}
}

// terminateTLS runs the handshake and reads the first decrypted bytes,
// all within the connection's classification deadline (which the
// pressure on the port may bring forward meanwhile).
func (m *Mux) terminateTLS(e *entry, c net.Conn) {
	if m.cfg.TLS == nil {
		m.reject(e, c, OutcomeTLSOff, errors.New("TLS is not configured on this port"))
		return
	}
	tc := tls.Server(c, m.cfg.TLS)
	if err := tc.Handshake(); err != nil {
		m.reject(e, tc, readOutcome(err, OutcomeTLSError), err)
		return
	}
	if tc.ConnectionState().NegotiatedProtocol == "acme-tls/1" {
		// The certificate authority's TLS-ALPN-01 check ends with the
		// handshake.
		m.cfg.OnClassified(OutcomeACME)
		_ = tc.Close()
		m.release(e)
		return
	}
	br := bufio.NewReaderSize(tc, 1024)
	head, err := br.Peek(stunHeaderPrefix)
	if err != nil {
		m.reject(e, tc, readOutcome(err), err)
		return
	}
	pc := &peekedConn{Conn: tc, r: br}
	if isSTUN(head) {
		m.deliver(e, m.TURNTLS, pc, OutcomeTURNTLS)
		return
	}
	m.deliver(e, m.HTTPS, pc, OutcomeHTTPS)
}

// deliver hands a classified connection to its listener, wrapped so that
// closing it gives its source's slot back.
func (m *Mux) deliver(e *entry, l *Listener, c net.Conn, outcome string) {
	if !m.classified(e) {
		m.reject(e, c, OutcomeShed, fmt.Errorf("%s connection", outcome))
		return
	}
	_ = c.SetDeadline(time.Time{})
	tc := &trackedConn{Conn: c, release: func() { m.release(e) }}
	if refused := l.put(tc); refused != "" {
		m.reject(e, tc, refused, fmt.Errorf("%s connection", outcome))
		return
	}
	m.cfg.OnClassified(outcome)
}

// reject closes a connection that is not handed on. One that was shed
// counts as shed, whatever its read then failed with.
func (m *Mux) reject(e *entry, c net.Conn, outcome string, err error) {
	if m.wasShed(e) {
		outcome = OutcomeShed
	}
	m.cfg.OnClassified(outcome)
	m.log.Debug("shared port: connection closed", "remote", c.RemoteAddr(), "outcome", outcome, "err", err)
	_ = c.Close()
	m.release(e)
}

// readOutcome names why reading a connection's first bytes failed.
func readOutcome(err error, otherwise ...string) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return OutcomeTimeout
	case errors.Is(err, proxyproto.ErrInvalidUpstream), isProxyError(err):
		return OutcomeProxyError
	case len(otherwise) > 0:
		return otherwise[0]
	default:
		return OutcomeUnknown
	}
}

func isProxyError(err error) bool {
	for _, e := range []error{proxyproto.ErrNoProxyProtocol, proxyproto.ErrCantReadVersion1Header, proxyproto.ErrCantReadProtocolVersionAndCommand, proxyproto.ErrInvalidLength} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// peekedConn is a connection whose first bytes were read ahead into r.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
