package controltest

import (
	"testing"
	"time"

	"piiri/control"
)

func testReports(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	// Meeting 1: m0, m1, m2 (Espoo, Vantaa, Espoo) for 40 min, the
	// facilitator too: held.
	m := f.runEvents([]ev{{0, "m0", 'j'}, {0, "m1", 'j'}, {0, "m2", 'j'}, {0, "f", 'j'}, {mins(40), "m2", 'l'}}, mins(60))
	if !m.Held() {
		t.Fatal("meeting 1 not held")
	}
	// Meeting 2: m0 and m3 for an hour: not held.
	second, err := f.Svc.AddMeeting(f.Ctx, f.Fac(), f.Group.ID, control.MeetingInput{Start: f.Clock.Now().Add(30 * 24 * time.Hour)})
	must(t, err)
	f.Meeting = second
	f.runEvents([]ev{{0, "m0", 'j'}, {0, "m3", 'j'}}, mins(60))

	r, err := f.Svc.Report(f.Ctx, f.Fac(), f.Group.ID)
	must(t, err)
	if r.Progress.Held != 1 || r.Progress.Ended != 2 || r.Progress.Planned != 8 || len(r.Meetings) != 2 {
		t.Errorf("progress %+v, %d meeting rows", r.Progress, len(r.Meetings))
	}
	if mr := r.Meetings[0]; !mr.Held || mr.Attendees != 3 || mr.Others != 1 || mr.Number != 1 || mr.Longest != mins(40) {
		t.Errorf("meeting row 1 %+v", mr)
	}
	if mr := r.Meetings[1]; mr.Held || mr.Attendees != 2 || mr.Others != 0 || mr.Number != 2 {
		t.Errorf("meeting row 2 %+v", mr)
	}
	rows := map[string]control.PersonRow{}
	for _, pr := range r.People {
		rows[pr.PersonID] = pr
	}
	for who, w := range map[string]struct {
		attended, held int
		presence       time.Duration
	}{
		"m0": {2, 1, mins(120)}, "m1": {1, 1, mins(60)}, "m2": {1, 1, mins(40)}, "m3": {1, 0, mins(60)}, "m4": {0, 0, 0}, "f": {1, 1, mins(60)}, "o": {0, 0, 0},
	} {
		pr := rows[f.who(who).ID]
		if pr.Attended != w.attended || pr.AttendedHeld != w.held || pr.Presence != w.presence {
			t.Errorf("%s: attended %d (held %d) for %v; want %d (%d) for %v", who, pr.Attended, pr.AttendedHeld, pr.Presence, w.attended, w.held, w.presence)
		}
	}
	orgs := map[string]control.OrganisationRow{}
	for _, o := range r.Organisations {
		orgs[o.Organisation] = o
	}
	// Espoo: m0, m2. Vantaa: m1. "": m3. Kauniainen: m4. Programme: f, o.
	for org, w := range map[string]control.OrganisationRow{
		"Espoo":      {Organisation: "Espoo", People: 2, Attended: 3, AttendedHeld: 2, Presence: mins(160)},
		"Vantaa":     {Organisation: "Vantaa", People: 1, Attended: 1, AttendedHeld: 1, Presence: mins(60)},
		"":           {Organisation: "", People: 1, Attended: 1, AttendedHeld: 0, Presence: mins(60)},
		"Kauniainen": {Organisation: "Kauniainen", People: 1},
		"Programme":  {Organisation: "Programme", People: 2, Attended: 1, AttendedHeld: 1, Presence: mins(60)},
	} {
		if orgs[org] != w {
			t.Errorf("organisation %q: %+v, want %+v", org, orgs[org], w)
		}
	}
	if len(r.Organisations) != 5 || r.Organisations[0].Organisation != "" {
		t.Errorf("organisations %+v: want 5, sorted", r.Organisations)
	}
	ov, err := f.Svc.Overview(f.Ctx, f.Admin())
	must(t, err)
	if len(ov) != 2 || ov[1].GroupID != f.Group.ID || ov[1].Progress.Held != 1 || ov[1].Members != 5 {
		t.Errorf("overview %+v", ov)
	}
}
