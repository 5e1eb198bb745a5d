package signaling

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/control"
	"piiri/control/controltest"
	"piiri/control/memstore"
	"piiri/internal/testwait"
	"piiri/metrics"
)

// linksHarness is signalling over fake media with the control plane's
// personal links as admission, on the fixture's clock.
func linksHarness(t *testing.T) (*harness, *controltest.Fixture) {
	t.Helper()
	f := controltest.NewFixture(t, func(*testing.T) control.Store { return memstore.New() }, controltest.FixtureOptions{})
	h, _ := newFakeHarness(t, func(c *Config) {
		c.RoomKey = "ad-hoc-key-0123456789"
		c.Admission = Links{Control: f.Svc, AdHoc: RoomKey(c.RoomKey)}
		c.Clock = f.Clock
	})
	return h, f
}

func (c *client) joinByLink(token string) inbound {
	c.t.Helper()
	c.sendJSON(map[string]any{"type": "join", "id": "link", "version": 1, "token": token})
	return c.expectReply("link")
}

// present reports whether the control plane has the person in the room.
func present(t *testing.T, f *controltest.Fixture, personID string) bool {
	t.Helper()
	v, err := f.Svc.Attendance(f.Ctx, f.Admin(), f.Meeting.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range v.Rows {
		if r.PersonID == personID {
			return r.Present
		}
	}
	t.Fatalf("no attendance row for %s", personID)
	return false
}

// TestJoinByPersonalLink: a personal link admits its person, with the
// name and role the server knows, into the open meeting's room; the
// control plane keeps the attendance; a wrong or revoked link is refused.
func TestJoinByPersonalLink(t *testing.T) {
	h, f := linksHarness(t)
	member, observer := f.Members[1], f.Observer

	c := h.dial()
	if msg := c.joinByLink(f.Tokens[member.ID]); msg.Code != CodeMeetingNotOpen {
		t.Fatalf("join before the room is open: %s, want meeting_not_open", msg.Raw)
	}
	f.Open()
	j := c.joinByLink(f.Tokens[member.ID])
	if j.Type != TypeJoined || j.Participant.Name != member.Name || j.Participant.Role != RoleMember {
		t.Fatalf("joined %s: want %s as a member", j.Raw, member.Name)
	}
	if mi := j.Room.Meeting; mi == nil || mi.GroupName != f.Group.Name || mi.Number != 1 || mi.Theme != "Workload" {
		t.Errorf("joined's meeting %s", j.Raw)
	}
	testwait.Until(t, readTimeout, "the member present", func() error {
		if !present(t, f, member.ID) {
			return errString("not present")
		}
		return nil
	})

	o := h.dial()
	jo := o.joinByLink(f.Tokens[observer.ID])
	if jo.Participant.Role != RoleObserver || len(jo.Room.Participants) != 1 || jo.Room.Participants[0].Role != RoleMember {
		t.Errorf("observer's joined %s", jo.Raw)
	}
	if pj := c.expect(TypeParticipantJoined); pj.Participant.Role != RoleObserver {
		t.Errorf("participant_joined %s: the others see an observer as one", pj.Raw)
	}
	chair := h.dial()
	if jc := chair.joinByLink(f.Tokens[f.Members[0].ID]); jc.Participant.Role != RoleFacilitator {
		t.Errorf("the meeting's chair joined as %q, want facilitator", jc.Participant.Role)
	}

	c.sendJSON(map[string]any{"type": "leave"})
	c.expectBye(ReasonLeft, websocket.CloseNormalClosure)
	testwait.Until(t, readTimeout, "the member's leave recorded", func() error {
		if present(t, f, member.ID) {
			return errString("still present")
		}
		return nil
	})

	bad := h.dial()
	if msg := bad.joinByLink("not-a-token-at-all"); msg.Code != CodeUnauthorized {
		t.Errorf("a wrong token: %s", msg.Raw)
	}
	if n := testutil.ToFloat64(h.cfg.Metrics.AuthFailures.WithLabelValues(metrics.CredentialLinkToken)); n != 1 {
		t.Errorf("link token failures counted %v, want 1", n)
	}
	if err := f.Svc.RevokeLink(f.Ctx, f.Fac(), member.ID); err != nil {
		t.Fatal(err)
	}
	if msg := h.dial().joinByLink(f.Tokens[member.ID]); msg.Code != CodeUnauthorized {
		t.Errorf("a revoked link: %s", msg.Raw)
	}
}

// TestMeetingRoomIsNotAnAdHocRoom: the room key does not reach a
// meeting's room by naming it.
func TestMeetingRoomIsNotAnAdHocRoom(t *testing.T) {
	h, f := linksHarness(t)
	f.Open()
	m := h.dial()
	j := m.joinByLink(f.Tokens[f.Members[1].ID])
	guest := h.dial()
	g := guest.join(j.Room.Name, "Guest")
	if len(g.Room.Participants) != 0 || g.Room.Meeting != nil {
		t.Errorf("a guest naming the meeting's room %q got into it: %s", j.Room.Name, g.Raw)
	}
	m.ping("p")
	for _, msg := range m.seen {
		if msg.Type == TypeParticipantJoined {
			t.Errorf("the member saw the guest: %s", msg.Raw)
		}
	}
}

// TestSamePersonTwiceIsOneParticipant: the same link opened again (a
// second tab) takes over; the first connection is told why, the others
// see the person leave and come back, and attendance goes on unbroken.
func TestSamePersonTwiceIsOneParticipant(t *testing.T) {
	h, f := linksHarness(t)
	f.Open()
	member := f.Members[1]
	other := h.dial()
	other.joinByLink(f.Tokens[f.Members[2].ID])
	first := h.dial()
	j1 := first.joinByLink(f.Tokens[member.ID])
	other.expect(TypeParticipantJoined)
	f.Clock.Advance(10 * time.Minute)

	second := h.dial()
	j2 := second.joinByLink(f.Tokens[member.ID])
	if j2.Type != TypeJoined || j2.Participant.ID == j1.Participant.ID {
		t.Fatalf("second tab's joined %s", j2.Raw)
	}
	first.expectBye(ReasonReplaced, websocket.CloseNormalClosure)
	if pl := other.expect(TypeParticipantLeft); pl.ParticipantID != j1.Participant.ID || pl.Reason != ReasonReplaced {
		t.Errorf("participant_left %s", pl.Raw)
	}
	if pj := other.expect(TypeParticipantJoined); pj.Participant.ID != j2.Participant.ID {
		t.Errorf("participant_joined %s", pj.Raw)
	}
	if c := h.srv.Counts(); c.Participants != 2 {
		t.Errorf("counts %+v, want 2 participants", c)
	}
	// The control plane hears of the second tab once its media is set
	// up, which may be after the others are told it joined.
	testwait.Until(t, readTimeout, "the person present again, attendance unbroken", func() error {
		v, err := f.Svc.Attendance(f.Ctx, f.Admin(), f.Meeting.ID)
		if err != nil {
			return err
		}
		for _, r := range v.Rows {
			if r.PersonID == member.ID && (!r.Present || len(r.Intervals) > 2) {
				return fmt.Errorf("attendance %+v: want present, in at most two back-to-back intervals", r)
			}
		}
		return nil
	})
}

type errString string

func (e errString) Error() string { return string(e) }
