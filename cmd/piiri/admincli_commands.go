package main

import (
	"fmt"
	"strconv"
	"time"

	"piiri/api"
	"piiri/apiclient"
)

// The commands of `piiri admin`, one function each: flags, one or two
// requests, and the answer as a table (or -json).

func adminGroups(a *adminRun, args []string) int {
	fs := a.flags()
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if exit, stop := a.parse(fs, args); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	groups, err := c.Groups(a.ctx())
	if err != nil {
		return a.fail(err)
	}
	if *asJSON {
		return a.printJSON(groups)
	}
	if len(groups) == 0 {
		fmt.Fprintln(a.stdout, "No groups yet; create one with: piiri admin create-group -name NAME")
		return 0
	}
	rows := make([][]string, 0, len(groups))
	for _, g := range groups {
		rows = append(rows, []string{g.ID, g.Name, g.Organisation, g.TemplateID, heldOf(g.Progress), strconv.Itoa(g.Members)})
	}
	return a.table([]string{"ID", "NAME", "ORGANISATION", "TEMPLATE", "MEETINGS", "MEMBERS"}, rows)
}

// heldOf is the group's count as its page says it: "3 of 8 held".
func heldOf(p api.Progress) string {
	return fmt.Sprintf("%d of %d held", p.Held, p.Planned)
}

func adminTemplates(a *adminRun, args []string) int {
	fs := a.flags()
	lang := fs.String("language", "en", "the `language` of the names: fi, sv or en")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if exit, stop := a.parse(fs, args); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	ts, err := c.Templates(a.ctx())
	if err != nil {
		return a.fail(err)
	}
	if *asJSON {
		return a.printJSON(ts)
	}
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		rows = append(rows, []string{
			t.ID, localText(t.Name, *lang), strconv.Itoa(t.Meetings), cadence(t.Cadence),
			minutesText(t.MeetingMinutes), fmt.Sprintf("%d–%d", t.MinMembers, t.MaxMembers),
		})
	}
	return a.table([]string{"ID", "NAME", "MEETINGS", "CADENCE", "DURATION", "MEMBERS"}, rows)
}

// localText is a text in lang, else in English, Finnish or any language.
func localText(t map[string]string, lang string) string {
	for _, l := range []string{lang, "en", "fi", "sv"} {
		if s := t[l]; s != "" {
			return s
		}
	}
	for _, s := range t {
		return s
	}
	return ""
}

func cadence(c api.Cadence) string {
	switch {
	case c.Months == 1 && c.Days == 0:
		return "monthly"
	case c.Months > 0 && c.Days == 0:
		return fmt.Sprintf("every %d months", c.Months)
	case c.Months == 0 && c.Days == 7:
		return "weekly"
	case c.Months == 0 && c.Days > 0:
		return fmt.Sprintf("every %d days", c.Days)
	case c.Months == 0 && c.Days == 0:
		return "none"
	}
	return fmt.Sprintf("every %d months %d days", c.Months, c.Days)
}

func minutesText(m api.Minutes) string {
	return strconv.FormatFloat(float64(m), 'f', -1, 64) + " min"
}

func adminCreateGroup(a *adminRun, args []string) int {
	fs := a.flags()
	var in api.CreateGroupRequest
	fs.StringVar(&in.Name, "name", "", "the group's `name` (required)")
	fs.StringVar(&in.TemplateID, "template", "peer-group", "the `template` it is made from (piiri admin templates lists them)")
	fs.StringVar(&in.Language, "language", "", "the group's `language`: fi, sv or en (default: fi); its agreement comes in it")
	fs.StringVar(&in.Organisation, "organisation", "", "the `organisation` that runs the group")
	fs.StringVar(&in.TimeZone, "timezone", "", "the IANA time `zone` of its meetings, such as Europe/Helsinki (default: the server's meetings.time_zone)")
	fs.StringVar(&in.Description, "description", "", "a short `text` about the group")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if exit, stop := a.parse(fs, args, "name"); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	g, err := c.CreateGroup(a.ctx(), in)
	if err != nil {
		return a.fail(err)
	}
	if *asJSON {
		return a.printJSON(g)
	}
	fmt.Fprintf(a.stdout, "Created the group %q, id %s, from the template %s: %d meetings %s, %s each, %d–%d members, in %s (%s).\n",
		cleanCell(g.Name), g.ID, g.TemplateID, g.PlannedMeetings, cadence(g.Cadence), minutesText(g.MeetingMinutes),
		g.MinMembers, g.MaxMembers, g.Language, g.TimeZone)
	fmt.Fprintf(a.stdout, "Next, add its facilitator:\n    piiri admin add-person -group %s -role facilitator -name NAME\n", g.ID)
	return 0
}

