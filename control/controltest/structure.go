package controltest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"piiri/control"
)

// Recorder is a control.Observer that keeps what it hears.
type Recorder struct {
	mu     sync.Mutex
	States []control.LiveState
	Events []control.Event
}

// MeetingChanged implements control.Observer.
func (r *Recorder) MeetingChanged(meetingID string, st control.LiveState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if meetingID != st.MeetingID {
		panic("MeetingChanged with another meeting's state")
	}
	r.States = append(r.States, st)
}

// Counted implements control.Observer.
func (r *Recorder) Counted(ev control.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Events = append(r.Events, ev)
}

// Last is the last state heard for a meeting.
func (r *Recorder) Last(meetingID string) (control.LiveState, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.States) - 1; i >= 0; i-- {
		if r.States[i].MeetingID == meetingID {
			return r.States[i], true
		}
	}
	return control.LiveState{}, false
}

// EventKinds lists the events heard, as "kind" or "kind:phase".
func (r *Recorder) EventKinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.Events {
		switch e.Kind {
		case control.EventPhase:
			out = append(out, fmt.Sprintf("phase:%d<-%d", e.Phase, e.From))
		case control.EventEnded:
			out = append(out, fmt.Sprintf("ended held=%v auto=%v", e.Held, e.Auto))
		default:
			out = append(out, string(e.Kind))
		}
	}
	return out
}

// newLiveFixture is a fixture whose service reports to a Recorder, with
// the group's rounds alphabetical unless shuffled (so turns are Members in
// order: Aino, Bertil, Cecilia, ...).
func newLiveFixture(t *testing.T, open Open, o FixtureOptions, shuffled bool) (*Fixture, *Recorder) {
	t.Helper()
	rec := &Recorder{}
	o.Service.Observer = rec
	f := NewFixture(t, open, o)
	if !shuffled {
		order := control.RoundAlphabetical
		g, err := f.Svc.UpdateGroup(f.Ctx, f.Fac(), f.Group.ID, control.GroupPatch{RoundOrder: &order})
		must(t, err)
		f.Group = g
		// The fixture's meeting was planned before; its phases are the
		// group's, and the order is read when a round begins.
	}
	return f, rec
}

// enter has the labelled people ("m0", "f", "o") join the fixture's
// meeting now.
func (f *Fixture) enter(labels ...string) {
	f.T.Helper()
	for _, l := range labels {
		must(f.T, f.Svc.Joined(f.Ctx, f.Meeting.ID, f.who(l).ID, f.Clock.Now()))
	}
}

// label is the fixture's name for a person ID.
func (f *Fixture) label(id string) string {
	switch id {
	case f.Facilitator.ID:
		return "f"
	case f.Observer.ID:
		return "o"
	}
	for i, m := range f.Members {
		if m.ID == id {
			return fmt.Sprintf("m%d", i)
		}
	}
	return "?" + id
}

// live reads the fixture's meeting's live state as the admin.
func (f *Fixture) live() control.LiveState {
	f.T.Helper()
	st, err := f.Svc.LiveState(f.Ctx, f.Admin(), f.Meeting.ID)
	must(f.T, err)
	return st
}

