// Package turn owns piiri's embedded TURN server (pion/turn/v5): TURN over
// UDP on its own port, and over TCP and TLS on the shared port (the portmux
// hands over those connections). It is not an open relay: an allocation
// can exchange packets with the SFU's own media socket and nothing else.
// Credentials are per participant, HMAC-signed and time-limited, and stop
// working when the participant leaves (Revoke). Allocations are capped per
// participant, per client address and for the whole server, since each
// holds a UDP port and file descriptors.
package turn

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // TURN REST credentials are HMAC-SHA1 by the draft browsers follow
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/stun/v4"
	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"

	"piiri/internal/clock"
	"piiri/internal/pionlog"
	"piiri/internal/ratelimit"
	"piiri/metrics"
)

// Config configures the TURN server.
type Config struct {
	// Listeners; a nil one disables that transport.
	UDP net.PacketConn // TURN over UDP (3478)
	TCP net.Listener   // TURN over TCP, from the shared port
	TLS net.Listener   // TURN over TLS, terminated by the shared port

	// Peers are the SFU's media addresses as clients see them (its ICE
	// candidates): the only addresses an allocation may send to.
	Peers []netip.AddrPort
	// Media is the SFU media socket's own address: what the relay
	// really sends to, whichever of Peers the client named (the server
	// may not be able to reach its own public address).
	Media netip.AddrPort
	// RelayIP is the address clients are told their relay has; the
	// relay sockets themselves bind to Media's address.
	RelayIP net.IP

	Realm string
	// Secret signs credentials; a random one is made when empty, which
	// makes credentials die with the process.
	Secret []byte
	// CredentialTTL is how long credentials allow new allocations. An
	// allocation made in time may be refreshed for RefreshGrace after
	// that, so a meeting is not cut off mid-way.
	CredentialTTL time.Duration
	RefreshGrace  time.Duration
	// MaxAllocationsPerUser caps one participant's allocations.
	MaxAllocationsPerUser int
	// MaxAllocations caps the allocations of everyone together: each
	// holds a UDP port and a file descriptor, two over TCP or TLS.
	// Default 2048: a browser allocates once per TURN URL (UDP, TCP,
	// TLS) for each of its two peer connections, 6 per participant; a
	// full room of 11 holds 66, so 2048 is some 30 full rooms, more than
	// one piiri forwards media for, with room for network checks.
	MaxAllocations int
	// MaxAllocationsPerSource caps the allocations made from one client
	// address (an IPv4 address or an IPv6 /64), so that one host cannot
	// take MaxAllocations for itself, however many credentials it holds.
	// Default 256: 6 per member plus the pre-join check's 3 for some 25
	// people behind one office NAT.
	MaxAllocationsPerSource int
	// Clock tells the time for credentials and revocations; nil is the
	// real clock.
	Clock clock.Clock

	// Logger receives our logs and pion's (lowered one level).
	Logger  *slog.Logger
	Metrics *metrics.Metrics
}

// Server is a running TURN server.
type Server struct {
	cfg    Config
	log    *slog.Logger
	server *pionturn.Server
	policy *peerPolicy

	mu          sync.Mutex
	perUser     map[string]int                      // allocations per participant
	perSource   map[netip.Prefix]int                // allocations per client address
	nrelays     int                                 // relay sockets open or being opened
	transports  map[netip.AddrPort]string           // relay socket address -> path (metrics.PathTURN*)
	relaysOf    map[string]map[*policyConn]struct{} // relay sockets per participant
	revoked     map[string]time.Time                // participants who left -> until when they are refused
	revocations []revocation                        // the same, oldest first, to forget them

	capWarned time.Time // when the cap was last reported in the log

	authFailures prometheus.Counter
	refusals     *prometheus.CounterVec
}

// revocation is a participant whose credentials are refused until a time.
type revocation struct {
	id    string
	until time.Time
}

