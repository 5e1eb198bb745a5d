package controltest

import (
	"testing"
	"time"

	"piiri/control"
)

// ev is one attendance event in a counting case: at minutes (and seconds)
// after the meeting opens, who ("m0".."m4" members, "f" facilitator, "o"
// observer) does what: 'j' join, 'l' leave, 'r' resume, 'x' is removed
// from the group by the facilitator.
type ev struct {
	at   time.Duration
	who  string
	what byte
}

func mins(m int) time.Duration { return time.Duration(m) * time.Minute }

func testCounting(t *testing.T, open Open) {
	all := func(at time.Duration, what byte, who ...string) []ev {
		var out []ev
		for _, w := range who {
			out = append(out, ev{at, w, what})
		}
		return out
	}
	cat := func(parts ...[]ev) []ev {
		var out []ev
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	cases := []struct {
		name     string
		template string
		minHeld  time.Duration // server default; 0: 30 min
		patch    control.GroupPatch
		events   []ev
		end      time.Duration
		held     bool
		longest  time.Duration
		most     int
	}{
		{name: "quorum exactly the minimum", events: all(0, 'j', "m0", "m1", "m2"), end: mins(30), held: true, longest: mins(30), most: 3},
		{name: "one second short", events: all(0, 'j', "m0", "m1", "m2"), end: mins(30) - time.Second, longest: mins(30) - time.Second, most: 3},
		{name: "facilitator and observer not counted", events: all(0, 'j', "m0", "m1", "f", "o"), end: mins(60), most: 2},
		{name: "leaving and coming back breaks the stretch",
			events: cat(all(0, 'j', "m0", "m1", "m2"), []ev{{mins(10), "m2", 'l'}, {mins(12), "m2", 'j'}}),
			end:    mins(40), longest: mins(28), most: 3},
		{name: "after coming back long enough",
			events: cat(all(0, 'j', "m0", "m1", "m2"), []ev{{mins(10), "m2", 'l'}, {mins(12), "m2", 'j'}}),
			end:    mins(42), held: true, longest: mins(30), most: 3},
		{name: "two short stretches do not add up",
			events: cat(all(0, 'j', "m0", "m1", "m2"), []ev{{mins(20), "m2", 'l'}, {mins(25), "m2", 'j'}}),
			end:    mins(45), longest: mins(20), most: 3},
		{name: "a swap at the same instant keeps the stretch",
			events: cat(all(0, 'j', "m0", "m1", "m2"), []ev{{mins(15), "m2", 'l'}, {mins(15), "m3", 'j'}}),
			end:    mins(30), held: true, longest: mins(30), most: 3},
		{name: "a resume is not a leave",
			events: cat(all(0, 'j', "m0", "m1", "m2"), []ev{{mins(10), "m2", 'r'}, {mins(20), "m2", 'r'}}),
			end:    mins(30), held: true, longest: mins(30), most: 3},
		{name: "quorum reached late",
			events: cat(all(0, 'j', "m0", "m1"), []ev{{mins(20), "m2", 'j'}}),
			end:    mins(50), held: true, longest: mins(30), most: 3},
		{name: "everyone leaves before the end",
			events: cat(all(0, 'j', "m0", "m1", "m2", "m3", "m4"), all(mins(35), 'l', "m0", "m1", "m2", "m3", "m4")),
			end:    mins(60), held: true, longest: mins(35), most: 5},
		{name: "leaving at the limit",
			events: cat(all(0, 'j', "m0", "m1", "m2"), []ev{{mins(30), "m1", 'l'}}),
			end:    mins(90), held: true, longest: mins(30), most: 3},
		{name: "leaving a second before the limit",
			events: cat(all(0, 'j', "m0", "m1", "m2"), []ev{{mins(30) - time.Second, "m1", 'l'}}),
			end:    mins(90), longest: mins(30) - time.Second, most: 3},
		{name: "quorum set to 2", patch: control.GroupPatch{Quorum: ptr(2)},
			events: all(0, 'j', "m0", "m1"), end: mins(30), held: true, longest: mins(30), most: 2},
		{name: "group minimum 10 min", patch: control.GroupPatch{MinHeld: ptr(mins(10))},
			events: all(0, 'j', "m0", "m1", "m2"), end: mins(10), held: true, longest: mins(10), most: 3},
		{name: "server minimum 5 min", minHeld: mins(5),
			events: all(0, 'j', "m0", "m1", "m2"), end: mins(5), held: true, longest: mins(5), most: 3},
		{name: "a member removed during the meeting still counts",
			events: cat(all(0, 'j', "m0", "m1", "m2"), []ev{{mins(5), "m2", 'x'}}),
			end:    mins(30), held: true, longest: mins(30), most: 3},
		{name: "facilitators counted when the group says so", patch: control.GroupPatch{CountFacilitators: ptr(true), Quorum: ptr(2)},
			events: all(0, 'j', "m0", "f"), end: mins(30), held: true, longest: mins(30), most: 2},
		{name: "pair mentoring: mentor and mentee", template: "pair-mentoring",
			events: all(0, 'j', "m0", "f"), end: mins(30), held: true, longest: mins(30), most: 2},
		{name: "pair mentoring: mentee alone", template: "pair-mentoring",
			events: all(0, 'j', "m0"), end: mins(60), most: 1},
		{name: "nobody came", end: mins(60)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			members := 5
			if c.template == "pair-mentoring" {
				members = 1
			}
			f := NewFixture(t, open, FixtureOptions{Template: c.template, Members: members, MinHeld: c.minHeld})
			_, err := f.Svc.UpdateGroup(f.Ctx, f.Fac(), f.Group.ID, c.patch)
			must(t, err)
			m := f.runEvents(c.events, c.end)
			r := m.Result
			if r == nil {
				t.Fatal("ended meeting has no result")
			}
			if r.Held != c.held || r.Longest != c.longest || r.MostTogether != c.most {
				t.Errorf("held %v, longest %v, most together %d; want %v, %v, %d", r.Held, r.Longest, r.MostTogether, c.held, c.longest, c.most)
			}
			if got := f.Meet(m.ID).Count; got != *r {
				t.Errorf("view's count %+v differs from the result %+v", got, *r)
			}
		})
	}
}

