package signaling

import (
	"context"
	"slices"
)

// Meeting-room handlers (protocol version 2): raised hands, chat, and the
// facilitator's requests about other participants.

func handleHand(s *session, req request) error {
	h := req.(*Hand)
	target := s.member.id
	if h.ParticipantID != "" && h.ParticipantID != s.member.id {
		if !s.member.facilitates() {
			return errorf(CodeForbidden, "only the facilitator may lower someone else's hand")
		}
		target = h.ParticipantID
	}
	return s.member.room.setHand(target, *h.Raised)
}

func handleChat(s *session, req request) error {
	s.member.room.chatFrom(s.member, req.(*Chat).Text)
	return nil
}

func handleMute(s *session, req request) error {
	target := s.member.room.find(req.(*Mute).ParticipantID)
	if target == nil || target.probe {
		return errorf(CodeInvalidField, "mute: no participant %q in this room", req.(*Mute).ParticipantID)
	}
	target.send(&MuteRequest{header: header{Type: TypeMuteRequest}, By: s.member.id})
	return nil
}

func handleRemove(s *session, req request) error {
	id := req.(*Remove).ParticipantID
	rm := s.member.room
	target := rm.find(id)
	if target == nil || target.probe {
		return errorf(CodeInvalidField, "remove: no participant %q in this room", id)
	}
	if target == s.member {
		return errorf(CodeInvalidField, "remove: to leave, send leave")
	}
	rm.bar(target)
	if sess := target.session(); sess != nil {
		sess.closeWith(ReasonRemovedByHost)
	}
	s.srv.remove(target, ReasonRemovedByHost)
	return nil
}

// setHand raises or lowers a participant's hand and tells everyone the
// queue.
func (rm *room) setHand(participantID string, raised bool) error {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if !slices.ContainsFunc(rm.members, func(m *member) bool { return m.id == participantID }) {
		return errorf(CodeInvalidField, "hand: no participant %q in this room", participantID)
	}
	i := slices.Index(rm.hands, participantID)
	switch {
	case raised && i < 0:
		rm.hands = append(rm.hands, participantID)
	case !raised && i >= 0:
		rm.hands = slices.Delete(rm.hands, i, i+1)
	default:
		return nil // no change
	}
	rm.broadcastSinceLocked(2, &Hands{header: header{Type: TypeHands}, Queue: rm.handsLocked()})
	return nil
}

// lowerHandLocked takes a leaving participant's hand down.
func (rm *room) lowerHandLocked(participantID string) {
	if i := slices.Index(rm.hands, participantID); i >= 0 {
		rm.hands = slices.Delete(rm.hands, i, i+1)
		rm.broadcastSinceLocked(2, &Hands{header: header{Type: TypeHands}, Queue: rm.handsLocked()})
	}
}

func (rm *room) handsLocked() []string {
	if rm.hands == nil {
		return []string{}
	}
	return slices.Clone(rm.hands)
}

// chatFrom tells everyone a chat message and keeps it (in memory, while
// the room lives and its meeting has not ended) for those who join later.
func (rm *room) chatFrom(m *member, text string) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.chatSeq++
	e := ChatEntry{Seq: rm.chatSeq, ParticipantID: m.id, Name: m.admitted.Name, Text: text, At: rm.srv.clock.Now().UTC()}
	if !rm.chatOver {
		rm.chat = append(rm.chat, e)
		if len(rm.chat) > maxChatHistory {
			rm.chat = slices.Delete(rm.chat, 0, len(rm.chat)-maxChatHistory)
		}
	}
	rm.broadcastSinceLocked(2, &ChatMessage{header: header{Type: TypeChat}, Entry: e})
}

// bar keeps a removed person out of this room until it closes.
func (rm *room) bar(m *member) {
	if m.admitted.PersonID == "" {
		return // a guest of an ad-hoc room has no lasting identity to bar
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if rm.removed == nil {
		rm.removed = map[string]bool{}
	}
	rm.removed[m.admitted.PersonID] = true
}

// handleMeeting runs a request on the meeting's structure. The new state
// goes to everyone through the meeting's change notices; the sender also
// gets it as the reply.
func handleMeeting(s *session, req request) error {
	r := req.(*MeetingRequest)
	st, err := s.member.meeting().Act(context.Background(), s.member.presence(), r)
	if err != nil {
		return err
	}
	s.send(&MeetingState{header: header{Type: TypeMeetingState, ID: r.ID}, State: st})
	return nil
}

// MeetingChanged tells everyone in a private room (a meeting's, by the
// name Admission gave it) the meeting's new state. The control plane calls
// it after every change, from whatever goroutine made it. ended says the
// meeting has ended: its chat, kept only for the meeting, is dropped in
// the same step, so nobody who joins or resumes after the end gets it, and
// messages sent after it go to those present but are not kept.
func (s *Server) MeetingChanged(room string, state []byte, ended bool) {
	key := Admitted{Room: room, Private: true}.roomKey()
	s.mu.Lock()
	rm := s.rooms[key]
	s.mu.Unlock()
	if rm == nil {
		return
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if ended {
		rm.chat, rm.chatOver = nil, true
	}
	rm.broadcastSinceLocked(2, &MeetingState{header: header{Type: TypeMeetingState}, State: state})
}
