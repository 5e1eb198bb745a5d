package controltest

import (
	"testing"
	"time"

	"piiri/control"
)

// The roles a principal can have toward the fixture's group.
const (
	rNone     = "none"
	rAdmin    = "admin"
	rFac      = "facilitator"
	rChair    = "chair" // the member the fixture's meeting is handed to
	rMember   = "member"
	rObserver = "observer"
	rOtherFac = "other-facilitator" // of another group
	rOtherMem = "other-member"
	rDeparted = "departed" // left the group
)

var allRoles = []string{rNone, rAdmin, rFac, rChair, rMember, rObserver, rOtherFac, rOtherMem, rDeparted}

type permFixture struct {
	*Fixture
	departed control.Person
	arg      string // what the op's setup made
}

func (f *permFixture) principal(role string) control.Principal {
	switch role {
	case rAdmin:
		return f.Admin()
	case rFac:
		return f.Fac()
	case rChair:
		return f.As(f.Members[0])
	case rMember:
		return f.As(f.Members[1])
	case rObserver:
		return f.As(f.Observer)
	case rOtherFac:
		return f.As(f.OtherFacilitator)
	case rOtherMem:
		return f.As(f.OtherMember)
	case rDeparted:
		return f.As(f.departed)
	}
	return control.Principal{}
}

type permOp struct {
	name    string
	allowed []string
	setup   func(f *permFixture)
	do      func(f *permFixture, p control.Principal) error
}

func err1[T any](_ T, err error) error { return err }

