package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"piiri/control"
)

// The roles each "who" of routes.go means toward the fixture's group,
// acting (for whoSelf) on rMember's own record.
var whoRoles = map[string][]string{
	whoAnyone:                              {rAdmin, rFac, rChair, rMember, rObserver, rOtherFac, rOtherMem, rResearcher},
	whoAdmin:                               {rAdmin},
	whoGroup:                               {rAdmin, rFac, rChair, rMember, rObserver, rResearcher},
	whoManage:                              {rAdmin, rFac},
	whoRun:                                 {rAdmin, rFac, rChair},
	whoStudy:                               {rAdmin, rFac, rChair, rResearcher},
	whoSelf:                                {rAdmin, rFac, rMember},
	whoPerson:                              {rFac, rChair, rMember, rObserver, rResearcher},
	whoAnyPerson:                           {rFac, rChair, rMember, rObserver, rOtherFac, rOtherMem, rResearcher},
	whoProposer:                            {rFac, rChair, rMember, rResearcher},
	whoFacilitator:                         {rFac},
	whoFeed:                                {rFac, rChair, rMember, rObserver, rResearcher},
	whoMember + " (their own turn)":        {rChair, rMember, rResearcher},
	whoMember + " (their own note)":        {rChair, rMember, rResearcher},
	whoMember + " who were at the meeting": {rChair, rMember, rResearcher},
	whoGroup + " (a person: their own answers)": {rAdmin, rFac, rChair, rMember, rObserver, rResearcher},
}

// consenting is running, with everyone in the room consenting to
// recording.
func consenting(h *harness) {
	h.t.Helper()
	running(h)
	f := h.f
	for _, p := range []control.Person{f.Facilitator, f.Observer, f.Members[0], f.Members[1], f.Members[2], f.Members[3]} {
		if _, err := f.Svc.SetConsent(f.Ctx, f.As(p), f.Meeting.ID, control.Consent{Record: true, Stats: true}, 1); err != nil {
			h.t.Fatal(err)
		}
	}
}

// consentingLive is consenting, in a group that shows its speaking
// statistics during meetings (the live balance).
func consentingLive(h *harness) {
	h.t.Helper()
	consenting(h)
	on := true
	if _, err := h.f.Svc.UpdateGroup(h.f.Ctx, h.f.Fac(), h.f.Group.ID, control.GroupPatch{LiveBalance: &on}); err != nil {
		h.t.Fatal(err)
	}
}

// running starts the fixture's meeting with everyone but the revoked
// member in the room: the opening round.
func running(h *harness) {
	h.t.Helper()
	f := h.f
	f.Open()
	for _, p := range []control.Person{f.Facilitator, f.Observer, f.Members[0], f.Members[1], f.Members[2], f.Members[3]} {
		if err := f.Svc.Joined(f.Ctx, f.Meeting.ID, p.ID, f.Clock.Now()); err != nil {
			h.t.Fatal(err)
		}
	}
	if _, err := f.Svc.StartMeeting(f.Ctx, f.Fac(), f.Meeting.ID); err != nil {
		h.t.Fatal(err)
	}
}

// ended runs the fixture's meeting for an hour, sets its task and ends it.
func ended(h *harness) {
	h.t.Helper()
	running(h)
	f := h.f
	f.Clock.Advance(time.Hour)
	if _, err := f.Svc.SetTask(f.Ctx, f.Fac(), f.Meeting.ID, "Notice one moment of overload."); err != nil {
		h.t.Fatal(err)
	}
	if _, err := f.Svc.EndMeeting(f.Ctx, f.Fac(), f.Meeting.ID); err != nil {
		h.t.Fatal(err)
	}
}

