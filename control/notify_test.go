package control_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"piiri/control"
	"piiri/control/controltest"
)

// recorder is a control.Notifier that keeps what it was told, and, while
// being told, reads the service: that read would deadlock or see the old
// state if the service called it inside the change's transaction.
type recorder struct {
	mu        sync.Mutex
	svc       *control.Service
	invites   []control.InviteNotice
	moved     []control.MeetingNotice
	cancelled []control.MeetingNotice
	seen      []control.Meeting // the meeting as read back during the call
	detached  bool              // every call's ctx had no cancellation
}

func (r *recorder) readBack(ctx context.Context, meetingID string) {
	if ctx.Done() != nil {
		r.detached = false
	}
	if meetingID == "" || r.svc == nil {
		return
	}
	mv, err := r.svc.Meeting(ctx, control.AdminPrincipal(), meetingID)
	if err == nil {
		r.seen = append(r.seen, mv.Meeting)
	}
}

func (r *recorder) Invite(ctx context.Context, n control.InviteNotice) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.readBack(ctx, "")
	r.invites = append(r.invites, n)
}

func (r *recorder) MeetingMoved(ctx context.Context, n control.MeetingNotice) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.readBack(ctx, n.Meeting.Meeting.ID)
	r.moved = append(r.moved, n)
}

func (r *recorder) MeetingCancelled(ctx context.Context, n control.MeetingNotice) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.readBack(ctx, n.Meeting.Meeting.ID)
	r.cancelled = append(r.cancelled, n)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.invites, r.moved, r.cancelled, r.seen = nil, nil, nil, nil
}

// notifyFixture is the shared fixture with a recorder as the notifier and
// three people with addresses: two members (fi, sv) and one observer (en).
type notifyFixture struct {
	*controltest.Fixture
	rec      *recorder
	withMail []control.Person
	tokens   map[string]string
}

func newNotifyFixture(t *testing.T) *notifyFixture {
	t.Helper()
	rec := &recorder{detached: true}
	f := controltest.NewFixture(t, memOpen, controltest.FixtureOptions{Members: 3, Service: control.Options{Notifier: rec}})
	rec.svc = f.Svc
	nf := &notifyFixture{Fixture: f, rec: rec, tokens: map[string]string{}}
	for _, in := range []control.PersonInput{
		{Name: "Sanna Sähköposti", Email: "sanna@example.fi", Language: control.Finnish, Role: control.RoleMember},
		{Name: "Sven Svensson", Email: "sven@example.fi", Language: control.Swedish, Role: control.RoleMember},
		{Name: "Olivia Observer", Email: "olivia@example.org", Language: control.English, Role: control.RoleObserver},
	} {
		p, l, err := f.Svc.AddPerson(f.Ctx, f.As(f.Facilitator), f.Group.ID, in)
		if err != nil {
			t.Fatalf("add %s: %v", in.Name, err)
		}
		nf.withMail = append(nf.withMail, p)
		nf.tokens[p.ID] = l.Token
	}
	if !rec.detached {
		t.Fatal("the notifier got a cancellable context")
	}
	return nf
}

func TestInviteOnAddPerson(t *testing.T) {
	f := newNotifyFixture(t)
	if got := len(f.rec.invites); got != 3 {
		t.Fatalf("%d invitations for 3 people added with addresses (the fixture's people have none): %+v", got, f.rec.invites)
	}
	for i, n := range f.rec.invites {
		p := f.withMail[i]
		switch {
		case n.To.PersonID != p.ID || n.To.Email != p.Email || n.To.Name != p.Name || n.To.Language != p.Language || n.To.Role != p.Role:
			t.Errorf("invitation %d is for %+v, want %s %s %s", i, n.To, p.ID, p.Email, p.Language)
		case n.To.Token != f.tokens[p.ID]:
			t.Errorf("invitation %d does not carry the person's link token", i)
		case n.Reissued:
			t.Errorf("invitation %d is marked reissued", i)
		case n.Group.ID != f.Group.ID || n.Group.Name != f.Group.Name || n.Group.Organisation != f.Group.Organisation:
			t.Errorf("invitation %d names group %+v", i, n.Group)
		case n.Next == nil || n.Next.Meeting.ID != f.Meeting.ID || n.Next.Meeting.UID == "" || n.Next.Number != 1:
			t.Errorf("invitation %d's next meeting is %+v, want the fixture's meeting as number 1", i, n.Next)
		}
	}
}

