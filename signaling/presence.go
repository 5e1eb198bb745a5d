package signaling

import (
	"context"
	"errors"
	"strings"
	"time"

	"piiri/metrics"
)

// Presence handlers: join (afresh or resume), leave, state and ping, and
// the removal of a participant for good.

// joinWait bounds how long a resume waits for the join it resumes to
// finish setting up media; a join takes milliseconds.
const joinWait = 10 * time.Second

func handleJoin(s *session, req request) error {
	j := req.(*Join)
	if s.member != nil {
		return errorf(CodeAlreadyJoined, "this connection has already joined; open a new connection to join again")
	}
	var (
		m   *member
		err error
	)
	if j.Resume != "" {
		m, err = s.srv.resume(s, j)
	} else {
		m, err = s.srv.join(s, j)
	}
	if err != nil {
		return err
	}
	s.member = m
	return nil
}

func handleLeave(s *session, _ request) error {
	s.left = true
	s.srv.remove(s.member, ReasonLeft)
	s.closeWith(ReasonLeft)
	return nil
}

func handlePing(s *session, req request) error {
	s.send(&header{Type: TypePong, ID: req.RequestID()})
	return nil
}

func handleState(s *session, req request) error {
	s.member.room.setState(s.member, req.(*State))
	return nil
}

// join admits a new participant into a room.
func (s *Server) join(sess *session, j *Join) (*member, error) {
	if e := s.authBlocked(sess.source); e != nil {
		return nil, e
	}
	adm, err := s.admission.Admit(context.Background(), AdmitRequest{
		Room: j.Room, Name: j.Name, Key: j.Key, Token: j.Token, Remote: sess.source,
	})
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			credential := metrics.CredentialRoomKey
			if j.Token != "" {
				credential = metrics.CredentialLinkToken
			}
			s.authFailed(sess.source, credential)
			return nil, errorf(CodeUnauthorized, "%s", unwrapMessage(err))
		}
		return nil, err
	}
	m := &member{
		srv:        s,
		id:         newID(),
		token:      newToken(),
		admitted:   adm,
		probe:      j.Probe,
		sess:       sess,
		ready:      make(chan struct{}),
		audioMuted: j.AudioMuted,
		videoMuted: j.VideoMuted,
		proto:      j.Version,
	}
	if m.probe {
		// A network check goes to a room of its own: it meets nobody and
		// nobody sees it.
		m.admitted = Admitted{Room: "probe/" + m.id, Private: true, Name: j.Name, Role: RoleGuest}
	}
	m.log = s.log.With("room", m.admitted.Room, "participant", m.id)
	iceServers := s.iceServers(m.id)
	reply := func(others []ParticipantInfo) *Joined {
		return &Joined{
			header:        header{Type: TypeJoined, ID: j.ID},
			Version:       j.Version,
			Participant:   m.info(),
			Room:          RoomInfo{Name: m.admitted.Room, Participants: others, MaxParticipants: s.cfg.MaxParticipants, Meeting: m.admitted.MeetingInfo},
			ResumeToken:   m.token,
			ResumeGraceMs: s.cfg.ResumeGrace.Milliseconds(),
			ICEServers:    iceServers,
		}
	}
	if m.probe {
		reply = probeReply(reply, j.Room)
	}

	// The token is findable before joined goes out, so a resume can never
	// miss it; the resume waits on ready until the media exists.
	s.register(m)
	if m.admitted.PersonID != "" {
		s.replaceSamePerson(m)
	}
	for {
		rm, err := s.roomFor(m.admitted.roomKey(), m.admitted.Room)
		if err != nil {
			s.forget(m, nil, false)
			close(m.ready)
			return nil, err
		}
		m.room = rm
		switch rm.admit(m, sess, reply) {
		case admitRoomClosed:
			continue // it emptied as we came; the next one is new
		case admitShuttingDown:
			s.forget(m, nil, false)
			close(m.ready)
			return nil, errorf(CodeShuttingDown, "the server is shutting down")
		case admitFull:
			s.forget(m, nil, false)
			close(m.ready)
			return nil, errorf(CodeRoomFull, "room %q already has its maximum of %d participants", m.admitted.Room, s.cfg.MaxParticipants)
		case admitRemoved:
			s.forget(m, nil, false)
			close(m.ready)
			return nil, errorf(CodeForbidden, "the facilitator removed you from this meeting")
		}
		break
	}
	if m.probe {
		s.metrics.Probes.Inc()
	} else {
		s.metrics.Participants.Inc()
	}

	media, err := m.room.media.Join(m.id, m)
	if err != nil {
		m.finishJoin(nil)
		m.log.Error("join media room", "err", err)
		s.remove(m, ReasonJoinIncomplete)
		return nil, err
	}
	if !m.finishJoin(media) {
		// Removed while the media was being set up (the server is
		// stopping): the removal found no media to close.
		media.Close()
		return nil, errorf(CodeGone, "the participant was removed while joining; join again")
	}
	m.reportJoined()
	m.log.Info("participant joined", "name", m.admitted.Name, "remote", sess.remote, "role", m.admitted.Role, "probe", m.probe)
	return m, nil
}

