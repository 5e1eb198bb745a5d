package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"piiri/control"
	"piiri/control/controltest"
)

// TestStructureFlow runs a meeting's structure from the group page, as
// the facilitator, a member and the chair: the round order setting, the
// facilitator's actions with their error codes, the task with private and
// shared notes, and feedback, whose answers the API never attributes.
func TestStructureFlow(t *testing.T) {
	t.Run("memstore", func(t *testing.T) { structureFlow(t, openMem) })
	t.Run("bbolt", func(t *testing.T) { structureFlow(t, openBolt) })
}

func structureFlow(t *testing.T, open controltest.Open) {
	h := newHarness(t, open)
	f := h.f
	g := "/api/v1/groups/" + f.Group.ID
	m := "/api/v1/meetings/" + f.Meeting.ID
	name := func(id string) string {
		for _, p := range f.Members {
			if p.ID == id {
				return strings.Fields(p.Name)[0]
			}
		}
		return "?"
	}
	order := func(st Live) string {
		var out []string
		for _, t := range st.Round.Turns {
			out = append(out, name(t.PersonID)+":"+string(t.Status))
		}
		return strings.Join(out, " ")
	}

	var grp Group
	h.call(rFac, "PATCH", g, map[string]any{"roundOrder": "alphabetical"}, http.StatusOK, &grp)
	if grp.RoundOrder != "alphabetical" || grp.Phases[2].Kind != "review" || grp.Phases[3].Kind != "closing" {
		t.Fatalf("round order %q, kinds %q %q", grp.RoundOrder, grp.Phases[2].Kind, grp.Phases[3].Kind)
	}
	if e := apiErr(t, h.call(rFac, "PATCH", g, map[string]any{"roundOrder": "by age"}, http.StatusBadRequest, nil)); e.Field != "roundOrder" {
		t.Errorf("a bad round order: %+v", e)
	}
	// The meeting was planned before; its phases are its own: give it a
	// 3-minute opening round.
	var mt Meeting
	h.call(rFac, "GET", m, nil, http.StatusOK, &mt)
	mt.Phases[0].TimeboxMinutes = 3
	h.call(rFac, "PATCH", m, map[string]any{"phases": mt.Phases}, http.StatusOK, &mt)

	var st Live
	h.call(rMember, "GET", m+"/live", nil, http.StatusOK, &st)
	if st.State != control.StatePlanned || st.Phase != nil || len(st.Phases) != 4 || st.Phases[0].TimeboxSeconds != 180 {
		t.Fatalf("before the start: %+v", st)
	}
	h.call(rChair, "POST", m+"/open", nil, http.StatusOK, nil)
	for _, p := range f.Members[:3] {
		if err := f.Svc.Joined(f.Ctx, f.Meeting.ID, p.ID, f.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	h.call(rChair, "POST", m+"/start", nil, http.StatusOK, nil)
	h.call(rMember, "GET", m+"/live", nil, http.StatusOK, &st)
	start := f.Clock.Now()
	if st.Phase == nil || st.Phase.Index != 0 || !st.Phase.Deadline.Equal(start.Add(3*time.Minute)) || order(st) != "Aino:current Bertil:waiting Cecilia:waiting" {
		t.Fatalf("started: %+v %s", st.Phase, order(st))
	}
	if _, off := st.Phase.Deadline.Zone(); off != 2*3600 {
		t.Errorf("the deadline %v is not in the meeting's zone", st.Phase.Deadline)
	}
	v := st.Version

	// The facilitator's actions, each answering the new state.
	h.call(rMember, "POST", m+"/live/pass", nil, http.StatusOK, &st)
	if order(st) != "Aino:current Bertil:passed Cecilia:waiting" || st.Version <= v {
		t.Errorf("after Bertil passed: %s v%d", order(st), st.Version)
	}
	h.call(rFac, "POST", m+"/live/extend", map[string]any{"minutes": 2.5}, http.StatusOK, &st)
	if st.Phase.ExtendedSeconds != 150 || !st.Phase.Deadline.Equal(start.Add(330*time.Second)) {
		t.Errorf("extended: %+v", st.Phase)
	}
	for _, c := range []struct {
		minutes any
		field   string
	}{{0, "minutes"}, {61, "minutes"}, {-1, "minutes"}} {
		if e := apiErr(t, h.call(rFac, "POST", m+"/live/extend", map[string]any{"minutes": c.minutes}, http.StatusBadRequest, nil)); e.Field != c.field {
			t.Errorf("extend by %v: %+v", c.minutes, e)
		}
	}
	h.call(rChair, "POST", m+"/live/next-speaker", nil, http.StatusOK, &st)
	h.call(rFac, "POST", m+"/live/extra-turn", map[string]any{"person": f.Members[1].ID}, http.StatusOK, &st)
	if order(st) != "Aino:done Bertil:passed Cecilia:current Bertil:waiting" || !st.Round.Turns[3].Extra {
		t.Errorf("after an extra turn: %s", order(st))
	}
	codes := []struct {
		role, method, path string
		body               any
		status             int
		code               string
	}{
		{rMember, "POST", "/live/next-speaker", nil, http.StatusForbidden, "not_facilitator"},
		{rFac, "POST", "/live/pass", nil, http.StatusForbidden, "forbidden"},
		{rFac, "POST", "/live/previous-phase", nil, http.StatusConflict, "first_phase"},
		{rFac, "POST", "/live/extra-turn", map[string]any{"person": f.Members[1].ID}, http.StatusConflict, "no_turn"},
		{rFac, "POST", "/live/extra-turn", map[string]any{"person": f.Members[3].ID}, http.StatusConflict, "not_present"},
		{rFac, "POST", "/live/skip", map[string]any{"person": "nobody"}, http.StatusConflict, "no_turn"},
		{rFac, "POST", "/live/skip", map[string]any{}, http.StatusBadRequest, "invalid"},
		{rFac, "PUT", "/live/order", map[string]any{"order": []string{}}, http.StatusBadRequest, "invalid"},
	}
	for _, c := range codes {
		if e := apiErr(t, h.call(c.role, c.method, m+c.path, c.body, c.status, nil)); e.Code != c.code {
			t.Errorf("%s %s as %s: code %q, want %q", c.method, c.path, c.role, e.Code, c.code)
		}
	}
	h.call(rFac, "POST", m+"/live/skip", map[string]any{"person": f.Members[2].ID}, http.StatusOK, &st)
	h.call(rFac, "POST", m+"/live/next-speaker", nil, http.StatusOK, &st)
	if e := apiErr(t, h.call(rFac, "POST", m+"/live/next-speaker", nil, http.StatusConflict, nil)); e.Code != "round_over" {
		t.Errorf("next speaker after the round: %+v", e)
	}
	if e := apiErr(t, h.call(rFac, "POST", m+"/live/extend", map[string]any{"minutes": 1}, http.StatusConflict, nil)); e.Code != "round_over" {
		t.Errorf("extend after the round: %+v", e)
	}
	for range 3 {
		h.call(rFac, "POST", m+"/live/next-phase", nil, http.StatusOK, &st)
	}
	if st.Phase.Kind != control.PhaseClosing || st.Phase.NextName != nil {
		t.Errorf("in the closing: %+v", st.Phase)
	}
	if e := apiErr(t, h.call(rFac, "POST", m+"/live/next-phase", nil, http.StatusConflict, nil)); e.Code != "last_phase" {
		t.Errorf("next phase in the last: %+v", e)
	}
	h.call(rChair, "PUT", m+"/task", map[string]any{"text": "Notice one moment of overload."}, http.StatusOK, &st)
	if st.Task == nil || st.Task.Text != "Notice one moment of overload." {
		t.Errorf("task in the live state: %+v", st.Task)
	}
	f.Clock.Advance(time.Hour)
	h.call(rChair, "POST", m+"/end", nil, http.StatusOK, nil)

	// Notes: Bertil's private one only he sees, Cecilia's shared one all.
	var task Task
	h.call(rMember, "PUT", m+"/task/note", map[string]any{"done": true, "note": "Mondays, the phone."}, http.StatusOK, &task)
	if task.Mine == nil || task.Mine.Note != "Mondays, the phone." || task.Mine.Shared || len(task.Shared) != 0 {
		t.Errorf("Bertil's own view after a private note: %+v", task)
	}
	if err := err2(f.Svc.WriteTaskNote(f.Ctx, f.As(f.Members[2]), f.Meeting.ID, control.TaskNoteInput{Done: true, Note: "Asked for help.", Shared: true})); err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{rFac, rAdmin, rObserver, rChair} {
		var cur CurrentTask
		w := h.call(role, "GET", g+"/task", nil, http.StatusOK, &cur)
		if cur.Task == nil || cur.Task.Mine != nil || len(cur.Task.Shared) != 1 || cur.Task.Shared[0].Name != f.Members[2].Name || !cur.Task.Current {
			t.Errorf("%s sees the task as %+v", role, cur.Task)
		}
		if strings.Contains(w.Body.String(), "Mondays") {
			t.Errorf("%s sees Bertil's private note: %s", role, w.Body)
		}
	}
	h.call(rMember, "GET", m+"/task", nil, http.StatusOK, &task)
	if task.Mine == nil || task.Mine.Note != "Mondays, the phone." || len(task.Shared) != 1 {
		t.Errorf("Bertil's view: %+v", task)
	}
	if e := apiErr(t, h.call(rFac, "PUT", m+"/task/note", map[string]any{"done": true}, http.StatusForbidden, nil)); e.Code != "forbidden" {
		t.Errorf("the facilitator's note: %+v", e)
	}

	// Feedback: the count at once, the average and comments from three
	// answers, never who said what.
	var fb Feedback
	h.call(rMember, "GET", m+"/feedback", nil, http.StatusOK, &fb)
	if !fb.Open || !fb.CanAnswer || fb.Answered || fb.Count != 0 || fb.Average != nil {
		t.Errorf("before answering: %+v", fb)
	}
	h.call(rMember, "POST", m+"/feedback", map[string]any{"score": 4, "comment": "The round helped."}, http.StatusOK, &fb)
	if fb.Count != 1 || fb.Shown || fb.Average != nil || len(fb.Comments) != 0 || !fb.Answered || fb.CanAnswer {
		t.Errorf("after one answer: %+v", fb)
	}
	if e := apiErr(t, h.call(rMember, "POST", m+"/feedback", map[string]any{"score": 5}, http.StatusConflict, nil)); e.Code != "already_answered" {
		t.Errorf("a second answer: %+v", e)
	}
	if e := apiErr(t, h.call(rMember, "POST", m+"/feedback", map[string]any{}, http.StatusBadRequest, nil)); e.Field != "score" {
		t.Errorf("no score: %+v", e)
	}
	h.call(rChair, "POST", m+"/feedback", map[string]any{"score": 2}, http.StatusOK, &fb)
	if err := f.Svc.SubmitFeedback(f.Ctx, f.As(f.Members[2]), f.Meeting.ID, 5, "A good theme."); err != nil {
		t.Fatal(err)
	}
	// The group and its facilitators: the average and the count only,
	// as members are told; the comments go to the admin alone.
	w := h.call(rFac, "GET", m+"/feedback", nil, http.StatusOK, &fb)
	if fb.Count != 3 || !fb.Shown || fb.Average == nil || *fb.Average != 3.67 || fb.Comments != nil {
		t.Errorf("after three answers, the facilitator: %+v", fb)
	}
	for _, role := range []string{rFac, rMember, rChair, rObserver} {
		w := h.call(role, "GET", m+"/feedback", nil, http.StatusOK, nil)
		wg := h.call(role, "GET", g+"/feedback", nil, http.StatusOK, nil)
		for _, body := range []string{w.Body.String(), wg.Body.String()} {
			if strings.Contains(body, "comments") || strings.Contains(body, "The round helped.") || strings.Contains(body, "A good theme.") {
				t.Errorf("%s sees the comments: %s", role, body)
			}
		}
	}
	var afb Feedback
	w3 := h.call(rAdmin, "GET", m+"/feedback", nil, http.StatusOK, &afb)
	if afb.Count != 3 || afb.Average == nil || *afb.Average != 3.67 || !slices.Equal(afb.Comments, []string{"A good theme.", "The round helped."}) {
		t.Errorf("after three answers, the admin: %+v", afb)
	}
	var gfb GroupFeedback
	w2 := h.call(rObserver, "GET", g+"/feedback", nil, http.StatusOK, &gfb)
	if gfb.Count != 3 || gfb.Average == nil || *gfb.Average != 3.67 || len(gfb.Meetings) != 1 {
		t.Errorf("group feedback: %+v", gfb)
	}
	for _, body := range []string{w.Body.String(), w2.Body.String(), w3.Body.String()} {
		for _, p := range f.Members {
			if strings.Contains(body, p.ID) || strings.Contains(body, p.Name) {
				t.Errorf("feedback names %s: %s", p.Name, body)
			}
		}
	}
}

func err2[T any](_ T, err error) error { return err }
