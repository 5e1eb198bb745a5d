package signaling

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"piiri/metrics"
	"piiri/sfu"
)

// Config holds the signalling limits and policies.
type Config struct {
	// RoomKey must be presented in join. Empty means dev mode: any room
	// name, no key; the caller allows that only on loopback.
	RoomKey            string
	MaxParticipants    int
	MaxMessageBytes    int
	MessagesPerSecond  float64
	MessageBurst       int
	MaxInvalidMessages int
	ResumeGrace        time.Duration
	// ICEServers returns the ICE servers for one participant (TURN
	// credentials are per participant). Nil means none.
	ICEServers func(participantID string) []ICEServer
	// Gone, if set, is called when a participant has left for good, so
	// what it held elsewhere (TURN relays) can be let go.
	Gone func(participantID string)

	Logger  *slog.Logger
	Metrics *metrics.Metrics
}

// Server accepts websocket connections at its ServeHTTP and keeps the rooms.
//
// Locking: mu guards rooms, tokens and room membership. Messages may be
// queued under it (queueing never blocks). Of the sfu package only NewRoom
// is called under it (it takes just the SFU's room list lock, which the sfu
// never holds while calling back); everything else is called without mu,
// because the sfu calls back (member.SendOffer, room.Speaking) with its own
// locks held.
type Server struct {
	cfg      Config
	media    *sfu.SFU
	log      *slog.Logger
	metrics  *metrics.Metrics
	upgrader websocket.Upgrader

	mu       sync.Mutex
	rooms    map[string]*room
	tokens   map[string]*member // resume token → member
	sessions map[*session]struct{}
	closing  bool
	wg       sync.WaitGroup // member removals in flight
}

// room is a signalling room: the members and their media room.
type room struct {
	srv     *Server
	name    string
	media   *sfu.Room
	members []*member // join order
}

// Speaking implements sfu.Events: it tells everyone in the room, the
// speaker included. The messages are queued under mu, and only while the
// speaker is still a member: the sfu reports the end of speech as the
// speaker's media closes, after participant_left has gone out, and no
// client should hear about a participant it was told has left. Queueing
// never waits on a client, so the forwarding goroutine that calls this
// does not either.
func (rm *room) Speaking(participantID string, speaking bool, _ time.Time) {
	msg := &Speaking{
		header:        header{Type: TypeSpeaking},
		ParticipantID: participantID,
		Speaking:      speaking,
	}
	s := rm.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.ContainsFunc(rm.members, func(m *member) bool { return m.id == participantID }) {
		return
	}
	for _, m := range rm.members {
		m.send(msg)
	}
}

// TrackPublished implements sfu.Events; signalling has no use for it yet.
func (rm *room) TrackPublished(sfu.TrackEvent) {}

// TrackEnded implements sfu.Events; signalling has no use for it yet.
func (rm *room) TrackEnded(sfu.TrackEvent) {}

// New creates a signalling server over the given SFU.
func New(cfg Config, media *sfu.SFU) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{
		cfg:     cfg,
		media:   media,
		log:     cfg.Logger,
		metrics: cfg.Metrics,
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

// KeyOK reports whether key is the room key (any key in dev mode). The
// comparison takes the same time whatever the key, so timing reveals
// nothing of it.
func (s *Server) KeyOK(key string) bool {
	return s.cfg.RoomKey == "" || subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.RoomKey)) == 1
}

// join admits a new participant into a room.
func (s *Server) join(sess *session, j *Join) (*member, error) {
	if !s.KeyOK(j.Key) {
		return nil, errorf(CodeUnauthorized, "wrong room key")
	}
	m := &member{
		srv:        s,
		id:         newID(),
		name:       j.Name,
		token:      newToken(),
		sess:       sess,
		audioMuted: j.AudioMuted,
		videoMuted: j.VideoMuted,
	}
	m.log = s.log.With("room", j.Room, "participant", m.id)
	iceServers := s.iceServers(m.id)

	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil, errorf(CodeShuttingDown, "the server is shutting down")
	}
	rm := s.rooms[j.Room]
	if rm == nil {
		rm = &room{srv: s, name: j.Room}
		mediaRoom, err := s.media.NewRoom(j.Room, rm)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		rm.media = mediaRoom
		s.rooms[j.Room] = rm
	}
	if len(rm.members) >= s.cfg.MaxParticipants {
		s.mu.Unlock()
		return nil, errorf(CodeRoomFull, "room %q already has its maximum of %d participants", j.Room, s.cfg.MaxParticipants)
	}
	others := rm.infos()
	present := slices.Clone(rm.members)
	m.room = rm
	rm.members = append(rm.members, m)
	s.tokens[m.token] = m
	// joined and participant_joined are queued under mu, in the same step
	// that makes m a member: every other participant then learns of m
	// exactly once (from its own joined if it comes later, from
	// participant_joined if it was there before), and nothing that is
	// broadcast to the room can reach m ahead of its joined. Both sends
	// only queue. joined also goes out before the media join, which may
	// already send the first subscriber offer through this member.
	sess.send(&Joined{
		header:        header{Type: TypeJoined, ID: j.ID},
		Version:       ProtocolVersion,
		Participant:   m.info(),
		Room:          RoomInfo{Name: rm.name, Participants: others, MaxParticipants: s.cfg.MaxParticipants},
		ResumeToken:   m.token,
		ResumeGraceMs: s.cfg.ResumeGrace.Milliseconds(),
		ICEServers:    iceServers,
	})
	announce := &ParticipantJoined{header: header{Type: TypeParticipantJoined}, Participant: m.info()}
	for _, o := range present {
		o.send(announce)
	}
	s.mu.Unlock()
	s.metrics.Participants.Inc()

	media, err := rm.media.Join(m.id, m)
	if err != nil {
		m.log.Error("join media room", "err", err)
		s.remove(m, ReasonJoinIncomplete)
		return nil, err
	}
	m.setMedia(media)
	m.log.Info("participant joined", "name", m.name, "remote", sess.remote)
	return m, nil
}

