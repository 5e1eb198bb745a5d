package controltest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"piiri/control"
)

// testEmptyRoom: a running meeting left with nobody in it ends by itself
// once the room has been empty for the grace period (10 min by default),
// at exactly that moment however late the server's sweep runs, with its
// attendance closed and the held decision made on it. Events are at
// minutes after the start; the sweep (EndEmptyMeetings) runs at sweep.
func testEmptyRoom(t *testing.T, open Open) {
	cases := []struct {
		name    string
		grace   time.Duration // Options.EmptyGrace; 0: the default
		patch   control.GroupPatch
		events  []ev          // 'j' join, 'l' leave, 'r' resume, 'd' a drop reported 2 min late (left at the time given)
		sweep   time.Duration // when the sweep runs, after the start
		ended   bool
		endedAt time.Duration // after the start
		held    bool
		longest time.Duration
	}{
		{name: "one second before the grace ran out",
			events: []ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {0, "m2", 'j'}, {mins(40), "m0", 'l'}, {mins(40), "m1", 'l'}, {mins(40), "m2", 'l'}},
			sweep:  mins(50) - time.Second},
		{name: "at exactly the grace limit",
			events: []ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {0, "m2", 'j'}, {mins(40), "m0", 'l'}, {mins(40), "m1", 'l'}, {mins(40), "m2", 'l'}},
			sweep:  mins(50), ended: true, endedAt: mins(50), held: true, longest: mins(40)},
		{name: "a late sweep ends it at the limit all the same",
			events: []ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {0, "m2", 'j'}, {mins(40), "m0", 'l'}, {mins(40), "m1", 'l'}, {mins(40), "m2", 'l'}},
			sweep:  mins(300), ended: true, endedAt: mins(50), held: true, longest: mins(40)},
		{name: "quorum for exactly the minimum, then empty",
			events: []ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {0, "m2", 'j'}, {mins(30), "m0", 'l'}, {mins(30), "m1", 'l'}, {mins(30), "m2", 'l'}},
			sweep:  mins(45), ended: true, endedAt: mins(40), held: true, longest: mins(30)},
		{name: "quorum a second short of the minimum",
			events: []ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {0, "m2", 'j'}, {mins(30) - time.Second, "m0", 'l'}, {mins(30), "m1", 'l'}, {mins(30), "m2", 'l'}},
			sweep:  mins(45), ended: true, endedAt: mins(40), longest: mins(30) - time.Second},
		{name: "below quorum however long",
			events: []ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {mins(80), "m0", 'l'}, {mins(80), "m1", 'l'}},
			sweep:  mins(90), ended: true, endedAt: mins(90)},
		{name: "quorum 2 set by the group", patch: control.GroupPatch{Quorum: ptr(2)},
			events: []ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {mins(80), "m0", 'l'}, {mins(80), "m1", 'l'}},
			sweep:  mins(90), ended: true, endedAt: mins(90), held: true, longest: mins(80)},
		{name: "a drop counts from when the connection was lost",
			events: []ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {0, "m2", 'j'}, {mins(40), "m0", 'l'}, {mins(40), "m1", 'l'}, {mins(40), "m2", 'd'}},
			sweep:  mins(50), ended: true, endedAt: mins(50), held: true, longest: mins(40)},
		{name: "resumes are not leaves",
			events: []ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {0, "m2", 'j'}, {mins(20), "m0", 'r'}, {mins(25), "m1", 'r'}},
			sweep:  mins(300)},
		{name: "coming back within the grace keeps it running",
			events: []ev{{0, "m0", 'j'}, {mins(10), "m0", 'l'}, {mins(19), "m0", 'j'}, {mins(25), "m0", 'l'}},
			sweep:  mins(34)},
		{name: "coming back within the grace, then empty again",
			events: []ev{{0, "m0", 'j'}, {mins(10), "m0", 'l'}, {mins(19), "m0", 'j'}, {mins(25), "m0", 'l'}},
			sweep:  mins(35), ended: true, endedAt: mins(35)},
		{name: "an observer alone keeps it running",
			events: []ev{{0, "m0", 'j'}, {0, "o", 'j'}, {mins(5), "m0", 'l'}},
			sweep:  mins(300)},
		{name: "started with nobody",
			sweep: mins(10), ended: true, endedAt: mins(10)},
		{name: "a grace of 2 min", grace: 2 * time.Minute,
			events: []ev{{0, "f", 'j'}, {mins(5), "f", 'l'}},
			sweep:  mins(7), ended: true, endedAt: mins(7)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, rec := newLiveFixture(t, open, FixtureOptions{Service: control.Options{EmptyGrace: c.grace}}, false)
			_, err := f.Svc.UpdateGroup(f.Ctx, f.Fac(), f.Group.ID, c.patch)
			must(t, err)
			t0 := f.Meeting.Start
			f.Clock.Advance(t0.Sub(f.Clock.Now()))
			f.Open()
			must(t, f.liveStep("start"))
			for _, e := range c.events {
				at := t0.Add(e.at)
				f.Clock.Advance(at.Sub(f.Clock.Now()))
				p := f.who(e.who).ID
				switch e.what {
				case 'j':
					err = f.Svc.Joined(f.Ctx, f.Meeting.ID, p, at)
				case 'l':
					err = f.Svc.Left(f.Ctx, f.Meeting.ID, p, at)
				case 'r':
					err = f.Svc.Resumed(f.Ctx, f.Meeting.ID, p, at)
				case 'd':
					f.Clock.Advance(2 * time.Minute) // signalling's resume grace
					err = f.Svc.Left(f.Ctx, f.Meeting.ID, p, at)
				}
				must(t, err)
			}
			f.Clock.Advance(t0.Add(c.sweep).Sub(f.Clock.Now()))
			ended, err := f.Svc.EndEmptyMeetings(f.Ctx)
			must(t, err)
			m := f.Meet(f.Meeting.ID).Meeting
			if !c.ended {
				if len(ended) != 0 || m.State != control.StateRunning {
					t.Fatalf("ended %v, state %s; want it running", ended, m.State)
				}
				return
			}
			if !slices.Equal(ended, []string{f.Meeting.ID}) || m.State != control.StateEnded {
				t.Fatalf("ended %v, state %s; want the meeting ended", ended, m.State)
			}
			if want := t0.Add(c.endedAt); !m.Ended.Equal(want) {
				t.Errorf("ended at %v, want %v", m.Ended.Sub(t0), c.endedAt)
			}
			for id := range m.Attendance {
				if m.Present(id) {
					t.Errorf("%s still present after the end", f.label(id))
				}
			}
			r := m.Result
			if r == nil || r.Held != c.held || r.Longest != c.longest || !r.Decided.Equal(m.Ended) {
				t.Fatalf("result %+v; want held %v, longest %v, decided at the end", r, c.held, c.longest)
			}
			evs := rec.EventKinds()
			if want := "ended held=" + map[bool]string{true: "true", false: "false"}[c.held] + " auto=true"; evs[len(evs)-1] != want {
				t.Errorf("last event %q, want %q", evs[len(evs)-1], want)
			}
			if st, ok := rec.Last(f.Meeting.ID); !ok || st.State != control.StateEnded {
				t.Errorf("the observer's last state is %s, want ended", st.State)
			}
			again, err := f.Svc.EndEmptyMeetings(f.Ctx)
			if err != nil || len(again) != 0 {
				t.Errorf("a second sweep ended %v (%v)", again, err)
			}
		})
	}

	// Whoever comes first after the limit finds the meeting over, ended
	// at the limit, even before any sweep ran.
	f, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	f.Open()
	f.enter("m0")
	must(t, f.liveStep("start"))
	t0 := f.Clock.Now()
	f.Clock.Advance(mins(5))
	must(t, f.liveStep("leave m0"))
	f.Clock.Advance(mins(20))
	wantErr(t, "join after the limit", f.liveStep("join m0"), control.ErrMeetingNotOpen)
	if m := f.Meet(f.Meeting.ID).Meeting; m.State != control.StateEnded || !m.Ended.Equal(t0.Add(mins(15))) {
		t.Errorf("state %s ended %v, want ended at 15 min", m.State, m.Ended.Sub(t0))
	}
	wantErr(t, "next phase after the limit", f.liveStep("next-phase"), control.ErrTransition)

	// An open meeting that has not started never ends by itself.
	g, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	g.Open()
	g.Clock.Advance(24 * time.Hour)
	ended, err := g.Svc.EndEmptyMeetings(g.Ctx)
	if err != nil || len(ended) != 0 || g.Meet(g.Meeting.ID).Meeting.State != control.StateOpen {
		t.Errorf("an open meeting: ended %v (%v)", ended, err)
	}
}

