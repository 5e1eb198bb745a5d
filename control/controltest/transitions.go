package controltest

import (
	"context"
	"testing"
	"time"

	"piiri/control"
)

func testTransitions(t *testing.T, open Open) {
	states := []control.MeetingState{control.StatePlanned, control.StateOpen, control.StateRunning, control.StateEnded, control.StateCancelled}
	type action struct {
		name string
		ok   []control.MeetingState // the states in which it succeeds
		do   func(f *Fixture) error
	}
	id := func(f *Fixture) string { return f.Meeting.ID }
	actions := []action{
		{"open", []control.MeetingState{control.StatePlanned}, func(f *Fixture) error {
			_, err := f.Svc.OpenMeeting(f.Ctx, f.Fac(), id(f))
			return err
		}},
		{"start", []control.MeetingState{control.StateOpen}, func(f *Fixture) error {
			_, err := f.Svc.StartMeeting(f.Ctx, f.Fac(), id(f))
			return err
		}},
		{"end", []control.MeetingState{control.StateOpen, control.StateRunning}, func(f *Fixture) error {
			_, err := f.Svc.EndMeeting(f.Ctx, f.Fac(), id(f))
			return err
		}},
		{"cancel", []control.MeetingState{control.StatePlanned, control.StateOpen}, func(f *Fixture) error {
			_, err := f.Svc.CancelMeeting(f.Ctx, f.Fac(), id(f))
			return err
		}},
		{"move", []control.MeetingState{control.StatePlanned}, func(f *Fixture) error {
			_, err := f.Svc.MoveMeeting(f.Ctx, f.Fac(), id(f), f.Clock.Now().Add(48*time.Hour), "")
			return err
		}},
		{"rsvp", []control.MeetingState{control.StatePlanned, control.StateOpen}, func(f *Fixture) error {
			_, err := f.Svc.SetRSVP(f.Ctx, f.As(f.Members[1]), id(f), f.Members[1].ID, control.Coming)
			return err
		}},
		{"propose times", []control.MeetingState{control.StatePlanned}, func(f *Fixture) error {
			now := f.Clock.Now()
			_, err := f.Svc.ProposeTimes(f.Ctx, f.Fac(), id(f), []time.Time{now.Add(50 * time.Hour), now.Add(74 * time.Hour)})
			return err
		}},
		{"change theme", []control.MeetingState{control.StatePlanned, control.StateOpen}, func(f *Fixture) error {
			_, err := f.Svc.UpdateMeeting(f.Ctx, f.Fac(), id(f), control.MeetingPatch{Theme: ptr("Boundaries")})
			return err
		}},
		{"change phases", []control.MeetingState{control.StatePlanned, control.StateOpen, control.StateRunning}, func(f *Fixture) error {
			_, err := f.Svc.UpdateMeeting(f.Ctx, f.Fac(), id(f), control.MeetingPatch{Phases: ptr(f.Group.Phases[:2])})
			return err
		}},
		{"hand over", []control.MeetingState{control.StatePlanned, control.StateOpen, control.StateRunning}, func(f *Fixture) error {
			_, err := f.Svc.HandOverMeeting(f.Ctx, f.Fac(), id(f), f.Members[2].ID)
			return err
		}},
		{"choose theme", []control.MeetingState{control.StatePlanned, control.StateOpen}, func(f *Fixture) error {
			_, err := f.Svc.ChooseTheme(f.Ctx, f.Fac(), id(f), f.theme)
			return err
		}},
	}
	for _, st := range states {
		for _, a := range actions {
			t.Run(string(st)+"/"+a.name, func(t *testing.T) {
				f := NewFixture(t, open, FixtureOptions{})
				tp, err := f.Svc.ProposeTheme(f.Ctx, f.As(f.Members[1]), f.Group.ID, "Change")
				must(t, err)
				f.theme = tp.ID
				f.toState(st)
				var want error = control.ErrTransition
				for _, ok := range a.ok {
					if ok == st {
						want = nil
					}
				}
				before := f.Snapshot()
				err = a.do(f)
				wantErr(t, a.name, err, want)
				if err != nil && f.Snapshot() != before {
					t.Errorf("a refused %s changed the store", a.name)
				}
			})
		}
	}
	// The lifecycle stamps its times.
	f := NewFixture(t, open, FixtureOptions{})
	f.toState(control.StateEnded)
	m := f.Meet(f.Meeting.ID).Meeting
	if m.Opened.IsZero() || m.Started.IsZero() || m.Ended.IsZero() || !m.Opened.Before(m.Started) || !m.Started.Before(m.Ended) {
		t.Errorf("opened %v, started %v, ended %v: want three times in order", m.Opened, m.Started, m.Ended)
	}
	// One open meeting per group.
	g := NewFixture(t, open, FixtureOptions{})
	second, err := g.Svc.AddMeeting(g.Ctx, g.Fac(), g.Group.ID, control.MeetingInput{Start: g.Meeting.Start.Add(30 * 24 * time.Hour)})
	must(t, err)
	g.Open()
	_, err = g.Svc.OpenMeeting(g.Ctx, g.Fac(), second.ID)
	wantErr(t, "a second open meeting", err, control.ErrConflict)
}

// toState takes the fixture's meeting to st, a minute per step.
func (f *Fixture) toState(st control.MeetingState) {
	f.T.Helper()
	step := func(fn func(context.Context, control.Principal, string) (control.Meeting, error)) {
		f.Clock.Advance(time.Minute)
		_, err := fn(f.Ctx, f.Fac(), f.Meeting.ID)
		must(f.T, err)
	}
	switch st {
	case control.StateOpen:
		step(f.Svc.OpenMeeting)
	case control.StateRunning:
		step(f.Svc.OpenMeeting)
		step(f.Svc.StartMeeting)
	case control.StateEnded:
		step(f.Svc.OpenMeeting)
		step(f.Svc.StartMeeting)
		step(f.Svc.EndMeeting)
	case control.StateCancelled:
		step(f.Svc.CancelMeeting)
	}
}
