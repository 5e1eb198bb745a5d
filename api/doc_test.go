package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"piiri/control"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/api.md's examples from the API's real answers")

const docPath = "../docs/api.md"

// docStep is one request of the documentation's scenario. Steps with a
// key write an example into docs/api.md between "<!-- example KEY -->"
// and "<!-- /example -->"; the key is the route pattern, with "#2" etc.
// for a second example of one route.
type docStep struct {
	key    string
	role   string
	method string
	path   func(s *docState) string
	body   func(s *docState) any
	status int
	setup  func(s *docState) // before the request, not shown
	after  func(s *docState, body []byte)
}

type docState struct {
	h    *harness
	vals map[string]string
}

func (s *docState) v(k string) string { return s.vals[k] }

func (s *docState) capture(k, field string) func(*docState, []byte) {
	return func(s *docState, b []byte) {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			s.h.t.Fatal(err)
		}
		for _, part := range strings.Split(field, ".") {
			switch x := m[part].(type) {
			case map[string]any:
				m = x
			case string:
				s.vals[k] = x
			}
		}
	}
}

func fixed(p string) func(*docState) string { return func(*docState) string { return p } }
func val(v any) func(*docState) any         { return func(*docState) any { return v } }

func docSteps() []docStep {
	g := func(rest string) func(*docState) string {
		return func(s *docState) string { return "/api/v1/groups/" + s.h.f.Group.ID + rest }
	}
	m := func(rest string) func(*docState) string {
		return func(s *docState) string { return "/api/v1/meetings/" + s.h.f.Meeting.ID + rest }
	}
	m2 := func(rest string) func(*docState) string {
		return func(s *docState) string { return "/api/v1/meetings/" + s.v("added") + rest }
	}
	person := func(rest string) func(*docState) string {
		return func(s *docState) string { return "/api/v1/people/" + s.v("newPerson") + rest }
	}
	return []docStep{
		{key: "GET /api/v1/me", role: rMember, method: "GET", path: fixed("/api/v1/me")},
		{key: "GET /api/v1/me#2", role: rAdmin, method: "GET", path: fixed("/api/v1/me")},
		{key: "POST /api/v1/me/agreement", role: rMember, method: "POST", path: fixed("/api/v1/me/agreement"), body: val(map[string]any{"version": 1})},
		{key: "POST /api/v1/groups", role: rAdmin, method: "POST", path: fixed("/api/v1/groups"), status: 201,
			body: val(map[string]any{"name": "Esihenkilöiden vertaisryhmä", "templateId": "manager-peer-meetings", "language": "fi", "organisation": "Espoon kaupunki"})},
		{key: "GET /api/v1/groups", role: rAdmin, method: "GET", path: fixed("/api/v1/groups")},
		{key: "POST /api/v1/groups/{group}/people", role: rFac, method: "POST", path: g("/people"), status: 201,
			body:  val(map[string]any{"name": "Sanna Uusi", "role": "member", "organisation": "Vantaa", "email": "sanna@example.fi"}),
			after: func(s *docState, b []byte) { s.capture("newPerson", "person.id")(s, b) }},
		{key: "PATCH /api/v1/people/{person}", role: rFac, method: "PATCH", path: person(""), body: val(map[string]any{"name": "Sanna Virtanen", "language": "sv"})},
		{key: "PUT /api/v1/people/{person}/role", role: rFac, method: "PUT", path: person("/role"), body: val(map[string]any{"role": "observer"})},
		{key: "PUT /api/v1/people/{person}/research", role: rFac, method: "PUT", path: person("/research"), body: val(map[string]any{"granted": true})},
		{key: "GET /api/v1/people/{person}/link", role: rFac, method: "GET", path: person("/link")},
		{key: "POST /api/v1/people/{person}/link", role: rFac, method: "POST", path: person("/link")},
		{key: "DELETE /api/v1/people/{person}/link", role: rFac, method: "DELETE", path: person("/link"), status: 204},
		{key: "DELETE /api/v1/people/{person}", role: rFac, method: "DELETE", path: person(""), status: 204},
		{key: "GET /api/v1/groups/{group}/links", role: rFac, method: "GET", path: g("/links")},
		{key: "PATCH /api/v1/groups/{group}", role: rFac, method: "PATCH", path: g(""), body: val(map[string]any{"quorum": 3, "meetingMinutes": 100, "cadence": map[string]int{"months": 1, "days": 0}})},
		{key: "PUT /api/v1/groups/{group}/agreement", role: rFac, method: "PUT", path: g("/agreement"), body: val(map[string]any{"text": "Luottamuksellisuus: mitä ryhmässä puhutaan, jää ryhmään.\nEmme tallenna ilman kaikkien lupaa."})},
		{key: "POST /api/v1/groups/{group}/themes", role: rMember, method: "POST", path: g("/themes"), status: 201, body: val(map[string]any{"text": "Työssä jaksaminen"}),
			after: func(s *docState, b []byte) { s.capture("theme", "id")(s, b) }},
		{key: "POST /api/v1/groups/{group}/meetings", role: rFac, method: "POST", path: g("/meetings"), status: 201,
			body:  val(map[string]any{"start": "2026-03-23T17:30", "durationMinutes": 90, "theme": "Rajat ja jaksaminen"}),
			after: func(s *docState, b []byte) { s.capture("added", "id")(s, b) }},
		{key: "POST /api/v1/groups/{group}/programme", role: rFac, method: "POST", path: g("/programme"), status: 201, body: val(map[string]any{"first": "2026-04-20T17:30"})},
		{key: "GET /api/v1/groups/{group}/meetings", role: rMember, method: "GET", path: g("/meetings")},
		{key: "PUT /api/v1/meetings/{meeting}/rsvps/{person}", role: rMember, method: "PUT",
			path: func(s *docState) string {
				return "/api/v1/meetings/" + s.h.f.Meeting.ID + "/rsvps/" + s.h.f.Members[1].ID
			},
			body: val(map[string]any{"answer": "coming"}),
			setup: func(s *docState) {
				for _, p := range s.h.f.Members[2:4] {
					if _, err := s.h.f.Svc.SetRSVP(s.h.f.Ctx, s.h.f.As(p), s.h.f.Meeting.ID, p.ID, "coming"); err != nil {
						s.h.t.Fatal(err)
					}
				}
			}},
		{key: "GET /api/v1/groups/{group}", role: rFac, method: "GET", path: g("")},
		{key: "GET /api/v1/meetings/{meeting}", role: rMember, method: "GET", path: m("")},
		{key: "PATCH /api/v1/meetings/{meeting}", role: rFac, method: "PATCH", path: m2(""), body: val(map[string]any{"durationMinutes": 120, "theme": "Rajat"})},
		{key: "PUT /api/v1/meetings/{meeting}/theme", role: rFac, method: "PUT", path: m2("/theme"), body: func(s *docState) any { return map[string]any{"proposalId": s.v("theme")} }},
		{key: "POST /api/v1/meetings/{meeting}/poll", role: rFac, method: "POST", path: m2("/poll"), status: 201, body: val(map[string]any{"starts": []string{"2026-03-24T17:30", "2026-03-26T09:00"}})},
		{key: "PUT /api/v1/meetings/{meeting}/poll/marks", role: rMember, method: "PUT", path: m2("/poll/marks"), body: val(map[string]any{"suits": []int{1}})},
		{key: "POST /api/v1/meetings/{meeting}/poll/pick", role: rFac, method: "POST", path: m2("/poll/pick"), body: val(map[string]any{"option": 1})},
		{key: "DELETE /api/v1/meetings/{meeting}/poll", role: rFac, method: "DELETE", path: m2("/poll"), setup: func(s *docState) {
			s.h.call(rFac, "POST", m2("/poll")(s), map[string]any{"starts": []string{"2026-03-30T17:30", "2026-03-31T17:30"}}, 201, nil)
		}},
		{key: "POST /api/v1/meetings/{meeting}/move", role: rFac, method: "POST", path: m2("/move"), body: val(map[string]any{"start": "2026-03-27T16:00"})},
		{key: "PUT /api/v1/meetings/{meeting}/chair", role: rFac, method: "PUT", path: m2("/chair"), body: func(s *docState) any { return map[string]any{"to": s.h.f.Members[2].ID} }},
		{key: "POST /api/v1/meetings/{meeting}/cancel", role: rFac, method: "POST", path: m2("/cancel")},
		{key: "POST /api/v1/meetings/{meeting}/open", role: rChair, method: "POST", path: m("/open")},
		{key: "POST /api/v1/meetings/{meeting}/start", role: rChair, method: "POST", path: m("/start"), setup: func(s *docState) {
			f := s.h.f
			gv, err := f.Svc.Group(f.Ctx, f.Admin(), f.Group.ID)
			if err != nil {
				s.h.t.Fatal(err)
			}
			for _, id := range []string{f.Facilitator.ID, f.Members[0].ID, f.Members[1].ID, f.Members[2].ID, f.Observer.ID} {
				if _, err := f.Svc.AcceptAgreement(f.Ctx, control.PersonPrincipal(id), gv.Group.Agreement.Version); err != nil {
					s.h.t.Fatal(err)
				}
				if err := f.Svc.Joined(f.Ctx, f.Meeting.ID, id, f.Clock.Now()); err != nil {
					s.h.t.Fatal(err)
				}
			}
		}},
		{key: "GET /api/v1/meetings/{meeting}/live", role: rMember, method: "GET", path: m("/live")},
		{key: "POST /api/v1/meetings/{meeting}/live/pass", role: rMember, method: "POST", path: m("/live/pass")},
		{key: "PUT /api/v1/meetings/{meeting}/live/order", role: rFac, method: "PUT", path: m("/live/order"), body: func(s *docState) any {
			order := []string{}
			for _, t := range docLive(s).Round.Turns {
				if t.Status == control.TurnWaiting {
					order = append([]string{t.PersonID}, order...)
				}
			}
			return map[string]any{"order": order}
		}},
		{key: "POST /api/v1/meetings/{meeting}/live/extend", role: rChair, method: "POST", path: m("/live/extend"), body: val(map[string]any{"minutes": 3})},
		{key: "POST /api/v1/meetings/{meeting}/live/next-speaker", role: rChair, method: "POST", path: m("/live/next-speaker")},
		{key: "POST /api/v1/meetings/{meeting}/live/skip", role: rFac, method: "POST", path: m("/live/skip"), body: func(s *docState) any {
			return map[string]any{"person": docLive(s).Round.Speaker}
		}},
		{key: "POST /api/v1/meetings/{meeting}/live/extra-turn", role: rFac, method: "POST", path: m("/live/extra-turn"), body: func(s *docState) any {
			return map[string]any{"person": s.h.f.Members[1].ID}
		}},
		{key: "POST /api/v1/meetings/{meeting}/live/next-phase", role: rChair, method: "POST", path: m("/live/next-phase")},
		{key: "POST /api/v1/meetings/{meeting}/live/previous-phase", role: rChair, method: "POST", path: m("/live/previous-phase")},
		{key: "PUT /api/v1/meetings/{meeting}/task", role: rChair, method: "PUT", path: m("/task"), body: val(map[string]any{"text": "Huomaa yksi kuormittava hetki ja se, mikä auttoi."})},
		{key: "PUT /api/v1/meetings/{meeting}/consent", role: rMember, method: "PUT", path: m("/consent"), body: val(map[string]any{"record": true, "stats": true, "textVersion": 1})},
		{key: "GET /api/v1/meetings/{meeting}/consent", role: rMember, method: "GET", path: m("/consent")},
		{key: "POST /api/v1/meetings/{meeting}/recording/start", role: rChair, method: "POST", path: m("/recording/start"), setup: func(s *docState) {
			// Everyone else in the room consents too (strict mode).
			f := s.h.f
			for _, p := range docLive(s).People {
				if p.Present && p.PersonID != f.Members[1].ID {
					if _, err := f.Svc.SetConsent(f.Ctx, f.As(control.Person{ID: p.PersonID}), f.Meeting.ID, control.Consent{Record: true, Stats: p.Role != control.RoleObserver}, 1); err != nil {
						s.h.t.Fatal(err)
					}
				}
			}
		}},
		{key: "GET /api/v1/meetings/{meeting}/consent/log", role: rFac, method: "GET", path: m("/consent/log")},
		{key: "POST /api/v1/meetings/{meeting}/recording/stop", role: rChair, method: "POST", path: m("/recording/stop")},
		{key: "GET /api/v1/meetings/{meeting}/turns", role: rFac, method: "GET", path: m("/turns"), setup: func(s *docState) {
			// The group shows its statistics during meetings (the live
			// balance). Three people speak in turn; the observer
			// consented to recording only, so an interjection of theirs
			// is "others".
			f := s.h.f
			on := true
			if _, err := f.Svc.UpdateGroup(f.Ctx, f.Fac(), f.Group.ID, control.GroupPatch{LiveBalance: &on}); err != nil {
				s.h.t.Fatal(err)
			}
			t0 := f.Clock.Now()
			for i, sp := range []struct {
				who      control.Person
				from, to int
			}{{f.Members[0], 0, 35}, {f.Members[1], 37, 61}, {f.Observer, 62, 66}, {f.Members[0], 67, 80}, {f.Members[2], 82, 110}} {
				at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
				if err := f.Svc.Spoke(f.Ctx, f.Meeting.ID, sp.who.ID, at(sp.from), at(sp.to)); err != nil {
					s.h.t.Fatalf("speech %d: %v", i, err)
				}
			}
			f.Clock.Advance(2 * time.Minute)
		}},
		{key: "GET /api/v1/meetings/{meeting}/turns.csv", role: rFac, method: "GET", path: m("/turns.csv?sep=semicolon")},
		{key: "GET /api/v1/meetings/{meeting}/attendance", role: rFac, method: "GET", path: m("/attendance"), setup: func(s *docState) {
			f := s.h.f
			f.Clock.Advance(50 * time.Minute)
			if err := f.Svc.Left(f.Ctx, f.Meeting.ID, f.Members[2].ID, f.Clock.Now()); err != nil {
				s.h.t.Fatal(err)
			}
			f.Clock.Advance(40 * time.Minute)
		}},
		{key: "POST /api/v1/meetings/{meeting}/end", role: rChair, method: "POST", path: m("/end")},
		{key: "PUT /api/v1/meetings/{meeting}/task/note", role: rMember, method: "PUT", path: m("/task/note"), body: val(map[string]any{"done": true, "note": "Maanantait ja puhelin. Kävely auttoi.", "shared": false}),
			setup: func(s *docState) {
				f := s.h.f
				if _, err := f.Svc.WriteTaskNote(f.Ctx, f.As(f.Members[2]), f.Meeting.ID, control.TaskNoteInput{Done: true, Note: "Pyysin kollegalta apua.", Shared: true}); err != nil {
					s.h.t.Fatal(err)
				}
			}},
		{key: "GET /api/v1/groups/{group}/task", role: rMember, method: "GET", path: g("/task")},
		{key: "GET /api/v1/meetings/{meeting}/task", role: rFac, method: "GET", path: m("/task")},
		{key: "POST /api/v1/meetings/{meeting}/feedback", role: rMember, method: "POST", path: m("/feedback"), body: val(map[string]any{"score": 4, "comment": "Kierros auttoi."}),
			setup: func(s *docState) {
				f := s.h.f
				for i, p := range []control.Person{f.Members[0], f.Members[2]} {
					if err := f.Svc.SubmitFeedback(f.Ctx, f.As(p), f.Meeting.ID, 3+2*i, ""); err != nil {
						s.h.t.Fatal(err)
					}
				}
			}},
		{key: "GET /api/v1/meetings/{meeting}/feedback", role: rFac, method: "GET", path: m("/feedback")},
		{key: "GET /api/v1/groups/{group}/feedback", role: rFac, method: "GET", path: g("/feedback")},
		{key: "GET /api/v1/people/{person}/data", role: rMember, method: "GET", path: func(s *docState) string { return "/api/v1/people/" + s.h.f.Members[1].ID + "/data" }},
		{key: "GET /api/v1/people/{person}/recordings", role: rMember, method: "GET", path: func(s *docState) string { return "/api/v1/people/" + s.h.f.Members[1].ID + "/recordings" }},
		{key: "DELETE /api/v1/people/{person}/speech", role: rMember, method: "DELETE", path: func(s *docState) string { return "/api/v1/people/" + s.h.f.Members[1].ID + "/speech" }},
		{key: "GET /api/v1/groups/{group}/report", role: rFac, method: "GET", path: g("/report")},
		{key: "GET /api/v1/groups/{group}/report.csv", role: rFac, method: "GET", path: g("/report.csv?table=people&sep=semicolon")},
		{key: "GET /api/v1/report", role: rAdmin, method: "GET", path: fixed("/api/v1/report")},
		{key: "GET /api/v1/report.csv", role: rAdmin, method: "GET", path: fixed("/api/v1/report.csv")},
		{key: "POST /api/v1/groups/{group}/handover", role: rOtherFac, method: "POST", status: 204,
			path: func(s *docState) string { return "/api/v1/groups/" + s.h.f.Other.ID + "/handover" },
			body: func(s *docState) any { return map[string]any{"to": s.h.f.OtherMember.ID, "leave": false} }},
		{key: "GET /api/v1/templates", role: rFac, method: "GET", path: fixed("/api/v1/templates")},
		{key: "PUT /api/v1/templates/{template}", role: rAdmin, method: "PUT", path: fixed("/api/v1/templates/work-coaching"), body: val(map[string]any{
			"name": map[string]string{"fi": "Työnohjaus", "en": "Work coaching"}, "minMembers": 3, "maxMembers": 8, "meetings": 6,
			"cadence": map[string]int{"months": 0, "days": 21}, "meetingMinutes": 90,
			"agreement": map[string]string{"fi": "Mitä täällä puhutaan, jää tänne.", "en": "What is said here stays here."},
			"phases": []map[string]any{
				{"name": map[string]string{"fi": "Kuulumiset", "en": "Check-in"}, "timeboxMinutes": 2, "round": true},
				{"name": map[string]string{"fi": "Tapaus", "en": "Case"}, "timeboxMinutes": 60},
			}})},
		{key: "DELETE /api/v1/templates/{template}", role: rAdmin, method: "DELETE", path: fixed("/api/v1/templates/work-coaching"), status: 204},
		{key: "GET /cal/{token}/{file}", method: "GET", path: func(s *docState) string { return "/cal/" + s.h.token(rMember) + "/" + s.h.f.Meeting.ID + ".ics" }},
		{key: "GET /cal/{file}", method: "GET", path: func(s *docState) string { return "/cal/" + s.h.token(rMember) + ".ics" }},
		{key: "POST /api/v1/admin/token", role: rAdmin, method: "POST", path: fixed("/api/v1/admin/token")},
		{key: "error", role: rMember, method: "PATCH", status: 400, path: g(""), body: val(map[string]any{"maxMembers": "eleven"})},
	}
}