// testLivePersistence: the live structure is in the meeting's record, so
// a new Service over the same store (a restart) carries on mid-round.
func testLivePersistence(t *testing.T, open Open) {
	f, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	f.Open()
	f.enter("f", "m0", "m1", "m2")
	for _, s := range []string{"start", "next", "pass m2", "extend 2"} {
		f.Clock.Advance(20 * time.Second)
		must(t, f.liveStep(s))
	}
	before := f.live()
	rec := &Recorder{}
	svc, err := control.New(f.Store, control.Options{Clock: f.Clock, IDs: &SeqIDs{n: 1000}, Observer: rec})
	must(t, err)
	after, err := svc.LiveState(f.Ctx, f.Admin(), f.Meeting.ID)
	must(t, err)
	if f.roundString(after) != f.roundString(before) || after.Version != before.Version || !after.Phase.Deadline.Equal(before.Phase.Deadline) ||
		after.Phase.ExtendedSeconds != 120 || after.Round.Speaker != f.Members[1].ID {
		t.Errorf("after a restart: %s v%d deadline %v; before: %s v%d deadline %v",
			f.roundString(after), after.Version, after.Phase.Deadline, f.roundString(before), before.Version, before.Phase.Deadline)
	}
	st, err := svc.NextSpeaker(f.Ctx, f.Fac(), f.Meeting.ID)
	must(t, err)
	if got := f.roundString(st); got != "m0:done m1:done m2:passed" || st.Version != before.Version+1 {
		t.Errorf("next speaker after a restart: %s v%d", got, st.Version)
	}
	if last, ok := rec.Last(f.Meeting.ID); !ok || last.Version != st.Version {
		t.Errorf("the new service's observer heard v%d, want v%d", last.Version, st.Version)
	}
}