func TestNoInviteWhenAddFailsOrNoAddress(t *testing.T) {
	f := newNotifyFixture(t)
	f.rec.reset()
	// The group's template allows 11 members; fill it, then one more.
	for i := len(f.Members) + 2; i < f.Group.MaxMembers; i++ {
		if _, _, err := f.Svc.AddPerson(f.Ctx, f.As(f.Facilitator), f.Group.ID, control.PersonInput{Name: "Filler", Role: control.RoleMember}); err != nil {
			t.Fatalf("filling the group: %v", err)
		}
	}
	_, _, err := f.Svc.AddPerson(f.Ctx, f.As(f.Facilitator), f.Group.ID, control.PersonInput{Name: "One Too Many", Email: "late@example.fi", Role: control.RoleMember})
	if !errors.Is(err, control.ErrGroupFull) {
		t.Fatalf("adding beyond the maximum: %v, want ErrGroupFull", err)
	}
	_, _, err = f.Svc.AddPerson(f.Ctx, f.As(f.Members[1]), f.Group.ID, control.PersonInput{Name: "By A Member", Email: "x@example.fi", Role: control.RoleObserver})
	if !errors.Is(err, control.ErrNotFacilitator) {
		t.Fatalf("a member adding someone: %v, want ErrNotFacilitator", err)
	}
	if len(f.rec.invites) != 0 {
		t.Fatalf("invitations sent for failed or address-less adds: %+v", f.rec.invites)
	}
}

