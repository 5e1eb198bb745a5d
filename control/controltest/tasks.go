package controltest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"piiri/control"
)

// heldMeeting runs the fixture's meeting with the given people present
// (labels) from the start for an hour, and ends it.
func (f *Fixture) heldMeeting(labels ...string) {
	f.T.Helper()
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()))
	f.Open()
	f.enter(labels...)
	must(f.T, f.liveStep("start"))
	f.Clock.Advance(time.Hour)
	must(f.T, f.liveStep("end"))
}

// testTasks: the task set in a meeting, the members' notes, private and
// shared, and who sees what.
func testTasks(t *testing.T, open Open) {
	f, rec := newLiveFixture(t, open, FixtureOptions{}, false)
	next, err := f.Svc.AddMeeting(f.Ctx, f.Fac(), f.Group.ID, control.MeetingInput{Start: f.Meeting.Start.Add(30 * 24 * time.Hour)})
	must(t, err)
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()))
	wantErr(t, "a task for a planned meeting", f.liveStep("task Too early"), control.ErrTransition)
	f.Open()
	f.enter("f", "o", "m0", "m1", "m2", "m3")
	must(t, f.liveStep("start"))
	for range 3 {
		must(t, f.liveStep("next-phase"))
	}
	// In the closing round the chair sets the task.
	st, err := f.Svc.SetTask(f.Ctx, f.As(f.Members[0]), f.Meeting.ID, "  Notice one moment of overload and what helped.  ")
	must(t, err)
	if st.Task == nil || st.Task.Text != "Notice one moment of overload and what helped." || st.Task.MeetingID != f.Meeting.ID {
		t.Fatalf("the live state's task %+v", st.Task)
	}
	wantErr(t, "a member sets the task", err1(f.Svc.SetTask(f.Ctx, f.As(f.Members[1]), f.Meeting.ID, "x")), control.ErrNotFacilitator)
	wantErr(t, "a too long task", err1(f.Svc.SetTask(f.Ctx, f.Fac(), f.Meeting.ID, strings.Repeat("x", 2001))), control.ErrInvalid)
	// Not the current task before the meeting ends: the members' page
	// shows the task set last time (none here).
	if cur, err := f.Svc.CurrentTask(f.Ctx, f.As(f.Members[1]), f.Group.ID); err != nil || cur != nil {
		t.Errorf("current task while the meeting runs: %+v (%v)", cur, err)
	}
	wantErr(t, "a note before the meeting ended", err1(f.Svc.WriteTaskNote(f.Ctx, f.As(f.Members[1]), f.Meeting.ID, control.TaskNoteInput{Done: true})), control.ErrTaskClosed)
	f.Clock.Advance(time.Hour)
	must(t, f.liveStep("end"))

	// Changed on the group page afterwards.
	must(t, err1(f.Svc.SetTask(f.Ctx, f.Fac(), f.Meeting.ID, "Notice one moment of overload, and what helped.")))
	cur, err := f.Svc.CurrentTask(f.Ctx, f.As(f.Members[1]), f.Group.ID)
	must(t, err)
	if cur == nil || !cur.Current || cur.Text != "Notice one moment of overload, and what helped." || cur.Number != 1 || cur.Mine != nil || len(cur.Shared) != 0 {
		t.Fatalf("current task %+v", cur)
	}

	note := func(who string, in control.TaskNoteInput) {
		t.Helper()
		f.Clock.Advance(time.Hour)
		must(t, err1(f.Svc.WriteTaskNote(f.Ctx, f.As(f.who(who)), f.Meeting.ID, in)))
	}
	note("m1", control.TaskNoteInput{Done: true, Note: "Mondays, the phone. A walk helped."})
	note("m2", control.TaskNoteInput{Done: true, Note: "Asked a colleague for help.", Shared: true})
	note("m3", control.TaskNoteInput{Done: false, Shared: true})
	for _, c := range []struct {
		who string
		err error
	}{{"f", control.ErrForbidden}, {"o", control.ErrForbidden}} {
		wantErr(t, c.who+" writes a note", err1(f.Svc.WriteTaskNote(f.Ctx, f.As(f.who(c.who)), f.Meeting.ID, control.TaskNoteInput{Done: true})), c.err)
	}
	wantErr(t, "the admin writes a note", err1(f.Svc.WriteTaskNote(f.Ctx, f.Admin(), f.Meeting.ID, control.TaskNoteInput{})), control.ErrForbidden)
	wantErr(t, "another group's member writes a note", err1(f.Svc.WriteTaskNote(f.Ctx, f.As(f.OtherMember), f.Meeting.ID, control.TaskNoteInput{})), control.ErrForbidden)
	wantErr(t, "a too long note", err1(f.Svc.WriteTaskNote(f.Ctx, f.As(f.Members[1]), f.Meeting.ID, control.TaskNoteInput{Note: strings.Repeat("x", 1001)})), control.ErrInvalid)
	wantErr(t, "a note on a meeting without a task", err1(f.Svc.WriteTaskNote(f.Ctx, f.As(f.Members[1]), next.ID, control.TaskNoteInput{})), control.ErrNotFound)

	// Who sees what: shared notes everyone in the group, named; a private
	// note only its writer.
	sees := func(p control.Principal) (shared []string, mine string) {
		t.Helper()
		v, err := f.Svc.MeetingTask(f.Ctx, p, f.Meeting.ID)
		must(t, err)
		for _, n := range v.Shared {
			shared = append(shared, f.label(n.PersonID)+"="+n.Note)
		}
		if v.Mine != nil {
			mine = v.Mine.Note
			if v.Mine.Shared {
				mine += " (shared)"
			}
		}
		return shared, mine
	}
	wantShared := []string{"m2=Asked a colleague for help.", "m3="}
	for _, c := range []struct {
		who  string
		p    control.Principal
		mine string
	}{
		{"facilitator", f.Fac(), ""},
		{"admin", f.Admin(), ""},
		{"observer", f.As(f.Observer), ""},
		{"m1", f.As(f.Members[1]), "Mondays, the phone. A walk helped."},
		{"m2", f.As(f.Members[2]), "Asked a colleague for help. (shared)"},
		{"m4, who wrote nothing", f.As(f.Members[4]), ""},
	} {
		shared, mine := sees(c.p)
		if !slices.Equal(shared, wantShared) || mine != c.mine {
			t.Errorf("%s sees shared %q, own %q; want %q, %q", c.who, shared, mine, wantShared, c.mine)
		}
	}
	wantErr(t, "another group's facilitator reads the task", err1(f.Svc.MeetingTask(f.Ctx, f.As(f.OtherFacilitator), f.Meeting.ID)), control.ErrForbidden)
	// A private note made shared shows; a shared one made private goes.
	note("m1", control.TaskNoteInput{Done: true, Note: "Mondays, the phone. A walk helped.", Shared: true})
	note("m2", control.TaskNoteInput{Done: true, Note: "Asked a colleague for help."})
	if shared, _ := sees(f.Fac()); !slices.Equal(shared, []string{"m1=Mondays, the phone. A walk helped.", "m3="}) {
		t.Errorf("after changing their minds, shared %q", shared)
	}
	wantErr(t, "removing a task with notes", err1(f.Svc.SetTask(f.Ctx, f.Fac(), f.Meeting.ID, "")), control.ErrConflict)

	// The next meeting's task review shows the task and the shared notes;
	// notes may still change until it ends, and the room hears of it.
	f.Clock.Advance(next.Start.Sub(f.Clock.Now()))
	must(t, err1(f.Svc.OpenMeeting(f.Ctx, f.Fac(), next.ID)))
	must(t, f.Svc.Joined(f.Ctx, next.ID, f.Members[1].ID, f.Clock.Now()))
	must(t, err1(f.Svc.StartMeeting(f.Ctx, f.Fac(), next.ID)))
	must(t, err1(f.Svc.NextPhase(f.Ctx, f.Fac(), next.ID)))
	st, err = f.Svc.NextPhase(f.Ctx, f.Fac(), next.ID)
	must(t, err)
	if st.Phase.Kind != control.PhaseReview || st.Review == nil || st.Review.MeetingID != f.Meeting.ID || st.Review.Number != 1 ||
		st.Review.Text != "Notice one moment of overload, and what helped." || len(st.Review.Shared) != 2 || st.Review.Shared[0].PersonID != f.Members[1].ID {
		t.Fatalf("the task review: phase %+v review %+v", st.Phase, st.Review)
	}
	note("m3", control.TaskNoteInput{Done: true, Note: "Did it after all.", Shared: true})
	heard, _ := rec.Last(next.ID)
	if heard.Version <= st.Version || heard.Review.Shared[1].Note != "Did it after all." {
		t.Errorf("the room heard v%d (after v%d) with %+v", heard.Version, st.Version, heard.Review.Shared)
	}
	must(t, err1(f.Svc.SetTask(f.Ctx, f.Fac(), f.Meeting.ID, "Notice one moment of overload.")))
	if heard, _ := rec.Last(next.ID); heard.Review.Text != "Notice one moment of overload." {
		t.Errorf("the room's review after the task changed: %q", heard.Review.Text)
	}
	// A new task in this meeting; when it ends, that is the current one
	// and the old one is closed.
	must(t, err1(f.Svc.SetTask(f.Ctx, f.Fac(), next.ID, "Say no once.")))
	must(t, err1(f.Svc.EndMeeting(f.Ctx, f.Fac(), next.ID)))
	wantErr(t, "a note on the old task", err1(f.Svc.WriteTaskNote(f.Ctx, f.As(f.Members[1]), f.Meeting.ID, control.TaskNoteInput{Done: true})), control.ErrTaskClosed)
	wantErr(t, "changing the old task", err1(f.Svc.SetTask(f.Ctx, f.Fac(), f.Meeting.ID, "x")), control.ErrTaskClosed)
	cur, err = f.Svc.CurrentTask(f.Ctx, f.As(f.Members[2]), f.Group.ID)
	must(t, err)
	if cur == nil || cur.MeetingID != next.ID || cur.Text != "Say no once." || cur.Number != 2 {
		t.Errorf("current task after the second meeting: %+v", cur)
	}
	old, err := f.Svc.MeetingTask(f.Ctx, f.As(f.Members[2]), f.Meeting.ID)
	must(t, err)
	if old.Current || len(old.Shared) != 2 {
		t.Errorf("the old task: current %v, %d shared notes", old.Current, len(old.Shared))
	}
}