// docLive is the fixture's meeting's live state, for bodies made from it.
func docLive(s *docState) control.LiveState {
	st, err := s.h.f.Svc.LiveState(s.h.f.Ctx, s.h.f.Admin(), s.h.f.Meeting.ID)
	if err != nil {
		s.h.t.Fatal(err)
	}
	return st
}

// docExamples runs the scenario and renders each example.
func docExamples(t *testing.T) map[string]string {
	h := newHarness(t, openMem)
	s := &docState{h: h, vals: map[string]string{}}
	out := map[string]string{}
	for _, st := range docSteps() {
		if st.setup != nil {
			st.setup(s)
		}
		r := req{method: st.method, path: st.path(s), token: h.token(st.role)}
		if st.role == "" {
			r.token = ""
		}
		var body []byte
		if st.body != nil {
			var err error
			if body, err = json.MarshalIndent(st.body(s), "", "  "); err != nil {
				t.Fatal(err)
			}
			r.body = body
		}
		w := h.do(r)
		want := st.status
		if want == 0 {
			want = 200
		}
		if w.Code != want {
			t.Fatalf("%s: status %d, want %d: %s", st.key, w.Code, want, w.Body)
		}
		if st.after != nil {
			st.after(s, w.Body.Bytes())
		}
		var b strings.Builder
		b.WriteString("```http\n" + r.method + " " + r.path + "\n")
		if r.token != "" {
			b.WriteString("Authorization: Bearer " + r.token + "\n")
		}
		if body != nil {
			b.WriteString("Content-Type: application/json\n\n" + string(body) + "\n")
		}
		b.WriteString("```\n\n")
		ct := w.Header().Get("Content-Type")
		fmt.Fprintf(&b, "`%d`", w.Code)
		if ct != "" {
			fmt.Fprintf(&b, " `%s`", ct)
		}
		if cd := w.Header().Get("Content-Disposition"); cd != "" {
			fmt.Fprintf(&b, " `Content-Disposition: %s`", cd)
		}
		b.WriteString("\n")
		switch {
		case strings.HasPrefix(ct, "application/json"):
			into := reflect.TypeFor[errorBody]()
			if w.Code < 400 {
				pattern, _, _ := strings.Cut(st.key, "#")
				into = routeByPattern(t, h.api, pattern).resp
			}
			v := reflect.New(into)
			dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v.Interface()); err != nil {
				t.Fatalf("%s: %v", st.key, err)
			}
			shorten(v.Elem())
			pretty, err := marshalDoc(v.Interface())
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString("\n```json\n" + pretty + "\n```\n")
		case ct != "":
			text := strings.ReplaceAll(strings.TrimPrefix(w.Body.String(), "\uFEFF"), "\r\n", "\n")
			lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
			if len(lines) > 40 {
				lines = append(lines[:40], "...")
			}
			b.WriteString("\n```text\n" + strings.Join(lines, "\n") + "\n```\n")
		}
		out[st.key] = b.String()
	}
	return out
}