// testPhaseEdits: the facilitator edits a running meeting's phases.
func testPhaseEdits(t *testing.T, open Open) {
	f, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	f.Open()
	f.enter("f", "m0", "m1", "m2")
	must(t, f.liveStep("start"))
	must(t, f.liveStep("next"))
	phases := f.Meet(f.Meeting.ID).Meeting.Phases
	edit := func(what string, ps []control.Phase) control.LiveState {
		t.Helper()
		f.Clock.Advance(time.Minute)
		_, err := f.Svc.UpdateMeeting(f.Ctx, f.As(f.Members[0]), f.Meeting.ID, control.MeetingPatch{Phases: &ps})
		must(t, err)
		return f.live()
	}
	t0 := f.live().Phase.Started
	turn := f.live().Round.TurnStarted

	// A longer turn in the current round: the deadline moves, the round
	// goes on.
	longer := slices.Clone(phases)
	longer[0].Timebox = 3 * time.Minute
	st := edit("longer turns", longer)
	if got := f.roundString(st); got != "m0:done m1:current m2:waiting" || !st.Phase.Deadline.Equal(turn.Add(3*time.Minute)) || !st.Phase.Started.Equal(t0) {
		t.Errorf("after a longer timebox: %s deadline %v started %v", got, st.Phase.Deadline, st.Phase.Started)
	}
	// A phase added after: the current one stays.
	added := append(slices.Clone(longer), control.Phase{Name: control.LocalText{control.English: "Break"}, Timebox: 5 * time.Minute})
	st = edit("a phase added", added)
	if st.Phase.Index != 0 || len(st.Phases) != 5 || f.roundString(st) != "m0:done m1:current m2:waiting" {
		t.Errorf("after adding a phase: phase %d of %d, %s", st.Phase.Index, len(st.Phases), f.roundString(st))
	}
	// The current phase no longer a round: it starts again as a phase.
	plain := slices.Clone(added)
	plain[0].Round = false
	st = edit("no longer a round", plain)
	if st.Round != nil || !st.Phase.Started.Equal(f.Clock.Now()) || !st.Phase.Deadline.Equal(f.Clock.Now().Add(3*time.Minute)) {
		t.Errorf("after making it plain: round %v started %v", st.Round, st.Phase.Started)
	}
	// And a round again: a new round.
	st = edit("a round again", added)
	if got := f.roundString(st); got != "m0:current m1:waiting m2:waiting" {
		t.Errorf("after making it a round again: %s", got)
	}
	// Move on, then cut the list short: the last phase, its clock anew.
	must(t, f.liveStep("next-phase"))
	must(t, f.liveStep("next-phase"))
	st = edit("shorter", added[:1])
	if st.Phase.Index != 0 || st.Phase.NextName != nil || !st.Phase.Started.Equal(f.Clock.Now()) {
		t.Errorf("after cutting to one phase: phase %d started %v", st.Phase.Index, st.Phase.Started)
	}
	// No phases: the meeting runs on without.
	st = edit("none", nil)
	if st.Phase != nil || st.State != control.StateRunning {
		t.Errorf("without phases: %+v", st.Phase)
	}
	m := f.Meet(f.Meeting.ID).Meeting
	if h := m.Live.History; len(h) == 0 || h[len(h)-1].To.IsZero() {
		t.Errorf("the last phase's span is still open after the phases went: %+v", h)
	}
	// Phases back: the first begins.
	st = edit("back", phases)
	if st.Phase == nil || st.Phase.Index != 0 || f.roundString(st) != "m0:current m1:waiting m2:waiting" {
		t.Errorf("phases back: %+v %s", st.Phase, f.roundString(st))
	}
	// Bad phases are refused, and change nothing.
	before := f.Snapshot()
	bad := slices.Clone(phases)
	bad[1].Kind = "lunch"
	_, err := f.Svc.UpdateMeeting(f.Ctx, f.Fac(), f.Meeting.ID, control.MeetingPatch{Phases: &bad})
	wantField(t, "an unknown kind", err, "phases[1].kind")
	if f.Snapshot() != before {
		t.Error("a refused edit changed the store")
	}
}