// resume gives a reconnecting client its participant back.
func (s *Server) resume(sess *session, j *Join) (*member, error) {
	s.mu.Lock()
	m := s.tokens[j.Resume]
	s.mu.Unlock()
	if m == nil || m.room.name != j.Room {
		return nil, errorf(CodeResumeFailed, "no participant to resume with this token in room %q (the grace period may have ended); join again", j.Room)
	}
	iceServers := s.iceServers(m.id)

	// As in join, the room as joined reports it and the session that
	// later broadcasts reach are settled in one step under mu, so the
	// client neither misses a change nor hears of one before joined.
	s.mu.Lock()
	if s.tokens[j.Resume] != m {
		s.mu.Unlock()
		return nil, errorf(CodeResumeFailed, "the participant has already left; join again")
	}
	old, ok := m.attach(sess)
	if !ok {
		s.mu.Unlock()
		return nil, errorf(CodeResumeFailed, "the participant has already left; join again")
	}
	sess.send(&Joined{
		header:        header{Type: TypeJoined, ID: j.ID},
		Version:       ProtocolVersion,
		Participant:   m.info(),
		Room:          RoomInfo{Name: m.room.name, Participants: m.room.infosExcept(m), MaxParticipants: s.cfg.MaxParticipants},
		Resumed:       true,
		ResumeToken:   m.token,
		ResumeGraceMs: s.cfg.ResumeGrace.Milliseconds(),
		ICEServers:    iceServers,
	})
	s.mu.Unlock()
	if old != nil {
		old.closeWith(ReasonResumed)
	}
	if media := m.mediaParticipant(); media != nil {
		media.Resume()
	}
	s.metrics.Resumes.Inc()
	m.log.Info("participant resumed", "remote", sess.remote)
	return m, nil
}

// remove takes m out of its room for good, tells the others and closes its
// media. It is idempotent.
func (s *Server) remove(m *member, reason string) {
	if !m.markGone() {
		return
	}
	s.mu.Lock()
	rm := m.room
	for i, x := range rm.members {
		if x == m {
			rm.members = append(rm.members[:i], rm.members[i+1:]...)
			break
		}
	}
	delete(s.tokens, m.token)
	empty := len(rm.members) == 0 && s.rooms[rm.name] == rm
	if empty {
		delete(s.rooms, rm.name)
	}
	s.mu.Unlock()

	s.metrics.Participants.Dec()
	s.metrics.Disconnects.WithLabelValues(reason).Inc()
	s.broadcast(rm, m, &ParticipantLeft{
		header:        header{Type: TypeParticipantLeft},
		ParticipantID: m.id,
		Reason:        reason,
	})
	if media := m.mediaParticipant(); media != nil {
		media.Close()
	}
	if s.cfg.Gone != nil {
		s.cfg.Gone(m.id)
	}
	if empty {
		rm.media.Close()
	}
	m.log.Info("participant left", "reason", reason)
}

// broadcast sends msg to every member of rm except skip.
func (s *Server) broadcast(rm *room, skip *member, msg any) {
	s.mu.Lock()
	targets := make([]*member, 0, len(rm.members))
	for _, m := range rm.members {
		if m != skip {
			targets = append(targets, m)
		}
	}
	s.mu.Unlock()
	for _, m := range targets {
		m.send(msg)
	}
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
	s.mu.Lock()
	var target *member
	for _, rm := range s.rooms {
		for _, m := range rm.members {
			if m.id == participantID {
				target = m
			}
		}
	}
	s.mu.Unlock()
	if target == nil {
		return false
	}
	sess := target.session()
	if sess == nil {
		return false
	}
	sess.cut()
	return true
}

// Counts is a snapshot of the server's rooms, for tests and the admin page.
type Counts struct {
	Rooms        int
	Participants int
	Connected    int
}

// Counts returns how many rooms and participants there are.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Counts{Rooms: len(s.rooms)}
	for _, rm := range s.rooms {
		c.Participants += len(rm.members)
		for _, m := range rm.members {
			if m.session() != nil {
				c.Connected++
			}
		}
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
	var members []*member
	for _, rm := range s.rooms {
		members = append(members, rm.members...)
	}
	s.mu.Unlock()

	for _, sess := range sessions {
		sess.closeWith(ReasonShutdown)
	}
	done := make(chan struct{})
	go func() {
		for _, m := range members {
			s.remove(m, ReasonShutdown)
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

func (rm *room) infos() []ParticipantInfo { return rm.infosExcept(nil) }

func (rm *room) infosExcept(skip *member) []ParticipantInfo {
	out := make([]ParticipantInfo, 0, len(rm.members))
	for _, m := range rm.members {
		if m != skip {
			out = append(out, m.info())
		}
	}
	return out
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
