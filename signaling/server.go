package signaling

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"piiri/internal/clock"
	"piiri/internal/ratelimit"
	"piiri/metrics"
)

// Config holds the signalling limits and policies.
type Config struct {
	// RoomKey is the shared key of ad-hoc rooms, used when Admission is
	// nil. Empty means dev mode: any room name, no key; the caller allows
	// that only on loopback.
	RoomKey string
	// Admission decides who a join is; nil means RoomKey(RoomKey).
	Admission          Admission
	MaxParticipants    int
	MaxMessageBytes    int
	MessagesPerSecond  float64
	MessageBurst       int
	MaxInvalidMessages int
	ResumeGrace        time.Duration
	// FailedAuth limits wrong keys, tokens and resume tokens per source
	// address; nil means ratelimit.NewFailedAuth. The server shares one
	// limiter with its HTTP endpoints.
	FailedAuth *ratelimit.PerSource
	// ICEServers returns the ICE servers for one participant (TURN
	// credentials are per participant). Nil means none.
	ICEServers func(participantID string) []ICEServer
	// Gone, if set, is called when a participant has left for good, so
	// what it held elsewhere (TURN relays) can be let go.
	Gone func(participantID string)
	// Clock times the grace periods and the presence events; nil is the
	// real clock.
	Clock clock.Clock

	Logger  *slog.Logger
	Metrics *metrics.Metrics
}

// Server is the registry of rooms: it accepts websocket connections at its
// ServeHTTP and finds or creates the room each join goes to.
//
// Locking: mu guards only the maps (rooms by name, members by resume token,
// open sessions) and the closing flag. Everything about one room is
// guarded by that room's own lock (see room), so nothing in one room ever
// waits on another. mu is never held while a room's lock is taken.
type Server struct {
	cfg       Config
	media     Media
	admission Admission
	clock     clock.Clock
	log       *slog.Logger
	metrics   *metrics.Metrics
	upgrader  websocket.Upgrader

	mu       sync.Mutex
	rooms    map[string]*room
	tokens   map[string]*member // resume token → member
	sessions map[*session]struct{}
	closing  bool
}

// New creates a signalling server over the given media plane.
func New(cfg Config, media Media) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.FailedAuth == nil {
		cfg.FailedAuth = ratelimit.NewFailedAuth(cfg.Clock)
	}
	admission := cfg.Admission
	if admission == nil {
		admission = RoomKey(cfg.RoomKey)
	}
	return &Server{
		cfg:       cfg,
		media:     media,
		admission: admission,
		clock:     cfg.Clock,
		log:       cfg.Logger,
		metrics:   cfg.Metrics,
		upgrader: websocket.Upgrader{
			ReadBufferSize:  4096,
			WriteBufferSize: 4096,
		},
		rooms:    make(map[string]*room),
		tokens:   make(map[string]*member),
		sessions: make(map[*session]struct{}),
	}
}

// ServeHTTP upgrades the request to a websocket and runs the session until
// the connection ends.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// The upgrader has already written an HTTP error response.
		s.log.Debug("websocket upgrade", "remote", r.RemoteAddr, "err", err)
		return
	}
	sess := newSession(s, conn, r.RemoteAddr)
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		sess.closeWith(ReasonShutdown)
		sess.run()
		return
	}
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, sess)
		s.mu.Unlock()
	}()
	sess.run()
}

// KeyOK reports whether key is the shared room key (any key in dev mode).
func (s *Server) KeyOK(key string) bool { return RoomKey(s.cfg.RoomKey).KeyOK(key) }

// authBlocked reports whether the source has used up its failed attempts.
func (s *Server) authBlocked(src netip.Addr) *Error {
	if !src.IsValid() {
		return nil
	}
	if blocked, wait := s.cfg.FailedAuth.Blocked(src); blocked {
		s.metrics.AuthRateLimited.WithLabelValues("websocket").Inc()
		return errorf(CodeRateLimited, "too many failed attempts from your address; try again in %d s", int(wait.Seconds())+1)
	}
	return nil
}

// authFailed counts a wrong credential against its source.
func (s *Server) authFailed(src netip.Addr, credential string) {
	s.metrics.AuthFailures.WithLabelValues(credential).Inc()
	if src.IsValid() {
		s.cfg.FailedAuth.Allow(src)
	}
}

// roomFor returns the open room with the given registry key, creating it
// (and its media room, named as clients see it) if there is none.
func (s *Server) roomFor(name, shown string) (*room, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, errorf(CodeShuttingDown, "the server is shutting down")
	}
	if rm := s.rooms[name]; rm != nil {
		return rm, nil
	}
	rm := newRoom(s, name, shown)
	// NewRoom only takes the media plane's list lock, which it never holds
	// while calling back into signalling.
	mediaRoom, err := s.media.NewRoom(shown, rm)
	if err != nil {
		return nil, err
	}
	rm.media = mediaRoom
	s.rooms[name] = rm
	return rm, nil
}

// register makes m findable by its resume token.
func (s *Server) register(m *member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[m.token] = m
}

// forget drops m's token, and rm from the rooms if it has closed.
func (s *Server) forget(m *member, rm *room, roomClosed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens[m.token] == m {
		delete(s.tokens, m.token)
	}
	if roomClosed && s.rooms[rm.name] == rm {
		delete(s.rooms, rm.name)
	}
}

func (s *Server) byToken(token string) *member {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[token]
}

func (s *Server) roomList() []*room {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*room, 0, len(s.rooms))
	for _, rm := range s.rooms {
		out = append(out, rm)
	}
	return out
}

func (s *Server) iceServers(participantID string) []ICEServer {
	if s.cfg.ICEServers == nil {
		return []ICEServer{}
	}
	return s.cfg.ICEServers(participantID)
}

// Disconnect cuts the websocket of a participant as a network failure
// would, without a close handshake; the participant stays in its room for
// the resume grace period. It reports whether the participant was
// connected. Tests use it to exercise resume; it is also the basis of an
// admin "kick".
func (s *Server) Disconnect(participantID string) bool {
	for _, rm := range s.roomList() {
		if m := rm.find(participantID); m != nil {
			if sess := m.session(); sess != nil {
				sess.cut()
				return true
			}
			return false
		}
	}
	return false
}

// Counts is a snapshot of the server's rooms, for tests and the admin page.
type Counts struct {
	Rooms        int
	Participants int // present in a room, probes not included
	Connected    int // of Participants, those with a live connection
	Probes       int // network checks
}

// Counts returns how many rooms and participants there are.
func (s *Server) Counts() Counts {
	var c Counts
	for _, rm := range s.roomList() {
		rc := rm.counts()
		if rc.Participants > 0 {
			c.Rooms++
		}
		c.Participants += rc.Participants
		c.Connected += rc.Connected
		c.Probes += rc.Probes
	}
	return c
}

// Shutdown tells every client the server is stopping, closes their
// connections and media, and waits until that is done or ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	sessions := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()

	for _, sess := range sessions {
		sess.closeWith(ReasonShutdown)
	}
	done := make(chan struct{})
	go func() {
		for _, rm := range s.roomList() {
			for _, m := range rm.memberList() {
				s.remove(m, ReasonShutdown)
			}
		}
		for _, sess := range sessions {
			<-sess.finished
		}
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("signaling: shutdown did not finish"), ctx.Err())
	}
}

// newID returns a participant ID: visible to the room, not a secret.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// newToken returns a resume token: 256 random bits, the only credential a
// reconnecting client presents.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}
