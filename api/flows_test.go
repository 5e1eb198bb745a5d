package api

import (
	"net/http"
	"slices"
	"testing"

	"piiri/control/controltest"
)

// TestMemberAndFacilitatorFlow walks the endpoints a member page and a
// group page use and checks what each changes.
// It runs over the in-memory store and over bbolt.
func TestMemberAndFacilitatorFlow(t *testing.T) {
	t.Run("memstore", func(t *testing.T) { memberAndFacilitatorFlow(t, openMem) })
	t.Run("bbolt", func(t *testing.T) { memberAndFacilitatorFlow(t, openBolt) })
}

func memberAndFacilitatorFlow(t *testing.T, open controltest.Open) {
	h := newHarness(t, open)
	f := h.f
	g := "/api/v1/groups/" + f.Group.ID
	m := "/api/v1/meetings/" + f.Meeting.ID

	var me Me
	h.call(rMember, "GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.Role != "member" || me.Manage || me.Person == nil || me.Person.ID != f.Members[1].ID || me.Group == nil || me.Group.ID != f.Group.ID ||
		me.Agreement == nil || !me.Agreement.Accepted || me.Link == nil || me.Link.URL != baseURL+"/g/"+h.token(rMember) {
		t.Fatalf("me = %+v", me)
	}
	h.call(rAdmin, "GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.Role != "admin" || !me.Manage || me.Person != nil {
		t.Errorf("admin me = %+v", me)
	}

	// A new agreement version must be accepted again.
	var grp Group
	h.call(rFac, "PUT", g+"/agreement", map[string]any{"text": "Uudet säännöt"}, http.StatusOK, &grp)
	if grp.Agreement.Version != 2 {
		t.Fatalf("agreement %+v", grp.Agreement)
	}
	h.call(rMember, "GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.Agreement.Accepted || me.Agreement.Version != 2 {
		t.Errorf("agreement after the change %+v", me.Agreement)
	}
	h.call(rMember, "POST", "/api/v1/me/agreement", map[string]any{"version": 2}, http.StatusOK, &me)
	if !me.Agreement.Accepted || !me.Person.AgreementAccepted {
		t.Errorf("after accepting %+v", me.Agreement)
	}

	// RSVPs move the quorum signal.
	var mt Meeting
	for _, p := range f.Members[:3] {
		h.call(rFac, "PUT", m+"/rsvps/"+p.ID, map[string]any{"answer": "coming"}, http.StatusOK, &mt)
	}
	if !mt.Forecast.Reached || mt.Forecast.Coming != 3 || mt.RSVPs[f.Members[0].ID].Answer != "coming" {
		t.Errorf("forecast %+v", mt.Forecast)
	}
	h.call(rMember, "PUT", m+"/rsvps/"+f.Members[1].ID, map[string]any{"answer": "not_coming"}, http.StatusOK, &mt)
	if mt.Forecast.NotComing != 1 {
		t.Errorf("forecast %+v", mt.Forecast)
	}

	// A time poll: propose (local times), mark, pick; the meeting moves
	// and the answers become "for the old time".
	h.call(rFac, "POST", m+"/poll", map[string]any{"starts": []string{"2026-03-16T18:00", "2026-03-17T10:00:00Z"}}, http.StatusCreated, &mt)
	if mt.Poll == nil || !mt.Poll.Open || mt.Poll.Options[0].Start != "2026-03-16T18:00:00+02:00" || mt.Poll.Options[1].Start != "2026-03-17T12:00:00+02:00" {
		t.Fatalf("poll %+v", mt.Poll)
	}
	h.call(rMember, "PUT", m+"/poll/marks", map[string]any{"suits": []int{1}}, http.StatusOK, &mt)
	if !slices.Contains(mt.Poll.Options[1].Suits, f.Members[1].ID) || len(mt.Poll.Options[0].Suits) != 0 {
		t.Errorf("marks %+v", mt.Poll.Options)
	}
	h.call(rFac, "POST", m+"/poll/pick", map[string]any{"option": 1}, http.StatusOK, &mt)
	if mt.Start != "2026-03-17T12:00:00+02:00" || mt.Poll.Open || mt.Poll.Picked != 1 || !mt.RSVPs[f.Members[0].ID].Stale || mt.Forecast.Reached || len(mt.Moves) != 1 {
		t.Errorf("after the pick: start %s poll %+v forecast %+v", mt.Start, mt.Poll, mt.Forecast)
	}
	h.call(rFac, "POST", m+"/poll", map[string]any{"starts": []string{"2026-03-18T18:00", "2026-03-19T18:00"}}, http.StatusCreated, nil)
	h.call(rFac, "DELETE", m+"/poll", nil, http.StatusOK, &mt)
	if mt.Poll.Open || mt.Poll.Picked != -1 || mt.Start != "2026-03-17T12:00:00+02:00" {
		t.Errorf("after withdrawing %+v", mt.Poll)
	}

	// Themes: a member proposes, the facilitator chooses.
	var th Theme
	h.call(rMember, "POST", g+"/themes", map[string]any{"text": "Jaksaminen"}, http.StatusCreated, &th)
	h.call(rFac, "PUT", m+"/theme", map[string]any{"proposalId": th.ID}, http.StatusOK, &mt)
	if mt.Theme != "Jaksaminen" {
		t.Errorf("theme %q", mt.Theme)
	}
	seq := mt.Sequence
	h.call(rFac, "PATCH", m, map[string]any{"durationMinutes": 120}, http.StatusOK, &mt)
	if mt.DurationMinutes != 120 || mt.Sequence <= seq || mt.End != "2026-03-17T14:00:00+02:00" {
		t.Errorf("after PATCH: %v min, seq %d, end %s", mt.DurationMinutes, mt.Sequence, mt.End)
	}

	// Chair: taken back, then given to another member.
	h.call(rFac, "PUT", m+"/chair", map[string]any{"to": ""}, http.StatusOK, &mt)
	if mt.Chair != "" {
		t.Errorf("chair %q", mt.Chair)
	}
	h.call(rChair, "POST", m+"/open", nil, http.StatusForbidden, nil)
	h.call(rFac, "PUT", m+"/chair", map[string]any{"to": f.Members[1].ID}, http.StatusOK, &mt)
	h.call(rMember, "POST", m+"/open", nil, http.StatusOK, &mt)
	if mt.State != "open" {
		t.Errorf("state %s", mt.State)
	}
	if err := f.Svc.Joined(f.Ctx, f.Meeting.ID, f.Members[1].ID, f.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	var att Attendance
	h.call(rObserver, "GET", m+"/attendance", nil, http.StatusOK, &att)
	present := 0
	for _, r := range att.Rows {
		if r.Present {
			present++
		}
	}
	if present != 1 || att.Count.Final {
		t.Errorf("attendance %+v", att)
	}

	// People: add, rename, change role, reissue, remove.
	var pl PersonLink
	h.call(rFac, "POST", g+"/people", map[string]any{"name": "Uusi Jäsen", "role": "member", "organisation": "Espoo", "email": "uusi@example.fi"}, http.StatusCreated, &pl)
	if pl.Link == nil || pl.Person.Language != "fi" || pl.Person.AgreementAccepted {
		t.Fatalf("added %+v", pl)
	}
	newTok := pl.Link.Token
	if w := h.do(req{method: "GET", path: "/api/v1/me", token: newTok}); w.Code != http.StatusOK {
		t.Errorf("the new link does not work: %d", w.Code)
	}
	var p Person
	h.call(rFac, "PATCH", "/api/v1/people/"+pl.Person.ID, map[string]any{"name": "Uusi Nimi", "language": "sv"}, http.StatusOK, &p)
	if p.Name != "Uusi Nimi" || p.Language != "sv" {
		t.Errorf("renamed %+v", p)
	}
	h.call(rFac, "PUT", "/api/v1/people/"+pl.Person.ID+"/role", map[string]any{"role": "observer"}, http.StatusOK, &p)
	if p.Role != "observer" {
		t.Errorf("role %s", p.Role)
	}
	var l Link
	h.call(rFac, "POST", "/api/v1/people/"+pl.Person.ID+"/link", nil, http.StatusOK, &l)
	if l.Token == newTok {
		t.Fatal("reissue kept the token")
	}
	if w := h.do(req{method: "GET", path: "/api/v1/me", token: newTok}); w.Code != http.StatusUnauthorized {
		t.Errorf("the old link still works: %d", w.Code)
	}
	var links []PersonLink
	h.call(rFac, "GET", g+"/links", nil, http.StatusOK, &links)
	for _, x := range links {
		if x.Person.ID == pl.Person.ID && (x.Link == nil || x.Link.Token != l.Token) {
			t.Errorf("links list has %+v", x.Link)
		}
		if x.Person.ID == h.revoked.ID && x.Link != nil {
			t.Errorf("a revoked link is listed")
		}
	}
	h.call(rFac, "DELETE", "/api/v1/people/"+pl.Person.ID, nil, http.StatusNoContent, nil)
	if w := h.do(req{method: "GET", path: "/api/v1/me", token: l.Token}); w.Code != http.StatusUnauthorized {
		t.Errorf("a removed person's link works: %d", w.Code)
	}

	// Group settings.
	h.call(rFac, "PATCH", g, map[string]any{"maxMembers": 9, "cadence": map[string]int{"months": 0, "days": 14}, "minHeldMinutes": 45}, http.StatusOK, &grp)
	if grp.MaxMembers != 9 || grp.Cadence.Days != 14 || grp.MinHeldMinutes != 45 {
		t.Errorf("settings %+v", grp)
	}

	// Hand over the group: the member becomes facilitator, the giver a
	// member.
	h.call(rFac, "POST", g+"/handover", map[string]any{"to": f.Members[2].ID}, http.StatusNoContent, nil)
	var page GroupPage
	h.call(rFac, "GET", g, nil, http.StatusOK, &page)
	if page.You.Role != "member" || page.You.Manage {
		t.Errorf("the old facilitator is %+v", page.You)
	}
	for _, pp := range page.People {
		if pp.ID == f.Members[2].ID && pp.Role != "facilitator" {
			t.Errorf("the new facilitator is %s", pp.Role)
		}
	}
}

func TestAdminFlow(t *testing.T) {
	h := newHarness(t, openMem)
	var ts []Template
	h.call(rMember, "GET", "/api/v1/templates", nil, http.StatusOK, &ts)
	ids := map[string]bool{}
	for _, x := range ts {
		ids[x.ID] = x.Shipped
	}
	for _, id := range []string{"peer-group", "pair-mentoring", "mentor-orientation"} {
		if !ids[id] {
			t.Errorf("no shipped template %s in %v", id, ids)
		}
	}
	var tpl Template
	h.call(rAdmin, "PUT", "/api/v1/templates/custom", templateBody(), http.StatusOK, &tpl)
	if tpl.ID != "custom" || tpl.MeetingMinutes != 60 || tpl.Cadence.Days != 14 || tpl.Shipped {
		t.Errorf("template %+v", tpl)
	}
	w := h.do(req{method: "PUT", path: "/api/v1/templates/custom", token: h.admin, body: map[string]any{"name": map[string]string{"en": "x"}, "minMembers": 2, "maxMembers": 3, "meetingMinutes": 2}})
	if w.Code != http.StatusBadRequest || apiErr(t, w).Field != "meetingMinutes" {
		t.Errorf("bad template: %d %s", w.Code, w.Body)
	}
	var grp Group
	h.call(rAdmin, "POST", "/api/v1/groups", map[string]any{"name": "Pari", "templateId": "custom", "language": "sv", "timeZone": "Europe/Stockholm"}, http.StatusCreated, &grp)
	if grp.MaxMembers != 6 || grp.Language != "sv" || grp.TimeZone != "Europe/Stockholm" || grp.MeetingMinutes != 60 || len(grp.Phases) != 1 {
		t.Errorf("group %+v", grp)
	}
	var fac PersonLink
	h.call(rAdmin, "POST", "/api/v1/groups/"+grp.ID+"/people", map[string]any{"name": "Vera", "role": "facilitator"}, http.StatusCreated, &fac)
	var prog Programme
	h.call(rAdmin, "POST", "/api/v1/groups/"+grp.ID+"/programme", map[string]any{"first": "2026-04-01T17:00"}, http.StatusCreated, &prog)
	if len(prog.Meetings) != 4 || prog.Meetings[1].Start != "2026-04-15T17:00:00+02:00" || prog.Progress.Planned != 4 {
		t.Errorf("programme %+v", prog.Progress)
	}
	var sums []GroupSummary
	h.call(rAdmin, "GET", "/api/v1/groups", nil, http.StatusOK, &sums)
	if len(sums) != 3 {
		t.Errorf("%d groups", len(sums))
	}
	h.call(rMember, "GET", "/api/v1/groups", nil, http.StatusOK, &sums)
	if len(sums) != 1 || sums[0].ID != h.f.Group.ID || sums[0].Members != 5 {
		t.Errorf("member's groups %+v", sums)
	}
	h.call(rAdmin, "DELETE", "/api/v1/templates/custom", nil, http.StatusNoContent, nil)

	old := h.admin
	var at AdminToken
	h.call(rAdmin, "POST", "/api/v1/admin/token", nil, http.StatusOK, &at)
	if w := h.do(req{method: "GET", path: "/api/v1/me", token: old}); w.Code != http.StatusUnauthorized {
		t.Errorf("the old admin token works: %d", w.Code)
	}
	if w := h.do(req{method: "GET", path: "/api/v1/report", token: at.Token}); w.Code != http.StatusOK {
		t.Errorf("the new admin token: %d", w.Code)
	}
}
