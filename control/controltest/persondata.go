package controltest

import (
	"testing"
	"time"

	"piiri/control"
)

// testPersonData: a person's data holds what the meetings keep about
// them (answer, presence, note, consent, that they gave feedback), and
// nothing about anyone else; the feedback itself, stored without the
// person, is not in it.
func testPersonData(t *testing.T, open Open) {
	f, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	m1, m2 := f.Members[1], f.Members[2]
	must(t, err1(f.Svc.SetRSVP(f.Ctx, f.As(m1), f.Meeting.ID, m1.ID, control.Coming)))
	must(t, err1(f.Svc.SetRSVP(f.Ctx, f.As(m2), f.Meeting.ID, m2.ID, control.NotComing)))
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()))
	f.Open()
	must(t, err1(f.Svc.SetConsent(f.Ctx, f.As(m1), f.Meeting.ID, control.Consent{Stats: true}, 1)))
	f.enter("f", "m0", "m1", "m2")
	must(t, f.liveStep("start"))
	f.Clock.Advance(time.Hour)
	must(t, f.liveStep("task Notice one thing."))
	must(t, f.liveStep("end"))
	must(t, err1(f.Svc.WriteTaskNote(f.Ctx, f.As(m1), f.Meeting.ID, control.TaskNoteInput{Done: true, Note: "Noticed it."})))
	must(t, f.Svc.SubmitFeedback(f.Ctx, f.As(m1), f.Meeting.ID, 5, "Very good."))

	d, err := f.Svc.PersonData(f.Ctx, f.As(m1), m1.ID)
	must(t, err)
	if d.Person.ID != m1.ID || d.GroupID != f.Group.ID || len(d.Meetings) != 1 || d.LinkIssued.IsZero() {
		t.Fatalf("m1's data: %+v", d)
	}
	md := d.Meetings[0]
	if md.RSVP == nil || md.RSVP.Answer != control.Coming || len(md.Attendance) != 1 || md.TaskNote == nil || md.TaskNote.Note != "Noticed it." ||
		len(md.Consent) != 1 || !md.Consent[0].Stats || !md.FeedbackGiven {
		t.Errorf("m1's meeting data: %+v", md)
	}
	other, err := f.Svc.PersonData(f.Ctx, f.Fac(), m2.ID)
	must(t, err)
	if om := other.Meetings[0]; om.RSVP.Answer != control.NotComing || om.TaskNote != nil || len(om.Consent) != 0 || om.FeedbackGiven {
		t.Errorf("m2's data holds m1's: %+v", om)
	}
	wantErr(t, "another member's data", err1(f.Svc.PersonData(f.Ctx, f.As(m2), m1.ID)), control.ErrNotFacilitator)
	wantErr(t, "someone of another group", err1(f.Svc.PersonData(f.Ctx, f.As(f.OtherFacilitator), m1.ID)), control.ErrForbidden)
}