// New starts serving on the configured listeners.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Realm == "" {
		cfg.Realm = "piiri"
	}
	if cfg.CredentialTTL <= 0 {
		cfg.CredentialTTL = 2 * time.Hour
	}
	if cfg.RefreshGrace <= 0 {
		cfg.RefreshGrace = 12 * time.Hour
	}
	if cfg.MaxAllocationsPerUser <= 0 {
		cfg.MaxAllocationsPerUser = 8
	}
	if cfg.MaxAllocations <= 0 {
		cfg.MaxAllocations = 2048
	}
	if cfg.MaxAllocationsPerSource <= 0 {
		cfg.MaxAllocationsPerSource = 256
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		_, _ = rand.Read(cfg.Secret)
	}
	if !cfg.Media.IsValid() || len(cfg.Peers) == 0 {
		return nil, errors.New("turn: the SFU's media addresses are required")
	}
	if cfg.RelayIP == nil {
		cfg.RelayIP = net.IP(cfg.Media.Addr().AsSlice())
	}
	s := &Server{
		cfg:          cfg,
		log:          cfg.Logger,
		policy:       newPeerPolicy(cfg.Peers, cfg.Media, cfg.Metrics),
		perUser:      make(map[string]int),
		perSource:    make(map[netip.Prefix]int),
		transports:   make(map[netip.AddrPort]string),
		relaysOf:     make(map[string]map[*policyConn]struct{}),
		revoked:      make(map[string]time.Time),
		authFailures: cfg.Metrics.TURNAuthFailures,
		refusals:     cfg.Metrics.TURNRefusals,
	}
	sc := pionturn.ServerConfig{
		Realm:         cfg.Realm,
		AuthHandler:   s.authenticate,
		QuotaHandler:  s.quota,
		LoggerFactory: pionlog.Factory(cfg.Logger),
		EventHandler: pionturn.EventHandler{
			OnAllocationCreated: s.allocationCreated,
			OnAllocationDeleted: s.allocationDeleted,
		},
	}
	if cfg.UDP != nil {
		sc.PacketConnConfigs = append(sc.PacketConnConfigs, pionturn.PacketConnConfig{
			PacketConn:            cfg.UDP,
			RelayAddressGenerator: s.relays(metrics.PathTURNUDP),
			PermissionHandler:     s.policy.permit,
		})
	}
	for _, l := range []struct {
		ln   net.Listener
		path string
	}{{cfg.TCP, metrics.PathTURNTCP}, {cfg.TLS, metrics.PathTURNTLS}} {
		if l.ln != nil {
			sc.ListenerConfigs = append(sc.ListenerConfigs, pionturn.ListenerConfig{
				Listener:              l.ln,
				RelayAddressGenerator: s.relays(l.path),
				PermissionHandler:     s.policy.permit,
			})
		}
	}
	srv, err := pionturn.NewServer(sc)
	if err != nil {
		return nil, fmt.Errorf("turn: start: %w", err)
	}
	s.server = srv
	return s, nil
}

// Close stops the server and its allocations.
func (s *Server) Close() error {
	if err := s.server.Close(); err != nil {
		return fmt.Errorf("turn: close: %w", err)
	}
	return nil
}

// CredentialsFor issues a participant's TURN username and password, valid
// for new allocations for ttl (capped at CredentialTTL): the TURN REST form
// "expiry:participant" with an HMAC-SHA1 password.
func (s *Server) CredentialsFor(participantID string, ttl time.Duration) (username, password string) {
	ttl = min(ttl, s.cfg.CredentialTTL)
	username = strconv.FormatInt(s.cfg.Clock.Now().Add(ttl).Unix(), 10) + ":" + participantID
	return username, s.password(username)
}

func (s *Server) password(username string) string {
	mac := hmac.New(sha1.New, s.cfg.Secret)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// authenticate checks a request's credentials. New allocations need
// credentials that have not expired; requests that keep an existing
// allocation alive get RefreshGrace more. A participant who has left gets
// nothing.
func (s *Server) authenticate(ra *pionturn.RequestAttributes) (string, []byte, bool) {
	expiry, user, ok := strings.Cut(ra.Username, ":")
	exp, err := strconv.ParseInt(expiry, 10, 64)
	if !ok || err != nil || user == "" {
		s.authFailures.Inc()
		s.log.Debug("TURN credentials of the wrong form", "remote", ra.SrcAddr)
		return "", nil, false
	}
	limit := time.Unix(exp, 0)
	if ra.Method != stun.MethodAllocate {
		limit = limit.Add(s.cfg.RefreshGrace)
	}
	now := s.cfg.Clock.Now()
	if now.After(limit) {
		s.authFailures.Inc()
		s.log.Debug("expired TURN credentials", "remote", ra.SrcAddr, "method", ra.Method)
		return "", nil, false
	}
	if s.isRevoked(user, now) {
		s.refusals.WithLabelValues(metrics.TURNRefusedRevoked).Inc()
		s.log.Debug("TURN credentials of a participant who left", "remote", ra.SrcAddr, "method", ra.Method)
		return "", nil, false
	}
	// The key derives from the expected password: a forged username or
	// password fails the message integrity check in pion.
	return user, pionturn.GenerateAuthKey(ra.Username, ra.Realm, s.password(ra.Username)), true
}

// quota gets the user ID authenticate returned (the participant), not the
// TURN username. A refusal is answered with 486 (Allocation Quota
// Reached). The server-wide cap is kept where relay sockets are made.
func (s *Server) quota(user, _ string, src net.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.perUser[user] >= s.cfg.MaxAllocationsPerUser:
		s.refusals.WithLabelValues(metrics.TURNRefusedQuota).Inc()
		return false
	case s.perSource[sourceKey(src)] >= s.cfg.MaxAllocationsPerSource:
		s.refusals.WithLabelValues(metrics.TURNRefusedSource).Inc()
		s.log.Debug("TURN allocations per address reached", "remote", src)
		return false
	}
	return true
}

