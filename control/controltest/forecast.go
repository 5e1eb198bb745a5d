package controltest

import (
	"testing"
	"time"

	"piiri/control"
)

func testForecast(t *testing.T, open Open) {
	type answer struct {
		who string // "m0".. members, "f", "o"
		a   control.Answer
	}
	cases := []struct {
		name    string
		patch   control.GroupPatch
		answers []answer
		move    bool // move the meeting after the answers
		want    control.Forecast
	}{
		{name: "no answers", want: control.Forecast{Quorum: 3, Counted: 5, NoAnswer: 5, Needed: 3}},
		{name: "two coming, one more needed",
			answers: []answer{{"m0", control.Coming}, {"m1", control.Coming}, {"m2", control.Maybe}, {"m3", control.NotComing}},
			want:    control.Forecast{Quorum: 3, Counted: 5, Coming: 2, Maybe: 1, NotComing: 1, NoAnswer: 1, Needed: 1}},
		{name: "quorum reached",
			answers: []answer{{"m0", control.Coming}, {"m1", control.Coming}, {"m2", control.Coming}},
			want:    control.Forecast{Quorum: 3, Counted: 5, Coming: 3, NoAnswer: 2, Reached: true}},
		{name: "a changed answer counts once",
			answers: []answer{{"m0", control.Coming}, {"m0", control.NotComing}, {"m0", control.Coming}},
			want:    control.Forecast{Quorum: 3, Counted: 5, Coming: 1, NoAnswer: 4, Needed: 2}},
		{name: "facilitator and observer answers do not count",
			answers: []answer{{"f", control.Coming}, {"o", control.Coming}, {"m0", control.Coming}},
			want:    control.Forecast{Quorum: 3, Counted: 5, Coming: 1, NoAnswer: 4, Needed: 2}},
		{name: "facilitator counts when the group says so", patch: control.GroupPatch{CountFacilitators: ptr(true)},
			answers: []answer{{"f", control.Coming}, {"m0", control.Coming}},
			want:    control.Forecast{Quorum: 3, Counted: 6, Coming: 2, NoAnswer: 4, Needed: 1}},
		{name: "a set quorum", patch: control.GroupPatch{Quorum: ptr(4)},
			answers: []answer{{"m0", control.Coming}},
			want:    control.Forecast{Quorum: 4, Counted: 5, Coming: 1, NoAnswer: 4, Needed: 3}},
		{name: "answers for the old time after a move",
			answers: []answer{{"m0", control.Coming}, {"m1", control.Coming}, {"m2", control.NotComing}},
			move:    true,
			want:    control.Forecast{Quorum: 3, Counted: 5, NoAnswer: 5, Stale: 3, Needed: 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := NewFixture(t, open, FixtureOptions{})
			_, err := f.Svc.UpdateGroup(f.Ctx, f.Fac(), f.Group.ID, c.patch)
			must(t, err)
			for _, a := range c.answers {
				p := f.who(a.who)
				_, err := f.Svc.SetRSVP(f.Ctx, f.As(p), f.Meeting.ID, p.ID, a.a)
				must(t, err)
			}
			if c.move {
				_, err := f.Svc.MoveMeeting(f.Ctx, f.Fac(), f.Meeting.ID, f.Meeting.Start.Add(24*time.Hour), "")
				must(t, err)
			}
			got, err := f.Svc.Forecast(f.Ctx, f.As(f.Members[4]), f.Meeting.ID)
			must(t, err)
			if got != c.want {
				t.Errorf("forecast %+v\nwant     %+v", got, c.want)
			}
			pv, err := f.Svc.Programme(f.Ctx, f.As(f.Members[4]), f.Group.ID)
			must(t, err)
			if pv.Next == nil || pv.Next.Forecast != c.want {
				t.Errorf("the programme's next meeting does not show the forecast: %+v", pv.Next)
			}
		})
	}
	// Answering after a move is for the new time; the old answer is kept
	// and shown as stale until then.
	f := NewFixture(t, open, FixtureOptions{})
	m0 := f.Members[0]
	_, err := f.Svc.SetRSVP(f.Ctx, f.As(m0), f.Meeting.ID, m0.ID, control.Coming)
	must(t, err)
	old := f.Meeting.Start
	m, err := f.Svc.MoveMeeting(f.Ctx, f.Fac(), f.Meeting.ID, old.Add(time.Hour), "")
	must(t, err)
	if r := m.RSVPs[m0.ID]; r.Answer != control.Coming || !r.ForStart.Equal(old) {
		t.Errorf("after the move the answer is %+v, want coming for the old time %v", r, old)
	}
	m, err = f.Svc.SetRSVP(f.Ctx, f.As(m0), f.Meeting.ID, m0.ID, control.Maybe)
	must(t, err)
	if r := m.RSVPs[m0.ID]; r.Answer != control.Maybe || !r.ForStart.Equal(m.Start) {
		t.Errorf("the new answer is %+v, want maybe for %v", r, m.Start)
	}
	// Bad answers and people.
	_, err = f.Svc.SetRSVP(f.Ctx, f.As(m0), f.Meeting.ID, m0.ID, "perhaps")
	wantErr(t, "answer perhaps", err, control.ErrInvalid)
	_, err = f.Svc.SetRSVP(f.Ctx, f.Fac(), f.Meeting.ID, f.OtherMember.ID, control.Coming)
	wantErr(t, "answer for someone of another group", err, control.ErrNotFound)
}

func (f *Fixture) who(w string) control.Person {
	switch {
	case w == "f":
		return f.Facilitator
	case w == "o":
		return f.Observer
	default:
		return f.Members[int(w[1]-'0')]
	}
}