// testLiveStates: every structure operation in every meeting state, with
// the typed error where it is refused.
func testLiveStates(t *testing.T, open Open) {
	states := []control.MeetingState{control.StatePlanned, control.StateOpen, control.StateRunning, control.StateEnded, control.StateCancelled}
	ops := []struct {
		step string
		ok   []control.MeetingState
	}{
		{"start", []control.MeetingState{control.StateOpen}},
		{"end", []control.MeetingState{control.StateOpen, control.StateRunning}},
		{"next-phase", []control.MeetingState{control.StateRunning}},
		{"next", []control.MeetingState{control.StateRunning}},
		{"pass m1", []control.MeetingState{control.StateRunning}},
		{"skip m1", []control.MeetingState{control.StateRunning}},
		{"order m2 m1", []control.MeetingState{control.StateRunning}},
		{"extend 5", []control.MeetingState{control.StateRunning}},
		{"task Write down one thing", []control.MeetingState{control.StateRunning, control.StateEnded}},
	}
	for _, st := range states {
		for _, op := range ops {
			t.Run(string(st)+"/"+op.step, func(t *testing.T) {
				f, _ := newLiveFixture(t, open, FixtureOptions{}, false)
				if st != control.StatePlanned && st != control.StateCancelled {
					f.Open()
					f.enter("f", "m0", "m1", "m2")
				}
				switch st {
				case control.StateRunning:
					must(t, f.liveStep("start"))
				case control.StateEnded:
					must(t, f.liveStep("start"))
					must(t, f.liveStep("end"))
				case control.StateCancelled:
					f.toState(st)
				}
				var want error = control.ErrTransition
				if slices.Contains(op.ok, st) {
					want = nil
				}
				before := f.Snapshot()
				err := f.liveStep(op.step)
				wantErr(t, op.step, err, want)
				if err != nil && f.Snapshot() != before {
					t.Errorf("a refused %s changed the store", op.step)
				}
			})
		}
	}
}

