package signaling

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"piiri/internal/testwait"
)

// These tests run signalling over fake media: no pion, no UDP.

// TestFakeMediaFlow walks one participant through join, publish, a
// candidate, speaking, state and leave, and checks what the media plane
// was asked and what the clients were told.
func TestFakeMediaFlow(t *testing.T) {
	h, media := newFakeHarness(t, nil)
	room := h.room()
	anna, ben := h.dial(), h.dial()
	ja := anna.join(room, "Anna")
	jb := ben.join(room, "Ben")
	anna.expect(TypeParticipantJoined)

	anna.sendJSON(map[string]any{"type": "offer", "id": "o1", "target": "publisher", "sdp": "v=0 fake"})
	answer := anna.expectReply("o1")
	if answer.Type != TypeAnswer || answer.Target != TargetPublisher || answer.SDP != `fake answer 1 to "v=0 fake"` {
		t.Fatalf("offer reply %s", answer.Raw)
	}
	// The media plane's candidate follows its answer.
	if c := anna.expect(TypeCandidate); c.Target != TargetPublisher {
		t.Errorf("candidate %s", c.Raw)
	}

	media.room(room).speaking(jb.Participant.ID, true)
	for _, c := range []*client{anna, ben} {
		if m := c.expect(TypeSpeaking); m.ParticipantID != jb.Participant.ID || !m.Speaking {
			t.Errorf("speaking %s", m.Raw)
		}
	}
	ben.sendJSON(map[string]any{"type": "leave"})
	if pl := anna.expect(TypeParticipantLeft); pl.ParticipantID != jb.Participant.ID {
		t.Errorf("participant_left %s", pl.Raw)
	}
	testwait.Until(t, readTimeout, "Ben's media closed", func() error {
		if n := media.open(); n != 1 {
			return fmt.Errorf("%d participants' media open, want 1 (Anna's)", n)
		}
		return nil
	})
	if got := h.srv.Counts(); got != (Counts{Rooms: 1, Participants: 1, Connected: 1}) {
		t.Errorf("counts %+v", got)
	}
	_ = ja
}

// TestLateJoinerSeesWhoIsSpeaking: someone who joins while another person
// speaks learns it from joined, not only from the next speaking message.
func TestLateJoinerSeesWhoIsSpeaking(t *testing.T) {
	h, media := newFakeHarness(t, nil)
	room := h.room()
	anna := h.dial()
	ja := anna.join(room, "Anna")
	media.room(room).speaking(ja.Participant.ID, true)
	anna.expect(TypeSpeaking)

	ben := h.dial()
	jb := ben.join(room, "Ben")
	if len(jb.Room.Participants) != 1 || !jb.Room.Participants[0].Speaking {
		t.Fatalf("Ben's joined %s: want Anna speaking", jb.Raw)
	}
	media.room(room).speaking(ja.Participant.ID, false)
	if m := ben.expect(TypeSpeaking); m.Speaking {
		t.Errorf("speaking %s", m.Raw)
	}
	carl := h.dial()
	if jc := carl.join(room, "Carl"); jc.Room.Participants[0].Speaking {
		t.Errorf("Carl's joined %s: Anna has stopped speaking", jc.Raw)
	}
}

// TestResumeDuringJoinWaitsForMedia: a second connection that resumes
// with the token from joined while the first join is still creating the
// media gets the participant only once its media exists, so its offer is
// answered instead of finding no media (which used to panic).
func TestResumeDuringJoinWaitsForMedia(t *testing.T) {
	h, media := newFakeHarness(t, nil)
	gate := make(chan struct{})
	media.joinGate = gate
	room := h.room()
	first := h.dial()
	first.sendJSON(joinMsg(map[string]any{"id": "j", "room": room}))
	joined := first.expectReply("j") // queued before the media join
	<-media.joining                  // the media join has started and waits

	second := h.dial()
	second.sendJSON(joinMsg(map[string]any{"id": "r", "room": room, "resume": joined.ResumeToken}))
	second.sendJSON(map[string]any{"type": "offer", "id": "o", "target": "publisher", "sdp": "v=0"})
	close(gate)
	if msg := second.expectReply("r"); msg.Type != TypeJoined || !msg.Resumed || msg.Participant.ID != joined.Participant.ID {
		t.Fatalf("resume: %s", msg.Raw)
	}
	if msg := second.expectReply("o"); msg.Type != TypeAnswer {
		t.Fatalf("offer after the resume: %s", msg.Raw)
	}
}

