package controltest

import (
	"testing"
	"time"

	"piiri/control"
)

func testTemplates(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	list, err := f.Svc.Templates(f.Ctx, f.As(f.Members[0]))
	must(t, err)
	byID := map[string]control.TemplateInfo{}
	for _, ti := range list {
		byID[ti.ID] = ti
	}
	type want struct {
		min, max, quorum, meetings int
		cadence                    control.Cadence
		duration                   time.Duration
		phases                     int
		countFac                   bool
	}
	for id, w := range map[string]want{
		"peer-group":            {4, 11, 0, 8, control.Cadence{Months: 1}, 90 * time.Minute, 4, false},
		"pair-mentoring":        {1, 1, 2, 8, control.Cadence{Days: 14}, 60 * time.Minute, 3, true},
		"mentor-orientation":    {3, 16, 0, 5, control.Cadence{Days: 14}, 120 * time.Minute, 3, false},
		"manager-peer-meetings": {3, 20, 3, 6, control.Cadence{Months: 1}, 90 * time.Minute, 3, false},
	} {
		ti, ok := byID[id]
		got := want{ti.MinMembers, ti.MaxMembers, ti.Quorum, ti.Meetings, ti.Cadence, ti.Duration, len(ti.Phases), ti.CountFacilitators}
		if !ok || !ti.Shipped || ti.Overridden || got != w {
			t.Errorf("template %s: %+v (shipped %v), want %+v", id, got, ti.Shipped, w)
		}
		for _, lang := range []control.Language{control.Finnish, control.Swedish, control.English} {
			if ti.Name[lang] == "" || ti.Agreement[lang] == "" {
				t.Errorf("template %s lacks its name or agreement in %s", id, lang)
			}
		}
	}
	peer := byID["peer-group"].Phases
	if !peer[0].Round || peer[0].Timebox != 2*time.Minute || peer[1].Timebox != 45*time.Minute || peer[2].Timebox != 15*time.Minute || !peer[3].Round {
		t.Errorf("peer group phases %+v: want opening round 2 min each, theme 45, task review 15, closing round", peer)
	}

	// A group made from a template copies it, in the group's language.
	g, err := f.Svc.CreateGroup(f.Ctx, f.Admin(), control.GroupInput{TemplateID: "pair-mentoring", Name: "Pari", Language: control.Swedish})
	must(t, err)
	if g.MaxMembers != 1 || g.Quorum != 2 || !g.CountFacilitators || g.Agreement.Text != byID["pair-mentoring"].Agreement[control.Swedish] || g.TimeZone != "Europe/Helsinki" {
		t.Errorf("group from pair mentoring: %+v", g)
	}

	// A stored template overrides a shipped one; deleting it restores.
	custom := byID["peer-group"].Template
	custom.Meetings, custom.MaxMembers = 6, 8
	must(t, f.Svc.PutTemplate(f.Ctx, f.Admin(), custom))
	list, err = f.Svc.Templates(f.Ctx, f.Admin())
	must(t, err)
	for _, ti := range list {
		if ti.ID == "peer-group" && (!ti.Overridden || ti.Meetings != 6) {
			t.Errorf("overridden peer group: %+v", ti)
		}
	}
	g, err = f.Svc.CreateGroup(f.Ctx, f.Admin(), control.GroupInput{Name: "Smaller"})
	must(t, err)
	if g.PlannedMeetings != 6 || g.MaxMembers != 8 || g.TemplateID != "peer-group" {
		t.Errorf("group from the override: %d meetings, max %d", g.PlannedMeetings, g.MaxMembers)
	}
	must(t, f.Svc.DeleteTemplate(f.Ctx, f.Admin(), "peer-group"))
	wantErr(t, "delete a shipped template that is not stored", f.Svc.DeleteTemplate(f.Ctx, f.Admin(), "peer-group"), control.ErrNotFound)
	g, err = f.Svc.CreateGroup(f.Ctx, f.Admin(), control.GroupInput{Name: "Default again"})
	must(t, err)
	if g.PlannedMeetings != 8 {
		t.Errorf("after deleting the override: %d meetings", g.PlannedMeetings)
	}
	// A new one, and bad ones.
	extra := custom
	extra.ID, extra.Name = "study-circle", control.LocalText{control.English: "Study circle"}
	must(t, f.Svc.PutTemplate(f.Ctx, f.Admin(), extra))
	_, err = f.Svc.CreateGroup(f.Ctx, f.Admin(), control.GroupInput{Name: "Circle", TemplateID: "study-circle"})
	must(t, err)
	for _, c := range []struct {
		name  string
		edit  func(*control.Template)
		field string
	}{
		{"bad id", func(t *control.Template) { t.ID = "Bad ID" }, "id"},
		{"no name", func(t *control.Template) { t.Name = nil }, "name"},
		{"max below min", func(t *control.Template) { t.MaxMembers = t.MinMembers - 1 }, "maxMembers"},
		{"too short", func(t *control.Template) { t.Duration = time.Minute }, "duration"},
		{"phase without a timebox", func(t *control.Template) { t.Phases = []control.Phase{{Name: control.LocalText{"en": "x"}}} }, "phases[0].timebox"},
	} {
		bad := custom
		c.edit(&bad)
		wantField(t, c.name, f.Svc.PutTemplate(f.Ctx, f.Admin(), bad), c.field)
	}
	_, err = f.Svc.CreateGroup(f.Ctx, f.Admin(), control.GroupInput{Name: "x", TemplateID: "nosuch"})
	wantField(t, "a group from no template", err, "templateId")

	// Templates from config add and override too.
	cfg := custom
	cfg.ID = "from-config"
	h := NewFixture(t, open, FixtureOptions{Service: control.Options{Templates: []control.Template{cfg}}})
	g, err = h.Svc.CreateGroup(h.Ctx, h.Admin(), control.GroupInput{Name: "Configured", TemplateID: "from-config"})
	must(t, err)
	if g.PlannedMeetings != 6 {
		t.Errorf("group from a configured template: %d meetings", g.PlannedMeetings)
	}
	// The YAML format rejects unknown keys.
	if _, err := control.ParseTemplates([]byte("templates:\n  - id: x\n    nmae: {en: X}\n")); err == nil {
		t.Error("a template with an unknown key parsed")
	}
	if _, err := control.ParseTemplates([]byte("tempaltes: []\n")); err == nil {
		t.Error("an unknown top-level key parsed")
	}
}
