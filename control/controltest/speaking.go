package controltest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"piiri/control"
)

// testSpeaking: speech reported in a running meeting becomes turn
// statistics; a person who did not consent to statistics is kept and
// shown only as "others" (their ID is in no statistic and not in the
// store); one who withdraws later becomes "others" in what is shown;
// speech outside a running meeting, or of someone not present, is
// dropped; only who runs the meeting sees the statistics.
func testSpeaking(t *testing.T, open Open) {
	f, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	m0, m1, m2 := f.Members[0], f.Members[1], f.Members[2]
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()))
	f.Open()
	f.enter("f", "m0", "m1", "m2")
	for _, p := range []control.Person{m0, m2} {
		must(t, err1(f.Svc.SetConsent(f.Ctx, f.As(p), f.Meeting.ID, control.Consent{Stats: true}, 1)))
	}
	wantErr(t, "the statistics of a running meeting without the live balance",
		err1(f.Svc.MeetingTurns(f.Ctx, f.Fac(), f.Meeting.ID)), control.ErrLiveBalanceOff)
	f.liveBalance(true)
	t0 := f.Clock.Now()
	// Before the start: dropped.
	must(t, f.Svc.Spoke(f.Ctx, f.Meeting.ID, m0.ID, t0.Add(-time.Minute), t0.Add(-50*time.Second)))
	must(t, f.liveStep("start"))
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for _, s := range []struct {
		who      control.Person
		from, to int
	}{{m0, 0, 10}, {m1, 11, 20}, {m0, 21, 30}, {m2, 31, 40}} {
		must(t, f.Svc.Spoke(f.Ctx, f.Meeting.ID, s.who.ID, at(s.from), at(s.to)))
	}
	// Someone not in the room: dropped.
	must(t, f.Svc.Spoke(f.Ctx, f.Meeting.ID, f.Members[3].ID, at(41), at(45)))
	wantErr(t, "speech that ends before it starts", f.Svc.Spoke(f.Ctx, f.Meeting.ID, m0.ID, at(5), at(4)), control.ErrInvalid)
	f.Clock.Advance(time.Minute)

	st, err := f.Svc.MeetingTurns(f.Ctx, f.Fac(), f.Meeting.ID)
	must(t, err)
	byName := map[string]control.SpeakerStats{}
	for _, sp := range st.Speakers {
		key := sp.Speaker.PersonID
		if sp.Speaker.Others {
			key = "others"
		}
		byName[key] = sp
	}
	if st.TotalTurns != 4 || byName[m0.ID].Turns != 2 || byName[m2.ID].Turns != 1 || byName["others"].Turns != 1 || byName[m0.ID].Talk != 19*time.Second {
		t.Fatalf("turn statistics: %+v", st)
	}
	raw, _ := json.Marshal(st)
	if strings.Contains(string(raw), m1.ID) {
		t.Errorf("the statistics name m1, who did not consent: %s", raw)
	}
	must(t, f.Store.View(func(tx control.Tx) error {
		speech, err := tx.Speech(f.Meeting.ID)
		if err != nil {
			return err
		}
		for _, s := range speech {
			if s.PersonID == m1.ID || s.PersonID == f.Members[3].ID {
				t.Errorf("the store keeps %s's speech under their ID", s.PersonID)
			}
		}
		if len(speech) != 4 {
			t.Errorf("the store keeps %d stretches, want the 4 of the running meeting", len(speech))
		}
		return nil
	}))
	wantErr(t, "a member reads the statistics", err1(f.Svc.MeetingTurns(f.Ctx, f.As(m1), f.Meeting.ID)), control.ErrNotFacilitator)

	// m0's data holds their speech; erased, it is gone from the data and
	// from the statistics.
	d, err := f.Svc.PersonData(f.Ctx, f.As(m0), m0.ID)
	must(t, err)
	if len(d.Meetings) != 1 || len(d.Meetings[0].Speech) != 2 {
		t.Errorf("m0's data holds %+v, want their two stretches of speech", d.Meetings)
	}
	wantErr(t, "a member erases another's speech", err1(f.Svc.EraseSpeech(f.Ctx, f.As(m1), m0.ID)), control.ErrNotFacilitator)
	n, err := f.Svc.EraseSpeech(f.Ctx, f.As(m0), m0.ID)
	must(t, err)
	if n != 2 {
		t.Errorf("erased %d stretches, want 2", n)
	}
	st, err = f.Svc.MeetingTurns(f.Ctx, f.Fac(), f.Meeting.ID)
	must(t, err)
	for _, sp := range st.Speakers {
		if sp.Speaker.PersonID == m0.ID && sp.Turns != 0 {
			t.Errorf("after erasure m0 still has %d turns", sp.Turns)
		}
	}
	if st.TotalTurns != 2 {
		t.Errorf("after erasing m0's speech: %d turns, want the other 2", st.TotalTurns)
	}

	// m2 withdraws: shown as others from now on.
	must(t, err1(f.Svc.SetConsent(f.Ctx, f.As(m2), f.Meeting.ID, control.Consent{}, 1)))
	st, err = f.Svc.MeetingTurns(f.Ctx, f.Fac(), f.Meeting.ID)
	must(t, err)
	raw, _ = json.Marshal(st)
	if strings.Contains(string(raw), m2.ID) {
		t.Errorf("after withdrawing, m2 is still named: %s", raw)
	}
}

