package api

import (
	"piiri/control"
)

// CreateGroupRequest creates a group from a template; settings not here
// come from the template and are changed with PATCH.
type CreateGroupRequest struct {
	TemplateID   string `json:"templateId"` // default peer-group
	Name         string `json:"name"`
	Description  string `json:"description"`
	Language     string `json:"language"` // fi (default), sv, en
	Organisation string `json:"organisation"`
	TimeZone     string `json:"timeZone"` // default the server's
	Agreement    string `json:"agreement"`
}

func (r *CreateGroupRequest) validate() error {
	if r.Name == "" {
		return invalid("name", "is required")
	}
	return nil
}

// GroupPatch changes a group's settings; absent fields stay.
type GroupPatch struct {
	Name              *string  `json:"name"`
	Description       *string  `json:"description"`
	Language          *string  `json:"language"`
	Organisation      *string  `json:"organisation"`
	TimeZone          *string  `json:"timeZone"`
	MinMembers        *int     `json:"minMembers"`
	MaxMembers        *int     `json:"maxMembers"`
	Quorum            *int     `json:"quorum"`
	CountFacilitators *bool    `json:"countFacilitators"`
	PlannedMeetings   *int     `json:"plannedMeetings"`
	Cadence           *Cadence `json:"cadence"`
	MeetingMinutes    *Minutes `json:"meetingMinutes"`
	MinHeldMinutes    *Minutes `json:"minHeldMinutes"`
	Phases            *[]Phase `json:"phases"`
	RoundOrder        *string  `json:"roundOrder"`  // shuffled or alphabetical
	LiveBalance       *bool    `json:"liveBalance"` // speaking statistics during meetings
	ConsentMode       *string  `json:"consentMode"` // strict or per_person
	// ConsentText replaces the consent text; a change is a new version,
	// and people are asked again.
	ConsentText *string `json:"consentText"`
}

// AgreementRequest sets the agreement's text (a new version if it
// changed).
type AgreementRequest struct {
	Text string `json:"text"`
}

// HandOverRequest gives the acting facilitator's role to a member, who
// becomes a facilitator; the giver becomes a member, or leaves.
type HandOverRequest struct {
	To    string `json:"to"`
	Leave bool   `json:"leave"`
}

func (r *HandOverRequest) validate() error {
	if r.To == "" {
		return invalid("to", "is required: the member to hand over to")
	}
	return nil
}

// ThemeRequest proposes a theme.
type ThemeRequest struct {
	Text string `json:"text"`
}

// GroupSummary is one group in a list, with its count.
type GroupSummary struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Organisation string   `json:"organisation,omitempty"`
	TemplateID   string   `json:"templateId,omitempty"`
	Members      int      `json:"members"`
	Progress     Progress `json:"progress"`
}

// GroupPage is everything a group page shows, in one response: the group,
// the viewer, the people (with their links, for those who manage), the
// programme with its count, and the next meeting with its RSVPs and
// quorum forecast.
type GroupPage struct {
	Group        Group        `json:"group"`
	You          You          `json:"you"`
	People       []PagePerson `json:"people"`
	Quorum       int          `json:"quorum"`  // effective
	Counted      int          `json:"counted"` // people quorum is counted from
	Members      int          `json:"members"`
	BelowMinimum bool         `json:"belowMinimum"`
	Progress     Progress     `json:"progress"`
	Meetings     []Meeting    `json:"meetings"`
	Next         *Meeting     `json:"next"`
}

// You is the viewer of a page.
type You struct {
	Role     string `json:"role"` // admin, facilitator, member, observer
	PersonID string `json:"personId,omitempty"`
	Manage   bool   `json:"manage"`
}

// PagePerson is a person on a group page; Link only for those who manage
// (absent when revoked).
type PagePerson struct {
	Person
	Link *Link `json:"link,omitempty"`
}

func (a *API) listGroups(c *call) ([]GroupSummary, error) {
	out := []GroupSummary{}
	if c.p.IsAdmin() {
		sums, err := a.svc.Overview(c.ctx, c.p)
		if err != nil {
			return nil, err
		}
		for _, s := range sums {
			out = append(out, summaryOut(s))
		}
		return out, nil
	}
	groups, err := a.svc.Groups(c.ctx, c.p)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		gv, err := a.svc.Group(c.ctx, c.p, g.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, GroupSummary{ID: g.ID, Name: g.Name, Organisation: g.Organisation, TemplateID: g.TemplateID, Members: gv.Members, Progress: progressOut(gv.Progress)})
	}
	return out, nil
}

func summaryOut(s control.GroupSummary) GroupSummary {
	return GroupSummary{ID: s.GroupID, Name: s.Name, Organisation: s.Organisation, TemplateID: s.TemplateID, Members: s.Members, Progress: progressOut(s.Progress)}
}

