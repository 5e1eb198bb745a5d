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
// A classification deadline and a cap on connections being classified keep
// slow or garbage connections from holding resources. Connections from
// configured trusted proxies may start with a PROXY protocol (v1 or v2)
// header, so every path sees the real client address.
package portmux

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pires/go-proxyproto"
)

// Outcomes of classifying a connection, for metrics and logs.
const (
	OutcomeHTTP       = "http"
	OutcomeHTTPS      = "https"
	OutcomeTURNTCP    = "turn-tcp"
	OutcomeTURNTLS    = "turn-tls"
	OutcomeICETCP     = "ice-tcp"
	OutcomeACME       = "acme"         // a TLS-ALPN-01 challenge, answered in the handshake
	OutcomeUnknown    = "unknown"      // bytes that are none of the above
	OutcomeTimeout    = "timeout"      // too slow to send its first bytes or finish TLS
	OutcomeOverflow   = "overflow"     // too many connections being classified
	OutcomeTLSError   = "tls-error"    // a TLS handshake that failed
	OutcomeTLSOff     = "tls-disabled" // TLS on a port without a certificate
	OutcomeProxyError = "proxy-error"  // a bad PROXY protocol header from a trusted proxy
	OutcomeNotServed  = "not-served"   // a kind this server does not serve (its listener is closed)
	OutcomeBacklog    = "backlog-full" // classified, but its consumer has too many waiting
)

// Config configures a Mux.
type Config struct {
	// TLS terminates TLS connections; nil refuses them.
	TLS *tls.Config
	// ClassifyTimeout bounds the time a new connection may take to send
	// its first bytes (and to finish TLS). Default 10 s.
	ClassifyTimeout time.Duration
	// MaxPending caps connections being classified at once; more are
	// closed at once. Default 256.
	MaxPending int
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
	pending chan struct{}
	wg      sync.WaitGroup

	mu         sync.Mutex
	inProgress map[net.Conn]struct{} // being classified, for Close
	closed     bool
}

// New wraps ln. Call Serve to start accepting.
func New(ln net.Listener, cfg Config) (*Mux, error) {
	if cfg.ClassifyTimeout <= 0 {
		cfg.ClassifyTimeout = 10 * time.Second
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OnClassified == nil {
		cfg.OnClassified = func(string) {}
	}
	m := &Mux{ln: ln, cfg: cfg, log: cfg.Logger, pending: make(chan struct{}, cfg.MaxPending), inProgress: make(map[net.Conn]struct{})}
	if len(cfg.TrustedProxies) > 0 {
		policy, err := proxyproto.TrustProxyHeaderFromRanges(cfg.TrustedProxies)
		if err != nil {
			return nil, fmt.Errorf("portmux: trusted proxies: %w", err)
		}
		m.ln = &proxyproto.Listener{Listener: ln, ConnPolicy: policy, ReadHeaderTimeout: cfg.ClassifyTimeout}
	}
	addr := ln.Addr()
	m.HTTP = newListener(addr)
	m.HTTPS = newListener(addr)
	m.TURNTCP = newListener(addr)
	m.TURNTLS = newListener(addr)
	m.ICETCP = newListener(addr)
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
		case m.pending <- struct{}{}:
		default:
			m.cfg.OnClassified(OutcomeOverflow)
			_ = c.Close()
			continue
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			defer func() { <-m.pending }()
			m.classify(c)
		}()
	}
}

// Close stops accepting, closes the sub-listeners, and ends the
// classification of connections still sending their first bytes.
func (m *Mux) Close() error {
	err := m.ln.Close()
	m.mu.Lock()
	m.closed = true
	for c := range m.inProgress {
		_ = c.SetDeadline(time.Now()) // their reads fail at once
	}
	m.mu.Unlock()
	for _, l := range []*Listener{m.HTTP, m.HTTPS, m.TURNTCP, m.TURNTLS, m.ICETCP} {
		_ = l.Close()
	}
	m.wg.Wait()
	return err
}

// classify reads the first bytes of c and hands it on, or closes it.
func (m *Mux) classify(c net.Conn) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		_ = c.Close()
		return
	}
	m.inProgress[c] = struct{}{}
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.inProgress, c)
		m.mu.Unlock()
	}()
	deadline := time.Now().Add(m.cfg.ClassifyTimeout)
	_ = c.SetDeadline(deadline)
	br := bufio.NewReaderSize(c, 1024)
	head, err := br.Peek(peekLen)
	if err != nil {
		m.reject(c, readOutcome(err), err)
		return
	}
	pc := &peekedConn{Conn: c, r: br}
	switch Classify(head) {
	case KindTLS:
		m.terminateTLS(pc, deadline)
	case KindSTUN:
		m.deliver(m.TURNTCP, pc, OutcomeTURNTCP)
	case KindRFC4571:
		m.deliver(m.ICETCP, pc, OutcomeICETCP)
	case KindHTTP:
		m.deliver(m.HTTP, pc, OutcomeHTTP)
	default:
		m.reject(c, OutcomeUnknown, fmt.Errorf("first bytes % x", head))
	}
}

func (m *Mux) terminateTLS(c net.Conn, deadline time.Time) {
	if m.cfg.TLS == nil {
		m.reject(c, OutcomeTLSOff, errors.New("TLS is not configured on this port"))
		return
	}
	tc := tls.Server(c, m.cfg.TLS)
	if err := tc.Handshake(); err != nil {
		m.reject(tc, readOutcome(err, OutcomeTLSError), err)
		return
	}
	if tc.ConnectionState().NegotiatedProtocol == "acme-tls/1" {
		// The certificate authority's TLS-ALPN-01 check ends with the
		// handshake.
		m.cfg.OnClassified(OutcomeACME)
		_ = tc.Close()
		return
	}
	_ = tc.SetDeadline(deadline)
	br := bufio.NewReaderSize(tc, 1024)
	head, err := br.Peek(stunHeaderPrefix)
	if err != nil {
		m.reject(tc, readOutcome(err), err)
		return
	}
	pc := &peekedConn{Conn: tc, r: br}
	if isSTUN(head) {
		m.deliver(m.TURNTLS, pc, OutcomeTURNTLS)
		return
	}
	m.deliver(m.HTTPS, pc, OutcomeHTTPS)
}

func (m *Mux) deliver(l *Listener, c net.Conn, outcome string) {
	_ = c.SetDeadline(time.Time{})
	if refused := l.put(c); refused != "" {
		m.reject(c, refused, fmt.Errorf("%s connection", outcome))
		return
	}
	m.cfg.OnClassified(outcome)
}

func (m *Mux) reject(c net.Conn, outcome string, err error) {
	m.cfg.OnClassified(outcome)
	m.log.Debug("shared port: connection closed", "remote", c.RemoteAddr(), "outcome", outcome, "err", err)
	_ = c.Close()
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