// runEvents plays events in a fixture's meeting from its opening (at the
// planned start) and ends it at end.
func (f *Fixture) runEvents(events []ev, end time.Duration) control.Meeting {
	f.T.Helper()
	t0 := f.Meeting.Start
	f.Clock.Advance(t0.Sub(f.Clock.Now()))
	f.Open()
	who := func(w string) control.Person {
		switch {
		case w == "f":
			return f.Facilitator
		case w == "o":
			return f.Observer
		default:
			return f.Members[int(w[1]-'0')]
		}
	}
	for _, e := range events {
		at := t0.Add(e.at)
		f.Clock.Advance(at.Sub(f.Clock.Now()))
		var err error
		p := who(e.who)
		switch e.what {
		case 'j':
			err = f.Svc.Joined(f.Ctx, f.Meeting.ID, p.ID, at)
		case 'l':
			err = f.Svc.Left(f.Ctx, f.Meeting.ID, p.ID, at)
		case 'r':
			err = f.Svc.Resumed(f.Ctx, f.Meeting.ID, p.ID, at)
		case 'x':
			err = f.Svc.RemovePerson(f.Ctx, f.Fac(), p.ID)
		}
		if err != nil {
			f.T.Fatalf("%v %s %c: %v", e.at, e.who, e.what, err)
		}
	}
	f.Clock.Advance(t0.Add(end).Sub(f.Clock.Now()))
	m, err := f.Svc.EndMeeting(f.Ctx, f.Fac(), f.Meeting.ID)
	must(f.T, err)
	return m
}

func ptr[T any](v T) *T { return &v }

