package signaling

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"piiri/internal/clock"
)

// member is a participant as signalling sees it. It outlives any one
// websocket: when the connection drops, the member waits out the resume
// grace period with its media still running.
//
// member implements MediaSignaller: messages from the media side go to the
// current session, or are dropped while there is none (a resume
// renegotiates with an ICE restart anyway).
type member struct {
	srv      *Server
	id       string
	token    string
	room     *room // set before the member is visible; never changes
	admitted Admitted
	probe    bool // a network check: hidden from everyone, not counted
	log      *slog.Logger

	// ready is closed when the join has finished, with media set or
	// joinFailed true: a resume waits for it, so that it never finds a
	// member whose media does not exist yet.
	ready chan struct{}

	// hookMu serialises the Meeting hook's calls for this member, so it
	// hears Joined, Resumed and Left in that order even when a removal
	// races the end of the join. hookState is what it has been told.
	hookMu    sync.Mutex
	hookState hookState

	mu         sync.Mutex // a leaf lock: held for field access only
	audioMuted bool
	videoMuted bool
	speaking   bool
	// speakingSince is when the current stretch of speech began, as the
	// media plane reported it (zero while silent).
	speakingSince time.Time
	quality       string
	// proto is the protocol version of the current connection.
	proto      int
	sess       *session
	media      MediaParticipant
	joinFailed bool
	grace      clock.Timer
	// graceGen identifies the current grace period, so that a timer from
	// an earlier one that fires late cannot remove a resumed member.
	graceGen uint64
	gone     bool
}

func (m *member) info() ParticipantInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	role := m.admitted.Role
	if role == RoleGuest {
		role = "" // ad-hoc rooms have no roles to show
	}
	return ParticipantInfo{ID: m.id, Name: m.admitted.Name, Role: role, PersonID: m.admitted.PersonID, AudioMuted: m.audioMuted, VideoMuted: m.videoMuted, Speaking: m.speaking, Quality: m.quality}
}

// presence describes m for the Meeting hook.
func (m *member) presence() Presence {
	return Presence{
		ParticipantID: m.id,
		PersonID:      m.admitted.PersonID,
		Name:          m.admitted.Name,
		Role:          m.admitted.Role,
		At:            m.srv.clock.Now(),
	}
}

type hookState int

const (
	hookNone hookState = iota
	hookJoined
	hookLeft
)

func (m *member) meeting() Meeting {
	if m.admitted.Meeting == nil || m.probe {
		return noMeeting{}
	}
	return m.admitted.Meeting
}

// facilitates reports whether the member runs the meeting now: the role
// admission gave, or the meeting's say (the chair can change mid-meeting).
func (m *member) facilitates() bool {
	if m.admitted.Role == RoleFacilitator && m.admitted.Meeting == nil {
		return true
	}
	return m.admitted.PersonID != "" && m.meeting().Facilitates(context.Background(), m.admitted.PersonID)
}

// reportJoined tells the Meeting hook m has joined, unless m has already
// been removed.
func (m *member) reportJoined() {
	m.hookMu.Lock()
	defer m.hookMu.Unlock()
	m.mu.Lock()
	gone := m.gone
	m.mu.Unlock()
	if m.hookState != hookNone || gone {
		return
	}
	m.hookState = hookJoined
	m.meeting().Joined(m.presence())
}

// reportResumed tells the Meeting hook m came back on a new connection.
func (m *member) reportResumed() {
	m.hookMu.Lock()
	defer m.hookMu.Unlock()
	if m.hookState == hookJoined {
		m.meeting().Resumed(m.presence())
	}
}

// reportLeft tells the Meeting hook m has left, if it was told m joined.
func (m *member) reportLeft(reason string) {
	m.hookMu.Lock()
	defer m.hookMu.Unlock()
	if m.hookState != hookJoined {
		return
	}
	// Speech that was going on ends with the leave: the media plane's
	// own end of it comes after the member is gone from the room.
	p := m.presence()
	if _, since := m.setSpeaking(false, p.At); !since.IsZero() {
		m.meeting().Spoke(p, since, p.At)
	}
	m.hookState = hookLeft
	m.meeting().Left(p, reason)
}

// setState applies a state message and returns the new info.
func (m *member) setState(st *State) ParticipantInfo {
	m.mu.Lock()
	if st.AudioMuted != nil {
		m.audioMuted = *st.AudioMuted
	}
	if st.VideoMuted != nil {
		m.videoMuted = *st.VideoMuted
	}
	if st.Quality != nil {
		m.quality = *st.Quality
	}
	m.mu.Unlock()
	return m.info()
}