func permOps() []permOp {
	group := []string{rAdmin, rFac, rChair, rMember, rObserver}
	manage := []string{rAdmin, rFac}
	run := []string{rAdmin, rFac, rChair}
	everyone := []string{rAdmin, rFac, rChair, rMember, rObserver, rOtherFac, rOtherMem}
	persons := []string{rFac, rChair, rMember, rObserver, rOtherFac, rOtherMem}
	self := []string{rAdmin, rFac, rMember} // acting on rMember's own record
	target := func(f *permFixture) string { return f.Members[2].ID }
	mid := func(f *permFixture) string { return f.Meeting.ID }
	later := func(f *permFixture, h int) time.Time { return f.Clock.Now().Add(time.Duration(h) * time.Hour) }
	openIt := func(f *permFixture) { f.Open() }
	running := func(f *permFixture) {
		f.Open()
		f.enter("f", "o", "m0", "m1", "m2", "m3", "m4")
		must(f.T, f.liveStep("start"))
	}
	ended := func(f *permFixture) {
		running(f)
		must(f.T, f.liveStep("task Write down one thing that helped."))
		must(f.T, f.liveStep("end"))
	}
	turns := []string{rChair, rMember} // members take turns and write notes
	live := func(fn func(f *permFixture, p control.Principal) (control.LiveState, error)) func(f *permFixture, p control.Principal) error {
		return func(f *permFixture, p control.Principal) error { return err1(fn(f, p)) }
	}
	poll := func(f *permFixture) {
		must(f.T, err1(f.Svc.ProposeTimes(f.Ctx, f.Fac(), f.Meeting.ID, []time.Time{later(f, 300), later(f, 301)})))
	}
	return []permOp{
		{"CreateGroup", []string{rAdmin}, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.CreateGroup(f.Ctx, p, control.GroupInput{Name: "New"}))
		}},
		{"UpdateGroup", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.UpdateGroup(f.Ctx, p, f.Group.ID, control.GroupPatch{Name: ptr("Renamed")}))
		}},
		{"Group", group, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Group(f.Ctx, p, f.Group.ID)) }},
		{"Groups", everyone, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Groups(f.Ctx, p)) }},
		{"SetAgreement", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.SetAgreement(f.Ctx, p, f.Group.ID, "New rules"))
		}},
		{"AcceptAgreement", persons, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.AcceptAgreement(f.Ctx, p, 1)) }},
		{"AddPerson", manage, nil, func(f *permFixture, p control.Principal) error {
			_, _, err := f.Svc.AddPerson(f.Ctx, p, f.Group.ID, control.PersonInput{Name: "New", Role: control.RoleMember})
			return err
		}},
		{"UpdatePerson/self", self, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.UpdatePerson(f.Ctx, p, f.Members[1].ID, control.PersonPatch{Name: ptr("Renamed")}))
		}},
		{"UpdatePerson/other", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.UpdatePerson(f.Ctx, p, target(f), control.PersonPatch{Name: ptr("Renamed")}))
		}},
		{"SetRole", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.SetRole(f.Ctx, p, target(f), control.RoleObserver))
		}},
		{"SetRole/self", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.SetRole(f.Ctx, p, f.Members[1].ID, control.RoleFacilitator))
		}},
		{"RemovePerson/self", self, nil, func(f *permFixture, p control.Principal) error { return f.Svc.RemovePerson(f.Ctx, p, f.Members[1].ID) }},
		{"RemovePerson/other", manage, nil, func(f *permFixture, p control.Principal) error { return f.Svc.RemovePerson(f.Ctx, p, target(f)) }},
		{"Link/self", self, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Link(f.Ctx, p, f.Members[1].ID)) }},
		{"Link/other", manage, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Link(f.Ctx, p, target(f))) }},
		{"Links", manage, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Links(f.Ctx, p, f.Group.ID)) }},
		{"ReissueLink/self", self, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.ReissueLink(f.Ctx, p, f.Members[1].ID))
		}},
		{"ReissueLink/other", manage, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.ReissueLink(f.Ctx, p, target(f))) }},
		{"RevokeLink/self", self, nil, func(f *permFixture, p control.Principal) error { return f.Svc.RevokeLink(f.Ctx, p, f.Members[1].ID) }},
		{"RevokeLink/other", manage, nil, func(f *permFixture, p control.Principal) error { return f.Svc.RevokeLink(f.Ctx, p, target(f)) }},
		{"AddMeeting", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.AddMeeting(f.Ctx, p, f.Group.ID, control.MeetingInput{Start: later(f, 500)}))
		}},
		{"PlanProgramme", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.PlanProgramme(f.Ctx, p, f.Group.ID, later(f, 500)))
		}},
		{"UpdateMeeting/theme", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.UpdateMeeting(f.Ctx, p, mid(f), control.MeetingPatch{Theme: ptr("Other")}))
		}},
		{"UpdateMeeting/phases", run, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.UpdateMeeting(f.Ctx, p, mid(f), control.MeetingPatch{Phases: ptr(f.Group.Phases[:1])}))
		}},
		{"MoveMeeting", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.MoveMeeting(f.Ctx, p, mid(f), later(f, 400), ""))
		}},
		{"CancelMeeting", manage, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.CancelMeeting(f.Ctx, p, mid(f))) }},
		{"Meeting", group, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Meeting(f.Ctx, p, mid(f))) }},
		{"Programme", group, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Programme(f.Ctx, p, f.Group.ID)) }},
		{"ProposeTheme", []string{rFac, rChair, rMember}, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.ProposeTheme(f.Ctx, p, f.Group.ID, "Rest"))
		}},
		{"ChooseTheme", manage, func(f *permFixture) {
			tp, err := f.Svc.ProposeTheme(f.Ctx, f.As(f.Members[1]), f.Group.ID, "Rest")
			must(f.T, err)
			f.arg = tp.ID
		}, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.ChooseTheme(f.Ctx, p, mid(f), f.arg))
		}},
		{"OpenMeeting", run, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.OpenMeeting(f.Ctx, p, mid(f))) }},
		{"StartMeeting", run, openIt, func(f *permFixture, p control.Principal) error { return err1(f.Svc.StartMeeting(f.Ctx, p, mid(f))) }},
		{"EndMeeting", run, openIt, func(f *permFixture, p control.Principal) error { return err1(f.Svc.EndMeeting(f.Ctx, p, mid(f))) }},
		{"HandOverMeeting", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.HandOverMeeting(f.Ctx, p, mid(f), target(f)))
		}},
		{"HandOverGroup", []string{rFac}, nil, func(f *permFixture, p control.Principal) error {
			return f.Svc.HandOverGroup(f.Ctx, p, f.Group.ID, target(f), false)
		}},
		{"SetRSVP/self", self, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.SetRSVP(f.Ctx, p, mid(f), f.Members[1].ID, control.Coming))
		}},
		{"Forecast", group, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Forecast(f.Ctx, p, mid(f))) }},
		{"ProposeTimes", manage, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.ProposeTimes(f.Ctx, p, mid(f), []time.Time{later(f, 300), later(f, 301)}))
		}},
		{"MarkTimes", []string{rFac, rChair, rMember, rObserver}, poll, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.MarkTimes(f.Ctx, p, mid(f), []int{1}))
		}},
		{"PickTime", manage, poll, func(f *permFixture, p control.Principal) error { return err1(f.Svc.PickTime(f.Ctx, p, mid(f), 1)) }},
		{"WithdrawPoll", manage, poll, func(f *permFixture, p control.Principal) error { return err1(f.Svc.WithdrawPoll(f.Ctx, p, mid(f))) }},
		{"LiveState", group, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.LiveState(f.Ctx, p, mid(f))
		})},
		{"Start", run, openIt, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.Start(f.Ctx, p, mid(f))
		})},
		{"End", run, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.End(f.Ctx, p, mid(f))
		})},
		{"NextPhase", run, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.NextPhase(f.Ctx, p, mid(f))
		})},
		{"PreviousPhase", run, func(f *permFixture) { running(f); must(f.T, f.liveStep("next-phase")) },
			live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
				return f.Svc.PreviousPhase(f.Ctx, p, mid(f))
			})},
		{"NextSpeaker", run, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.NextSpeaker(f.Ctx, p, mid(f))
		})},
		{"Pass", turns, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.Pass(f.Ctx, p, mid(f))
		})},
		{"Skip", run, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.Skip(f.Ctx, p, mid(f), f.Members[2].ID)
		})},
		{"ExtraTurn", run, func(f *permFixture) { running(f); must(f.T, f.liveStep("pass m2")) },
			live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
				return f.Svc.ExtraTurn(f.Ctx, p, mid(f), f.Members[2].ID)
			})},
		{"Reorder", run, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			var waiting []string
			for _, t := range f.live().Round.Turns {
				if t.Status == control.TurnWaiting {
					waiting = append([]string{t.PersonID}, waiting...)
				}
			}
			return f.Svc.Reorder(f.Ctx, p, mid(f), waiting)
		})},
		{"Extend", run, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.Extend(f.Ctx, p, mid(f), 5*time.Minute)
		})},
		{"SetTask", run, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.SetTask(f.Ctx, p, mid(f), "Say no once.")
		})},
		{"CurrentTask", group, ended, func(f *permFixture, p control.Principal) error { return err1(f.Svc.CurrentTask(f.Ctx, p, f.Group.ID)) }},
		{"MeetingTask", group, ended, func(f *permFixture, p control.Principal) error { return err1(f.Svc.MeetingTask(f.Ctx, p, mid(f))) }},
		{"WriteTaskNote", turns, ended, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.WriteTaskNote(f.Ctx, p, mid(f), control.TaskNoteInput{Done: true, Note: "Did it.", Shared: true}))
		}},
		{"SubmitFeedback", turns, ended, func(f *permFixture, p control.Principal) error {
			return f.Svc.SubmitFeedback(f.Ctx, p, mid(f), 4, "Useful.")
		}},
		{"MeetingFeedback", group, ended, func(f *permFixture, p control.Principal) error { return err1(f.Svc.MeetingFeedback(f.Ctx, p, mid(f))) }},
		{"Feedback", group, ended, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Feedback(f.Ctx, p, f.Group.ID)) }},
		{"SetConsent", []string{rFac, rChair, rMember, rObserver}, running, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.SetConsent(f.Ctx, p, mid(f), control.Consent{Record: true}, 1))
		}},
		{"MyConsent", []string{rFac, rChair, rMember, rObserver}, running, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.MyConsent(f.Ctx, p, mid(f)))
		}},
		{"ConsentLog", group, running, func(f *permFixture, p control.Principal) error { return err1(f.Svc.ConsentLog(f.Ctx, p, mid(f))) }},
		{"StartRecording", run, func(f *permFixture) {
			running(f)
			for _, l := range []string{"f", "o", "m0", "m1", "m2", "m3", "m4"} {
				must(f.T, err1(f.Svc.SetConsent(f.Ctx, f.As(f.who(l)), mid(f), control.Consent{Record: true}, 1)))
			}
		}, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.StartRecording(f.Ctx, p, mid(f))
		})},
		{"StopRecording", run, running, live(func(f *permFixture, p control.Principal) (control.LiveState, error) {
			return f.Svc.StopRecording(f.Ctx, p, mid(f))
		})},
		{"MeetingTurns", run, ended, func(f *permFixture, p control.Principal) error { return err1(f.Svc.MeetingTurns(f.Ctx, p, mid(f))) }},
		{"EraseSpeech/self", self, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.EraseSpeech(f.Ctx, p, f.Members[1].ID))
		}},
		{"PersonData/self", self, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.PersonData(f.Ctx, p, f.Members[1].ID))
		}},
		{"Attendance", group, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Attendance(f.Ctx, p, mid(f))) }},
		{"Report", manage, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Report(f.Ctx, p, f.Group.ID)) }},
		{"Overview", []string{rAdmin}, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Overview(f.Ctx, p)) }},
		{"Templates", everyone, nil, func(f *permFixture, p control.Principal) error { return err1(f.Svc.Templates(f.Ctx, p)) }},
		{"PutTemplate", []string{rAdmin}, nil, func(f *permFixture, p control.Principal) error {
			ts, err := control.ShippedTemplates()
			if err != nil {
				return err
			}
			return f.Svc.PutTemplate(f.Ctx, p, ts[0])
		}},
		{"DeleteTemplate", []string{rAdmin}, func(f *permFixture) {
			ts, err := control.ShippedTemplates()
			must(f.T, err)
			must(f.T, f.Svc.PutTemplate(f.Ctx, f.Admin(), ts[0]))
			f.arg = ts[0].ID
		}, func(f *permFixture, p control.Principal) error { return f.Svc.DeleteTemplate(f.Ctx, p, f.arg) }},
		{"ReissueAdminToken", []string{rAdmin}, nil, func(f *permFixture, p control.Principal) error {
			return err1(f.Svc.ReissueAdminToken(f.Ctx, p))
		}},
	}
}