// testAttendanceEvents checks the intervals the events leave.
func testAttendanceEvents(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	m0, m1 := f.Members[0], f.Members[1]
	t0 := f.Meeting.Start
	at := func(m int) time.Time { return t0.Add(mins(m)) }

	// Not open yet: nobody can join.
	wantErr(t, "join a planned meeting", f.Svc.Joined(f.Ctx, f.Meeting.ID, m0.ID, at(0)), control.ErrMeetingNotOpen)
	f.Clock.Advance(t0.Sub(f.Clock.Now()))
	f.Open()
	steps := []struct {
		what string
		err  error
		do   func() error
	}{
		{"join", nil, func() error { return f.Svc.Joined(f.Ctx, f.Meeting.ID, m0.ID, at(0)) }},
		{"join again (a second tab)", nil, func() error { return f.Svc.Joined(f.Ctx, f.Meeting.ID, m0.ID, at(1)) }},
		{"resume", nil, func() error { return f.Svc.Resumed(f.Ctx, f.Meeting.ID, m0.ID, at(2)) }},
		{"leave", nil, func() error { return f.Svc.Left(f.Ctx, f.Meeting.ID, m0.ID, at(10)) }},
		{"leave again", nil, func() error { return f.Svc.Left(f.Ctx, f.Meeting.ID, m0.ID, at(11)) }},
		{"resume after a leave starts presence again", nil, func() error { return f.Svc.Resumed(f.Ctx, f.Meeting.ID, m0.ID, at(12)) }},
		{"leave never joined", nil, func() error { return f.Svc.Left(f.Ctx, f.Meeting.ID, m1.ID, at(12)) }},
		{"join reported out of order", nil, func() error { return f.Svc.Joined(f.Ctx, f.Meeting.ID, m1.ID, at(5)) }},
		{"someone of another group", control.ErrForbidden, func() error { return f.Svc.Joined(f.Ctx, f.Meeting.ID, f.OtherMember.ID, at(5)) }},
		{"nobody", control.ErrNotFound, func() error { return f.Svc.Joined(f.Ctx, f.Meeting.ID, "nobody", at(5)) }},
		{"no meeting", control.ErrNotFound, func() error { return f.Svc.Joined(f.Ctx, "nomeeting", m1.ID, at(5)) }},
		{"no time", control.ErrInvalid, func() error { return f.Svc.Joined(f.Ctx, f.Meeting.ID, m1.ID, time.Time{}) }},
	}
	for _, s := range steps {
		wantErr(t, s.what, s.do(), s.err)
	}
	f.Clock.Advance(at(12).Sub(f.Clock.Now()))
	m := f.Meet(f.Meeting.ID).Meeting
	want := []control.Interval{{From: at(0), To: at(10)}, {From: at(12)}}
	if !equalIntervals(m.Attendance[m0.ID], want) {
		t.Errorf("m0's intervals %v, want %v", m.Attendance[m0.ID], want)
	}
	if want := []control.Interval{{From: at(5)}}; !equalIntervals(m.Attendance[m1.ID], want) {
		t.Errorf("m1's intervals %v, want %v", m.Attendance[m1.ID], want)
	}
	av, err := f.Svc.Attendance(f.Ctx, f.Fac(), f.Meeting.ID)
	must(t, err)
	for _, r := range av.Rows {
		if r.PersonID == m0.ID && (!r.Present || r.Presence != mins(10)) {
			t.Errorf("m0's row %+v: want present, 10 min so far", r)
		}
	}
	// Ending closes everyone's presence at the end.
	f.Clock.Advance(mins(30))
	m, err = f.Svc.EndMeeting(f.Ctx, f.Fac(), f.Meeting.ID)
	must(t, err)
	if got := m.Attendance[m0.ID][1].To; !got.Equal(f.Clock.Now()) {
		t.Errorf("presence closed at %v, want the end %v", got, f.Clock.Now())
	}
	wantErr(t, "join an ended meeting", f.Svc.Joined(f.Ctx, f.Meeting.ID, m0.ID, f.Clock.Now()), control.ErrMeetingNotOpen)
	wantErr(t, "leave an ended meeting", f.Svc.Left(f.Ctx, f.Meeting.ID, m0.ID, f.Clock.Now()), nil)
}

func equalIntervals(a, b []control.Interval) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].From.Equal(b[i].From) || !a[i].To.Equal(b[i].To) {
			return false
		}
	}
	return true
}