// setSpeaking records the speaking state at time at and reports whether
// it changed; when speech ends it returns the stretch's start too.
func (m *member) setSpeaking(on bool, at time.Time) (changed bool, since time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	changed = m.speaking != on
	m.speaking = on
	since = m.speakingSince
	if on && changed {
		m.speakingSince = at
	} else if !on {
		m.speakingSince = time.Time{}
	}
	return changed, since
}

// reportSpoke tells the Meeting hook of a stretch of speech that ended,
// if it was told m joined. It runs on a goroutine of its own, which may
// come after the leave: the speech happened while m was there, so it is
// told all the same.
func (m *member) reportSpoke(from, to time.Time) {
	if from.IsZero() || !to.After(from) {
		return
	}
	m.hookMu.Lock()
	defer m.hookMu.Unlock()
	if m.hookState != hookNone {
		m.meeting().Spoke(m.presence(), from, to)
	}
}

// version is the protocol version of the member's current connection.
func (m *member) version() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.proto
}

func (m *member) setVersion(v int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.proto = v
}

func (m *member) session() *session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sess
}

func (m *member) mediaParticipant() MediaParticipant {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.media
}

// finishJoin records the outcome of the media join and lets waiting
// resumes go on. It reports false when the member was removed while its
// media was being created: the caller then closes the media itself, since
// the removal could not.
func (m *member) finishJoin(media MediaParticipant) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer close(m.ready)
	if media == nil {
		m.joinFailed = true
		return false
	}
	if m.gone {
		m.joinFailed = true
		return false
	}
	m.media = media
	return true
}

// joinedOK reports whether the join finished with media; call it after
// ready is closed.
func (m *member) joinedOK() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.joinFailed && !m.gone
}

// send marshals msg and queues it on the current session, if any.
func (m *member) send(msg any) {
	if sess := m.session(); sess != nil {
		sess.send(msg)
	}
}

// sendData queues an already marshalled message on the current session.
func (m *member) sendData(data json.RawMessage) {
	if sess := m.session(); sess != nil {
		sess.sendData(data)
	}
}

// sendDataSince queues data if the member speaks protocol version since
// or newer.
func (m *member) sendDataSince(since int, data json.RawMessage) {
	m.mu.Lock()
	sess, v := m.sess, m.proto
	m.mu.Unlock()
	if sess != nil && v >= since {
		sess.sendData(data)
	}
}

// SendOffer implements MediaSignaller.
func (m *member) SendOffer(sdp string, tracks []TrackInfo) {
	m.send(&Offer{header: header{Type: TypeOffer}, Target: TargetSubscriber, SDP: sdp, Tracks: tracks})
}

// SendCandidate implements MediaSignaller.
func (m *member) SendCandidate(target string, c CandidateInit) {
	m.send(&Candidate{header: header{Type: TypeCandidate}, Target: target, Candidate: c})
}

// attach makes sess the member's connection, cancelling a running grace
// period. It returns the session it replaced (a connection the server had
// not yet noticed was dead), and false if the member is already gone.
func (m *member) attach(sess *session) (old *session, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gone {
		return nil, false
	}
	if m.grace != nil {
		m.grace.Stop()
		m.grace = nil
	}
	old, m.sess = m.sess, sess
	return old, true
}

// detach is called when sess ended without a leave. Unless a newer
// session has already taken over, the grace period starts; when it ends
// without a resume the member is removed.
func (m *member) detach(sess *session) {
	m.mu.Lock()
	if m.sess != sess || m.gone {
		m.mu.Unlock()
		return
	}
	m.sess = nil
	grace := m.srv.cfg.ResumeGrace
	if grace > 0 && !m.probe {
		m.graceGen++
		gen := m.graceGen
		m.grace = m.srv.clock.AfterFunc(grace, func() { m.expire(gen) })
		m.mu.Unlock()
		m.log.Info("connection lost; waiting for resume", "grace", grace)
		return
	}
	m.mu.Unlock()
	m.srv.remove(m, ReasonTimeout)
}

func (m *member) expire(gen uint64) {
	m.mu.Lock()
	current := gen == m.graceGen && m.grace != nil && m.sess == nil
	if current {
		m.grace = nil
	}
	m.mu.Unlock()
	if current {
		m.srv.remove(m, ReasonTimeout)
	}
}

// markGone records that the member is being removed; only the first call
// reports true.
func (m *member) markGone() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gone {
		return false
	}
	m.gone = true
	if m.grace != nil {
		m.grace.Stop()
		m.grace = nil
	}
	return true
}