// testPermissions tries every operation with every role: the allowed ones
// succeed (each on a fresh fixture), the others are refused with
// ErrUnauthenticated (nobody, or someone who left) or ErrForbidden, and a
// refusal changes nothing stored.
func testPermissions(t *testing.T, open Open) {
	newF := func(t *testing.T, op permOp) *permFixture {
		f := &permFixture{Fixture: NewFixture(t, open, FixtureOptions{})}
		f.departed = f.add(f.Group.ID, "Dora Departed", "", control.RoleMember)
		must(t, f.Svc.RemovePerson(f.Ctx, f.Fac(), f.departed.ID))
		if op.setup != nil {
			op.setup(f)
		}
		return f
	}
	for _, op := range permOps() {
		t.Run(op.name, func(t *testing.T) {
			allowed := map[string]bool{}
			for _, r := range op.allowed {
				allowed[r] = true
			}
			denied := newF(t, op)
			before := denied.Snapshot()
			for _, role := range allRoles {
				if allowed[role] {
					f := newF(t, op)
					if err := op.do(f, f.principal(role)); err != nil {
						t.Errorf("%s as %s: %v", op.name, role, err)
					}
					continue
				}
				err := op.do(denied, denied.principal(role))
				want := control.ErrForbidden
				switch {
				case role == rNone:
					want = control.ErrUnauthenticated
				case role == rDeparted && errorsIs(err, control.ErrNotAdmin):
					// Admin-only operations refuse every person alike.
				case role == rDeparted:
					want = control.ErrUnauthenticated
				}
				if !errorsIs(err, want) {
					t.Errorf("%s as %s: error %v, want %v", op.name, role, err, want)
				}
			}
			if denied.Snapshot() != before {
				t.Errorf("%s: a refused call changed the store", op.name)
			}
		})
	}
}