func adminAddPerson(a *adminRun, args []string) int {
	fs := a.flags()
	group := fs.String("group", "", "the group's `id` (required)")
	var in api.PersonRequest
	fs.StringVar(&in.Name, "name", "", "the person's display `name` (required)")
	fs.StringVar(&in.Role, "role", "", "the person's `role`: member, facilitator or observer (required)")
	fs.StringVar(&in.Organisation, "organisation", "", "their employer or `organisation`, by which reports are cut")
	fs.StringVar(&in.Email, "email", "", "their e-mail `address`, for invitations and reminders")
	fs.StringVar(&in.Language, "language", "", "their `language`: fi, sv or en (default: the group's)")
	asJSON := fs.Bool("json", false, "print the API's JSON (it holds the link)")
	if exit, stop := a.parse(fs, args, "group", "name", "role"); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	pl, err := c.AddPerson(a.ctx(), *group, in)
	if err != nil {
		return a.fail(err)
	}
	if *asJSON {
		return a.printJSON(pl)
	}
	p := pl.Person
	fmt.Fprintf(a.stdout, "Added %s (%s) to the group %s, person id %s.\n", cleanCell(p.Name), p.Role, p.GroupID, p.ID)
	printLink(a, p.Name, pl.Link)
	return 0
}

// printLink prints a person's link and calendar feed.
func printLink(a *adminRun, name string, l *api.Link) {
	if l == nil {
		fmt.Fprintln(a.stdout, "No link (revoked).")
		return
	}
	fmt.Fprintf(a.stdout, "Personal link of %s (give it to them only; it opens the group as them):\n    %s\nCalendar feed:\n    %s\n", cleanCell(name), l.URL, l.CalendarURL)
}

func adminPeople(a *adminRun, args []string) int {
	fs := a.flags()
	group := fs.String("group", "", "the group's `id` (required)")
	asJSON := fs.Bool("json", false, "print the people as the API's JSON (without links)")
	if exit, stop := a.parse(fs, args, "group"); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	page, err := c.Group(a.ctx(), *group)
	if err != nil {
		return a.fail(err)
	}
	people := make([]api.Person, 0, len(page.People))
	rows := make([][]string, 0, len(page.People))
	for _, p := range page.People {
		people = append(people, p.Person)
		link := "active"
		if p.Link == nil {
			link = "revoked"
		}
		rows = append(rows, []string{p.ID, p.Name, p.Role, p.Organisation, yesNo(p.AgreementAccepted), link})
	}
	if *asJSON {
		return a.printJSON(people)
	}
	fmt.Fprintf(a.stdout, "%s: members %d (%d–%d), quorum %d, %s.\n", cleanCell(page.Group.Name), page.Members, page.Group.MinMembers, page.Group.MaxMembers, page.Quorum, heldOf(page.Progress))
	return a.table([]string{"ID", "NAME", "ROLE", "ORGANISATION", "AGREEMENT", "LINK"}, rows)
}

func yesNo(b bool) string {
	if b {
		return "accepted"
	}
	return "not yet"
}

func adminLinks(a *adminRun, args []string) int {
	fs := a.flags()
	group := fs.String("group", "", "the group's `id` (required)")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if exit, stop := a.parse(fs, args, "group"); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	links, err := c.Links(a.ctx(), *group)
	if err != nil {
		return a.fail(err)
	}
	if *asJSON {
		return a.printJSON(links)
	}
	rows := make([][]string, 0, len(links))
	for _, pl := range links {
		link := "(revoked; reissue-link -person " + pl.Person.ID + " gives a new one)"
		if pl.Link != nil {
			link = pl.Link.URL
		}
		rows = append(rows, []string{pl.Person.ID, pl.Person.Name, pl.Person.Role, link})
	}
	return a.table([]string{"PERSON", "NAME", "ROLE", "LINK"}, rows)
}

func adminReissueLink(a *adminRun, args []string) int {
	fs := a.flags()
	person := fs.String("person", "", "the person's `id` (required; piiri admin people lists them)")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if exit, stop := a.parse(fs, args, "person"); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	l, err := c.ReissueLink(a.ctx(), *person)
	if err != nil {
		return a.fail(err)
	}
	if *asJSON {
		return a.printJSON(l)
	}
	fmt.Fprintf(a.stdout, "Issued a new link for %s; the old one no longer works.\n", l.PersonID)
	printLink(a, l.PersonID, &l)
	return 0
}

