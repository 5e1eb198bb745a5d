package api

import (
	"cmp"
	"time"

	"piiri/control"
)

// The response types: what the API sends. They are built from control's
// types by the functions below and never carry a time.Duration.

// Group is a group and its settings.
type Group struct {
	ID                string  `json:"id"`
	Name              string  `json:"name"`
	Description       string  `json:"description,omitempty"`
	Language          string  `json:"language"`
	Organisation      string  `json:"organisation,omitempty"`
	TemplateID        string  `json:"templateId,omitempty"`
	TimeZone          string  `json:"timeZone"`
	MinMembers        int     `json:"minMembers"`
	MaxMembers        int     `json:"maxMembers"`
	Quorum            int     `json:"quorum"` // the setting; 0: half the counted people, at least 2
	CountFacilitators bool    `json:"countFacilitators"`
	PlannedMeetings   int     `json:"plannedMeetings"`
	Cadence           Cadence `json:"cadence"`
	MeetingMinutes    Minutes `json:"meetingMinutes"`
	MinHeldMinutes    Minutes `json:"minHeldMinutes"` // 0: the server's default
	Phases            []Phase `json:"phases"`
	RoundOrder        string  `json:"roundOrder"` // shuffled or alphabetical
	// LiveBalance: the speaking statistics are shown while a meeting
	// runs (to those who may study it), not only after it.
	LiveBalance bool      `json:"liveBalance"`
	Agreement   Agreement `json:"agreement"`
	// ConsentMode is the recording rule: strict (everyone present
	// consents) or per_person (only who consents is written).
	ConsentMode string    `json:"consentMode"`
	Consent     Agreement `json:"consent"` // the consent text, versioned
	Themes      []Theme   `json:"themes"`
	Created     string    `json:"created"`
	Updated     string    `json:"updated"`
}

// Cadence is the interval between planned meetings.
type Cadence struct {
	Months int `json:"months"`
	Days   int `json:"days"`
}

// Phase is one step of a meeting's structure.
type Phase struct {
	Name           map[string]string `json:"name"`
	TimeboxMinutes Minutes           `json:"timeboxMinutes"`
	Description    map[string]string `json:"description,omitempty"`
	Round          bool              `json:"round,omitempty"`
	// Kind is review (the task review) or closing (where the next task
	// is set), or absent.
	Kind string `json:"kind,omitempty"`
}

// Agreement is the group's ground rules.
type Agreement struct {
	Text    string `json:"text"`
	Version int    `json:"version"`
	Changed string `json:"changed"`
}

// Theme is a proposed theme.
type Theme struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	By        string `json:"by"`
	Proposed  string `json:"proposed"`
	ChosenFor string `json:"chosenFor,omitempty"`
}

// Person is someone in a group.
type Person struct {
	ID           string `json:"id"`
	GroupID      string `json:"groupId"`
	Name         string `json:"name"`
	Organisation string `json:"organisation,omitempty"`
	Email        string `json:"email,omitempty"` // to facilitators, admins and the person
	Language     string `json:"language"`
	Role         string `json:"role"`
	// AgreementAccepted: accepted the group's current agreement.
	AgreementAccepted bool   `json:"agreementAccepted"`
	Added             string `json:"added"`
	// Research: may study the group's meetings (recordings, turn index).
	Research bool `json:"research"`
}

// Link is a personal link.
type Link struct {
	PersonID    string `json:"personId"`
	Token       string `json:"token"`
	URL         string `json:"url"`         // BaseURL/g/TOKEN
	CalendarURL string `json:"calendarUrl"` // BaseURL/cal/TOKEN.ics
	Issued      string `json:"issued"`
}

// Progress is "meeting Held of Planned held".
type Progress struct {
	Planned   int `json:"planned"`
	Scheduled int `json:"scheduled"`
	Ended     int `json:"ended"`
	Held      int `json:"held"`
	Cancelled int `json:"cancelled"`
}

func groupOut(g control.Group) Group {
	loc := zoneOf(g.TimeZone)
	ct := g.ConsentText()
	out := Group{
		ID: g.ID, Name: g.Name, Description: g.Description, Language: string(g.Language),
		Organisation: g.Organisation, TemplateID: g.TemplateID, TimeZone: g.TimeZone,
		MinMembers: g.MinMembers, MaxMembers: g.MaxMembers, Quorum: g.Quorum, CountFacilitators: g.CountFacilitators,
		PlannedMeetings: g.PlannedMeetings, Cadence: Cadence(g.Cadence),
		MeetingMinutes: minutes(g.MeetingDuration), MinHeldMinutes: minutes(g.MinHeld),
		Phases: phasesOut(g.Phases), RoundOrder: string(cmp.Or(g.RoundOrder, control.RoundShuffled)), LiveBalance: g.LiveBalance,
		Agreement:   Agreement{Text: g.Agreement.Text, Version: g.Agreement.Version, Changed: ts(g.Agreement.Changed, loc)},
		ConsentMode: string(g.ConsentMode.OrDefault()),
		Consent:     Agreement{Text: ct.Text, Version: ct.Version, Changed: ts(ct.Changed, loc)},
		Themes:      []Theme{},
		Created:     ts(g.Created, loc), Updated: ts(g.Updated, loc),
	}
	for _, t := range g.Themes {
		out.Themes = append(out.Themes, Theme{ID: t.ID, Text: t.Text, By: t.By, Proposed: ts(t.Proposed, loc), ChosenFor: t.ChosenFor})
	}
	return out
}

func phasesOut(ps []control.Phase) []Phase {
	out := make([]Phase, 0, len(ps))
	for _, p := range ps {
		out = append(out, Phase{Name: textOut(p.Name), TimeboxMinutes: minutes(p.Timebox), Description: textOut(p.Description), Round: p.Round, Kind: string(p.Kind)})
	}
	return out
}

func textOut(t control.LocalText) map[string]string {
	if len(t) == 0 {
		return nil
	}
	out := make(map[string]string, len(t))
	for l, s := range t {
		out[string(l)] = s
	}
	return out
}

func textIn(t map[string]string) control.LocalText {
	if t == nil {
		return nil
	}
	out := make(control.LocalText, len(t))
	for l, s := range t {
		out[control.Language(l)] = s
	}
	return out
}

// personOut renders a person; version is the group's current agreement
// version, loc its zone.
func personOut(p control.Person, version int, loc *time.Location) Person {
	return Person{
		ID: p.ID, GroupID: p.GroupID, Name: p.Name, Organisation: p.Organisation, Email: p.Email,
		Language: string(p.Language), Role: string(p.Role), AgreementAccepted: p.HasAccepted(version),
		Added: ts(p.Added, loc), Research: p.Research,
	}
}

func (a *API) linkOut(l control.Link, loc *time.Location) *Link {
	if l.Token == "" {
		return nil
	}
	return &Link{PersonID: l.PersonID, Token: l.Token, URL: a.roomURL(l.Token), CalendarURL: a.feedURL(l.Token), Issued: ts(l.Issued, loc)}
}

func progressOut(p control.Progress) Progress { return Progress(p) }
