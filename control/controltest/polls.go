package controltest

import (
	"slices"
	"testing"
	"time"

	"piiri/control"
)

func testTimePolls(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	fac, id := f.Fac(), f.Meeting.ID
	now := f.Clock.Now()
	h := func(n int) time.Time { return now.Add(time.Duration(n) * time.Hour) }
	bad := []struct {
		name   string
		starts []time.Time
		field  string
	}{
		{"one time", []time.Time{h(200)}, "starts"},
		{"five times", []time.Time{h(200), h(201), h(202), h(203), h(204)}, "starts"},
		{"the same time twice", []time.Time{h(200), h(200)}, "starts[1]"},
		{"a past time", []time.Time{h(200), h(-1)}, "starts[1]"},
		{"no time", []time.Time{{}, h(200)}, "starts[0]"},
	}
	for _, b := range bad {
		_, err := f.Svc.ProposeTimes(f.Ctx, fac, id, b.starts)
		wantField(t, b.name, err, b.field)
	}
	_, err := f.Svc.MarkTimes(f.Ctx, f.As(f.Members[0]), id, []int{0})
	wantErr(t, "mark with no poll", err, control.ErrPollClosed)

	opts := []time.Time{h(190), h(214), h(238)}
	m, err := f.Svc.ProposeTimes(f.Ctx, fac, id, opts)
	must(t, err)
	if !m.Poll.Open() || len(m.Poll.Options) != 3 || m.Poll.Picked != -1 {
		t.Fatalf("poll %+v: want open with 3 options", m.Poll)
	}
	_, err = f.Svc.ProposeTimes(f.Ctx, fac, id, opts[:2])
	wantErr(t, "a second open poll", err, control.ErrConflict)

	mark := func(p control.Person, suits ...int) {
		t.Helper()
		_, err := f.Svc.MarkTimes(f.Ctx, f.As(p), id, suits)
		must(t, err)
	}
	mark(f.Members[0], 0, 1)
	mark(f.Members[1], 1)
	mark(f.Members[2], 2)
	mark(f.Members[2], 1, 2) // replaces the earlier marks
	mark(f.Members[3])       // none suits
	mark(f.Observer, 0)
	_, err = f.Svc.MarkTimes(f.Ctx, f.As(f.Members[4]), id, []int{3})
	wantField(t, "mark an option that is not there", err, "suits[0]")

	m = f.Meet(id).Meeting
	wantSuits := [][]string{
		sorted(f.Members[0].ID, f.Observer.ID),
		sorted(f.Members[0].ID, f.Members[1].ID, f.Members[2].ID),
		sorted(f.Members[2].ID),
	}
	for i, o := range m.Poll.Options {
		if !slices.Equal(o.Suits, wantSuits[i]) {
			t.Errorf("option %d suits %v, want %v", i, o.Suits, wantSuits[i])
		}
	}

	// An answer before the pick, to see it become "for the old time".
	_, err = f.Svc.SetRSVP(f.Ctx, f.As(f.Members[0]), id, f.Members[0].ID, control.Coming)
	must(t, err)
	before := f.Meet(id).Meeting
	_, err = f.Svc.PickTime(f.Ctx, fac, id, 3)
	wantField(t, "pick an option that is not there", err, "option")
	m, err = f.Svc.PickTime(f.Ctx, fac, id, 1)
	must(t, err)
	switch {
	case !m.Start.Equal(opts[1]):
		t.Errorf("after the pick the meeting starts at %v, want %v", m.Start, opts[1])
	case m.Poll.Open() || m.Poll.Picked != 1:
		t.Errorf("after the pick the poll is %+v, want closed with 1 picked", m.Poll)
	case m.Sequence != before.Sequence+1 || m.UID != before.UID:
		t.Errorf("sequence %d uid %q, want %d and %q", m.Sequence, m.UID, before.Sequence+1, before.UID)
	case len(m.Moves) != 1 || !m.Moves[0].From.Equal(before.Start) || !m.Moves[0].To.Equal(opts[1]):
		t.Errorf("moves %+v, want one from %v to %v", m.Moves, before.Start, opts[1])
	case !m.RSVPs[f.Members[0].ID].ForStart.Equal(before.Start):
		t.Errorf("the answer given before the pick is not for the old time: %+v", m.RSVPs[f.Members[0].ID])
	}
	_, err = f.Svc.PickTime(f.Ctx, fac, id, 0)
	wantErr(t, "pick from a closed poll", err, control.ErrPollClosed)
	_, err = f.Svc.MarkTimes(f.Ctx, f.As(f.Members[0]), id, []int{0})
	wantErr(t, "mark a closed poll", err, control.ErrPollClosed)

	// A new poll can follow a closed one; withdrawing it moves nothing.
	m, err = f.Svc.ProposeTimes(f.Ctx, fac, id, []time.Time{h(300), h(301)})
	must(t, err)
	m, err = f.Svc.WithdrawPoll(f.Ctx, fac, id)
	must(t, err)
	if m.Poll.Open() || m.Poll.Picked != -1 || !m.Start.Equal(opts[1]) {
		t.Errorf("withdrawn poll %+v, start %v: want closed, none picked, start kept", m.Poll, m.Start)
	}
	// Opening the meeting withdraws an open poll; so does moving it.
	_, err = f.Svc.ProposeTimes(f.Ctx, fac, id, []time.Time{h(300), h(301)})
	must(t, err)
	m, err = f.Svc.MoveMeeting(f.Ctx, fac, id, h(250), "")
	must(t, err)
	if m.Poll.Open() {
		t.Error("moving by hand left the poll open")
	}
	_, err = f.Svc.ProposeTimes(f.Ctx, fac, id, []time.Time{h(300), h(301)})
	must(t, err)
	f.Open()
	if f.Meet(id).Meeting.Poll.Open() {
		t.Error("opening the meeting left the poll open")
	}
	// A picked time that has passed meanwhile is refused.
	g := NewFixture(t, open, FixtureOptions{})
	_, err = g.Svc.ProposeTimes(g.Ctx, g.Fac(), g.Meeting.ID, []time.Time{g.Clock.Now().Add(time.Hour), g.Clock.Now().Add(200 * time.Hour)})
	must(t, err)
	g.Clock.Advance(2 * time.Hour)
	_, err = g.Svc.PickTime(g.Ctx, g.Fac(), g.Meeting.ID, 0)
	wantField(t, "pick a passed time", err, "option")
}

func sorted(s ...string) []string { slices.Sort(s); return s }

// wantField checks that err is a *control.FieldError for field.
func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	fe, ok := asField(err)
	if !ok || fe.Field != field {
		t.Errorf("%s: error %v, want invalid field %q", what, err, field)
	}
}
