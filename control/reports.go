package control

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Reports for facilitators, coordinators and funders: rows, not files (the
// API renders them as JSON and CSV). Attendance counts only meetings that
// ended; a person "attended" a meeting when they were in its room at all.

// MeetingRow is one meeting in a group report.
type MeetingRow struct {
	MeetingID    string        `json:"meetingId"`
	Number       int           `json:"number"` // 0 for a cancelled meeting
	Start        time.Time     `json:"start"`
	TimeZone     string        `json:"timeZone"`
	Duration     time.Duration `json:"duration"`
	Theme        string        `json:"theme,omitempty"`
	State        MeetingState  `json:"state"`
	Held         bool          `json:"held"`
	Quorum       int           `json:"quorum"`
	Longest      time.Duration `json:"longest"` // longest stretch at quorum
	MostTogether int           `json:"mostTogether"`
	Attendees    int           `json:"attendees"` // counted people who were there
	Others       int           `json:"others"`    // uncounted people who were there (facilitators, observers)
}

// PersonRow is one person's attendance over the group's ended meetings.
type PersonRow struct {
	PersonID     string        `json:"personId"`
	Name         string        `json:"name"`
	Organisation string        `json:"organisation,omitempty"`
	Role         Role          `json:"role"`
	Active       bool          `json:"active"` // still in the group
	Attended     int           `json:"attended"`
	AttendedHeld int           `json:"attendedHeld"` // of which counted as held
	Presence     time.Duration `json:"presence"`
}

// OrganisationRow sums the attendance of one organisation's people (""
// for people without one).
type OrganisationRow struct {
	Organisation string        `json:"organisation"`
	People       int           `json:"people"`
	Attended     int           `json:"attended"` // person-meetings
	AttendedHeld int           `json:"attendedHeld"`
	Presence     time.Duration `json:"presence"`
}

// Report is a group's report.
type Report struct {
	GroupID       string            `json:"groupId"`
	GroupName     string            `json:"groupName"`
	Organisation  string            `json:"organisation,omitempty"`
	Progress      Progress          `json:"progress"`
	Meetings      []MeetingRow      `json:"meetings"`
	People        []PersonRow       `json:"people"`        // by role, then name
	Organisations []OrganisationRow `json:"organisations"` // by name
	Generated     time.Time         `json:"generated"`
}

// GroupSummary is one line of the admin's overview.
type GroupSummary struct {
	GroupID      string   `json:"groupId"`
	Name         string   `json:"name"`
	Organisation string   `json:"organisation,omitempty"`
	TemplateID   string   `json:"templateId,omitempty"`
	Members      int      `json:"members"`
	Progress     Progress `json:"progress"`
}

// Report returns a group's report. Facilitator or admin.
func (s *Service) Report(ctx context.Context, p Principal, groupID string) (Report, error) {
	var r Report
	err := s.view(ctx, func(tx Tx) error {
		g, err := loadFacilitated(tx, p, groupID)
		if err != nil {
			return err
		}
		people, err := tx.People(g.ID)
		if err != nil {
			return err
		}
		pv, err := s.programme(tx, g)
		if err != nil {
			return err
		}
		r = buildReport(g, people, pv, s.now())
		return nil
	})
	return r, err
}

func buildReport(g Group, people []Person, pv ProgrammeView, now time.Time) Report {
	r := Report{GroupID: g.ID, GroupName: g.Name, Organisation: g.Organisation, Progress: pv.Progress, Generated: now}
	rows := map[string]*PersonRow{}
	for _, person := range people {
		rows[person.ID] = &PersonRow{PersonID: person.ID, Name: person.Name, Organisation: person.Organisation, Role: person.Role, Active: person.Active()}
	}
	for _, mv := range pv.Meetings {
		m := mv.Meeting
		row := MeetingRow{
			MeetingID: m.ID, Number: mv.Number, Start: m.Start, TimeZone: m.TimeZone, Duration: m.Duration,
			Theme: m.Theme, State: m.State, Held: m.Held(), Quorum: mv.Count.Quorum,
			Longest: mv.Count.Longest, MostTogether: mv.Count.MostTogether,
		}
		if m.State == StateEnded {
			for id, ivs := range m.Attendance {
				d := presenceOf(ivs, m.Ended)
				pr := rows[id]
				if d <= 0 || pr == nil {
					continue
				}
				if counts(g, pr.Role) {
					row.Attendees++
				} else {
					row.Others++
				}
				pr.Attended++
				pr.Presence += d
				if m.Held() {
					pr.AttendedHeld++
				}
			}
		}
		r.Meetings = append(r.Meetings, row)
	}
	orgs := map[string]*OrganisationRow{}
	for _, person := range visiblePeople(people, actor{admin: true}) {
		r.People = append(r.People, *rows[person.ID])
	}
	for _, person := range people {
		if !person.Active() {
			r.People = append(r.People, *rows[person.ID])
		}
	}
	for _, pr := range r.People {
		o := orgs[pr.Organisation]
		if o == nil {
			o = &OrganisationRow{Organisation: pr.Organisation}
			orgs[pr.Organisation] = o
		}
		o.People++
		o.Attended += pr.Attended
		o.AttendedHeld += pr.AttendedHeld
		o.Presence += pr.Presence
	}
	for _, o := range orgs {
		r.Organisations = append(r.Organisations, *o)
	}
	slices.SortFunc(r.Organisations, func(a, b OrganisationRow) int { return strings.Compare(a.Organisation, b.Organisation) })
	return r
}

// Overview lists every group with its count: meetings held per group.
// Admin only.
func (s *Service) Overview(ctx context.Context, p Principal) ([]GroupSummary, error) {
	if err := requireAdmin(p); err != nil {
		return nil, err
	}
	var out []GroupSummary
	err := s.view(ctx, func(tx Tx) error {
		groups, err := tx.Groups()
		if err != nil {
			return err
		}
		for _, g := range groups {
			people, err := tx.People(g.ID)
			if err != nil {
				return err
			}
			meetings, err := tx.Meetings(g.ID)
			if err != nil {
				return err
			}
			out = append(out, GroupSummary{
				GroupID: g.ID, Name: g.Name, Organisation: g.Organisation, TemplateID: g.TemplateID,
				Members: countRole(people, RoleMember), Progress: progressOf(g, meetings),
			})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b GroupSummary) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.GroupID, b.GroupID)
	})
	return out, err
}
