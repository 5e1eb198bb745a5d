package signaling

import (
	"testing"

	"github.com/gorilla/websocket"
)

func (c *client) joinByLinkV(token string, version int) inbound {
	c.t.Helper()
	c.sendJSON(map[string]any{"type": "join", "id": "link", "version": version, "token": token})
	return c.expectReply("link")
}

// TestHandsAndChat: raised hands queue in order for everyone, a
// facilitator may lower anyone's, and leaving lowers one's own; chat goes
// to everyone and to newcomers, and only to version 2 connections.
func TestHandsAndChat(t *testing.T) {
	h, f := linksHarness(t)
	f.Open()
	fac, anna, ben := h.dial(), h.dial(), h.dial()
	fac.joinByLinkV(f.Tokens[f.Facilitator.ID], 2)
	ja := anna.joinByLinkV(f.Tokens[f.Members[1].ID], 2)
	jb := ben.joinByLinkV(f.Tokens[f.Members[2].ID], 2)
	old := h.dial()
	old.joinByLinkV(f.Tokens[f.Members[3].ID], 1) // a version 1 client

	ben.sendJSON(map[string]any{"type": "hand", "raised": true})
	for _, c := range []*client{fac, anna, ben} {
		c.expect(TypeHands)
	}
	anna.sendJSON(map[string]any{"type": "hand", "raised": true})
	for _, c := range []*client{fac, anna, ben} {
		if q := c.expect(TypeHands); len(q.Fields["queue"].([]any)) != 2 || q.Fields["queue"].([]any)[0] != jb.Participant.ID {
			t.Errorf("queue %s: want Ben, then Anna", q.Raw)
		}
	}
	anna.sendJSON(map[string]any{"type": "hand", "raised": false, "participantId": jb.Participant.ID, "id": "h"})
	if e := anna.expectReply("h"); e.Code != CodeForbidden {
		t.Errorf("a member lowers another's hand: %s", e.Raw)
	}
	fac.sendJSON(map[string]any{"type": "hand", "raised": false, "participantId": jb.Participant.ID})
	if q := ben.expect(TypeHands); len(q.Fields["queue"].([]any)) != 1 || q.Fields["queue"].([]any)[0] != ja.Participant.ID {
		t.Errorf("after the facilitator lowered Ben's hand: %s", q.Raw)
	}

	anna.sendJSON(map[string]any{"type": "chat", "text": "  https://example.org/slides  "})
	for _, c := range []*client{fac, anna, ben} {
		m := c.expect(TypeChat)
		msg := m.Fields["entry"].(map[string]any)
		if msg["text"] != "https://example.org/slides" || msg["participantId"] != ja.Participant.ID || msg["name"] != f.Members[1].Name {
			t.Errorf("chat %s", m.Raw)
		}
	}
	late := h.dial()
	jl := late.joinByLinkV(f.Tokens[f.Members[4].ID], 2)
	if len(jl.Room.Chat) != 1 || len(jl.Room.Hands) != 1 {
		t.Errorf("a newcomer's joined %s: want the chat so far and Anna's hand", jl.Raw)
	}

	old.sendJSON(map[string]any{"type": "chat", "text": "hi", "id": "c"})
	if e := old.expectReply("c"); e.Code != CodeUnsupportedVersion {
		t.Errorf("chat from a version 1 client: %s", e.Raw)
	}
	for _, m := range old.seen {
		if m.Type == TypeChat || m.Type == TypeHands {
			t.Errorf("a version 1 client got %s", m.Raw)
		}
	}

	anna.sendJSON(map[string]any{"type": "leave"})
	if q := ben.expect(TypeHands); len(q.Fields["queue"].([]any)) != 0 {
		t.Errorf("after Anna left: %s", q.Raw)
	}
}

// TestFacilitatorRequests: only the facilitator may ask someone to mute
// or remove them; a removed person cannot come back into the meeting.
func TestFacilitatorRequests(t *testing.T) {
	h, f := linksHarness(t)
	f.Open()
	fac, anna, ben := h.dial(), h.dial(), h.dial()
	jf := fac.joinByLinkV(f.Tokens[f.Facilitator.ID], 2)
	ja := anna.joinByLinkV(f.Tokens[f.Members[1].ID], 2)
	jb := ben.joinByLinkV(f.Tokens[f.Members[2].ID], 2)

	for _, typ := range []string{"mute", "remove"} {
		anna.sendJSON(map[string]any{"type": typ, "id": typ, "participantId": jb.Participant.ID})
		if e := anna.expectReply(typ); e.Code != CodeForbidden {
			t.Errorf("%s from a member: %s, want forbidden", typ, e.Raw)
		}
	}
	fac.sendJSON(map[string]any{"type": "mute", "participantId": ja.Participant.ID})
	if m := anna.expect(TypeMuteRequest); m.Fields["by"] != jf.Participant.ID {
		t.Errorf("mute_request %s", m.Raw)
	}
	fac.sendJSON(map[string]any{"type": "remove", "participantId": jb.Participant.ID})
	ben.expectBye(ReasonRemovedByHost, websocket.CloseNormalClosure)
	if pl := anna.expect(TypeParticipantLeft); pl.ParticipantID != jb.Participant.ID || pl.Reason != ReasonRemovedByHost {
		t.Errorf("participant_left %s", pl.Raw)
	}
	if again := h.dial().joinByLinkV(f.Tokens[f.Members[2].ID], 2); again.Code != CodeForbidden {
		t.Errorf("the removed member joins again: %s, want forbidden", again.Raw)
	}
	fac.sendJSON(map[string]any{"type": "remove", "id": "self", "participantId": jf.Participant.ID})
	if e := fac.expectReply("self"); e.Code != CodeInvalidField {
		t.Errorf("the facilitator removes themself: %s", e.Raw)
	}
}
