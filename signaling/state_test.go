package signaling

import (
	"slices"
	"testing"
	"time"
)

// TestStateIsShared: the pre-join choice travels in join, later changes in
// state; everyone (the sender included) gets participant_updated, and
// newcomers see the current state in joined.
func TestStateIsShared(t *testing.T) {
	h := newHarness(t, nil)
	room := h.room()
	anna := h.dial()
	anna.sendJSON(map[string]any{"type": "join", "id": "j", "version": 1, "room": room, "name": "Anna", "videoMuted": true})
	ja := anna.expectReply("j")
	if ja.Participant.AudioMuted || !ja.Participant.VideoMuted {
		t.Fatalf("joined %s: want audio on, video muted", ja.Raw)
	}
	ben := h.dial()
	jb := ben.join(room, "Ben")
	if got := jb.Room.Participants[0]; got.ID != ja.Participant.ID || !got.VideoMuted {
		t.Errorf("Ben sees %+v, want Anna with video muted", got)
	}

	anna.sendJSON(map[string]any{"type": "state", "audioMuted": true})
	for _, c := range []*client{anna, ben} {
		u := c.expect(TypeParticipantUpdated)
		if u.Participant.ID != ja.Participant.ID || !u.Participant.AudioMuted || !u.Participant.VideoMuted || u.Participant.Name != "Anna" {
			t.Errorf("participant_updated %s: want Anna, both muted", u.Raw)
		}
	}
	anna.sendJSON(map[string]any{"type": "state", "videoMuted": false})
	if u := ben.expect(TypeParticipantUpdated); !u.Participant.AudioMuted || u.Participant.VideoMuted {
		t.Errorf("participant_updated %s: want audio still muted, video on", u.Raw)
	}
	carl := h.dial()
	jc := carl.join(room, "Carl")
	i := slices.IndexFunc(jc.Room.Participants, func(p ParticipantInfo) bool { return p.ID == ja.Participant.ID })
	if i < 0 {
		t.Fatalf("Carl's joined lacks Anna: %s", jc.Raw)
	}
	if p := jc.Room.Participants[i]; !p.AudioMuted || p.VideoMuted {
		t.Errorf("Carl sees Anna as %+v, want audio muted and video on", p)
	}
}

// TestSpeakingIsBroadcast: the room's media events reach every member,
// the speaker included.
func TestSpeakingIsBroadcast(t *testing.T) {
	h := newHarness(t, nil)
	room := h.room()
	anna, ben := h.dial(), h.dial()
	ja := anna.join(room, "Anna")
	jb := ben.join(room, "Ben")
	anna.expect(TypeParticipantJoined)

	h.srv.mu.Lock()
	rm := h.srv.rooms[room]
	h.srv.mu.Unlock()
	var events MediaEvents = rm // what the media plane calls
	events.Speaking(ja.Participant.ID, true, time.Now())
	for _, c := range []*client{anna, ben} {
		if m := c.expect(TypeSpeaking); m.ParticipantID != ja.Participant.ID || !m.Speaking {
			t.Errorf("speaking %s", m.Raw)
		}
	}

	// Once Anna has left, the end of her speech (which the sfu reports as
	// her media closes) is not sent: Ben's next messages are her
	// participant_left and then only news of Ben himself.
	anna.sendJSON(map[string]any{"type": "leave"})
	if m := ben.next(); m.Type != TypeParticipantLeft {
		t.Fatalf("Ben got %s, want participant_left", m.Raw)
	}
	events.Speaking(ja.Participant.ID, false, time.Now())
	events.Speaking(jb.Participant.ID, true, time.Now())
	if m := ben.next(); m.Type != TypeSpeaking || m.ParticipantID != jb.Participant.ID {
		t.Errorf("Ben got %s, want only his own speaking", m.Raw)
	}
}