// replaceSamePerson removes the participant the same person already has
// in the room m is joining (another tab or device, or a browser that
// reconnected without its resume token): one person is one participant,
// so attendance and the others' view stay right.
func (s *Server) replaceSamePerson(m *member) {
	for _, rm := range s.roomList() {
		if rm.name != m.admitted.roomKey() {
			continue
		}
		for _, old := range rm.memberList() {
			if old.admitted.PersonID == m.admitted.PersonID {
				if sess := old.session(); sess != nil {
					sess.closeWith(ReasonReplaced)
				}
				s.remove(old, ReasonReplaced)
			}
		}
	}
}

// probeReply hides the room of a network check: it reports the room the
// client asked for and nobody in it.
func probeReply(reply func([]ParticipantInfo) *Joined, asked string) func([]ParticipantInfo) *Joined {
	return func([]ParticipantInfo) *Joined {
		j := reply([]ParticipantInfo{})
		j.Room.Name = asked
		return j
	}
}

// resume gives a reconnecting client its participant back.
func (s *Server) resume(sess *session, j *Join) (*member, error) {
	if e := s.authBlocked(sess.source); e != nil {
		return nil, e
	}
	m := s.byToken(j.Resume)
	if m == nil {
		s.authFailed(sess.source, metrics.CredentialResumeToken)
		return nil, errorf(CodeResumeFailed, "no participant to resume with this token in room %q (the grace period may have ended); join again", j.Room)
	}
	if m.admitted.Room != j.Room && !m.probe {
		s.authFailed(sess.source, metrics.CredentialResumeToken)
		return nil, errorf(CodeResumeFailed, "no participant to resume with this token in room %q (the grace period may have ended); join again", j.Room)
	}
	// The join may still be creating the participant's media; a resume
	// must not find a participant half made.
	select {
	case <-m.ready:
	case <-sess.done:
		return nil, errorf(CodeResumeFailed, "the connection ended while resuming")
	case <-time.After(joinWait):
		return nil, errorf(CodeResumeFailed, "the participant is still joining; try again")
	}
	if !m.joinedOK() {
		return nil, errorf(CodeResumeFailed, "the participant has already left; join again")
	}
	iceServers := s.iceServers(m.id)
	old, ok := m.room.resume(m, sess, j.Version, func(others []ParticipantInfo) *Joined {
		if m.probe {
			others = []ParticipantInfo{}
		}
		return &Joined{
			header:        header{Type: TypeJoined, ID: j.ID},
			Version:       j.Version,
			Participant:   m.info(),
			Room:          RoomInfo{Name: m.admitted.Room, Participants: others, MaxParticipants: s.cfg.MaxParticipants, Meeting: m.admitted.MeetingInfo},
			Resumed:       true,
			ResumeToken:   m.token,
			ResumeGraceMs: s.cfg.ResumeGrace.Milliseconds(),
			ICEServers:    iceServers,
		}
	})
	if !ok {
		return nil, errorf(CodeResumeFailed, "the participant has already left; join again")
	}
	if old != nil {
		old.closeWith(ReasonResumed)
	}
	m.mediaParticipant().Resume()
	s.metrics.Resumes.Inc()
	m.reportResumed()
	m.log.Info("participant resumed", "remote", sess.remote)
	return m, nil
}

// remove takes m out of its room for good, tells the others and closes its
// media. It is idempotent, and safe while m's join is still setting up
// media (the join then closes the media it made).
func (s *Server) remove(m *member, reason string) {
	if !m.markGone() {
		return
	}
	rm := m.room
	closed := rm.leave(m, reason)
	s.forget(m, rm, closed)
	if m.probe {
		s.metrics.Probes.Dec()
	} else {
		s.metrics.Participants.Dec()
		s.metrics.Disconnects.WithLabelValues(reason).Inc()
	}
	if media := m.mediaParticipant(); media != nil {
		media.Close()
	}
	if s.cfg.Gone != nil {
		s.cfg.Gone(m.id)
	}
	if closed {
		rm.media.Close()
	}
	m.reportLeft(reason)
	m.log.Info("participant left", "reason", reason)
}

// unwrapMessage is the part of an admission error meant for the person:
// the text before the sentinel's own.
func unwrapMessage(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+ErrUnauthorized.Error())
}
