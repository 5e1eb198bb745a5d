package api

import (
	"slices"
	"strings"
	"time"

	"piiri/control"
)

// Report is a group's report: the programme's count, each meeting, and
// attendance per person and per organisation (over ended meetings).
type Report struct {
	GroupID       string               `json:"groupId"`
	GroupName     string               `json:"groupName"`
	Organisation  string               `json:"organisation,omitempty"`
	TimeZone      string               `json:"timeZone"`
	Progress      Progress             `json:"progress"`
	Meetings      []ReportMeeting      `json:"meetings"`
	People        []ReportPerson       `json:"people"`
	Organisations []ReportOrganisation `json:"organisations"`
	Generated     string               `json:"generated"`
}

// ReportMeeting is one meeting in a report.
type ReportMeeting struct {
	MeetingID       string  `json:"meetingId"`
	Number          int     `json:"number"`
	Start           string  `json:"start"`
	TimeZone        string  `json:"timeZone"`
	DurationMinutes Minutes `json:"durationMinutes"`
	Theme           string  `json:"theme,omitempty"`
	State           string  `json:"state"`
	Held            bool    `json:"held"`
	Quorum          int     `json:"quorum"`
	LongestMinutes  Minutes `json:"longestMinutes"` // longest stretch at quorum
	MostTogether    int     `json:"mostTogether"`
	Attendees       int     `json:"attendees"` // counted people who were there
	Others          int     `json:"others"`    // facilitators, observers who were there
}

// ReportPerson is one person's attendance.
type ReportPerson struct {
	PersonID        string  `json:"personId"`
	Name            string  `json:"name"`
	Organisation    string  `json:"organisation,omitempty"`
	Role            string  `json:"role"`
	Active          bool    `json:"active"`
	Attended        int     `json:"attended"`
	AttendedHeld    int     `json:"attendedHeld"`
	PresenceMinutes Minutes `json:"presenceMinutes"`
}

// ReportOrganisation sums one organisation's people ("" for none).
type ReportOrganisation struct {
	Organisation    string  `json:"organisation"`
	People          int     `json:"people"`
	Attended        int     `json:"attended"`
	AttendedHeld    int     `json:"attendedHeld"`
	PresenceMinutes Minutes `json:"presenceMinutes"`
}

// Overview is the admin's report: every group's count, and attendance
// per organisation over all groups.
type Overview struct {
	Groups        []GroupSummary       `json:"groups"`
	Organisations []ReportOrganisation `json:"organisations"`
	Generated     string               `json:"generated"`
}

func (a *API) groupReport(c *call) (Report, error) {
	r, tz, err := a.report(c, c.pathValue("group"))
	if err != nil {
		return Report{}, err
	}
	return reportOut(r, tz), nil
}

// report reads a group's report and its time zone.
func (a *API) report(c *call, gid string) (control.Report, string, error) {
	r, err := a.svc.Report(c.ctx, c.p, gid)
	if err != nil {
		return r, "", err
	}
	gv, err := a.svc.Group(c.ctx, c.p, gid)
	return r, gv.Group.TimeZone, err
}

func reportOut(r control.Report, tz string) Report {
	loc := zoneOf(tz)
	out := Report{
		GroupID: r.GroupID, GroupName: r.GroupName, Organisation: r.Organisation, TimeZone: tz,
		Progress: progressOut(r.Progress), Meetings: []ReportMeeting{}, People: []ReportPerson{},
		Organisations: []ReportOrganisation{}, Generated: ts(r.Generated, loc),
	}
	for _, m := range r.Meetings {
		out.Meetings = append(out.Meetings, ReportMeeting{
			MeetingID: m.MeetingID, Number: m.Number, Start: ts(m.Start, zoneOf(m.TimeZone)), TimeZone: m.TimeZone,
			DurationMinutes: minutes(m.Duration), Theme: m.Theme, State: string(m.State), Held: m.Held,
			Quorum: m.Quorum, LongestMinutes: minutes(m.Longest), MostTogether: m.MostTogether,
			Attendees: m.Attendees, Others: m.Others,
		})
	}
	for _, p := range r.People {
		out.People = append(out.People, ReportPerson{
			PersonID: p.PersonID, Name: p.Name, Organisation: p.Organisation, Role: string(p.Role), Active: p.Active,
			Attended: p.Attended, AttendedHeld: p.AttendedHeld, PresenceMinutes: minutes(p.Presence),
		})
	}
	for _, o := range r.Organisations {
		out.Organisations = append(out.Organisations, orgOut(o))
	}
	return out
}

func orgOut(o control.OrganisationRow) ReportOrganisation {
	return ReportOrganisation{Organisation: o.Organisation, People: o.People, Attended: o.Attended, AttendedHeld: o.AttendedHeld, PresenceMinutes: minutes(o.Presence)}
}

func (a *API) overview(c *call) (Overview, error) {
	sums, err := a.svc.Overview(c.ctx, c.p)
	if err != nil {
		return Overview{}, err
	}
	out := Overview{Groups: []GroupSummary{}, Organisations: []ReportOrganisation{}, Generated: ts(c.now, time.UTC)}
	orgs := map[string]*control.OrganisationRow{}
	for _, s := range sums {
		out.Groups = append(out.Groups, summaryOut(s))
		r, err := a.svc.Report(c.ctx, c.p, s.GroupID)
		if err != nil {
			return Overview{}, err
		}
		for _, o := range r.Organisations {
			sum := orgs[o.Organisation]
			if sum == nil {
				sum = &control.OrganisationRow{Organisation: o.Organisation}
				orgs[o.Organisation] = sum
			}
			sum.People += o.People
			sum.Attended += o.Attended
			sum.AttendedHeld += o.AttendedHeld
			sum.Presence += o.Presence
		}
	}
	for _, o := range orgs {
		out.Organisations = append(out.Organisations, orgOut(*o))
	}
	slices.SortFunc(out.Organisations, func(x, y ReportOrganisation) int { return strings.Compare(x.Organisation, y.Organisation) })
	return out, nil
}