func liveOf(h *harness) control.LiveState {
	h.t.Helper()
	st, err := h.f.Svc.LiveState(h.f.Ctx, h.f.Admin(), h.f.Meeting.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// permCase is one endpoint tried with every role. Its route is found by
// pattern; path fills the pattern's wildcards.
type permCase struct {
	pattern string
	path    func(h *harness) map[string]string // wildcard values; nil: the defaults
	body    func(h *harness) any
	setup   func(h *harness)
	allowed []string // nil: whoRoles of the route's who
	// denied is the status for roles not allowed; 0: 401 without a
	// working token, 403 with one.
	denied int
}

func later(h *harness, hours int) string {
	return h.f.Clock.Now().Add(time.Duration(hours) * time.Hour).Format(time.RFC3339)
}

func proposePoll(h *harness) {
	h.t.Helper()
	_, err := h.f.Svc.ProposeTimes(h.f.Ctx, h.f.Fac(), h.f.Meeting.ID, []time.Time{h.f.Clock.Now().Add(300 * time.Hour), h.f.Clock.Now().Add(301 * time.Hour)})
	if err != nil {
		h.t.Fatal(err)
	}
}

func permCases() []permCase {
	other := func(h *harness) map[string]string { return map[string]string{"person": h.f.Members[2].ID} }
	body := func(v any) func(*harness) any { return func(*harness) any { return v } }
	open := func(h *harness) { h.f.Open() }
	return []permCase{
		{pattern: "GET /api/v1/me"},
		{pattern: "POST /api/v1/me/agreement", body: body(map[string]any{"version": 1})},
		{pattern: "GET /api/v1/groups"},
		{pattern: "POST /api/v1/groups", body: body(map[string]any{"name": "New group", "templateId": "pair-mentoring"})},
		{pattern: "GET /api/v1/groups/{group}"},
		{pattern: "PATCH /api/v1/groups/{group}", body: body(map[string]any{"name": "Renamed", "meetingMinutes": 120})},
		{pattern: "PUT /api/v1/groups/{group}/agreement", body: body(map[string]any{"text": "New rules"})},
		{pattern: "POST /api/v1/groups/{group}/handover", body: func(h *harness) any { return map[string]any{"to": h.f.Members[2].ID} }},
		{pattern: "POST /api/v1/groups/{group}/themes", body: body(map[string]any{"text": "Rest"})},
		{pattern: "POST /api/v1/groups/{group}/people", body: body(map[string]any{"name": "New", "role": "member"})},
		{pattern: "GET /api/v1/groups/{group}/links"},
		{pattern: "GET /api/v1/groups/{group}/meetings"},
		{pattern: "POST /api/v1/groups/{group}/meetings", body: func(h *harness) any { return map[string]any{"start": later(h, 500)} }},
		{pattern: "POST /api/v1/groups/{group}/programme", body: func(h *harness) any { return map[string]any{"first": later(h, 500)} }},
		{pattern: "GET /api/v1/groups/{group}/report"},
		{pattern: "GET /api/v1/groups/{group}/report.csv"},
		{pattern: "PATCH /api/v1/people/{person}", body: body(map[string]any{"name": "Renamed"})},
		{pattern: "PATCH /api/v1/people/{person}", path: other, body: body(map[string]any{"name": "Renamed"}), allowed: whoRoles[whoManage]},
		{pattern: "DELETE /api/v1/people/{person}"},
		{pattern: "DELETE /api/v1/people/{person}", path: other, allowed: whoRoles[whoManage]},
		{pattern: "PUT /api/v1/people/{person}/role", path: other, body: body(map[string]any{"role": "observer"})},
		{pattern: "PUT /api/v1/people/{person}/research", path: other, body: body(map[string]any{"granted": true})},
		{pattern: "GET /api/v1/people/{person}/link"},
		{pattern: "GET /api/v1/people/{person}/link", path: other, allowed: whoRoles[whoManage]},
		{pattern: "POST /api/v1/people/{person}/link"},
		{pattern: "DELETE /api/v1/people/{person}/link"},
		{pattern: "GET /api/v1/meetings/{meeting}"},
		{pattern: "PATCH /api/v1/meetings/{meeting}", body: body(map[string]any{"theme": "Other", "durationMinutes": 100}), allowed: whoRoles[whoManage]},
		{pattern: "PATCH /api/v1/meetings/{meeting}", body: func(h *harness) any {
			return map[string]any{"phases": []map[string]any{{"name": map[string]string{"en": "Only"}, "timeboxMinutes": 30}}}
		}, allowed: whoRoles[whoRun]},
		{pattern: "POST /api/v1/meetings/{meeting}/move", body: func(h *harness) any { return map[string]any{"start": later(h, 400)} }},
		{pattern: "POST /api/v1/meetings/{meeting}/cancel"},
		{pattern: "POST /api/v1/meetings/{meeting}/open"},
		{pattern: "POST /api/v1/meetings/{meeting}/start", setup: open},
		{pattern: "POST /api/v1/meetings/{meeting}/end", setup: open},
		{pattern: "PUT /api/v1/meetings/{meeting}/chair", body: func(h *harness) any { return map[string]any{"to": h.f.Members[2].ID} }},
		{pattern: "PUT /api/v1/meetings/{meeting}/theme", setup: func(h *harness) {
			tp, err := h.f.Svc.ProposeTheme(h.f.Ctx, h.f.As(h.f.Members[1]), h.f.Group.ID, "Rest")
			if err != nil {
				h.t.Fatal(err)
			}
			h.f.Group.Themes = append(h.f.Group.Themes, tp)
		}, body: func(h *harness) any {
			return map[string]any{"proposalId": h.f.Group.Themes[len(h.f.Group.Themes)-1].ID}
		}},
		{pattern: "PUT /api/v1/meetings/{meeting}/rsvps/{person}", body: body(map[string]any{"answer": "coming"})},
		{pattern: "PUT /api/v1/meetings/{meeting}/rsvps/{person}", path: other, body: body(map[string]any{"answer": "maybe"}), allowed: whoRoles[whoManage]},
		{pattern: "GET /api/v1/meetings/{meeting}/attendance"},
		{pattern: "GET /api/v1/meetings/{meeting}/live", setup: running},
		{pattern: "POST /api/v1/meetings/{meeting}/live/next-phase", setup: running},
		{pattern: "POST /api/v1/meetings/{meeting}/live/previous-phase", setup: func(h *harness) {
			running(h)
			if _, err := h.f.Svc.NextPhase(h.f.Ctx, h.f.Fac(), h.f.Meeting.ID); err != nil {
				h.t.Fatal(err)
			}
		}},
		{pattern: "POST /api/v1/meetings/{meeting}/live/next-speaker", setup: running},
		{pattern: "POST /api/v1/meetings/{meeting}/live/pass", setup: running},
		{pattern: "POST /api/v1/meetings/{meeting}/live/skip", setup: running, body: func(h *harness) any { return map[string]any{"person": h.f.Members[2].ID} }},
		{pattern: "POST /api/v1/meetings/{meeting}/live/extra-turn", setup: func(h *harness) {
			running(h)
			if _, err := h.f.Svc.Pass(h.f.Ctx, h.f.As(h.f.Members[2]), h.f.Meeting.ID); err != nil {
				h.t.Fatal(err)
			}
		}, body: func(h *harness) any { return map[string]any{"person": h.f.Members[2].ID} }},
		{pattern: "PUT /api/v1/meetings/{meeting}/live/order", setup: running, body: func(h *harness) any {
			order := []string{}
			for _, t := range liveOf(h).Round.Turns {
				if t.Status == control.TurnWaiting {
					order = append([]string{t.PersonID}, order...)
				}
			}
			return map[string]any{"order": order}
		}},
		{pattern: "POST /api/v1/meetings/{meeting}/live/extend", setup: running, body: body(map[string]any{"minutes": 3})},
		{pattern: "PUT /api/v1/meetings/{meeting}/task", setup: running, body: body(map[string]any{"text": "Say no once."})},
		{pattern: "GET /api/v1/meetings/{meeting}/task", setup: ended},
		{pattern: "PUT /api/v1/meetings/{meeting}/task/note", setup: ended, body: body(map[string]any{"done": true, "note": "Did it.", "shared": true})},
		{pattern: "GET /api/v1/groups/{group}/task", setup: ended},
		{pattern: "POST /api/v1/meetings/{meeting}/feedback", setup: ended, body: body(map[string]any{"score": 4, "comment": "Useful."})},
		{pattern: "GET /api/v1/meetings/{meeting}/feedback", setup: ended},
		{pattern: "GET /api/v1/groups/{group}/feedback", setup: ended},
		{pattern: "POST /api/v1/meetings/{meeting}/poll", body: func(h *harness) any { return map[string]any{"starts": []string{later(h, 300), later(h, 301)}} }},
		{pattern: "GET /api/v1/people/{person}/data", setup: ended},
		{pattern: "DELETE /api/v1/people/{person}/speech", setup: ended},
		{pattern: "DELETE /api/v1/people/{person}/recordings", setup: ended},
		{pattern: "GET /api/v1/people/{person}/recordings", setup: ended},
		{pattern: "GET /api/v1/people/{person}/recordings/{meeting}/{file}", setup: ended, path: func(h *harness) map[string]string { return map[string]string{"file": fakeFile} }},
		{pattern: "GET /api/v1/meetings/{meeting}/recordings", setup: ended},
		{pattern: "GET /api/v1/meetings/{meeting}/recordings/{file}", setup: ended, path: func(h *harness) map[string]string { return map[string]string{"file": fakeFile} }},
		{pattern: "GET /api/v1/meetings/{meeting}/consent", setup: running},
		{pattern: "PUT /api/v1/meetings/{meeting}/consent", setup: running, body: body(map[string]any{"record": true, "stats": false, "textVersion": 1})},
		{pattern: "GET /api/v1/meetings/{meeting}/consent/log", setup: consenting},
		{pattern: "POST /api/v1/meetings/{meeting}/recording/start", setup: consenting},
		{pattern: "POST /api/v1/meetings/{meeting}/recording/stop", setup: consenting},
		{pattern: "GET /api/v1/meetings/{meeting}/turns", setup: consentingLive},
		{pattern: "GET /api/v1/meetings/{meeting}/turns.csv", setup: consentingLive},
		{pattern: "DELETE /api/v1/meetings/{meeting}/poll", setup: proposePoll},
		{pattern: "PUT /api/v1/meetings/{meeting}/poll/marks", setup: proposePoll, body: body(map[string]any{"suits": []int{0}})},
		{pattern: "POST /api/v1/meetings/{meeting}/poll/pick", setup: proposePoll, body: body(map[string]any{"option": 1})},
		{pattern: "GET /api/v1/templates"},
		{pattern: "PUT /api/v1/templates/{template}", body: body(templateBody())},
		{pattern: "DELETE /api/v1/templates/{template}", setup: func(h *harness) {
			err := h.f.Svc.PutTemplate(h.f.Ctx, h.f.Admin(), control.Template{ID: "custom", Name: control.LocalText{"en": "Custom"}, MinMembers: 2, MaxMembers: 6, Meetings: 4, Duration: time.Hour})
			if err != nil {
				h.t.Fatal(err)
			}
		}},
		{pattern: "GET /api/v1/report"},
		{pattern: "GET /api/v1/report.csv"},
		{pattern: "POST /api/v1/admin/token"},
		{pattern: "GET /cal/{file}", denied: http.StatusNotFound, allowed: append(slices.Clone(whoRoles[whoFeed]), rOtherFac, rOtherMem)},
		{pattern: "GET /cal/{token}/{file}", denied: http.StatusNotFound},
	}
}

func templateBody() map[string]any {
	return map[string]any{
		"name": map[string]string{"en": "Custom", "fi": "Oma"}, "minMembers": 2, "maxMembers": 6, "meetings": 4,
		"cadence": map[string]int{"months": 0, "days": 14}, "meetingMinutes": 60,
		"agreement": map[string]string{"en": "What is said here stays here.", "fi": "Mitä täällä puhutaan, jää tänne."},
		"phases":    []map[string]any{{"name": map[string]string{"en": "Talk"}, "timeboxMinutes": 50}},
	}
}

// fill puts wildcard values into a pattern's path.
func (h *harness) fill(pattern string, role string, vals map[string]string) string {
	_, path, _ := strings.Cut(pattern, " ")
	token := h.token(role)
	def := map[string]string{
		"group": h.f.Group.ID, "meeting": h.f.Meeting.ID, "person": h.f.Members[1].ID, "template": "custom",
		"token": token, "file": token + ".ics",
	}
	if strings.HasPrefix(path, "/cal/{token}/") {
		def["file"] = h.f.Meeting.ID + ".ics"
	}
	for k, v := range vals {
		def[k] = v
	}
	for k, v := range def {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	return path
}

func routeByPattern(t *testing.T, a *API, pattern string) route {
	t.Helper()
	for _, rt := range a.routes() {
		if rt.pattern == pattern {
			return rt
		}
	}
	t.Fatalf("no route %q", pattern)
	return route{}
}

// TestPermissions tries every endpoint with each role's token (admin,
// facilitator, the meeting's chair, member, observer, another group's
// facilitator and member, a revoked link) and with none, each on a fresh
// fixture, and checks the status: success for the roles routes.go
// documents, 401 without a working token, 403 (404 for feeds) otherwise.
// Successful answers must decode strictly as the route's response type.
func TestPermissions(t *testing.T) {
	covered := map[string]bool{}
	for _, pc := range permCases() {
		covered[pc.pattern] = true
		for _, role := range allRoles {
			t.Run(strings.ReplaceAll(pc.pattern, "/", "_")+"/"+role, func(t *testing.T) {
				h := newHarness(t, openMem)
				rt := routeByPattern(t, h.api, pc.pattern)
				allowed := pc.allowed
				if allowed == nil {
					var ok bool
					if allowed, ok = whoRoles[rt.who]; !ok {
						t.Fatalf("route %s: who %q has no role set here", rt.pattern, rt.who)
					}
				}
				if pc.setup != nil {
					pc.setup(h)
				}
				var vals map[string]string
				if pc.path != nil {
					vals = pc.path(h)
				}
				method, _, _ := strings.Cut(pc.pattern, " ")
				r := req{method: method, path: h.fill(pc.pattern, role, vals), token: h.token(role)}
				if rt.public {
					r.token = ""
				}
				if pc.body != nil {
					r.body = pc.body(h)
				}
				w := h.do(r)
				want := pc.denied
				switch {
				case slices.Contains(allowed, role):
					want = rt.status
					if want == 0 {
						want = http.StatusOK
					}
					if rt.resp == nil {
						want = http.StatusNoContent
					}
				case want != 0:
				case role == rNone || role == rRevoked:
					want = http.StatusUnauthorized
				default:
					want = http.StatusForbidden
				}
				if w.Code != want {
					t.Fatalf("%s as %s: status %d, want %d: %s", r.path, role, w.Code, want, w.Body)
				}
				if w.Code >= 400 {
					apiErr(t, w)
					return
				}
				if rt.resp != nil && rt.resp != reflect.TypeFor[written]() {
					dec := json.NewDecoder(w.Body)
					dec.DisallowUnknownFields()
					if err := dec.Decode(reflect.New(rt.resp).Interface()); err != nil {
						t.Errorf("answer does not decode as %v: %v\n%s", rt.resp, err, w.Body)
					}
				}
			})
		}
	}
	h := newHarness(t, openMem)
	for _, rt := range h.api.routes() {
		if !covered[rt.pattern] {
			t.Errorf("route %s has no permission case", rt.pattern)
		}
	}
}
