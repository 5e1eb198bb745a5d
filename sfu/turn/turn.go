// Package turn owns piiri's embedded TURN server (pion/turn/v5): TURN over
// UDP on its own port, and over TCP and TLS on the shared port (the portmux
// hands over those connections). It is not an open relay: an allocation
// can exchange packets with the SFU's own media socket and nothing else.
// Credentials are per participant, HMAC-signed and time-limited, and each
// participant has an allocation quota.
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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/stun/v4"
	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"

	"piiri/internal/pionlog"
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

	mu         sync.Mutex
	perUser    map[string]int                      // allocations per participant
	transports map[netip.AddrPort]string           // relay socket address -> path (metrics.PathTURN*)
	relaysOf   map[string]map[*policyConn]struct{} // relay sockets per participant

	authFailures prometheus.Counter
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
		transports:   make(map[netip.AddrPort]string),
		relaysOf:     make(map[string]map[*policyConn]struct{}),
		authFailures: cfg.Metrics.TURNAuthFailures,
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
	username = strconv.FormatInt(time.Now().Add(ttl).Unix(), 10) + ":" + participantID
	return username, s.password(username)
}

func (s *Server) password(username string) string {
	mac := hmac.New(sha1.New, s.cfg.Secret)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// authenticate checks a request's credentials. New allocations need
// credentials that have not expired; requests that keep an existing
// allocation alive get RefreshGrace more.
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
	if time.Now().After(limit) {
		s.authFailures.Inc()
		s.log.Debug("expired TURN credentials", "remote", ra.SrcAddr, "method", ra.Method)
		return "", nil, false
	}
	// The key derives from the expected password: a forged username or
	// password fails the message integrity check in pion.
	return user, pionturn.GenerateAuthKey(ra.Username, ra.Realm, s.password(ra.Username)), true
}

// quota gets the user ID authenticate returned (the participant), not the
// TURN username.
func (s *Server) quota(user, _ string, _ net.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perUser[user] < s.cfg.MaxAllocationsPerUser
}

func (s *Server) allocationCreated(src, _ net.Addr, _, userID, _ string, relay net.Addr, _ int) {
	s.mu.Lock()
	s.perUser[userID]++
	s.mu.Unlock()
	s.cfg.Metrics.TURNAllocations.Inc()
	s.log.Debug("TURN allocation", "participant", userID, "client", src, "relay", relay)
}

func (s *Server) allocationDeleted(_, _ net.Addr, _, userID, _ string) {
	s.mu.Lock()
	if s.perUser[userID]--; s.perUser[userID] <= 0 {
		delete(s.perUser, userID)
	}
	s.mu.Unlock()
	s.cfg.Metrics.TURNAllocations.Dec()
}

// Revoke closes every relay socket of a participant who has left the
// room. A client that vanishes (a closed laptop) never deallocates, and
// its allocations would otherwise hold sockets until they expire.
func (s *Server) Revoke(participantID string) {
	s.mu.Lock()
	conns := s.relaysOf[participantID]
	delete(s.relaysOf, participantID)
	s.mu.Unlock()
	for c := range conns {
		_ = c.Close() // the allocation's read loop ends with it
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