func TestInviteOnReissueLink(t *testing.T) {
	f := newNotifyFixture(t)
	f.rec.reset()
	p := f.withMail[1]
	l, err := f.Svc.ReissueLink(f.Ctx, f.As(f.Facilitator), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.rec.invites) != 1 {
		t.Fatalf("%d invitations after reissuing one link", len(f.rec.invites))
	}
	n := f.rec.invites[0]
	if !n.Reissued || n.To.PersonID != p.ID || n.To.Token != l.Token || n.To.Token == f.tokens[p.ID] {
		t.Fatalf("reissue notice %+v: want Reissued with the new token", n)
	}
	// Someone without an address gets none; revoking sends nothing.
	if _, err := f.Svc.ReissueLink(f.Ctx, f.As(f.Facilitator), f.Members[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.RevokeLink(f.Ctx, f.As(f.Facilitator), p.ID); err != nil {
		t.Fatal(err)
	}
	if len(f.rec.invites) != 1 {
		t.Fatalf("%d invitations, want still 1", len(f.rec.invites))
	}
}

func TestMovedNotice(t *testing.T) {
	f := newNotifyFixture(t)
	f.rec.reset()
	old := f.Meeting
	to := old.Start.Add(2 * time.Hour)
	// A revoked link: the person still hears of the move, without a link.
	if err := f.Svc.RevokeLink(f.Ctx, f.As(f.Facilitator), f.withMail[2].ID); err != nil {
		t.Fatal(err)
	}
	m, err := f.Svc.MoveMeeting(f.Ctx, f.As(f.Facilitator), old.ID, to, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.rec.moved) != 3 || len(f.rec.cancelled) != 0 {
		t.Fatalf("%d moved and %d cancelled notices, want 3 and 0", len(f.rec.moved), len(f.rec.cancelled))
	}
	for i, n := range f.rec.moved {
		mv := n.Meeting.Meeting
		switch {
		case n.To.PersonID != f.withMail[i].ID:
			t.Errorf("notice %d is for %s, want %s (by person ID)", i, n.To.PersonID, f.withMail[i].ID)
		case !mv.Start.Equal(to) || mv.Sequence != old.Sequence+1 || mv.UID != old.UID:
			t.Errorf("notice %d: start %v sequence %d uid %s; want %v, %d, %s", i, mv.Start, mv.Sequence, mv.UID, to, old.Sequence+1, old.UID)
		case !n.OldStart.Equal(old.Start) || n.OldTimeZone != old.TimeZone:
			t.Errorf("notice %d: old start %v %s, want %v %s", i, n.OldStart, n.OldTimeZone, old.Start, old.TimeZone)
		case !f.rec.seen[i].Start.Equal(to):
			t.Errorf("notice %d was sent before the move committed: the store still had %v", i, f.rec.seen[i].Start)
		}
	}
	if f.rec.moved[2].To.Token != "" || f.rec.moved[0].To.Token != f.tokens[f.withMail[0].ID] {
		t.Error("tokens: want none for the revoked link, the person's own otherwise")
	}

	// Moving to the same time, or failing to move, tells nobody.
	f.rec.reset()
	if _, err := f.Svc.MoveMeeting(f.Ctx, f.As(f.Facilitator), m.ID, to, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.MoveMeeting(f.Ctx, f.As(f.Members[1]), m.ID, to.Add(time.Hour), ""); !errors.Is(err, control.ErrNotFacilitator) {
		t.Fatalf("a member moving: %v", err)
	}
	if _, err := f.Svc.MoveMeeting(f.Ctx, f.As(f.Facilitator), m.ID, controltest.Start.Add(-time.Hour), ""); !errors.Is(err, control.ErrInvalid) {
		t.Fatalf("moving into the past: %v", err)
	}
	if len(f.rec.moved) != 0 {
		t.Fatalf("%d notices for moves that did not happen", len(f.rec.moved))
	}
	// A change of time zone alone is a move.
	if _, err := f.Svc.MoveMeeting(f.Ctx, f.As(f.Facilitator), m.ID, to, "Europe/Stockholm"); err != nil {
		t.Fatal(err)
	}
	if len(f.rec.moved) != 3 || f.rec.moved[0].OldTimeZone != old.TimeZone || f.rec.moved[0].Meeting.Meeting.TimeZone != "Europe/Stockholm" {
		t.Fatalf("time zone change: %d notices, %+v", len(f.rec.moved), f.rec.moved)
	}
}

func TestMovedNoticeOnPickTime(t *testing.T) {
	f := newNotifyFixture(t)
	a, b := f.Meeting.Start.Add(24*time.Hour), f.Meeting.Start.Add(48*time.Hour)
	if _, err := f.Svc.ProposeTimes(f.Ctx, f.As(f.Facilitator), f.Meeting.ID, []time.Time{a, b}); err != nil {
		t.Fatal(err)
	}
	f.rec.reset()
	if _, err := f.Svc.WithdrawPoll(f.Ctx, f.As(f.Facilitator), f.Meeting.ID); err != nil {
		t.Fatal(err)
	}
	if len(f.rec.moved) != 0 {
		t.Fatalf("withdrawing a poll sent %d moved notices", len(f.rec.moved))
	}
	if _, err := f.Svc.ProposeTimes(f.Ctx, f.As(f.Facilitator), f.Meeting.ID, []time.Time{a, b}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.PickTime(f.Ctx, f.As(f.Facilitator), f.Meeting.ID, 1); err != nil {
		t.Fatal(err)
	}
	if len(f.rec.moved) != 3 || !f.rec.moved[0].Meeting.Meeting.Start.Equal(b) || !f.rec.moved[0].OldStart.Equal(f.Meeting.Start) {
		t.Fatalf("picking a time: %+v", f.rec.moved)
	}
}

func TestCancelledNotice(t *testing.T) {
	f := newNotifyFixture(t)
	f.rec.reset()
	if _, err := f.Svc.CancelMeeting(f.Ctx, f.As(f.Members[1]), f.Meeting.ID); !errors.Is(err, control.ErrNotFacilitator) {
		t.Fatalf("a member cancelling: %v", err)
	}
	if len(f.rec.cancelled) != 0 {
		t.Fatal("a refused cancel sent notices")
	}
	m, err := f.Svc.CancelMeeting(f.Ctx, f.As(f.Facilitator), f.Meeting.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.rec.cancelled) != 3 || len(f.rec.moved) != 0 {
		t.Fatalf("%d cancelled and %d moved notices, want 3 and 0", len(f.rec.cancelled), len(f.rec.moved))
	}
	for i, n := range f.rec.cancelled {
		mv := n.Meeting.Meeting
		if mv.State != control.StateCancelled || mv.Sequence != m.Sequence || f.rec.seen[i].State != control.StateCancelled {
			t.Errorf("notice %d: state %s sequence %d (stored %s), want cancelled, %d", i, mv.State, mv.Sequence, f.rec.seen[i].State, m.Sequence)
		}
	}
}

// A removed person gets no notices.
func TestNoNoticeForRemovedPerson(t *testing.T) {
	f := newNotifyFixture(t)
	if err := f.Svc.RemovePerson(f.Ctx, f.As(f.Facilitator), f.withMail[0].ID); err != nil {
		t.Fatal(err)
	}
	f.rec.reset()
	if _, err := f.Svc.CancelMeeting(f.Ctx, f.As(f.Facilitator), f.Meeting.ID); err != nil {
		t.Fatal(err)
	}
	for _, n := range f.rec.cancelled {
		if n.To.PersonID == f.withMail[0].ID {
			t.Fatal("a removed person was told of the cancellation")
		}
	}
	if len(f.rec.cancelled) != 2 {
		t.Fatalf("%d notices, want 2", len(f.rec.cancelled))
	}
}
