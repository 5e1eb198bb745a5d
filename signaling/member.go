package signaling

import (
	"log/slog"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"piiri/sfu"
)

// member is a participant as signalling sees it. It outlives any one
// websocket: when the connection drops, the member waits out the resume
// grace period with its media still running.
//
// member implements sfu.Signaller: messages from the media side go to the
// current session, or are dropped while there is none (a resume
// renegotiates with an ICE restart anyway).
type member struct {
	srv   *Server
	id    string
	name  string
	token string
	room  *room // set before the member is visible; never changes
	log   *slog.Logger

	mu         sync.Mutex // a leaf lock: held for field access only
	audioMuted bool
	videoMuted bool
	sess       *session
	media      *sfu.Participant
	grace      *time.Timer
	// graceGen identifies the current grace period, so that a timer from
	// an earlier one that fires late cannot remove a resumed member.
	graceGen uint64
	gone     bool
}

func (m *member) info() ParticipantInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	return ParticipantInfo{ID: m.id, Name: m.name, AudioMuted: m.audioMuted, VideoMuted: m.videoMuted}
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
	m.mu.Unlock()
	return m.info()
}

func (m *member) session() *session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sess
}

func (m *member) mediaParticipant() *sfu.Participant {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.media
}

func (m *member) setMedia(p *sfu.Participant) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.media = p
}

// send queues msg on the current session, if any.
func (m *member) send(msg any) {
	if sess := m.session(); sess != nil {
		sess.send(msg)
	}
}

// SendOffer implements sfu.Signaller.
func (m *member) SendOffer(sdp string, tracks []sfu.TrackInfo) {
	infos := make([]TrackInfo, len(tracks))
	for i, t := range tracks {
		infos[i] = TrackInfo{Mid: t.Mid, ParticipantID: t.ParticipantID, Source: string(t.Source), Kind: t.Kind}
	}
	m.send(&Offer{header: header{Type: TypeOffer}, Target: TargetSubscriber, SDP: sdp, Tracks: infos})
}

// SendCandidate implements sfu.Signaller.
func (m *member) SendCandidate(target sfu.Target, c webrtc.ICECandidateInit) {
	m.send(&Candidate{
		header: header{Type: TypeCandidate},
		Target: string(target),
		Candidate: CandidateInit{
			Candidate:        c.Candidate,
			SDPMid:           c.SDPMid,
			SDPMLineIndex:    c.SDPMLineIndex,
			UsernameFragment: c.UsernameFragment,
		},
	})
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
	if grace > 0 {
		m.graceGen++
		gen := m.graceGen
		m.grace = time.AfterFunc(grace, func() { m.expire(gen) })
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
