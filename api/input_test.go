package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestBadInput: each way a request can be wrong gets its 4xx, a JSON
// error with a code and message, and the field when there is one.
func TestBadInput(t *testing.T) {
	h := newHarness(t, openMem)
	f := h.f
	g := "/api/v1/groups/" + f.Group.ID
	m := "/api/v1/meetings/" + f.Meeting.ID
	cases := []struct {
		name        string
		role        string
		method      string
		path        string
		body        any
		contentType string
		status      int
		code        string
		field       string
		inMessage   string
	}{
		{"malformed JSON", rAdmin, "POST", "/api/v1/groups", `{"name": "x",}`, "", 400, "invalid", "", "malformed JSON"},
		{"truncated JSON", rAdmin, "POST", "/api/v1/groups", `{"name": "x"`, "", 400, "invalid", "", "ends early"},
		{"not an object", rAdmin, "POST", "/api/v1/groups", `["name"]`, "", 400, "invalid", "", "JSON object"},
		{"null body", rAdmin, "POST", "/api/v1/groups", `null`, "", 400, "invalid", "", "JSON object"},
		{"empty body", rAdmin, "POST", "/api/v1/groups", ``, "", 400, "invalid", "", "JSON object"},
		{"two objects", rAdmin, "POST", "/api/v1/groups", `{"name":"a"}{"name":"b"}`, "", 400, "invalid", "", "single JSON object"},
		{"wrong type: string for number", rFac, "PATCH", g, `{"maxMembers": "11"}`, "", 400, "invalid", "maxMembers", "whole number"},
		{"wrong type: fraction for int", rFac, "PATCH", g, `{"maxMembers": 10.5}`, "", 400, "invalid", "maxMembers", "10.5"},
		{"wrong type: huge number", rFac, "PATCH", g, `{"quorum": 1e40}`, "", 400, "invalid", "quorum", "whole number"},
		{"wrong type: number for string", rAdmin, "POST", "/api/v1/groups", `{"name": 3}`, "", 400, "invalid", "name", "a string"},
		{"wrong type: nested", rFac, "PATCH", g, `{"phases": [{"name": {"en": "x"}, "timeboxMinutes": "ten"}]}`, "", 400, "invalid", "phases.timeboxMinutes", "number"},
		{"wrong type: bool", rFac, "PATCH", g, `{"countFacilitators": "yes"}`, "", 400, "invalid", "countFacilitators", "true or false"},
		{"unknown field", rAdmin, "POST", "/api/v1/groups", `{"name": "x", "admin": true}`, "", 400, "invalid", "admin", "unknown field"},
		{"unknown nested field", rFac, "PATCH", g, `{"cadence": {"weeks": 2}}`, "", 400, "invalid", "weeks", "unknown field"},
		{"missing required field", rAdmin, "POST", "/api/v1/groups", `{"description": "x"}`, "", 400, "invalid", "name", "required"},
		{"missing role", rFac, "POST", g + "/people", `{"name": "N"}`, "", 400, "invalid", "role", "required"},
		{"bad role", rFac, "POST", g + "/people", `{"name": "N", "role": "boss"}`, "", 400, "invalid", "role", "facilitator, member or observer"},
		{"missing version", rMember, "POST", "/api/v1/me/agreement", `{}`, "", 400, "invalid", "version", "required"},
		{"missing answer", rMember, "PUT", m + "/rsvps/" + f.Members[1].ID, `{}`, "", 400, "invalid", "answer", "required"},
		{"bad answer", rMember, "PUT", m + "/rsvps/" + f.Members[1].ID, `{"answer": "yes"}`, "", 400, "invalid", "answer", "coming"},
		{"missing start", rFac, "POST", g + "/meetings", `{}`, "", 400, "invalid", "start", "required"},
		{"bad time", rFac, "POST", g + "/meetings", `{"start": "next Monday"}`, "", 400, "invalid", "start", "like"},
		{"time in the gap", rFac, "POST", g + "/meetings", `{"start": "2026-03-29T03:30"}`, "", 400, "invalid", "start", "does not exist"},
		{"time in the past", rFac, "POST", g + "/meetings", `{"start": "2020-01-01T10:00"}`, "", 400, "invalid", "start", "past"},
		{"bad zone", rFac, "POST", g + "/meetings", `{"start": "2026-04-01T10:00", "timeZone": "Mars/Olympus"}`, "", 400, "invalid", "timeZone", "unknown"},
		{"negative minutes", rFac, "POST", g + "/meetings", `{"start": "2026-04-01T10:00", "durationMinutes": -5}`, "", 400, "invalid", "durationMinutes", "minutes"},
		{"too short a meeting", rFac, "POST", g + "/meetings", `{"start": "2026-04-01T10:00", "durationMinutes": 5}`, "", 400, "invalid", "durationMinutes", ""},
		{"domain field renamed", rFac, "PATCH", g, `{"meetingMinutes": 1}`, "", 400, "invalid", "meetingMinutes", "must be 10 min–480 min"},
		{"phase field renamed", rFac, "PATCH", g, `{"phases": [{"name": {"en": "x"}, "timeboxMinutes": 0}]}`, "", 400, "invalid", "phases[0].timeboxMinutes", ""},
		{"poll of one", rFac, "POST", m + "/poll", `{"starts": ["2026-04-01T10:00"]}`, "", 400, "invalid", "starts", "2–4"},
		{"poll time named", rFac, "POST", m + "/poll", `{"starts": ["2026-04-01T10:00", "soon"]}`, "", 400, "invalid", "starts[1]", ""},
		{"empty name", rFac, "PATCH", g, `{"name": "  "}`, "", 400, "invalid", "name", "empty"},
		{"bad sep", rFac, "GET", g + "/report.csv?sep=tab", nil, "", 400, "invalid", "sep", ""},
		{"bad table", rFac, "GET", g + "/report.csv?table=x", nil, "", 400, "invalid", "table", ""},
		{"body on an action", rFac, "POST", m + "/open", `{"now": true}`, "", 400, "invalid", "now", "unknown field"},
		{"wrong content type", rAdmin, "POST", "/api/v1/groups", `{"name": "x"}`, "text/plain", 415, "unsupported_media_type", "", "application/json"},
		{"form content type", rAdmin, "POST", "/api/v1/groups", `name=x`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", "", ""},
		{"oversized body", rAdmin, "POST", "/api/v1/groups", `{"name": "` + strings.Repeat("x", 70<<10) + `"}`, "", 413, "too_large", "", "65536"},
		{"unknown group", rAdmin, "GET", "/api/v1/groups/nosuch", nil, "", 404, "not_found", "", ""},
		{"unknown meeting", rFac, "GET", "/api/v1/meetings/nosuch", nil, "", 404, "not_found", "", ""},
		{"unknown person", rFac, "PATCH", "/api/v1/people/nosuch", `{"name": "x"}`, "", 404, "not_found", "", ""},
		{"unknown template", rAdmin, "DELETE", "/api/v1/templates/nosuch", nil, "", 404, "not_found", "", ""},
		{"unknown template to create from", rAdmin, "POST", "/api/v1/groups", `{"name": "x", "templateId": "nosuch"}`, "", 400, "invalid", "templateId", ""},
		{"unknown endpoint", rAdmin, "GET", "/api/v1/nosuch", nil, "", 404, "no_such_endpoint", "", ""},
		{"wrong method", rAdmin, "DELETE", "/api/v1/groups", nil, "", 405, "method_not_allowed", "", ""},
		{"conflict: poll closed", rMember, "PUT", m + "/poll/marks", `{"suits": [0]}`, "", 409, "poll_closed", "", ""},
		{"conflict: stale agreement", rMember, "POST", "/api/v1/me/agreement", `{"version": 7}`, "", 409, "agreement_changed", "", ""},
		{"conflict: start a planned meeting", rFac, "POST", m + "/start", nil, "", 409, "bad_transition", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := h.do(req{method: c.method, path: c.path, token: h.token(c.role), body: c.body, contentType: c.contentType})
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			e := apiErr(t, w)
			if e.Code != c.code {
				t.Errorf("code %q, want %q (%s)", e.Code, c.code, w.Body)
			}
			if e.Field != c.field {
				t.Errorf("field %q, want %q (%s)", e.Field, c.field, w.Body)
			}
			if !strings.Contains(e.Message, c.inMessage) {
				t.Errorf("message %q does not say %q", e.Message, c.inMessage)
			}
		})
	}
	if w := h.do(req{method: "DELETE", path: "/api/v1/groups", token: h.token(rAdmin)}); !strings.Contains(w.Header().Get("Allow"), "GET") {
		t.Errorf("405 without Allow: %v", w.Header())
	}
}