func (a *API) createGroup(c *call, in *CreateGroupRequest) (Group, error) {
	g, err := a.svc.CreateGroup(c.ctx, c.p, control.GroupInput{
		TemplateID: in.TemplateID, Name: in.Name, Description: in.Description, Language: control.Language(in.Language),
		Organisation: in.Organisation, TimeZone: in.TimeZone, Agreement: in.Agreement,
	})
	return groupOut(g), err
}

func (a *API) groupPage(c *call) (GroupPage, error) {
	gid := c.pathValue("group")
	gv, err := a.svc.Group(c.ctx, c.p, gid)
	if err != nil {
		return GroupPage{}, err
	}
	pv, err := a.svc.Programme(c.ctx, c.p, gid)
	if err != nil {
		return GroupPage{}, err
	}
	you := You{Role: string(gv.YourRole), PersonID: gv.YourID, Manage: c.p.IsAdmin() || gv.YourRole == control.RoleFacilitator}
	if c.p.IsAdmin() {
		you.Role = "admin"
	}
	links := map[string]control.Link{}
	if you.Manage {
		pls, err := a.svc.Links(c.ctx, c.p, gid)
		if err != nil {
			return GroupPage{}, err
		}
		for _, pl := range pls {
			links[pl.Person.ID] = pl.Link
		}
	}
	g := gv.Group
	loc := zoneOf(g.TimeZone)
	prog := programmeOut(pv)
	page := GroupPage{
		Group: groupOut(g), You: you, People: make([]PagePerson, 0, len(gv.People)),
		Quorum: gv.Quorum, Counted: gv.Counted, Members: gv.Members, BelowMinimum: gv.BelowMinimum,
		Progress: prog.Progress, Meetings: prog.Meetings, Next: prog.Next,
	}
	for _, p := range gv.People {
		page.People = append(page.People, PagePerson{Person: personOut(p, g.Agreement.Version, loc), Link: a.linkOut(links[p.ID], loc)})
	}
	return page, nil
}

func (a *API) updateGroup(c *call, in *GroupPatch) (Group, error) {
	patch := control.GroupPatch{
		Name: in.Name, Description: in.Description, Organisation: in.Organisation, TimeZone: in.TimeZone,
		MinMembers: in.MinMembers, MaxMembers: in.MaxMembers, Quorum: in.Quorum, CountFacilitators: in.CountFacilitators,
		PlannedMeetings: in.PlannedMeetings,
	}
	if in.Language != nil {
		l := control.Language(*in.Language)
		patch.Language = &l
	}
	if in.Cadence != nil {
		cd := control.Cadence(*in.Cadence)
		patch.Cadence = &cd
	}
	if in.RoundOrder != nil {
		o := control.RoundOrder(*in.RoundOrder)
		patch.RoundOrder = &o
	}
	if in.ConsentMode != nil {
		m := control.ConsentMode(*in.ConsentMode)
		patch.ConsentMode = &m
	}
	patch.ConsentText = in.ConsentText
	patch.LiveBalance = in.LiveBalance
	var err error
	if patch.MeetingDuration, err = optMinutes("meetingMinutes", in.MeetingMinutes); err != nil {
		return Group{}, err
	}
	if patch.MinHeld, err = optMinutes("minHeldMinutes", in.MinHeldMinutes); err != nil {
		return Group{}, err
	}
	if in.Phases != nil {
		ps, err := phasesIn(*in.Phases)
		if err != nil {
			return Group{}, err
		}
		patch.Phases = &ps
	}
	g, err := a.svc.UpdateGroup(c.ctx, c.p, c.pathValue("group"), patch)
	return groupOut(g), renamed(err, groupFields)
}

func phasesIn(ps []Phase) ([]control.Phase, error) {
	out := make([]control.Phase, 0, len(ps))
	for i, p := range ps {
		d, err := p.TimeboxMinutes.duration(fieldAt("phases", i, "timeboxMinutes"))
		if err != nil {
			return nil, err
		}
		out = append(out, control.Phase{Name: textIn(p.Name), Timebox: d, Description: textIn(p.Description), Round: p.Round, Kind: control.PhaseKind(p.Kind)})
	}
	return out, nil
}

func (a *API) setAgreement(c *call, in *AgreementRequest) (Group, error) {
	g, err := a.svc.SetAgreement(c.ctx, c.p, c.pathValue("group"), in.Text)
	return groupOut(g), err
}

func (a *API) handOverGroup(c *call, in *HandOverRequest) (noContent, error) {
	return noContent{}, a.svc.HandOverGroup(c.ctx, c.p, c.pathValue("group"), in.To, in.Leave)
}

func (a *API) proposeTheme(c *call, in *ThemeRequest) (Theme, error) {
	gid := c.pathValue("group")
	tp, err := a.svc.ProposeTheme(c.ctx, c.p, gid, in.Text)
	if err != nil {
		return Theme{}, err
	}
	gv, err := a.svc.Group(c.ctx, c.p, gid)
	if err != nil {
		return Theme{}, err
	}
	return Theme{ID: tp.ID, Text: tp.Text, By: tp.By, Proposed: ts(tp.Proposed, zoneOf(gv.Group.TimeZone))}, nil
}
