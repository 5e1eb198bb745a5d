package controltest

import (
	"testing"
	"time"

	"piiri/control"
)

func testMoveAndCancel(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	fac, id := f.Fac(), f.Meeting.ID
	orig := f.Meet(id).Meeting
	to := orig.Start.Add(26 * time.Hour)
	m, err := f.Svc.MoveMeeting(f.Ctx, fac, id, to, "Europe/Stockholm")
	must(t, err)
	if !m.Start.Equal(to) || m.TimeZone != "Europe/Stockholm" || m.UID != orig.UID || m.Sequence != orig.Sequence+1 {
		t.Errorf("moved: start %v zone %s uid %s seq %d; want %v Europe/Stockholm %s %d", m.Start, m.TimeZone, m.UID, m.Sequence, to, orig.UID, orig.Sequence+1)
	}
	m, err = f.Svc.MoveMeeting(f.Ctx, fac, id, to, "")
	must(t, err)
	if m.Sequence != orig.Sequence+1 || len(m.Moves) != 1 {
		t.Errorf("a move to the same time changed sequence to %d, moves %d", m.Sequence, len(m.Moves))
	}
	_, err = f.Svc.MoveMeeting(f.Ctx, fac, id, f.Clock.Now().Add(-time.Minute), "")
	wantField(t, "move into the past", err, "start")
	_, err = f.Svc.MoveMeeting(f.Ctx, fac, id, to, "Mars/Olympus")
	wantField(t, "move to an unknown zone", err, "timeZone")

	// Calendar-visible changes raise the sequence; phases do not.
	seq := m.Sequence
	m, err = f.Svc.UpdateMeeting(f.Ctx, fac, id, control.MeetingPatch{Duration: ptr(2 * time.Hour)})
	must(t, err)
	m, err = f.Svc.UpdateMeeting(f.Ctx, fac, id, control.MeetingPatch{Theme: ptr("Boundaries")})
	must(t, err)
	m, err = f.Svc.UpdateMeeting(f.Ctx, fac, id, control.MeetingPatch{Theme: ptr("Boundaries")})
	must(t, err)
	m, err = f.Svc.UpdateMeeting(f.Ctx, fac, id, control.MeetingPatch{Phases: ptr(f.Group.Phases[1:])})
	must(t, err)
	if m.Sequence != seq+2 || m.Theme != "Boundaries" || m.Duration != 2*time.Hour || len(m.Phases) != len(f.Group.Phases)-1 {
		t.Errorf("after the updates: sequence %d theme %q duration %v phases %d", m.Sequence, m.Theme, m.Duration, len(m.Phases))
	}

	// Cancelling raises the sequence and keeps the meeting (as cancelled).
	seq = m.Sequence
	m, err = f.Svc.CancelMeeting(f.Ctx, fac, id)
	must(t, err)
	if m.State != control.StateCancelled || m.Sequence != seq+1 || m.Cancelled.IsZero() || m.UID != orig.UID {
		t.Errorf("cancelled: %s seq %d at %v uid %s", m.State, m.Sequence, m.Cancelled, m.UID)
	}
	pv, err := f.Svc.Programme(f.Ctx, fac, f.Group.ID)
	must(t, err)
	if pv.Progress.Cancelled != 1 || pv.Progress.Scheduled != 0 || pv.Next != nil || pv.Meetings[0].Number != 0 {
		t.Errorf("programme after the cancel: %+v, next %v", pv.Progress, pv.Next)
	}

	// An open meeting with people in the room cannot be cancelled.
	g := NewFixture(t, open, FixtureOptions{})
	g.Open()
	must(t, g.Svc.Joined(g.Ctx, g.Meeting.ID, g.Members[1].ID, g.Clock.Now()))
	_, err = g.Svc.CancelMeeting(g.Ctx, g.Fac(), g.Meeting.ID)
	wantErr(t, "cancel with people in the room", err, control.ErrTransition)
	must(t, g.Svc.Left(g.Ctx, g.Meeting.ID, g.Members[1].ID, g.Clock.Now()))
	_, err = g.Svc.CancelMeeting(g.Ctx, g.Fac(), g.Meeting.ID)
	wantErr(t, "cancel the emptied room", err, nil)
}

