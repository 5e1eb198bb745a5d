package controltest

import (
	"testing"
	"time"

	"piiri/control"
)

func testAgreement(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	fac := f.Fac()
	newbie := f.add(f.Group.ID, "Niko New", "", control.RoleMember) // accepted v1
	gv, err := f.Svc.Group(f.Ctx, fac, f.Group.ID)
	must(t, err)
	if gv.Group.Agreement.Version != 1 || gv.Group.Agreement.Text == "" {
		t.Fatalf("a new group's agreement %+v: want version 1 with the template's text", gv.Group.Agreement)
	}
	f.Open()
	join := func(p control.Person) error {
		return f.Svc.Joined(f.Ctx, f.Meeting.ID, p.ID, f.Clock.Now())
	}
	wantErr(t, "join having accepted v1", join(newbie), nil)
	must(t, f.Svc.Left(f.Ctx, f.Meeting.ID, newbie.ID, f.Clock.Now()))

	// The same text is no new version.
	g, err := f.Svc.SetAgreement(f.Ctx, fac, f.Group.ID, gv.Group.Agreement.Text)
	must(t, err)
	if g.Agreement.Version != 1 {
		t.Errorf("setting the same text made version %d", g.Agreement.Version)
	}
	f.Clock.Advance(time.Minute)
	g, err = f.Svc.SetAgreement(f.Ctx, fac, f.Group.ID, "We keep confidences.\nRecordings need everyone's consent.")
	must(t, err)
	if g.Agreement.Version != 2 || !g.Agreement.Changed.Equal(f.Clock.Now()) {
		t.Errorf("new text: version %d changed %v", g.Agreement.Version, g.Agreement.Changed)
	}
	wantErr(t, "join with only v1 accepted", join(newbie), control.ErrAgreementNotAccepted)
	wantErr(t, "join with only v1 accepted is forbidden", join(newbie), control.ErrForbidden)
	_, err = f.Svc.Admit(f.Ctx, f.Tokens[newbie.ID])
	wantErr(t, "admit with only v1 accepted", err, control.ErrAgreementNotAccepted)

	_, err = f.Svc.AcceptAgreement(f.Ctx, f.As(newbie), 1)
	wantErr(t, "accept the old version", err, control.ErrAgreementChanged)
	_, err = f.Svc.AcceptAgreement(f.Ctx, f.As(newbie), 3)
	wantErr(t, "accept a version that does not exist", err, control.ErrAgreementChanged)
	f.Clock.Advance(time.Minute)
	accepted := f.Clock.Now()
	p, err := f.Svc.AcceptAgreement(f.Ctx, f.As(newbie), 2)
	must(t, err)
	f.Clock.Advance(time.Minute)
	p, err = f.Svc.AcceptAgreement(f.Ctx, f.As(newbie), 2)
	must(t, err)
	if len(p.Accepted) != 2 || p.Accepted[1].Version != 2 || !p.Accepted[1].Accepted.Equal(accepted) {
		t.Errorf("acceptances %+v: want v1 and v2 at %v (accepting again keeps the first time)", p.Accepted, accepted)
	}
	wantErr(t, "join having accepted v2", join(newbie), nil)
	_, err = f.Svc.AcceptAgreement(f.Ctx, f.Admin(), 2)
	wantErr(t, "the admin accepts", err, control.ErrForbidden)
	_, err = f.Svc.SetAgreement(f.Ctx, fac, f.Group.ID, "  ")
	wantField(t, "an empty agreement", err, "text")
}

