package api

// The CSV tables of the reports, one table per file (?table=...).

func (a *API) groupReportCSV(c *call) (written, error) {
	f, err := csvFormatOf(c.r)
	if err != nil {
		return written{}, err
	}
	which := c.r.URL.Query().Get("table")
	if which != "" && which != "meetings" && which != "people" && which != "organisations" {
		return written{}, invalid("table", `must be "meetings", "people" or "organisations"`)
	}
	r, err := a.groupReport(c)
	if err != nil {
		return written{}, err
	}
	var t table
	switch which {
	case "people":
		t = peopleTable(r.People)
	case "organisations":
		t = orgTable(r.Organisations)
	default:
		which = "meetings"
		t = meetingsTable(r.Meetings)
	}
	return writeCSV(c, f, r.GroupName+"-"+which, t)
}

func (a *API) overviewCSV(c *call) (written, error) {
	f, err := csvFormatOf(c.r)
	if err != nil {
		return written{}, err
	}
	which := c.r.URL.Query().Get("table")
	if which != "" && which != "groups" && which != "organisations" {
		return written{}, invalid("table", `must be "groups" or "organisations"`)
	}
	o, err := a.overview(c)
	if err != nil {
		return written{}, err
	}
	if which == "organisations" {
		return writeCSV(c, f, "piiri-organisations", orgTable(o.Organisations))
	}
	return writeCSV(c, f, "piiri-groups", groupsTable(o.Groups))
}

func meetingsTable(ms []ReportMeeting) table {
	t := table{header: []string{"number", "start", "time_zone", "duration_min", "theme", "state", "held", "quorum", "longest_at_quorum_min", "most_together", "attendees", "others", "meeting_id"}}
	for _, m := range ms {
		t.rows = append(t.rows, []cell{
			num(m.Number), txt(localTime(m.Start)), txt(m.TimeZone), dec(m.DurationMinutes), txt(m.Theme), txt(m.State),
			yes(m.Held), num(m.Quorum), dec(m.LongestMinutes), num(m.MostTogether), num(m.Attendees), num(m.Others), txt(m.MeetingID),
		})
	}
	return t
}

func peopleTable(ps []ReportPerson) table {
	t := table{header: []string{"name", "organisation", "role", "active", "attended", "attended_held", "presence_min", "person_id"}}
	for _, p := range ps {
		t.rows = append(t.rows, []cell{
			txt(p.Name), txt(p.Organisation), txt(p.Role), yes(p.Active), num(p.Attended), num(p.AttendedHeld), dec(p.PresenceMinutes), txt(p.PersonID),
		})
	}
	return t
}

func orgTable(os []ReportOrganisation) table {
	t := table{header: []string{"organisation", "people", "attended", "attended_held", "presence_min"}}
	for _, o := range os {
		t.rows = append(t.rows, []cell{txt(o.Organisation), num(o.People), num(o.Attended), num(o.AttendedHeld), dec(o.PresenceMinutes)})
	}
	return t
}

func groupsTable(gs []GroupSummary) table {
	t := table{header: []string{"group", "organisation", "template", "members", "planned", "scheduled", "ended", "held", "cancelled", "group_id"}}
	for _, g := range gs {
		p := g.Progress
		t.rows = append(t.rows, []cell{
			txt(g.Name), txt(g.Organisation), txt(g.TemplateID), num(g.Members),
			num(p.Planned), num(p.Scheduled), num(p.Ended), num(p.Held), num(p.Cancelled), txt(g.ID),
		})
	}
	return t
}