// testObserver: every change is reported with its state, versions rise,
// and the API's view and the observer's agree.
func testObserver(t *testing.T, open Open) {
	f, rec := newLiveFixture(t, open, FixtureOptions{}, false)
	f.Open()
	f.enter("m0", "m1")
	must(t, f.liveStep("start"))
	must(t, f.liveStep("join m2"))
	must(t, f.liveStep("next"))
	_, err := f.Svc.HandOverMeeting(f.Ctx, f.Fac(), f.Meeting.ID, f.Members[2].ID)
	must(t, err)
	must(t, f.liveStep("leave m1"))
	rec.mu.Lock()
	states := slices.Clone(rec.States)
	rec.mu.Unlock()
	var mine []control.LiveState
	for _, st := range states {
		if st.MeetingID == f.Meeting.ID {
			mine = append(mine, st)
		}
	}
	// The fixture's hand-over to its chair, open, 2 joins, start, join,
	// next, hand over, leave.
	if len(mine) != 9 {
		t.Fatalf("heard %d states of the meeting, want 9", len(mine))
	}
	for i := 1; i < len(mine); i++ {
		if mine[i].Version != mine[i-1].Version+1 {
			t.Errorf("state %d: version %d after %d", i, mine[i].Version, mine[i-1].Version)
		}
	}
	last := mine[len(mine)-1]
	now := f.live()
	if now.Version != last.Version || f.roundString(now) != f.roundString(last) || now.Chair != f.Members[2].ID {
		t.Errorf("read v%d %s chair %s; heard v%d %s", now.Version, f.roundString(now), f.label(now.Chair), last.Version, f.roundString(last))
	}
	var chair control.LivePerson
	for _, p := range now.People {
		if p.PersonID == f.Members[2].ID {
			chair = p
		}
	}
	if !chair.Present || !chair.Facilitating {
		t.Errorf("the new chair in the room: %+v", chair)
	}
	if got := f.roundString(now); got != "m0:done m1:skipped~ m2:current" {
		t.Errorf("round %s", got)
	}
	// Concurrent changes each get their own version: none is lost.
	base := f.live().Version
	var wg sync.WaitGroup
	versions := make([]int64, 20)
	for i := range versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := f.Svc.Extend(f.Ctx, f.Fac(), f.Meeting.ID, time.Minute)
			if err != nil {
				t.Error(err)
			}
			versions[i] = st.Version
		}()
	}
	wg.Wait()
	slices.Sort(versions)
	for i, v := range versions {
		if v != base+int64(i)+1 {
			t.Fatalf("concurrent versions %v after %d", versions, base)
		}
	}
	if st := f.live(); st.Phase.ExtendedSeconds != 20*60 {
		t.Errorf("extended by %d s after 20 concurrent minutes", st.Phase.ExtendedSeconds)
	}
	// Refused operations are not reported.
	n := len(rec.States)
	wantErr(t, "a member's next speaker", err1(f.Svc.NextSpeaker(f.Ctx, f.As(f.Members[0]), f.Meeting.ID)), control.ErrNotFacilitator)
	if len(rec.States) != n {
		t.Error("a refused operation was reported")
	}
}