// testFeedback: who may answer, once, within the window; what the summary
// shows; and that the stored record cannot tell who said what.
func testFeedback(t *testing.T, open Open) {
	f, _ := newLiveFixture(t, open, FixtureOptions{Members: 6}, false)
	next, err := f.Svc.AddMeeting(f.Ctx, f.Fac(), f.Group.ID, control.MeetingInput{Start: f.Meeting.Start.Add(10 * 24 * time.Hour)})
	must(t, err)
	answer := func(who string, score int, comment string) error {
		return f.Svc.SubmitFeedback(f.Ctx, f.As(f.who(who)), f.Meeting.ID, score, comment)
	}
	wantErr(t, "feedback before the meeting", answer("m0", 4, ""), control.ErrFeedbackClosed)
	f.heldMeeting("f", "o", "m0", "m1", "m2", "m3", "m4") // m5 was not there
	ended := f.Clock.Now()
	for _, c := range []struct {
		who string
		err error
	}{{"f", control.ErrForbidden}, {"o", control.ErrForbidden}, {"m5", control.ErrForbidden}} {
		wantErr(t, c.who+" answers", answer(c.who, 3, ""), c.err)
	}
	wantErr(t, "the admin answers", f.Svc.SubmitFeedback(f.Ctx, f.Admin(), f.Meeting.ID, 3, ""), control.ErrForbidden)
	wantErr(t, "another group answers", f.Svc.SubmitFeedback(f.Ctx, f.As(f.OtherMember), f.Meeting.ID, 3, ""), control.ErrForbidden)
	for _, bad := range []int{0, 6, -1} {
		wantErr(t, "score out of range", answer("m0", bad, ""), control.ErrInvalid)
	}
	wantErr(t, "a too long comment", answer("m0", 4, strings.Repeat("x", 1001)), control.ErrInvalid)

	summary := func(p control.Principal) control.FeedbackSummary {
		t.Helper()
		v, err := f.Svc.MeetingFeedback(f.Ctx, p, f.Meeting.ID)
		must(t, err)
		return v
	}
	must(t, answer("m3", 5, "The round helped."))
	wantErr(t, "a second answer", answer("m3", 1, ""), control.ErrAlreadyAnswered)
	must(t, answer("m1", 2, ""))
	for _, who := range []control.Principal{f.Fac(), f.Admin(), f.As(f.Members[0])} {
		if v := summary(who); v.Count != 2 || v.Shown || v.Average != 0 || len(v.Comments) != 0 {
			t.Errorf("with two answers: %+v; want only the count", v)
		}
	}
	must(t, answer("m0", 4, "Good theme."))
	must(t, answer("m4", 4, ""))
	// From three answers the group and its facilitators see the average
	// and the count, never the comments (members are told so); only the
	// admin, the programme's staff, reads the comments, sorted and with
	// no person.
	v := summary(f.Fac())
	if v.Count != 4 || !v.Shown || v.Average != 3.75 || v.Comments != nil ||
		!v.Open || !v.Opens.Equal(ended) || !v.Closes.Equal(ended.Add(control.FeedbackWindow)) || v.Number != 1 {
		t.Errorf("with four answers: %+v", v)
	}
	for _, who := range []string{"m0", "m2", "m5", "o"} {
		if v := summary(f.As(f.who(who))); v.Count != 4 || v.Average != 3.75 || v.Comments != nil {
			t.Errorf("%s sees %+v; want the average and the count only", who, v)
		}
	}
	if v := summary(f.Admin()); v.Count != 4 || v.Average != 3.75 || !slices.Equal(v.Comments, []string{"Good theme.", "The round helped."}) {
		t.Errorf("the admin sees %+v; want the comments, sorted", v)
	}
	for _, p := range []control.Principal{f.Fac(), f.As(f.Members[0]), f.Admin()} {
		g, err := f.Svc.Feedback(f.Ctx, p, f.Group.ID)
		must(t, err)
		if len(g.Meetings) != 1 || g.Count != 4 || g.Average != 3.75 || (g.Meetings[0].Comments != nil) != p.IsAdmin() {
			t.Errorf("the group's feedback for admin=%v: %+v", p.IsAdmin(), g)
		}
	}
	if v.CanAnswer || v.Answered {
		t.Errorf("the facilitator may answer %v, answered %v", v.CanAnswer, v.Answered)
	}
	if v := summary(f.As(f.Members[2])); !v.CanAnswer || v.Answered {
		t.Errorf("m2, who has not answered: can %v, answered %v", v.CanAnswer, v.Answered)
	}
	if v := summary(f.As(f.Members[3])); v.CanAnswer || !v.Answered {
		t.Errorf("m3, who answered: can %v, answered %v", v.CanAnswer, v.Answered)
	}
	if v := summary(f.As(f.Members[5])); v.CanAnswer || v.Answered {
		t.Errorf("m5, who was not there: can %v, answered %v", v.CanAnswer, v.Answered)
	}

	// Anonymity, in what is stored: the answers carry no person and no
	// time, and the same answers given in another order by other people
	// are stored identically.
	var all []json.RawMessage
	must(t, json.Unmarshal([]byte(f.Snapshot()), &all))
	var fb json.RawMessage
	for _, part := range all {
		var records []map[string]json.RawMessage
		if json.Unmarshal(part, &records) != nil {
			continue
		}
		for _, r := range records {
			if _, isMeeting := r["uid"]; isMeeting && string(r["id"]) == `"`+f.Meeting.ID+`"` {
				fb = r["feedback"]
			}
		}
	}
	if fb == nil {
		t.Fatal("the snapshot has no feedback for the meeting")
	}
	var stored struct {
		Answered []string          `json:"answered"`
		Answers  []json.RawMessage `json:"answers"`
	}
	dec := json.NewDecoder(strings.NewReader(string(fb)))
	dec.DisallowUnknownFields()
	must(t, dec.Decode(&stored))
	wantAnswered := sorted(f.Members[0].ID, f.Members[1].ID, f.Members[3].ID, f.Members[4].ID)
	if !slices.Equal(stored.Answered, wantAnswered) {
		t.Errorf("stored answered %v, want %v (sorted)", stored.Answered, wantAnswered)
	}
	people := append([]control.Person{f.Facilitator, f.Observer}, f.Members...)
	for _, a := range stored.Answers {
		var fields map[string]any
		must(t, json.Unmarshal(a, &fields))
		for k := range fields {
			if k != "score" && k != "comment" {
				t.Errorf("a stored answer has a field %q: %s", k, a)
			}
		}
		for _, p := range people {
			if strings.Contains(string(a), p.ID) || strings.Contains(string(a), p.Name) {
				t.Errorf("a stored answer names %s: %s", p.Name, a)
			}
		}
	}
	g, _ := newLiveFixture(t, open, FixtureOptions{Members: 6}, false)
	g.heldMeeting("m0", "m1", "m2", "m3", "m4", "m5")
	for _, a := range []struct {
		who   string
		score int
		text  string
	}{{"m5", 4, ""}, {"m2", 4, "Good theme."}, {"m0", 2, ""}, {"m4", 5, "The round helped."}} {
		must(t, g.Svc.SubmitFeedback(g.Ctx, g.As(g.who(a.who)), g.Meeting.ID, a.score, a.text))
	}
	fm, gm := f.Meet(f.Meeting.ID).Meeting.Feedback, g.Meet(g.Meeting.ID).Meeting.Feedback
	fj, _ := json.Marshal(fm.Answers)
	gj, _ := json.Marshal(gm.Answers)
	if string(fj) != string(gj) {
		t.Errorf("the same answers stored differently by who gave them when:\n%s\n%s", fj, gj)
	}

	// The group's feedback over its ended meetings.
	gf, err := f.Svc.Feedback(f.Ctx, f.As(f.Members[0]), f.Group.ID)
	must(t, err)
	if len(gf.Meetings) != 1 || gf.Count != 4 || !gf.Shown || gf.Average != 3.75 || gf.Meetings[0].MeetingID != f.Meeting.ID {
		t.Errorf("group feedback %+v", gf)
	}

	// The window: open until the next meeting starts...
	f.Clock.Advance(next.Start.Sub(f.Clock.Now()) - time.Second)
	must(t, answer("m2", 3, ""))
	f.Clock.Advance(time.Second)
	must(t, err1(f.Svc.OpenMeeting(f.Ctx, f.Fac(), next.ID)))
	must(t, err1(f.Svc.StartMeeting(f.Ctx, f.Fac(), next.ID)))
	wantErr(t, "feedback once the next meeting started", answer("m5", 3, ""), control.ErrFeedbackClosed)
	if v := summary(f.Fac()); v.Open || !v.Closes.Equal(f.Clock.Now()) {
		t.Errorf("after the next meeting started: open %v closes %v", v.Open, v.Closes)
	}
	// ... or for 14 days when there is none.
	h, _ := newLiveFixture(t, open, FixtureOptions{}, false)
	h.heldMeeting("m0", "m1", "m2")
	h.Clock.Advance(control.FeedbackWindow - time.Second)
	must(t, h.Svc.SubmitFeedback(h.Ctx, h.As(h.Members[0]), h.Meeting.ID, 5, ""))
	h.Clock.Advance(time.Second)
	wantErr(t, "feedback after 14 days", h.Svc.SubmitFeedback(h.Ctx, h.As(h.Members[1]), h.Meeting.ID, 5, ""), control.ErrFeedbackClosed)
}