// testTurnPhases: each turn carries the phase of the meeting it began in,
// from the meeting's phase history.
func testTurnPhases(t *testing.T, open Open) {
	f, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	m0, m2 := f.Members[0], f.Members[2]
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()))
	f.Open()
	f.enter("f", "m0", "m1", "m2")
	for _, p := range []control.Person{m0, m2} {
		must(t, err1(f.Svc.SetConsent(f.Ctx, f.As(p), f.Meeting.ID, control.Consent{Stats: true}, 1)))
	}
	must(t, f.liveStep("start"))
	f.liveBalance(true)
	t0 := f.Clock.Now()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	must(t, f.Svc.Spoke(f.Ctx, f.Meeting.ID, m0.ID, at(10), at(20)))
	f.Clock.Advance(30 * time.Second)
	must(t, f.liveStep("next-phase"))
	// A turn that began in the first phase and ran into the second
	// belongs to the first.
	must(t, f.Svc.Spoke(f.Ctx, f.Meeting.ID, m2.ID, at(25), at(35)))
	must(t, f.Svc.Spoke(f.Ctx, f.Meeting.ID, m0.ID, at(40), at(50)))
	f.Clock.Advance(30 * time.Second)

	st, err := f.Svc.MeetingTurns(f.Ctx, f.Fac(), f.Meeting.ID)
	must(t, err)
	if len(st.Phases) != 2 || !st.Phases[0].From.Equal(t0) || !st.Phases[0].To.Equal(at(30)) || !st.Phases[1].To.IsZero() {
		t.Fatalf("phases %+v, want the first from the start to 30 s and the second running", st.Phases)
	}
	if len(st.TurnPhases) != len(st.Turns) || len(st.Turns) != 3 {
		t.Fatalf("%d turns with %d phases, want 3 and 3", len(st.Turns), len(st.TurnPhases))
	}
	for i, want := range []int{0, 0, 1} {
		if st.TurnPhases[i] != want {
			t.Errorf("turn %d (%v–%v) is in phase %d, want %d", i, st.Turns[i].Start, st.Turns[i].End, st.TurnPhases[i], want)
		}
	}
	if st.Phases[0].Name.In(st.Language) == st.Phases[1].Name.In(st.Language) || st.Phases[0].Name.In(st.Language) == "" {
		t.Errorf("phase names %v and %v: want two different names", st.Phases[0].Name, st.Phases[1].Name)
	}
}

// testResearchAccess: a facilitator grants a person of the group the
// study of its meetings (turns and recordings), and takes it back; no one
// else may grant it, and without it a member or an observer sees neither.
func testResearchAccess(t *testing.T, open Open) {
	f, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	obs, m0 := f.Observer, f.Members[1] // Members[0] chairs the live fixture's meeting
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()))
	f.Open()
	f.enter("f", "m1", "m2")
	must(t, f.liveStep("start"))
	f.liveBalance(true)
	id := f.Meeting.ID
	study := func(p control.Person) (turnsErr, recErr error) {
		_, turnsErr = f.Svc.MeetingTurns(f.Ctx, f.As(p), id)
		_, recErr = f.Svc.RecordingAccess(f.Ctx, f.As(p), id)
		return turnsErr, recErr
	}
	for _, p := range []control.Person{obs, m0} {
		te, re := study(p)
		wantErr(t, p.Name+" reads the turns ungranted", te, control.ErrNotFacilitator)
		wantErr(t, p.Name+" reaches the recordings ungranted", re, control.ErrNotFacilitator)
	}
	wantErr(t, "a member grants research", err1(f.Svc.GrantResearch(f.Ctx, f.As(m0), obs.ID, true)), control.ErrNotFacilitator)
	wantErr(t, "a member grants themself research", err1(f.Svc.GrantResearch(f.Ctx, f.As(m0), m0.ID, true)), control.ErrNotFacilitator)
	got, err := f.Svc.GrantResearch(f.Ctx, f.Fac(), obs.ID, true)
	must(t, err)
	if !got.Research {
		t.Fatalf("granted person %+v has no research flag", got)
	}
	te, re := study(obs)
	must(t, te)
	must(t, re)
	names, err := f.Svc.RecordingAccess(f.Ctx, f.As(obs), id)
	must(t, err)
	if names[m0.ID] != m0.Name || names[f.Facilitator.ID] != f.Facilitator.Name {
		t.Errorf("the researcher is given the names %v, want those of the people at the meeting", names)
	}
	te, re = study(m0)
	wantErr(t, "another member, after the observer's grant", te, control.ErrNotFacilitator)
	wantErr(t, "another member's recordings, after the observer's grant", re, control.ErrNotFacilitator)
	must(t, err1(f.Svc.GrantResearch(f.Ctx, f.Fac(), obs.ID, false)))
	te, re = study(obs)
	wantErr(t, "the observer after the grant is taken back", te, control.ErrNotFacilitator)
	wantErr(t, "the observer's recordings after the grant is taken back", re, control.ErrNotFacilitator)
}

// liveBalance turns the group's live balance on or off: the speaking
// statistics of its running meetings.
func (f *Fixture) liveBalance(on bool) {
	f.T.Helper()
	g, err := f.Svc.UpdateGroup(f.Ctx, f.Fac(), f.Group.ID, control.GroupPatch{LiveBalance: &on})
	must(f.T, err)
	f.Group = g
}
