package control_test

import (
	"errors"
	"testing"
	"time"

	"piiri/control"
	"piiri/control/controltest"
)

func dueFor(t *testing.T, f *notifyFixture, svc *control.Service) map[string]control.ReminderNotice {
	t.Helper()
	due, err := svc.DueReminders(f.Ctx, f.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]control.ReminderNotice{}
	for _, n := range due {
		if _, dup := out[n.To.PersonID]; dup {
			t.Fatalf("two reminders for %s", n.To.PersonID)
		}
		if n.Meeting.Meeting.ID != f.Meeting.ID {
			t.Fatalf("a reminder for meeting %s; only %s is planned", n.Meeting.Meeting.ID, f.Meeting.ID)
		}
		out[n.To.PersonID] = n
	}
	return out
}

// TestReminderWindow: due from ReminderLead before the start until the
// start, for the people with addresses, once per start.
func TestReminderWindow(t *testing.T) {
	f := newNotifyFixture(t)
	start := f.Meeting.Start
	f.Clock.Advance(start.Sub(f.Clock.Now()) - control.ReminderLead - time.Minute)
	if due := dueFor(t, f, f.Svc); len(due) != 0 {
		t.Fatalf("a minute before the window: %d due", len(due))
	}
	f.Clock.Advance(time.Minute)
	due := dueFor(t, f, f.Svc)
	if len(due) != 3 {
		t.Fatalf("at the window's opening: %d due, want 3 (the people with addresses)", len(due))
	}
	for _, p := range f.withMail {
		n, ok := due[p.ID]
		if !ok || n.To.Email != p.Email || n.To.Token != f.tokens[p.ID] || n.Group.Name != f.Group.Name {
			t.Errorf("reminder for %s: %+v", p.Name, n)
		}
	}
	// Marked people are not due again; the others still are.
	first := f.withMail[0]
	if err := f.Svc.MarkReminded(f.Ctx, f.Meeting.ID, first.ID, start); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.MarkReminded(f.Ctx, f.Meeting.ID, first.ID, start); err != nil {
		t.Fatalf("marking twice: %v", err)
	}
	due = dueFor(t, f, f.Svc)
	if _, ok := due[first.ID]; ok || len(due) != 2 {
		t.Fatalf("after marking %s: %d due (%v)", first.Name, len(due), due)
	}
	// A new service over the same store (a restart) knows who was
	// reminded.
	svc2, err := control.New(f.Store, control.Options{Clock: f.Clock, IDs: &controltest.SeqIDs{}})
	if err != nil {
		t.Fatal(err)
	}
	if due := dueFor(t, f, svc2); len(due) != 2 {
		t.Fatalf("after a restart: %d due, want 2", len(due))
	}
	// At the start the window closes.
	f.Clock.Advance(control.ReminderLead)
	if due := dueFor(t, f, f.Svc); len(due) != 0 {
		t.Fatalf("at the start: %d due", len(due))
	}
}

// TestReminderAfterMove: a person reminded of the old start is reminded
// again of the new one; their old answer shows as stale.
func TestReminderAfterMove(t *testing.T) {
	f := newNotifyFixture(t)
	p := f.withMail[0]
	if _, err := f.Svc.SetRSVP(f.Ctx, f.As(p), f.Meeting.ID, p.ID, control.Coming); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()) - control.ReminderLead)
	due := dueFor(t, f, f.Svc)
	if n := due[p.ID]; n.Answer != control.Coming || n.Stale {
		t.Fatalf("before the move: answer %q stale %v", n.Answer, n.Stale)
	}
	if err := f.Svc.MarkReminded(f.Ctx, f.Meeting.ID, p.ID, f.Meeting.Start); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.MoveMeeting(f.Ctx, f.As(f.Facilitator), f.Meeting.ID, f.Meeting.Start.Add(time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	if due := dueFor(t, f, f.Svc); len(due) != 0 {
		t.Fatalf("the new start's window is not open yet, but %d are due", len(due))
	}
	f.Clock.Advance(time.Hour)
	due = dueFor(t, f, f.Svc)
	n, ok := due[p.ID]
	if !ok || !n.Stale || n.Answer != "" {
		t.Fatalf("after the move: %+v, want due again with a stale answer", n)
	}
}

// TestReminderForecast: the notice carries the meeting's forecast and the
// person's own answer.
func TestReminderForecast(t *testing.T) {
	f := newNotifyFixture(t)
	answers := map[string]control.Answer{f.withMail[0].ID: control.Coming, f.withMail[1].ID: control.NotComing, f.Members[1].ID: control.Coming}
	for id, a := range answers {
		if _, err := f.Svc.SetRSVP(f.Ctx, f.As(f.Facilitator), f.Meeting.ID, id, a); err != nil {
			t.Fatal(err)
		}
	}
	want, err := f.Svc.Forecast(f.Ctx, f.As(f.Facilitator), f.Meeting.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()) - time.Hour)
	due := dueFor(t, f, f.Svc)
	for _, p := range f.withMail {
		n := due[p.ID]
		if n.Meeting.Forecast != want || n.Meeting.Forecast.Coming != 2 {
			t.Errorf("%s's forecast %+v, want %+v with 2 coming", p.Name, n.Meeting.Forecast, want)
		}
		if n.Answer != answers[p.ID] {
			t.Errorf("%s's answer %q, want %q", p.Name, n.Answer, answers[p.ID])
		}
	}
}

// TestNoReminderForCancelledOrLeft: cancelled meetings and people who
// left are not reminded; bad marks are refused.
func TestNoReminderForCancelledOrLeft(t *testing.T) {
	f := newNotifyFixture(t)
	if err := f.Svc.RemovePerson(f.Ctx, f.As(f.Facilitator), f.withMail[1].ID); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()) - time.Hour)
	if due := dueFor(t, f, f.Svc); len(due) != 2 {
		t.Fatalf("%d due, want 2 (one of three left)", len(due))
	}
	if _, err := f.Svc.CancelMeeting(f.Ctx, f.As(f.Facilitator), f.Meeting.ID); err != nil {
		t.Fatal(err)
	}
	if due := dueFor(t, f, f.Svc); len(due) != 0 {
		t.Fatalf("%d due for a cancelled meeting", len(due))
	}
	if err := f.Svc.MarkReminded(f.Ctx, "", f.withMail[0].ID, f.Meeting.Start); !errors.Is(err, control.ErrInvalid) {
		t.Fatalf("marking without a meeting: %v", err)
	}
	if err := f.Svc.MarkReminded(f.Ctx, "nosuch", f.withMail[0].ID, f.Meeting.Start); !errors.Is(err, control.ErrNotFound) {
		t.Fatalf("marking an unknown meeting: %v", err)
	}
}