// sourceKey is the key of a client address for the per-address cap.
func sourceKey(a net.Addr) netip.Prefix {
	var ip netip.Addr
	switch a := a.(type) {
	case *net.UDPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case nil:
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		}
	}
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	return ratelimit.Source(ip)
}

func (s *Server) allocationCreated(src, _ net.Addr, _, userID, _ string, relay net.Addr, _ int) {
	s.mu.Lock()
	s.perUser[userID]++
	s.perSource[sourceKey(src)]++
	s.mu.Unlock()
	s.cfg.Metrics.TURNAllocations.Inc()
	s.log.Debug("TURN allocation", "participant", userID, "remote", src, "relay", relay)
}

func (s *Server) allocationDeleted(src, _ net.Addr, _, userID, _ string) {
	s.mu.Lock()
	if s.perUser[userID]--; s.perUser[userID] <= 0 {
		delete(s.perUser, userID)
	}
	key := sourceKey(src)
	if s.perSource[key]--; s.perSource[key] <= 0 {
		delete(s.perSource, key)
	}
	s.mu.Unlock()
	s.cfg.Metrics.TURNAllocations.Dec()
}

// Revoke is for a participant who has left the room: its credentials are
// refused from now on, and every relay socket it has is closed. A client
// that vanishes (a closed laptop) never deallocates, and its allocations
// would otherwise hold sockets until they expire. The refusal is
// remembered for CredentialTTL, the longest any of its credentials can
// still allow a new allocation, and then forgotten, so the memory it
// takes is bounded by the participants who leave within that time.
func (s *Server) Revoke(participantID string) {
	now := s.cfg.Clock.Now()
	until := now.Add(s.cfg.CredentialTTL)
	s.mu.Lock()
	s.forgetRevocationsLocked(now)
	s.revoked[participantID] = until
	s.revocations = append(s.revocations, revocation{id: participantID, until: until})
	conns := s.relaysOf[participantID]
	delete(s.relaysOf, participantID)
	s.mu.Unlock()
	for c := range conns {
		_ = c.Close() // the allocation's read loop ends with it
	}
}

// warnCapacity says in the log, at most once a minute, that allocations
// are being refused for the server's cap (each one is counted in
// metrics).
func (s *Server) warnCapacity() {
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	quiet := now.Sub(s.capWarned) < time.Minute
	if !quiet {
		s.capWarned = now
	}
	s.mu.Unlock()
	if !quiet {
		s.log.Warn("TURN allocations refused: the server's cap on allocations is reached", "max_allocations", s.cfg.MaxAllocations)
	}
}

// isRevoked reports whether the participant has left.
func (s *Server) isRevoked(participantID string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forgetRevocationsLocked(now)
	_, ok := s.revoked[participantID]
	return ok
}

// forgetRevocationsLocked drops the revocations whose credentials have
// all expired by now.
func (s *Server) forgetRevocationsLocked(now time.Time) {
	n := 0
	for ; n < len(s.revocations) && !s.revocations[n].until.After(now); n++ {
		r := s.revocations[n]
		if s.revoked[r.id].Equal(r.until) { // not revoked again since
			delete(s.revoked, r.id)
		}
	}
	if n > 0 {
		s.revocations = slices.Delete(s.revocations, 0, n)
	}
}

// PathOf names the path (metrics.PathTURNUDP, …TCP, …TLS) of a client
// whose relay socket is at addr, for the SFU's count of paths in use; ok
// is false when addr is not one of ours.
func (s *Server) PathOf(addr netip.AddrPort) (path string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path, ok = s.transports[normalize(addr)]
	return path, ok
}