func testProgramme(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	fac := f.Fac()
	hki, err := time.LoadLocation("Europe/Helsinki")
	must(t, err)
	// 17:00 in Helsinki on 12 March 2026 (winter time, UTC+2); the
	// monthly meetings after the change to summer time (29 March,
	// UTC+3) keep the same local time.
	first := time.Date(2026, 3, 12, 17, 0, 0, 0, hki)
	ms, err := f.Svc.PlanProgramme(f.Ctx, fac, f.Group.ID, first)
	must(t, err)
	if len(ms) != 7 {
		t.Fatalf("planned %d meetings, want the 7 the programme lacks", len(ms))
	}
	for i, m := range ms {
		local := m.Start.In(hki)
		wantDay := time.Date(2026, time.March+time.Month(i), 12, 17, 0, 0, 0, hki)
		if !local.Equal(wantDay) || local.Hour() != 17 || m.Duration != 90*time.Minute || m.TimeZone != "Europe/Helsinki" || m.State != control.StatePlanned {
			t.Errorf("meeting %d: %v %v %s %s, want %v 90m Europe/Helsinki planned", i, local, m.Duration, m.TimeZone, m.State, wantDay)
		}
		if len(m.Phases) != 4 || !m.Phases[0].Round || m.Phases[1].Timebox != 45*time.Minute {
			t.Errorf("meeting %d's phases %+v: want the peer group's four", i, m.Phases)
		}
	}
	_, err = f.Svc.PlanProgramme(f.Ctx, fac, f.Group.ID, first)
	wantErr(t, "plan a full programme", err, control.ErrConflict)

	pv, err := f.Svc.Programme(f.Ctx, f.As(f.Members[2]), f.Group.ID)
	must(t, err)
	if pv.Progress != (control.Progress{Planned: 8, Scheduled: 8}) {
		t.Errorf("progress %+v, want 8 planned and scheduled", pv.Progress)
	}
	// Numbered by start: the fixture's meeting (9 March) is first.
	for i, mv := range pv.Meetings {
		if mv.Number != i+1 || mv.Of != 8 {
			t.Errorf("meeting at %v is number %d of %d, want %d of 8", mv.Meeting.Start, mv.Number, mv.Of, i+1)
		}
	}
	if pv.Next == nil || pv.Next.Meeting.ID != f.Meeting.ID {
		t.Errorf("next meeting %v, want the fixture's", pv.Next)
	}
	// A meeting added beyond the plan raises the count it is "of".
	_, err = f.Svc.AddMeeting(f.Ctx, fac, f.Group.ID, control.MeetingInput{Start: first.AddDate(1, 0, 0), Duration: time.Hour, TimeZone: "Europe/Stockholm"})
	must(t, err)
	pv, err = f.Svc.Programme(f.Ctx, fac, f.Group.ID)
	must(t, err)
	if pv.Progress.Planned != 9 || pv.Meetings[8].Meeting.TimeZone != "Europe/Stockholm" || pv.Meetings[8].Meeting.Duration != time.Hour {
		t.Errorf("after adding a ninth: %+v, last %+v", pv.Progress, pv.Meetings[8].Meeting)
	}

	// Themes proposed by members, chosen by the facilitator.
	tp, err := f.Svc.ProposeTheme(f.Ctx, f.As(f.Members[3]), f.Group.ID, "  Saying no  ")
	must(t, err)
	if tp.Text != "Saying no" || tp.By != f.Members[3].ID {
		t.Errorf("proposal %+v", tp)
	}
	m, err := f.Svc.ChooseTheme(f.Ctx, fac, ms[0].ID, tp.ID)
	must(t, err)
	if m.Theme != "Saying no" || m.Sequence != ms[0].Sequence+1 {
		t.Errorf("chosen theme %q sequence %d", m.Theme, m.Sequence)
	}
	gv, err := f.Svc.Group(f.Ctx, fac, f.Group.ID)
	must(t, err)
	if len(gv.Group.Themes) != 1 || gv.Group.Themes[0].ChosenFor != ms[0].ID {
		t.Errorf("themes %+v: want the proposal chosen for %s", gv.Group.Themes, ms[0].ID)
	}
	_, err = f.Svc.ChooseTheme(f.Ctx, fac, ms[0].ID, "nosuch")
	wantErr(t, "choose a proposal that is not there", err, control.ErrNotFound)

	// A group without a cadence plans meetings one by one.
	_, err = f.Svc.UpdateGroup(f.Ctx, fac, f.Group.ID, control.GroupPatch{Cadence: &control.Cadence{}, PlannedMeetings: ptr(20)})
	must(t, err)
	_, err = f.Svc.PlanProgramme(f.Ctx, fac, f.Group.ID, first)
	wantField(t, "plan without a cadence", err, "cadence")
}