func testHandOver(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	fac := f.Fac()
	chair, other := f.Members[0], f.Members[1]

	// The rotating chair runs their meeting and no other, and nothing
	// else of the group.
	second, err := f.Svc.AddMeeting(f.Ctx, fac, f.Group.ID, control.MeetingInput{Start: f.Meeting.Start.Add(30 * 24 * time.Hour)})
	must(t, err)
	_, err = f.Svc.OpenMeeting(f.Ctx, f.As(chair), second.ID)
	wantErr(t, "the chair opens another meeting", err, control.ErrNotFacilitator)
	_, err = f.Svc.OpenMeeting(f.Ctx, f.As(other), f.Meeting.ID)
	wantErr(t, "another member opens the chair's meeting", err, control.ErrNotFacilitator)
	for _, step := range []func(ctx contextT, p control.Principal, id string) (control.Meeting, error){f.Svc.OpenMeeting, f.Svc.StartMeeting, f.Svc.EndMeeting} {
		_, err := step(f.Ctx, f.As(chair), f.Meeting.ID)
		wantErr(t, "the chair runs their meeting", err, nil)
	}
	_, err = f.Svc.UpdateGroup(f.Ctx, f.As(chair), f.Group.ID, control.GroupPatch{Name: ptr("Mine")})
	wantErr(t, "the chair edits the group", err, control.ErrNotFacilitator)
	ad, err := f.Svc.Admit(f.Ctx, f.Tokens[chair.ID])
	wantErr(t, "admit after the end", err, control.ErrMeetingNotOpen)
	_ = ad

	// Handing a meeting to an observer, a facilitator, someone elsewhere: refused.
	_, err = f.Svc.HandOverMeeting(f.Ctx, fac, second.ID, f.Observer.ID)
	wantField(t, "hand a meeting to an observer", err, "to")
	_, err = f.Svc.HandOverMeeting(f.Ctx, fac, second.ID, f.OtherMember.ID)
	wantField(t, "hand a meeting to another group's member", err, "to")
	_, err = f.Svc.HandOverMeeting(f.Ctx, fac, second.ID, "nosuch")
	wantField(t, "hand a meeting to nobody known", err, "to")
	m, err := f.Svc.HandOverMeeting(f.Ctx, fac, second.ID, other.ID)
	must(t, err)
	m, err = f.Svc.HandOverMeeting(f.Ctx, fac, second.ID, "")
	must(t, err)
	if m.Chair != "" {
		t.Errorf("taking the role back left chair %q", m.Chair)
	}

	// The last facilitator cannot just go.
	err = f.Svc.RemovePerson(f.Ctx, fac, f.Facilitator.ID)
	wantErr(t, "the last facilitator leaves", err, control.ErrLastFacilitator)
	_, err = f.Svc.SetRole(f.Ctx, fac, f.Facilitator.ID, control.RoleMember)
	wantErr(t, "the last facilitator becomes a member", err, control.ErrLastFacilitator)
	err = f.Svc.HandOverGroup(f.Ctx, fac, f.Group.ID, f.Observer.ID, true)
	wantField(t, "hand the group to an observer", err, "to")
	err = f.Svc.HandOverGroup(f.Ctx, fac, f.Group.ID, f.OtherMember.ID, true)
	wantField(t, "hand the group to another group's member", err, "to")
	err = f.Svc.HandOverGroup(f.Ctx, fac, f.Group.ID, "nosuch", true)
	wantField(t, "hand the group to nobody known", err, "to")

	// Permanently, and leave: the group goes on with the new facilitator.
	must(t, f.Svc.HandOverGroup(f.Ctx, fac, f.Group.ID, other.ID, true))
	if _, err := f.Svc.Authenticate(f.Ctx, f.Tokens[f.Facilitator.ID]); err == nil {
		t.Error("the old facilitator's link still works after leaving")
	}
	_, err = f.Svc.Group(f.Ctx, fac, f.Group.ID)
	wantErr(t, "the old facilitator looks at the group", err, control.ErrUnauthenticated)
	newFac := f.As(other)
	_, _, err = f.Svc.AddPerson(f.Ctx, newFac, f.Group.ID, control.PersonInput{Name: "Ville Newcomer", Role: control.RoleMember})
	wantErr(t, "the new facilitator adds a member", err, nil)
	_, err = f.Svc.OpenMeeting(f.Ctx, newFac, second.ID)
	wantErr(t, "the new facilitator opens a meeting", err, nil)
	gv, err := f.Svc.Group(f.Ctx, newFac, f.Group.ID)
	must(t, err)
	if gv.YourRole != control.RoleFacilitator || gv.Members != 5 || gv.People[0].ID != other.ID {
		t.Errorf("after the hand-over: your role %s, %d members, first %s", gv.YourRole, gv.Members, gv.People[0].Name)
	}

	// Permanently, and stay as a member.
	g := NewFixture(t, open, FixtureOptions{})
	must(t, g.Svc.HandOverGroup(g.Ctx, g.Fac(), g.Group.ID, g.Members[2].ID, false))
	gv, err = g.Svc.Group(g.Ctx, g.Fac(), g.Group.ID)
	must(t, err)
	if gv.YourRole != control.RoleMember || gv.Members != 5 {
		t.Errorf("the old facilitator is %s in a group of %d members; want member of 5", gv.YourRole, gv.Members)
	}
	_, err = g.Svc.UpdateGroup(g.Ctx, g.Fac(), g.Group.ID, control.GroupPatch{Name: ptr("x")})
	wantErr(t, "the old facilitator edits the group", err, control.ErrNotFacilitator)
	err = g.Svc.HandOverGroup(g.Ctx, g.Admin(), g.Group.ID, g.Members[3].ID, false)
	wantErr(t, "an admin hands over", err, control.ErrForbidden)
}
