package controltest

import (
	"strings"
	"testing"
	"time"

	"piiri/control"
)

// testValidation: bad input is ErrInvalid naming the field, and changes
// nothing.
func testValidation(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	admin, fac := f.Admin(), f.Fac()
	future := f.Clock.Now().Add(48 * time.Hour)
	long := strings.Repeat("x", 201)
	cases := []struct {
		name  string
		field string
		do    func() error
	}{
		{"group without a name", "name", func() error {
			_, err := f.Svc.CreateGroup(f.Ctx, admin, control.GroupInput{Name: "  "})
			return err
		}},
		{"group name too long", "name", func() error {
			_, err := f.Svc.CreateGroup(f.Ctx, admin, control.GroupInput{Name: long})
			return err
		}},
		{"group name with a control character", "name", func() error {
			_, err := f.Svc.CreateGroup(f.Ctx, admin, control.GroupInput{Name: "a\x07b"})
			return err
		}},
		{"group name not UTF-8", "name", func() error {
			_, err := f.Svc.CreateGroup(f.Ctx, admin, control.GroupInput{Name: "a\xffb"})
			return err
		}},
		{"group language", "language", func() error {
			_, err := f.Svc.CreateGroup(f.Ctx, admin, control.GroupInput{Name: "x", Language: "de"})
			return err
		}},
		{"group time zone", "timeZone", func() error {
			_, err := f.Svc.CreateGroup(f.Ctx, admin, control.GroupInput{Name: "x", TimeZone: "Europe/Atlantis"})
			return err
		}},
		{"max below min", "maxMembers", func() error {
			_, err := f.Svc.UpdateGroup(f.Ctx, fac, f.Group.ID, control.GroupPatch{MinMembers: ptr(6), MaxMembers: ptr(5)})
			return err
		}},
		{"negative quorum", "quorum", func() error {
			_, err := f.Svc.UpdateGroup(f.Ctx, fac, f.Group.ID, control.GroupPatch{Quorum: ptr(-1)})
			return err
		}},
		{"meeting duration of a group", "meetingDuration", func() error {
			_, err := f.Svc.UpdateGroup(f.Ctx, fac, f.Group.ID, control.GroupPatch{MeetingDuration: ptr(9 * time.Hour)})
			return err
		}},
		{"planned meetings", "plannedMeetings", func() error {
			_, err := f.Svc.UpdateGroup(f.Ctx, fac, f.Group.ID, control.GroupPatch{PlannedMeetings: ptr(-1)})
			return err
		}},
		{"phase name", "phases[0].name", func() error {
			_, err := f.Svc.UpdateGroup(f.Ctx, fac, f.Group.ID, control.GroupPatch{Phases: &[]control.Phase{{Timebox: time.Minute}}})
			return err
		}},
		{"person without a name", "name", func() error {
			_, _, err := f.Svc.AddPerson(f.Ctx, fac, f.Group.ID, control.PersonInput{Role: control.RoleMember})
			return err
		}},
		{"person role", "role", func() error {
			_, _, err := f.Svc.AddPerson(f.Ctx, fac, f.Group.ID, control.PersonInput{Name: "x", Role: "boss"})
			return err
		}},
		{"person email", "email", func() error {
			_, _, err := f.Svc.AddPerson(f.Ctx, fac, f.Group.ID, control.PersonInput{Name: "x", Role: control.RoleMember, Email: "not an address"})
			return err
		}},
		{"person language", "language", func() error {
			_, err := f.Svc.UpdatePerson(f.Ctx, fac, f.Members[0].ID, control.PersonPatch{Language: ptr(control.Language("xx"))})
			return err
		}},
		{"set role", "role", func() error {
			_, err := f.Svc.SetRole(f.Ctx, fac, f.Members[0].ID, "")
			return err
		}},
		{"meeting without a start", "start", func() error {
			_, err := f.Svc.AddMeeting(f.Ctx, fac, f.Group.ID, control.MeetingInput{})
			return err
		}},
		{"meeting in the past", "start", func() error {
			_, err := f.Svc.AddMeeting(f.Ctx, fac, f.Group.ID, control.MeetingInput{Start: f.Clock.Now().Add(-time.Second)})
			return err
		}},
		{"meeting too far ahead", "start", func() error {
			_, err := f.Svc.AddMeeting(f.Ctx, fac, f.Group.ID, control.MeetingInput{Start: f.Clock.Now().AddDate(6, 0, 0)})
			return err
		}},
		{"meeting too short", "duration", func() error {
			_, err := f.Svc.AddMeeting(f.Ctx, fac, f.Group.ID, control.MeetingInput{Start: future, Duration: 5 * time.Minute})
			return err
		}},
		{"meeting theme too long", "theme", func() error {
			_, err := f.Svc.AddMeeting(f.Ctx, fac, f.Group.ID, control.MeetingInput{Start: future, Theme: long})
			return err
		}},
		{"meeting time zone", "timeZone", func() error {
			_, err := f.Svc.AddMeeting(f.Ctx, fac, f.Group.ID, control.MeetingInput{Start: future, TimeZone: "nowhere"})
			return err
		}},
		{"theme proposal", "text", func() error {
			_, err := f.Svc.ProposeTheme(f.Ctx, fac, f.Group.ID, "")
			return err
		}},
	}
	before := f.Snapshot()
	for _, c := range cases {
		err := c.do()
		wantField(t, c.name, err, c.field)
		if !errorsIs(err, control.ErrInvalid) || control.CodeOf(err) != "invalid" {
			t.Errorf("%s: %v is not ErrInvalid with code invalid", c.name, err)
		}
	}
	if f.Snapshot() != before {
		t.Error("refused input changed the store")
	}
	// Unknown IDs are ErrNotFound.
	_, err := f.Svc.Group(f.Ctx, admin, "nosuch")
	wantErr(t, "unknown group", err, control.ErrNotFound)
	_, err = f.Svc.Meeting(f.Ctx, admin, "nosuch")
	wantErr(t, "unknown meeting", err, control.ErrNotFound)
	_, err = f.Svc.UpdatePerson(f.Ctx, admin, "nosuch", control.PersonPatch{})
	wantErr(t, "unknown person", err, control.ErrNotFound)
	if c := control.CodeOf(err); c != "not_found" {
		t.Errorf("code of not found: %q", c)
	}
	if c := control.CodeOf(control.ErrGroupFull); c != "group_full" {
		t.Errorf("code of group full: %q", c)
	}
}
