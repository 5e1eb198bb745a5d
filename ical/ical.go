package ical

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status is an event's STATUS.
type Status string

// The statuses piiri uses.
const (
	StatusConfirmed Status = "CONFIRMED"
	StatusTentative Status = "TENTATIVE"
	StatusCancelled Status = "CANCELLED"
)

// Method is the calendar's METHOD (RFC 5546). Feeds and downloads
// publish; invitations by e-mail would REQUEST.
type Method string

// The methods.
const (
	MethodPublish Method = "PUBLISH"
	MethodRequest Method = "REQUEST"
	MethodCancel  Method = "CANCEL"
)

// Calendar is one iCalendar object.
type Calendar struct {
	ProdID string // default "-//piiri//piiri//EN"
	Method Method // default PUBLISH
	// Name is the calendar's display name (NAME and X-WR-CALNAME).
	Name string
	// Refresh is how often subscribers should fetch the feed again
	// (REFRESH-INTERVAL and X-PUBLISHED-TTL); 0 writes neither.
	Refresh time.Duration
	Events  []Event
}

// Event is one VEVENT. Start and End are instants; they are written as
// local times in Location with a TZID (and the zone's VTIMEZONE), or in
// UTC when Location is UTC or nil.
type Event struct {
	UID      string // required, stable for the life of the event
	Sequence int
	Stamp    time.Time // DTSTAMP: when this copy was made
	Created  time.Time // optional
	Modified time.Time // optional LAST-MODIFIED
	Start    time.Time
	End      time.Time
	Location *time.Location
	Summary  string
	// Description is plain text; newlines are kept.
	Description string
	URL         string // written as URL; a URI, not escaped as text
	Place       string // LOCATION, optional
	Status      Status // default CONFIRMED
}

// Encode writes the calendar.
func (c Calendar) Encode(w io.Writer) error {
	b, err := c.Marshal()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal returns the calendar's text: UTF-8, CRLF line ends, folded.
func (c Calendar) Marshal() ([]byte, error) {
	var out lineWriter
	prodID := c.ProdID
	if prodID == "" {
		prodID = "-//piiri//piiri//EN"
	}
	method := c.Method
	if method == "" {
		method = MethodPublish
	}
	out.line("BEGIN", nil, "VCALENDAR")
	out.line("VERSION", nil, "2.0")
	out.text("PRODID", nil, prodID)
	out.line("CALSCALE", nil, "GREGORIAN")
	out.line("METHOD", nil, string(method))
	if c.Name != "" {
		out.text("NAME", nil, c.Name)
		out.text("X-WR-CALNAME", nil, c.Name)
	}
	if c.Refresh > 0 {
		d := duration(c.Refresh)
		out.line("REFRESH-INTERVAL", []param{{"VALUE", "DURATION"}}, d)
		out.line("X-PUBLISHED-TTL", nil, d)
	}
	zones, err := zonesOf(c.Events)
	if err != nil {
		return nil, err
	}
	for _, z := range zones {
		writeTimezone(&out, z.loc, z.from, z.to)
	}
	for i, e := range c.Events {
		if err := writeEvent(&out, e); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
	}
	out.line("END", nil, "VCALENDAR")
	return out.buf.Bytes(), nil
}

func writeEvent(out *lineWriter, e Event) error {
	if e.UID == "" {
		return fmt.Errorf("no UID")
	}
	if e.Start.IsZero() || e.End.Before(e.Start) {
		return fmt.Errorf("start %v and end %v are not an interval", e.Start, e.End)
	}
	status := e.Status
	if status == "" {
		status = StatusConfirmed
	}
	out.line("BEGIN", nil, "VEVENT")
	out.text("UID", nil, e.UID)
	out.line("SEQUENCE", nil, strconv.Itoa(e.Sequence))
	out.line("DTSTAMP", nil, utc(e.Stamp))
	if !e.Created.IsZero() {
		out.line("CREATED", nil, utc(e.Created))
	}
	if !e.Modified.IsZero() {
		out.line("LAST-MODIFIED", nil, utc(e.Modified))
	}
	out.dateTime("DTSTART", e.Start, e.Location)
	out.dateTime("DTEND", e.End, e.Location)
	out.text("SUMMARY", nil, e.Summary)
	if e.Description != "" {
		out.text("DESCRIPTION", nil, e.Description)
	}
	if e.Place != "" {
		out.text("LOCATION", nil, e.Place)
	}
	if e.URL != "" {
		out.line("URL", []param{{"VALUE", "URI"}}, e.URL)
	}
	out.line("STATUS", nil, string(status))
	out.line("TRANSP", nil, "OPAQUE")
	out.line("END", nil, "VEVENT")
	return nil
}

// zone is a time zone an event uses and the span of its events.
type zone struct {
	loc      *time.Location
	from, to time.Time
}

// zonesOf lists the zones (other than UTC) the events are written in,
// by name, each with the earliest and latest instant it must cover.
func zonesOf(events []Event) ([]zone, error) {
	byName := map[string]*zone{}
	for _, e := range events {
		if isUTC(e.Location) {
			continue
		}
		name := e.Location.String()
		if !validTZID(name) {
			return nil, fmt.Errorf("time zone name %q cannot be a TZID", name)
		}
		z := byName[name]
		if z == nil {
			z = &zone{loc: e.Location, from: e.Start, to: e.End}
			byName[name] = z
		}
		if e.Start.Before(z.from) {
			z.from = e.Start
		}
		if e.End.After(z.to) {
			z.to = e.End
		}
	}
	out := make([]zone, 0, len(byName))
	for _, z := range byName {
		out = append(out, *z)
	}
	slices.SortFunc(out, func(a, b zone) int { return strings.Compare(a.loc.String(), b.loc.String()) })
	return out, nil
}

func isUTC(loc *time.Location) bool { return loc == nil || loc == time.UTC || loc.String() == "UTC" }

// validTZID: IANA names are letters, digits and "/_-+"; anything else
// would need quoting that calendar programs handle badly.
func validTZID(s string) bool {
	if s == "" || s == "Local" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/' || r == '_' || r == '-' || r == '+') {
			return false
		}
	}
	return true
}

// utc formats an instant as a UTC DATE-TIME.
func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// local formats a wall clock as a floating DATE-TIME (for TZID= values).
func local(t time.Time) string { return t.Format("20060102T150405") }

// duration formats a positive duration as an RFC 5545 DURATION (whole
// seconds): PT1H, P1D, PT1H30M.
func duration(d time.Duration) string {
	s := int64(d / time.Second)
	if s <= 0 {
		return "PT0S"
	}
	days, s := s/86400, s%86400
	h, s := s/3600, s%3600
	m, s := s/60, s%60
	out := "P"
	if days > 0 {
		out += strconv.FormatInt(days, 10) + "D"
	}
	if h+m+s > 0 {
		out += "T"
		if h > 0 {
			out += strconv.FormatInt(h, 10) + "H"
		}
		if m > 0 {
			out += strconv.FormatInt(m, 10) + "M"
		}
		if s > 0 {
			out += strconv.FormatInt(s, 10) + "S"
		}
	}
	return out
}
