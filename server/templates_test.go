package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"piiri/config"
	"piiri/control"
	"piiri/server"
	"piiri/server/servertest"
)

// templatesYAML overrides the shipped peer-group (6 meetings of 120
// minutes instead of 8 of 90) and adds a template of its own.
const templatesYAML = `# This municipality's models.
x-theme: &theme
  name: {fi: Päivän teema, sv: Dagens tema, en: Theme of the day}
  timebox: 60m

templates:
  - id: peer-group
    name: {fi: Vertaisryhmä, sv: Kamratgrupp, en: Peer group}
    minMembers: 3
    maxMembers: 9
    meetings: 6
    cadence: {months: 1}
    duration: 120m
    agreement: {fi: Luottamus., sv: Förtroende., en: Confidence.}
    phases: [*theme]
  - id: work-coaching
    name: {fi: Työnohjaus, sv: Arbetshandledning, en: Work coaching}
    minMembers: 2
    maxMembers: 5
    meetings: 4
    cadence: {days: 21}
    duration: 60m
    agreement: {fi: Luottamus., sv: Förtroende., en: Confidence.}
    phases:
      - name: {fi: Kuulumiset, sv: Läget, en: Check-in}
        timebox: 10m
      - *theme
`

// TestTemplatesFile: meetings.templates_file overrides a shipped template
// and adds one; GET /api/v1/templates lists them, and groups created from
// them through the API carry their settings.
func TestTemplatesFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "templates.yaml")
	if err := os.WriteFile(file, []byte(templatesYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := servertest.Start(t, func(c *config.Config) { c.Meetings.TemplatesFile = file })
	_, token, _ := strings.Cut(srv.AdminLink(), "#")
	call := func(method, path string, body any, wantCode int, out any) {
		t.Helper()
		var rd bytes.Buffer
		if body != nil {
			if err := json.NewEncoder(&rd).Encode(body); err != nil {
				t.Fatal(err)
			}
		}
		req, err := http.NewRequest(method, srv.BaseURL()+path, &rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var raw json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if resp.StatusCode != wantCode {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, wantCode)
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatal(err)
			}
		}
	}

	var templates []struct {
		ID         string `json:"id"`
		Meetings   int    `json:"meetings"`
		Shipped    bool   `json:"shipped"`
		Overridden bool   `json:"overridden"`
	}
	call("GET", "/api/v1/templates", nil, http.StatusOK, &templates)
	byID := map[string]int{}
	for i, tm := range templates {
		byID[tm.ID] = i
	}
	if i, ok := byID["peer-group"]; !ok || templates[i].Meetings != 6 || !templates[i].Overridden {
		t.Errorf("peer-group from the file: %+v", templates)
	}
	if i, ok := byID["work-coaching"]; !ok || templates[i].Meetings != 4 || templates[i].Shipped {
		t.Errorf("work-coaching from the file: %+v", templates)
	}
	if _, ok := byID["pair-mentoring"]; !ok {
		t.Errorf("the shipped templates the file does not name are gone: %+v", templates)
	}

	type group struct {
		TemplateID      string `json:"templateId"`
		MinMembers      int    `json:"minMembers"`
		MaxMembers      int    `json:"maxMembers"`
		PlannedMeetings int    `json:"plannedMeetings"`
		MeetingMinutes  int    `json:"meetingMinutes"`
		Phases          []struct {
			TimeboxMinutes int `json:"timeboxMinutes"`
		} `json:"phases"`
	}
	var g group
	call("POST", "/api/v1/groups", map[string]any{"name": "Tiistairyhmä"}, http.StatusCreated, &g) // peer-group by default
	if g.TemplateID != "peer-group" || g.PlannedMeetings != 6 || g.MeetingMinutes != 120 || g.MinMembers != 3 || g.MaxMembers != 9 || len(g.Phases) != 1 || g.Phases[0].TimeboxMinutes != 60 {
		t.Errorf("a group from the overridden peer-group: %+v", g)
	}
	call("POST", "/api/v1/groups", map[string]any{"name": "Työnohjaus", "templateId": "work-coaching"}, http.StatusCreated, &g)
	if g.TemplateID != "work-coaching" || g.PlannedMeetings != 4 || g.MeetingMinutes != 60 || len(g.Phases) != 2 {
		t.Errorf("a group from the added work-coaching: %+v", g)
	}
}

// TestBadTemplatesFile: a templates file the server cannot use stops it
// at start with an error that names the setting, the file and the
// problem, down to the template and the field.
func TestBadTemplatesFile(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"a meeting too short", strings.Replace(templatesYAML, "duration: 60m", "duration: 1m", 1), []string{"templates[1] (work-coaching)", "duration", "10m0s"}},
		{"an unknown field", strings.Replace(templatesYAML, "meetings: 4", "meetinks: 4", 1), []string{"meetinks"}},
		{"an unknown top-level key", "template:\n  - id: x\n", []string{"template", "unknown key"}},
		{"one id twice", strings.Replace(templatesYAML, "id: work-coaching", "id: peer-group", 1), []string{"templates[1]", "peer-group", "twice"}},
		{"not YAML", "templates: [\n", []string{"yaml"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "templates.yaml")
			if err := os.WriteFile(file, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := servertest.Config()
			cfg.Data.Dir = filepath.Join(t.TempDir(), "data")
			cfg.Meetings.TemplatesFile = file
			srv, err := server.New(cfg, servertest.Logger())
			if err == nil {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				_ = srv.Run(ctx) // stops at once, freeing its ports
				t.Fatal("the server started")
			}
			if strings.Contains(c.name, "too short") && !errors.Is(err, control.ErrInvalid) {
				t.Errorf("the error %v is not control.ErrInvalid", err)
			}
			for _, w := range append([]string{"meetings.templates_file", file}, c.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error %q does not say %q", err, w)
				}
			}
		})
	}
}