func marshalDoc(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return strings.TrimRight(buf.String(), "\n"), err
}

// shorten keeps the first two elements of long lists, so examples stay
// readable; docs/api.md says so.
func shorten(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			shorten(v.Elem())
		}
	case reflect.Slice:
		if v.Len() > 2 {
			v.Set(v.Slice(0, 2))
		}
		for i := range v.Len() {
			shorten(v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				shorten(v.Field(i))
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			shorten(e)
			v.SetMapIndex(k, e)
		}
	}
}

var exampleBlock = regexp.MustCompile("(?s)<!-- example (.+?) -->\n.*?<!-- /example -->")

// TestAPIDoc keeps docs/api.md honest: every route has a section whose
// heading is its pattern and whose "Who" line is routes.go's; every
// example is exactly what the API answers in the scenario above (go test
// ./api -run TestAPIDoc -update rewrites them); and every example body
// decodes strictly as the route's request and response types.
func TestAPIDoc(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	examples := docExamples(t)
	text := string(doc)
	seen := map[string]bool{}
	text = exampleBlock.ReplaceAllStringFunc(text, func(block string) string {
		key := exampleBlock.FindStringSubmatch(block)[1]
		seen[key] = true
		ex, ok := examples[key]
		if !ok {
			t.Errorf("docs/api.md has an example %q the scenario does not make", key)
			return block
		}
		return "<!-- example " + key + " -->\n" + ex + "<!-- /example -->"
	})
	for key := range examples {
		if !seen[key] {
			t.Errorf("docs/api.md lacks <!-- example %s -->", key)
		}
	}
	if *updateDocs {
		if err := os.WriteFile(docPath, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if text != string(doc) {
		t.Errorf("docs/api.md's examples differ from what the API answers; run: go test ./api -run TestAPIDoc -update")
	}

	h := newHarness(t, openMem)
	for _, rt := range h.api.routes() {
		heading := "### `" + rt.pattern + "`"
		i := strings.Index(text, heading+"\n")
		if i < 0 {
			t.Errorf("docs/api.md has no section %s", heading)
			continue
		}
		section := text[i+len(heading):]
		if j := strings.Index(section, "\n### "); j >= 0 {
			section = section[:j]
		}
		if !strings.Contains(section, "Who: "+rt.who+".") {
			t.Errorf("%s: the section does not say \"Who: %s.\"", rt.pattern, rt.who)
		}
		checkSectionTypes(t, rt, section)
	}
	headings := regexp.MustCompile("(?m)^### `(.+)`$").FindAllStringSubmatch(text, -1)
	var patterns []string
	for _, rt := range h.api.routes() {
		patterns = append(patterns, rt.pattern)
	}
	for _, hd := range headings {
		if !slices.Contains(patterns, hd[1]) {
			t.Errorf("docs/api.md documents %s, which is no route", hd[1])
		}
	}
}

// checkSectionTypes decodes a section's request bodies as the route's
// request type and its JSON answers as its response type, strictly.
func checkSectionTypes(t *testing.T, rt route, section string) {
	t.Helper()
	for _, m := range regexp.MustCompile("(?s)```http\n.*?\nContent-Type: application/json\n\n(.*?)\n```").FindAllStringSubmatch(section, -1) {
		if rt.req == nil {
			t.Errorf("%s: example request has a body, but the route takes none", rt.pattern)
			continue
		}
		if err := decodeJSON("application/json", []byte(m[1]), reflect.New(rt.req).Interface(), false); err != nil {
			t.Errorf("%s: example request does not decode as %v: %v", rt.pattern, rt.req, err)
		}
	}
	for _, m := range regexp.MustCompile("(?s)`(\\d{3})` `application/json[^`]*`\n\n```json\n(.*?)\n```").FindAllStringSubmatch(section, -1) {
		into := reflect.TypeFor[errorBody]()
		if m[1] < "400" {
			into = rt.resp
		}
		if into == nil {
			t.Errorf("%s: a JSON answer for a route that answers 204", rt.pattern)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(m[2]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(reflect.New(into).Interface()); err != nil {
			t.Errorf("%s: example answer does not decode as %v: %v", rt.pattern, into, err)
		}
	}
}