// TestMaxBodyBytesIsConfigurable: a smaller limit applies.
func TestMaxBodyBytesIsConfigurable(t *testing.T) {
	h := newHarness(t, openMem)
	a, err := New(Config{Control: h.f.Svc, BaseURL: func() string { return baseURL }, MaxBodyBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	h.h = a.Handler()
	w := h.do(req{method: "POST", path: "/api/v1/groups", token: h.token(rAdmin), body: `{"name": "` + strings.Repeat("x", 200) + `"}`})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", w.Code)
	}
}

// TestBadInputNamesTheField: requests whose field names someone or
// something that is not there, or nothing at all, get a 400 JSON error
// that names the field, never a 404 for the endpoint's own resource, a
// 409 or a 500.
func TestBadInputNamesTheField(t *testing.T) {
	h := newHarness(t, openMem)
	f := h.f
	g := "/api/v1/groups/" + f.Group.ID
	m := "/api/v1/meetings/" + f.Meeting.ID
	// An open time poll of two times, for the pick cases.
	h.call(rFac, "POST", m+"/poll", map[string]any{"starts": []string{"2026-04-01T10:00", "2026-04-02T10:00"}}, http.StatusCreated, nil)
	goodTemplate := func(edit func(map[string]any)) map[string]any {
		tm := map[string]any{
			"name": map[string]string{"fi": "Työnohjaus", "sv": "Handledning", "en": "Work coaching"}, "minMembers": 2, "maxMembers": 5,
			"meetings": 4, "cadence": map[string]int{"months": 0, "days": 21}, "meetingMinutes": 60,
			"agreement": map[string]string{"fi": "Luottamus.", "sv": "Förtroende.", "en": "Confidence."},
			"phases":    []map[string]any{{"name": map[string]string{"fi": "Teema", "sv": "Tema", "en": "Theme"}, "timeboxMinutes": 50}},
		}
		edit(tm)
		return tm
	}
	cases := []struct {
		name, role, method, path string
		body                     any
		field, inMessage         string
	}{
		{"handover with no to", rFac, "POST", g + "/handover", `{}`, "to", "required"},
		{"handover with an empty to", rFac, "POST", g + "/handover", `{"to": ""}`, "to", "required"},
		{"handover to an unknown person", rFac, "POST", g + "/handover", `{"to": "nosuch"}`, "to", "nosuch"},
		{"handover to another group's member", rFac, "POST", g + "/handover", map[string]any{"to": f.OtherMember.ID}, "to", ""},
		{"handover to an observer", rFac, "POST", g + "/handover", map[string]any{"to": f.Observer.ID}, "to", "member"},
		{"theme with no text", rMember, "POST", g + "/themes", `{}`, "text", ""},
		{"theme of spaces", rMember, "POST", g + "/themes", `{"text": "   "}`, "text", "empty"},
		{"chair with no to", rFac, "PUT", m + "/chair", `{}`, "to", "required"},
		{"chair to an unknown person", rFac, "PUT", m + "/chair", `{"to": "nosuch"}`, "to", "nosuch"},
		{"chair to an observer", rFac, "PUT", m + "/chair", map[string]any{"to": f.Observer.ID}, "to", "member"},
		{"chair to another group's member", rFac, "PUT", m + "/chair", map[string]any{"to": f.OtherMember.ID}, "to", ""},
		{"pick with no option", rFac, "POST", m + "/poll/pick", `{}`, "option", "required"},
		{"pick a negative option", rFac, "POST", m + "/poll/pick", `{"option": -1}`, "option", ""},
		{"pick an option out of range", rFac, "POST", m + "/poll/pick", `{"option": 2}`, "option", "no option 2"},
		{"move with no start", rFac, "POST", m + "/move", `{}`, "start", "required"},
		{"move to a bad time", rFac, "POST", m + "/move", `{"start": "soon"}`, "start", ""},
		{"template with a bad id", rAdmin, "PUT", "/api/v1/templates/Work_Coaching", goodTemplate(func(map[string]any) {}), "id", "a–z"},
		{"template with no name", rAdmin, "PUT", "/api/v1/templates/work-coaching", goodTemplate(func(tm map[string]any) { delete(tm, "name") }), "name", ""},
		{"template with max below min", rAdmin, "PUT", "/api/v1/templates/work-coaching", goodTemplate(func(tm map[string]any) { tm["maxMembers"] = 1 }), "maxMembers", ""},
		{"template with a bad phase", rAdmin, "PUT", "/api/v1/templates/work-coaching", goodTemplate(func(tm map[string]any) {
			tm["phases"] = []map[string]any{{"name": map[string]string{"en": "Theme"}, "timeboxMinutes": 0}}
		}), "phases[0].timeboxMinutes", ""},
		{"template with an unknown field", rAdmin, "PUT", "/api/v1/templates/work-coaching", goodTemplate(func(tm map[string]any) { tm["colour"] = "red" }), "colour", "unknown field"},
		{"role missing", rFac, "PUT", "/api/v1/people/" + f.Members[2].ID + "/role", `{}`, "role", "required"},
		{"role invalid", rFac, "PUT", "/api/v1/people/" + f.Members[2].ID + "/role", `{"role": "boss"}`, "role", "facilitator, member or observer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := h.do(req{method: c.method, path: c.path, token: h.token(c.role), body: c.body})
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", w.Code, w.Body)
			}
			e := apiErr(t, w)
			if e.Code != "invalid" || e.Field != c.field || !strings.Contains(e.Message, c.inMessage) {
				t.Errorf("error %+v; want invalid, field %q, a message saying %q", e, c.field, c.inMessage)
			}
		})
	}
}