func adminRevokeLink(a *adminRun, args []string) int {
	fs := a.flags()
	person := fs.String("person", "", "the person's `id` (required; piiri admin people lists them)")
	if exit, stop := a.parse(fs, args, "person"); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	if err := c.RevokeLink(a.ctx(), *person); err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(a.stdout, "Revoked the link of %s: it and its calendar feed no longer work. They stay in the group; piiri admin reissue-link -person %s gives them a new link.\n", *person, *person)
	return 0
}

func adminMeetings(a *adminRun, args []string) int {
	fs := a.flags()
	group := fs.String("group", "", "the group's `id` (required)")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if exit, stop := a.parse(fs, args, "group"); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	p, err := c.Programme(a.ctx(), *group)
	if err != nil {
		return a.fail(err)
	}
	if *asJSON {
		return a.printJSON(p)
	}
	return a.programme(p)
}

func adminPlan(a *adminRun, args []string) int {
	fs := a.flags()
	group := fs.String("group", "", "the group's `id` (required)")
	var in api.PlanRequest
	fs.StringVar(&in.First, "first", "", "the first meeting's start `time` (required), such as 2027-01-14T17:30 in the group's time zone")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	if exit, stop := a.parse(fs, args, "group", "first"); stop {
		return exit
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	p, err := c.PlanProgramme(a.ctx(), *group, in)
	if err != nil {
		return a.fail(err)
	}
	if *asJSON {
		return a.printJSON(p)
	}
	return a.programme(p)
}

// programme prints a group's meetings.
func (a *adminRun) programme(p api.Programme) int {
	fmt.Fprintf(a.stdout, "%s; %d of %d meetings scheduled.\n", heldOf(p.Progress), p.Progress.Scheduled, p.Progress.Planned)
	if len(p.Meetings) == 0 {
		return 0
	}
	rows := make([][]string, 0, len(p.Meetings))
	for _, m := range p.Meetings {
		n := "-"
		if m.Number > 0 {
			n = fmt.Sprintf("%d/%d", m.Number, m.Of)
		}
		rows = append(rows, []string{n, meetingWhen(m.Start, m.End), m.TimeZone, m.State, m.Theme, m.ID})
	}
	return a.table([]string{"#", "WHEN", "ZONE", "STATE", "THEME", "ID"}, rows)
}

// meetingWhen is "2027-01-14 Thu 17:30–19:00" in the meeting's own zone
// (the offset the API gave); the raw times if they do not parse.
func meetingWhen(start, end string) string {
	s, err1 := time.Parse(time.RFC3339, start)
	e, err2 := time.Parse(time.RFC3339, end)
	if err1 != nil || err2 != nil {
		return start + " – " + end
	}
	if s.Format(time.DateOnly) == e.Format(time.DateOnly) {
		return s.Format("2006-01-02 Mon 15:04") + "–" + e.Format("15:04")
	}
	return s.Format("2006-01-02 Mon 15:04") + " – " + e.Format("2006-01-02 15:04")
}

func adminReport(a *adminRun, args []string) int {
	fs := a.flags()
	group := fs.String("group", "", "the group's `id` (default: the overview of all groups)")
	asCSV := fs.Bool("csv", false, "print one table as CSV, as the server makes it")
	table := fs.String("table", "", "with -csv, the `table`: meetings (default), people or organisations; of the overview groups (default) or organisations")
	sep := fs.String("sep", "", "with -csv, the `separator`: comma (default) or semicolon (with a decimal comma, for Excel in Finnish or Swedish)")
	if exit, stop := a.parse(fs, args); stop {
		return exit
	}
	switch {
	case !*asCSV && (*table != "" || *sep != ""):
		return a.usageError(fs, "-table and -sep are for -csv")
	case *sep != "" && *sep != "comma" && *sep != "semicolon":
		return a.usageError(fs, "-sep %q: want comma or semicolon", *sep)
	}
	c, exit := a.client()
	if c == nil {
		return exit
	}
	var err error
	switch {
	case *asCSV && *group != "":
		err = c.GroupReportCSV(a.ctx(), *group, apiclient.CSV{Table: *table, Sep: *sep}, a.stdout)
	case *asCSV:
		err = c.OverviewCSV(a.ctx(), apiclient.CSV{Table: *table, Sep: *sep}, a.stdout)
	case *group != "":
		var r api.Report
		if r, err = c.GroupReport(a.ctx(), *group); err == nil {
			return a.printJSON(r)
		}
	default:
		var o api.Overview
		if o, err = c.Overview(a.ctx()); err == nil {
			return a.printJSON(o)
		}
	}
	if err != nil {
		return a.fail(err)
	}
	return 0
}