// TestLeaveDuringJoinLeavesNoMedia: a participant removed while its media
// is still being created (a resume then leave on another connection, or a
// shutdown) must not leave that media behind.
func TestLeaveDuringJoinLeavesNoMedia(t *testing.T) {
	for _, how := range []string{"resume and leave", "shutdown"} {
		t.Run(how, func(t *testing.T) {
			h, media := newFakeHarness(t, nil)
			gate := make(chan struct{})
			media.joinGate = gate
			room := h.room()
			first := h.dial()
			first.sendJSON(joinMsg(map[string]any{"id": "j", "room": room}))
			joined := first.expectReply("j")
			<-media.joining

			done := make(chan error, 1)
			switch how {
			case "resume and leave":
				second := h.dial()
				second.sendJSON(joinMsg(map[string]any{"id": "r", "room": room, "resume": joined.ResumeToken}))
				second.sendJSON(map[string]any{"type": "leave"})
				close(gate)
				second.expectBye(ReasonLeft, 1000)
				done <- nil
			case "shutdown":
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					done <- h.srv.Shutdown(ctx)
				}()
				testwait.Until(t, readTimeout, "the shutdown to remove the joining participant", func() error {
					if c := h.srv.Counts(); c.Participants != 0 {
						return fmt.Errorf("counts %+v", c)
					}
					return nil
				})
				close(gate)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			testwait.Until(t, readTimeout, "no media left open", func() error {
				if n := media.open(); n != 0 {
					return fmt.Errorf("%d participants' media still open", n)
				}
				return nil
			})
			if c := h.srv.Counts(); c != (Counts{}) {
				t.Errorf("counts %+v, want none", c)
			}
		})
	}
}

// TestRoomsDoNotWaitOnEachOther: with one room's lock held (as a room
// busy with a slow member would) and a member in it that reads nothing,
// another room's speaking events and joins still go through.
func TestRoomsDoNotWaitOnEachOther(t *testing.T) {
	h, media := newFakeHarness(t, nil)
	busy, quiet := h.room(), h.room()
	stalled := h.dial()
	js := stalled.join(busy, "Stalled") // and never reads again
	anna := h.dial()
	ja := anna.join(quiet, "Anna")

	// Fill the stalled member's queue and socket: its room keeps
	// broadcasting until the server gives up on the reader.
	for i := range 4 * sendQueueSize {
		media.room(busy).speaking(js.Participant.ID, i%2 == 0)
	}
	h.srv.mu.Lock()
	busyRoom := h.srv.rooms[busy]
	h.srv.mu.Unlock()
	busyRoom.mu.Lock()
	defer busyRoom.mu.Unlock()

	media.room(quiet).speaking(ja.Participant.ID, true)
	if m := anna.expect(TypeSpeaking); m.ParticipantID != ja.Participant.ID {
		t.Errorf("speaking %s", m.Raw)
	}
	ben := h.dial()
	ben.join(quiet, "Ben")
	anna.expect(TypeParticipantJoined)
}

// TestProbeIsHidden: a network check joins a room of its own: nobody in
// the room it named sees it, it is not counted as a participant, and it
// leaves at once when its connection ends.
func TestProbeIsHidden(t *testing.T) {
	h, _ := newFakeHarness(t, func(c *Config) { c.ResumeGrace = time.Minute })
	room := h.room()
	anna := h.dial()
	anna.join(room, "Anna")
	probe := h.dial()
	probe.sendJSON(joinMsg(map[string]any{"id": "p", "room": room, "name": "network check", "probe": true}))
	pj := probe.expectReply("p")
	if pj.Type != TypeJoined || len(pj.Room.Participants) != 0 {
		t.Fatalf("probe's joined %s: want no participants", pj.Raw)
	}
	if c := h.srv.Counts(); c != (Counts{Rooms: 1, Participants: 1, Connected: 1, Probes: 1}) {
		t.Errorf("counts %+v with a probe", c)
	}
	probe.sendJSON(map[string]any{"type": "offer", "id": "o", "target": "publisher", "sdp": "v=0"})
	if m := probe.expectReply("o"); m.Type != TypeAnswer {
		t.Errorf("probe's offer: %s", m.Raw)
	}
	probe.close() // no leave: still gone at once
	testwait.Until(t, readTimeout, "the probe to be gone", func() error {
		if c := h.srv.Counts(); c.Probes != 0 {
			return fmt.Errorf("counts %+v", c)
		}
		return nil
	})
	anna.ping("p")
	for _, m := range anna.seen {
		if m.Type == TypeParticipantJoined || m.Type == TypeParticipantLeft {
			t.Errorf("Anna saw the probe: %s", m.Raw)
		}
	}
	if strings.Contains(string(pj.Raw), "probe/") {
		t.Errorf("joined shows the probe's hidden room: %s", pj.Raw)
	}
}
