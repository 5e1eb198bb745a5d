package api

import (
	"piiri/control"
)

// Template is a mentoring model groups are created from.
type Template struct {
	ID                string            `json:"id"`
	Name              map[string]string `json:"name"`
	Description       map[string]string `json:"description,omitempty"`
	MinMembers        int               `json:"minMembers"`
	MaxMembers        int               `json:"maxMembers"`
	Quorum            int               `json:"quorum"`
	CountFacilitators bool              `json:"countFacilitators"`
	Meetings          int               `json:"meetings"`
	Cadence           Cadence           `json:"cadence"`
	MeetingMinutes    Minutes           `json:"meetingMinutes"`
	MinHeldMinutes    Minutes           `json:"minHeldMinutes"`
	Agreement         map[string]string `json:"agreement,omitempty"`
	Phases            []Phase           `json:"phases"`
	// Shipped: one of the templates that come with piiri; Overridden: a
	// stored or configured one replaces it.
	Shipped    bool `json:"shipped"`
	Overridden bool `json:"overridden"`
}

// TemplateRequest stores a template under the ID in the URL, adding one
// or overriding a shipped one.
type TemplateRequest struct {
	Name              map[string]string `json:"name"`
	Description       map[string]string `json:"description"`
	MinMembers        int               `json:"minMembers"`
	MaxMembers        int               `json:"maxMembers"`
	Quorum            int               `json:"quorum"`
	CountFacilitators bool              `json:"countFacilitators"`
	Meetings          int               `json:"meetings"`
	Cadence           Cadence           `json:"cadence"`
	MeetingMinutes    Minutes           `json:"meetingMinutes"`
	MinHeldMinutes    Minutes           `json:"minHeldMinutes"`
	Agreement         map[string]string `json:"agreement"`
	Phases            []Phase           `json:"phases"`
}

func templateOut(t control.TemplateInfo) Template {
	return Template{
		ID: t.ID, Name: textOut(t.Name), Description: textOut(t.Description),
		MinMembers: t.MinMembers, MaxMembers: t.MaxMembers, Quorum: t.Quorum, CountFacilitators: t.CountFacilitators,
		Meetings: t.Meetings, Cadence: Cadence(t.Cadence),
		MeetingMinutes: minutes(t.Duration), MinHeldMinutes: minutes(t.MinHeld),
		Agreement: textOut(t.Agreement), Phases: phasesOut(t.Phases),
		Shipped: t.Shipped, Overridden: t.Overridden,
	}
}

func (a *API) templates(c *call) ([]Template, error) {
	ts, err := a.svc.Templates(c.ctx, c.p)
	out := make([]Template, 0, len(ts))
	for _, t := range ts {
		out = append(out, templateOut(t))
	}
	return out, err
}

func (a *API) putTemplate(c *call, in *TemplateRequest) (Template, error) {
	id := c.pathValue("template")
	d, err := in.MeetingMinutes.duration("meetingMinutes")
	if err != nil {
		return Template{}, err
	}
	minHeld, err := in.MinHeldMinutes.duration("minHeldMinutes")
	if err != nil {
		return Template{}, err
	}
	phases, err := phasesIn(in.Phases)
	if err != nil {
		return Template{}, err
	}
	t := control.Template{
		ID: id, Name: textIn(in.Name), Description: textIn(in.Description),
		MinMembers: in.MinMembers, MaxMembers: in.MaxMembers, Quorum: in.Quorum, CountFacilitators: in.CountFacilitators,
		Meetings: in.Meetings, Cadence: control.Cadence(in.Cadence), Duration: d, MinHeld: minHeld,
		Agreement: textIn(in.Agreement), Phases: phases,
	}
	if err := a.svc.PutTemplate(c.ctx, c.p, t); err != nil {
		return Template{}, renamed(err, templateFields)
	}
	all, err := a.svc.Templates(c.ctx, c.p)
	if err != nil {
		return Template{}, err
	}
	for _, ti := range all {
		if ti.ID == id {
			return templateOut(ti), nil
		}
	}
	return Template{}, errInternal
}

func (a *API) deleteTemplate(c *call) (noContent, error) {
	return noContent{}, a.svc.DeleteTemplate(c.ctx, c.p, c.pathValue("template"))
}