// roundString renders a round: "m0:done m1:current m2:waiting~ m3:skipped
// m4:waiting+" (~ away, + an extra turn).
func (f *Fixture) roundString(st control.LiveState) string {
	if st.Round == nil {
		return "(no round)"
	}
	var parts []string
	for _, t := range st.Round.Turns {
		s := f.label(t.PersonID) + ":" + string(t.Status)
		if t.Away {
			s += "~"
		}
		if t.Extra {
			s += "+"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// liveStep is one action on the fixture's meeting: "start", "end",
// "next-phase", "previous-phase", "next", "pass m1", "skip m2", "extra m0",
// "order m3 m2", "extend 3", "join m5", "leave m2", "resume m1", "wait 90"
// (seconds), "task some text"; by is who acts (default the facilitator).
func (f *Fixture) liveStep(step string) error {
	f.T.Helper()
	verb, arg, _ := strings.Cut(step, " ")
	by := f.Fac()
	id := f.Meeting.ID
	var err error
	person := func() string { return f.who(arg).ID }
	now := f.Clock.Now()
	switch verb {
	case "start":
		_, err = f.Svc.Start(f.Ctx, by, id)
	case "end":
		_, err = f.Svc.End(f.Ctx, by, id)
	case "next-phase":
		_, err = f.Svc.NextPhase(f.Ctx, by, id)
	case "previous-phase":
		_, err = f.Svc.PreviousPhase(f.Ctx, by, id)
	case "next":
		_, err = f.Svc.NextSpeaker(f.Ctx, by, id)
	case "pass":
		_, err = f.Svc.Pass(f.Ctx, f.As(f.who(arg)), id)
	case "skip":
		_, err = f.Svc.Skip(f.Ctx, by, id, person())
	case "extra":
		_, err = f.Svc.ExtraTurn(f.Ctx, by, id, person())
	case "order":
		var ids []string
		for _, l := range strings.Fields(arg) {
			ids = append(ids, f.who(l).ID)
		}
		_, err = f.Svc.Reorder(f.Ctx, by, id, ids)
	case "extend":
		var n int
		fmt.Sscan(arg, &n)
		_, err = f.Svc.Extend(f.Ctx, by, id, time.Duration(n)*time.Minute)
	case "join":
		err = f.Svc.Joined(f.Ctx, id, person(), now)
	case "leave":
		err = f.Svc.Left(f.Ctx, id, person(), now)
	case "resume":
		err = f.Svc.Resumed(f.Ctx, id, person(), now)
	case "wait":
		var n int
		fmt.Sscan(arg, &n)
		f.Clock.Advance(time.Duration(n) * time.Second)
	case "task":
		_, err = f.Svc.SetTask(f.Ctx, by, id, arg)
	default:
		f.T.Fatalf("unknown step %q", step)
	}
	return err
}

// testPhases walks the peer group's four phases: their order, clocks and
// deadlines, extensions, and the typed refusals at the ends.
func testPhases(t *testing.T, open Open) {
	f, rec := newLiveFixture(t, open, FixtureOptions{}, false)
	wantErr(t, "next phase of a planned meeting", f.liveStep("next-phase"), control.ErrTransition)
	f.Open()
	wantErr(t, "next phase of an open meeting", f.liveStep("next-phase"), control.ErrTransition)
	f.enter("f", "o", "m0", "m1", "m2")
	t0 := f.Clock.Now()
	st, err := f.Svc.Start(f.Ctx, f.Fac(), f.Meeting.ID)
	must(t, err)
	type want struct {
		index    int
		name     string
		round    bool
		started  time.Time
		deadline time.Time
		next     string
	}
	check := func(what string, st control.LiveState, w want) {
		t.Helper()
		if st.State != control.StateRunning || st.Phase == nil {
			t.Fatalf("%s: state %s, phase %+v", what, st.State, st.Phase)
		}
		p := st.Phase
		if p.Index != w.index || p.Name.In(control.English) != w.name || p.Round != w.round ||
			!p.Started.Equal(w.started) || !p.Deadline.Equal(w.deadline) || p.NextName.In(control.English) != w.next {
			t.Errorf("%s: phase %d %q round=%v started %v deadline %v next %q; want %d %q round=%v started %v deadline %v next %q",
				what, p.Index, p.Name.In(control.English), p.Round, p.Started, p.Deadline, p.NextName.In(control.English),
				w.index, w.name, w.round, w.started, w.deadline, w.next)
		}
	}
	check("start", st, want{0, "Opening round", true, t0, t0.Add(2 * time.Minute), "Theme of the day"})
	if st.Number != 1 || st.Of != 8 || st.Theme != "Workload" || st.GroupName != f.Group.Name || len(st.Phases) != 4 {
		t.Errorf("meeting %d of %d %q in %q with %d phases; want 1 of 8 Workload, 4 phases", st.Number, st.Of, st.Theme, st.GroupName, len(st.Phases))
	}
	// The peer group's default: opening round 2 min each, theme 45 min,
	// task review 15 min, closing round 2 min each.
	var shape []string
	for _, p := range st.Phases {
		shape = append(shape, fmt.Sprintf("%s/%ds/round=%v/%s", p.Name.In(control.English), p.TimeboxSeconds, p.Round, p.Kind))
	}
	if want := []string{"Opening round/120s/round=true/", "Theme of the day/2700s/round=false/", "Task review/900s/round=false/review", "Closing round/120s/round=true/closing"}; !slices.Equal(shape, want) {
		t.Errorf("phases %q, want %q", shape, want)
	}
	if got := f.roundString(st); got != "m0:current m1:waiting m2:waiting" {
		t.Errorf("opening round %q: want the three members present, alphabetical, no facilitator or observer", got)
	}
	wantErr(t, "previous phase in the first", f.liveStep("previous-phase"), control.ErrFirstPhase)

	// A round's deadline is the turn's: 2 min from its start, plus
	// extensions, which the next turn does not inherit.
	f.Clock.Advance(90 * time.Second)
	must(t, f.liveStep("extend 3"))
	check("extended turn", f.live(), want{0, "Opening round", true, t0, t0.Add(5 * time.Minute), "Theme of the day"})
	if p := f.live().Phase; p.ExtendedSeconds != 180 {
		t.Errorf("extended %d s, want 180", p.ExtendedSeconds)
	}
	f.Clock.Advance(4 * time.Minute)
	t1 := f.Clock.Now()
	must(t, f.liveStep("next"))
	check("second turn", f.live(), want{0, "Opening round", true, t0, t1.Add(2 * time.Minute), "Theme of the day"})
	if st := f.live(); st.Round.Speaker != f.Members[1].ID || !st.Round.TurnStarted.Equal(t1) {
		t.Errorf("speaker %s from %v, want m1 from %v", f.label(st.Round.Speaker), st.Round.TurnStarted, t1)
	}
	for _, bad := range []string{"extend 0", "extend 61"} {
		wantErr(t, bad, f.liveStep(bad), control.ErrInvalid)
	}

	// The theme: the whole phase has one timebox.
	f.Clock.Advance(time.Minute)
	t2 := f.Clock.Now()
	must(t, f.liveStep("next-phase"))
	check("theme", f.live(), want{1, "Theme of the day", false, t2, t2.Add(45 * time.Minute), "Task review"})
	if f.live().Round != nil {
		t.Error("the theme shows a round")
	}
	wantErr(t, "next speaker outside a round", f.liveStep("next"), control.ErrNotRound)
	wantErr(t, "pass outside a round", f.liveStep("pass m0"), control.ErrNotRound)
	must(t, f.liveStep("extend 10"))
	check("theme extended", f.live(), want{1, "Theme of the day", false, t2, t2.Add(55 * time.Minute), "Task review"})
	f.Clock.Advance(50 * time.Minute)

	// Back to the round: it resumes where it was (m1 was speaking when it
	// was left, so their turn is done), its clock anew.
	t3 := f.Clock.Now()
	must(t, f.liveStep("previous-phase"))
	check("back in the round", f.live(), want{0, "Opening round", true, t3, t3.Add(2 * time.Minute), "Theme of the day"})
	if got := f.roundString(f.live()); got != "m0:done m1:done m2:current" {
		t.Errorf("resumed round %q, want m0:done m1:done m2:current", got)
	}
	for range 3 {
		must(t, f.liveStep("next-phase"))
	}
	t4 := f.Clock.Now()
	check("closing", f.live(), want{3, "Closing round", true, t4, t4.Add(2 * time.Minute), ""})
	if got := f.roundString(f.live()); got != "m0:current m1:waiting m2:waiting" {
		t.Errorf("closing round %q: a new round", got)
	}
	wantErr(t, "next phase in the last", f.liveStep("next-phase"), control.ErrLastPhase)

	// The phase history: when each phase ran.
	m := f.Meet(f.Meeting.ID).Meeting
	var hist []string
	for _, h := range m.Live.History {
		to := "open"
		if !h.To.IsZero() {
			to = h.To.Sub(t0).String()
		}
		hist = append(hist, fmt.Sprintf("%d:%v-%s", h.Phase, h.From.Sub(t0), to))
	}
	want4 := []string{"0:0s-6m30s", "1:6m30s-56m30s", "0:56m30s-56m30s", "1:56m30s-56m30s", "2:56m30s-56m30s", "3:56m30s-open"}
	if !slices.Equal(hist, want4) {
		t.Errorf("history %v, want %v", hist, want4)
	}
	must(t, f.liveStep("end"))
	st = f.live()
	if st.State != control.StateEnded || st.Phase != nil || st.Round != nil {
		t.Errorf("ended: state %s, phase %+v", st.State, st.Phase)
	}
	if got := f.Meet(f.Meeting.ID).Meeting.Live.History[5].To; !got.Equal(f.Clock.Now()) {
		t.Errorf("the last phase ended %v, want the meeting's end %v", got, f.Clock.Now())
	}
	wantErr(t, "next phase of an ended meeting", f.liveStep("next-phase"), control.ErrTransition)
	got := rec.EventKinds()
	wantEv := []string{"started", "phase:0<--1", "phase:1<-0", "phase:0<-1", "phase:1<-0", "phase:2<-1", "phase:3<-2", "ended held=true auto=false"}
	if !slices.Equal(got, wantEv) {
		t.Errorf("events %v, want %v", got, wantEv)
	}

	// A meeting without phases runs without structure.
	g, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	must(t, err1(g.Svc.UpdateMeeting(g.Ctx, g.Fac(), g.Meeting.ID, control.MeetingPatch{Phases: &[]control.Phase{}})))
	g.Open()
	must(t, g.liveStep("start"))
	if st := g.live(); st.State != control.StateRunning || st.Phase != nil {
		t.Errorf("no phases: state %s, phase %+v", st.State, st.Phase)
	}
	wantErr(t, "next phase without phases", g.liveStep("next-phase"), control.ErrLastPhase)
	wantErr(t, "previous phase without phases", g.liveStep("previous-phase"), control.ErrNoPhase)
	wantErr(t, "extend without phases", g.liveStep("extend 5"), control.ErrNoPhase)
}

// testRounds plays rounds step by step from the opening round. Members
// m0..m4 are in the room when the meeting starts (with the facilitator and
// the observer), m5 is not; the order is alphabetical, m0 first.
func testRounds(t *testing.T, open Open) {
	type step struct {
		do  string
		err error
	}
	s := func(do string) step { return step{do: do} }
	e := func(do string, err error) step { return step{do, err} }
	cases := []struct {
		name   string
		patch  control.GroupPatch
		absent bool // nobody in the room at the start
		steps  []step
		want   string
	}{
		{name: "the present members in order", want: "m0:current m1:waiting m2:waiting m3:waiting m4:waiting"},
		{name: "next speaker", steps: []step{s("next")}, want: "m0:done m1:current m2:waiting m3:waiting m4:waiting"},
		{name: "to the end, then over",
			steps: []step{s("next"), s("next"), s("next"), s("next"), s("next"), e("next", control.ErrRoundOver)},
			want:  "m0:done m1:done m2:done m3:done m4:done"},
		{name: "pass the running turn", steps: []step{s("pass m0")}, want: "m0:passed m1:current m2:waiting m3:waiting m4:waiting"},
		{name: "pass in advance", steps: []step{s("pass m3"), s("next"), s("next"), s("next")},
			want: "m0:done m1:done m2:done m3:passed m4:current"},
		{name: "pass twice", steps: []step{s("pass m2"), e("pass m2", control.ErrNoTurn)},
			want: "m0:current m1:waiting m2:passed m3:waiting m4:waiting"},
		{name: "the facilitator and observers do not pass", steps: []step{e("pass f", control.ErrForbidden), e("pass o", control.ErrForbidden)},
			want: "m0:current m1:waiting m2:waiting m3:waiting m4:waiting"},
		{name: "a late joiner is appended", steps: []step{s("next"), s("join m5")},
			want: "m0:done m1:current m2:waiting m3:waiting m4:waiting m5:waiting"},
		{name: "a late observer is not", steps: []step{s("leave o"), s("join o")},
			want: "m0:current m1:waiting m2:waiting m3:waiting m4:waiting"},
		{name: "a leaver is passed over", steps: []step{s("leave m2"), s("next"), s("next")},
			want: "m0:done m1:done m2:skipped~ m3:current m4:waiting"},
		{name: "a leaver back before their turn keeps their place", steps: []step{s("leave m2"), s("next"), s("join m2"), s("next")},
			want: "m0:done m1:done m2:current m3:waiting m4:waiting"},
		{name: "a leaver back after their turn is appended", steps: []step{s("leave m2"), s("next"), s("next"), s("join m2")},
			want: "m0:done m1:done m2:skipped~ m3:current m4:waiting m2:waiting"},
		{name: "the speaker leaves", steps: []step{s("leave m0")},
			want: "m0:skipped~ m1:current m2:waiting m3:waiting m4:waiting"},
		{name: "the last speaker leaves", steps: []step{s("next"), s("next"), s("next"), s("next"), s("leave m4")},
			want: "m0:done m1:done m2:done m3:done m4:skipped~"},
		{name: "a resume is not a leave", steps: []step{s("resume m0"), s("resume m2")},
			want: "m0:current m1:waiting m2:waiting m3:waiting m4:waiting"},
		{name: "skip a waiting turn", steps: []step{s("skip m3"), s("next"), s("next"), s("next")},
			want: "m0:done m1:done m2:done m3:skipped m4:current"},
		{name: "skip the running turn", steps: []step{s("skip m0")},
			want: "m0:skipped m1:current m2:waiting m3:waiting m4:waiting"},
		{name: "someone skipped is not given the turn again on return", steps: []step{s("skip m3"), s("leave m3"), s("join m3")},
			want: "m0:current m1:waiting m2:waiting m3:skipped m4:waiting"},
		{name: "skip someone without a turn", steps: []step{s("skip m0"), e("skip m0", control.ErrNoTurn), e("skip o", control.ErrNoTurn)},
			want: "m0:skipped m1:current m2:waiting m3:waiting m4:waiting"},
		{name: "an extra turn after the round starts at once",
			steps: []step{s("next"), s("next"), s("next"), s("next"), s("next"), s("extra m2")},
			want:  "m0:done m1:done m2:done m3:done m4:done m2:current+"},
		{name: "an extra turn while someone speaks waits at the end",
			steps: []step{s("next"), s("extra m0")},
			want:  "m0:done m1:current m2:waiting m3:waiting m4:waiting m0:waiting+"},
		{name: "no extra turn for someone with a turn coming, absent, an observer or a stranger",
			steps: []step{e("extra m2", control.ErrNoTurn), e("extra m5", control.ErrNotPresent), e("extra o", control.ErrInvalid), e("extra f", control.ErrInvalid)},
			want:  "m0:current m1:waiting m2:waiting m3:waiting m4:waiting"},
		{name: "reorder the waiting turns", steps: []step{s("pass m2"), s("order m4 m1 m3")},
			want: "m0:current m2:passed m4:waiting m1:waiting m3:waiting"},
		{name: "a reorder must list each waiting turn once",
			steps: []step{e("order m4 m3 m2", control.ErrInvalid), e("order m4 m3 m2 m1 m0", control.ErrInvalid), e("order m4 m3 m2 m2", control.ErrInvalid), e("order m4 m3 m2 m5", control.ErrInvalid)},
			want:  "m0:current m1:waiting m2:waiting m3:waiting m4:waiting"},
		{name: "facilitators take turns when the group counts them", patch: control.GroupPatch{CountFacilitators: ptr(true)},
			want: "m0:current m1:waiting m2:waiting m3:waiting m4:waiting f:waiting"},
		{name: "nobody there at the start", absent: true, steps: []step{e("next", control.ErrRoundOver), s("join m3"), s("join m1"), s("next")},
			want: "m3:current m1:waiting"},
		{name: "nobody left to speak", steps: []step{s("leave m0"), s("leave m1"), s("leave m2"), s("leave m3"), s("leave m4"), e("next", control.ErrRoundOver)},
			want: "m0:skipped~ m1:skipped~ m2:skipped~ m3:skipped~ m4:skipped~"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _ := newLiveFixture(t, open, FixtureOptions{Members: 6}, false)
			_, err := f.Svc.UpdateGroup(f.Ctx, f.Fac(), f.Group.ID, c.patch)
			must(t, err)
			f.Open()
			if !c.absent {
				f.enter("f", "o", "m0", "m1", "m2", "m3", "m4")
			}
			must(t, f.liveStep("start"))
			version := f.live().Version
			for _, st := range c.steps {
				f.Clock.Advance(10 * time.Second)
				before := f.Snapshot()
				err := f.liveStep(st.do)
				wantErr(t, st.do, err, st.err)
				if err != nil && f.Snapshot() != before {
					t.Errorf("a refused %q changed the store", st.do)
				}
				if v := f.live().Version; err == nil && v <= version && !strings.HasPrefix(st.do, "resume") {
					t.Errorf("%q: version %d did not rise from %d", st.do, v, version)
				} else if err == nil {
					version = v
				}
			}
			if got := f.roundString(f.live()); got != c.want {
				t.Errorf("round\n got %s\nwant %s", got, c.want)
			}
		})
	}

	// Shuffled: the order comes from the ID source, so it is the same in
	// the same fixture, and is the members present in some order.
	orders := map[string]bool{}
	for range 2 {
		f, _ := newLiveFixture(t, open, FixtureOptions{Members: 6}, true)
		f.Open()
		f.enter("f", "m0", "m1", "m2", "m3", "m4", "m5")
		must(t, f.liveStep("start"))
		got := f.roundString(f.live())
		orders[got] = true
		labels := strings.Fields(strings.NewReplacer(":current", "", ":waiting", "").Replace(got))
		slices.Sort(labels)
		if strings.Join(labels, " ") != "m0 m1 m2 m3 m4 m5" {
			t.Errorf("shuffled round %q is not the six members", got)
		}
		if got == "m0:current m1:waiting m2:waiting m3:waiting m4:waiting m5:waiting" {
			t.Errorf("shuffled round came out alphabetical: %q", got)
		}
	}
	if len(orders) != 1 {
		t.Errorf("the same fixture shuffled differently: %v", orders)
	}
}
