// Package icaltest reads iCalendar back for tests, through an independent
// parser (github.com/arran4/golang-ical) and a VTIMEZONE reader written
// apart from package ical's writer: it expands each observance's onsets
// (DTSTART and a yearly RRULE, computed by walking the month's days) and
// resolves a local time as RFC 5545 says (the observance in force at that
// instant; for a wall time that occurs twice, the first). Only tests
// import it.
package icaltest

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Observance is one STANDARD or DAYLIGHT as read.
type Observance struct {
	Kind   string // STANDARD or DAYLIGHT
	From   int    // TZOFFSETFROM, seconds east of UTC
	To     int    // TZOFFSETTO
	Start  string // DTSTART as written
	RRule  string // "" when none
	onsets []time.Time
}

// Zone is one VTIMEZONE as read.
type Zone struct {
	TZID string
	Obs  []Observance
}

// Parse parses a calendar.
func Parse(t *testing.T, b []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	return cal
}

// Prop is a property's value; the test fails when it is missing.
func Prop(t *testing.T, c *ics.ComponentBase, p ics.ComponentProperty) string {
	t.Helper()
	got := c.GetProperty(p)
	if got == nil {
		t.Fatalf("no %s", p)
	}
	return got.Value
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	m := regexp.MustCompile(`^([+-])(\d\d)(\d\d)(\d\d)?$`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("bad UTC offset %q", s)
	}
	h, _ := strconv.Atoi(m[2])
	mi, _ := strconv.Atoi(m[3])
	sec := 0
	if m[4] != "" {
		sec, _ = strconv.Atoi(m[4])
	}
	v := h*3600 + mi*60 + sec
	if m[1] == "-" {
		v = -v
	}
	return v
}

func parseWall(t *testing.T, s string) time.Time {
	t.Helper()
	w, err := time.Parse("20060102T150405", s)
	if err != nil {
		t.Fatalf("bad local time %q: %v", s, err)
	}
	return w
}

// dayOf is the nth (or, for -1, the last) weekday wd of a month.
func dayOf(year int, month time.Month, nth int, wd time.Weekday) time.Time {
	var days []time.Time
	for d := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC); d.Month() == month; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == wd {
			days = append(days, d)
		}
	}
	if nth == -1 {
		return days[len(days)-1]
	}
	return days[nth-1]
}

var byDay = regexp.MustCompile(`^(-?\d)(SU|MO|TU|WE|TH|FR|SA)$`)

func readTimezone(t *testing.T, vtz *ics.VTimezone, until int) Zone {
	t.Helper()
	r := Zone{TZID: Prop(t, &vtz.ComponentBase, ics.ComponentPropertyTzid)}
	for _, sub := range vtz.SubComponents() {
		var cb *ics.ComponentBase
		var kind string
		switch c := sub.(type) {
		case *ics.Standard:
			cb, kind = &c.ComponentBase, "STANDARD"
		case *ics.Daylight:
			cb, kind = &c.ComponentBase, "DAYLIGHT"
		default:
			t.Fatalf("unexpected %T in VTIMEZONE", sub)
		}
		o := Observance{Kind: kind, Start: Prop(t, cb, ics.ComponentPropertyDtStart)}
		o.From = parseOffset(t, Prop(t, cb, "TZOFFSETFROM"))
		o.To = parseOffset(t, Prop(t, cb, "TZOFFSETTO"))
		start := parseWall(t, o.Start)
		walls := []time.Time{start}
		if rr := cb.GetProperty(ics.ComponentPropertyRrule); rr != nil {
			o.RRule = rr.Value
			parts := map[string]string{}
			for _, kv := range strings.Split(rr.Value, ";") {
				k, v, _ := strings.Cut(kv, "=")
				parts[k] = v
			}
			if parts["FREQ"] != "YEARLY" || len(parts) != 3 {
				t.Fatalf("RRULE %q is not the yearly BYMONTH/BYDAY form", rr.Value)
			}
			month, _ := strconv.Atoi(parts["BYMONTH"])
			m := byDay.FindStringSubmatch(parts["BYDAY"])
			if m == nil {
				t.Fatalf("RRULE BYDAY %q", parts["BYDAY"])
			}
			nth, _ := strconv.Atoi(m[1])
			wd := time.Weekday(strings.Index("SUMOTUWETHFRSA", m[2]) / 2)
			tod := start.Sub(time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC))
			if got := dayOf(start.Year(), time.Month(month), nth, wd).Add(tod); !got.Equal(start) {
				t.Fatalf("DTSTART %s is not an occurrence of its RRULE %s (%s)", o.Start, rr.Value, got)
			}
			walls = nil
			for y := start.Year(); y <= until; y++ {
				walls = append(walls, dayOf(y, time.Month(month), nth, wd).Add(tod))
			}
		}
		for _, w := range walls {
			o.onsets = append(o.onsets, w.Add(-time.Duration(o.From)*time.Second))
		}
		r.Obs = append(r.Obs, o)
	}
	return r
}

// inForce is the offset in force at instant at: the observance with the
// latest onset not after it.
func (r Zone) inForce(at time.Time) (int, bool) {
	var best time.Time
	off, found := 0, false
	for _, o := range r.Obs {
		for _, on := range o.onsets {
			if !on.After(at) && (!found || on.After(best)) {
				best, off, found = on, o.To, true
			}
		}
	}
	return off, found
}

// resolve turns a local time into the instant RFC 5545 means by it.
func (r Zone) resolve(wall time.Time) (time.Time, error) {
	var out time.Time
	for _, o := range r.Obs {
		c := wall.Add(-time.Duration(o.To) * time.Second)
		if off, ok := r.inForce(c); ok && off == o.To && (out.IsZero() || c.Before(out)) {
			out = c
		}
	}
	if out.IsZero() {
		return out, fmt.Errorf("%s: local time %s does not exist or is not covered", r.TZID, wall.Format("2006-01-02 15:04:05"))
	}
	return out, nil
}

// EventTime reads DTSTART or DTEND of an event through the calendar's
// own VTIMEZONEs; local reports whether it was written with a TZID (else
// in UTC). A TZID without a VTIMEZONE fails the test.
func EventTime(t *testing.T, e *ics.VEvent, p ics.ComponentProperty, zones map[string]Zone) (time.Time, bool) {
	t.Helper()
	v := e.GetProperty(p)
	if v == nil {
		t.Fatalf("event has no %s", p)
	}
	tzid := v.ICalParameters["TZID"]
	if len(tzid) == 0 {
		u, err := time.Parse("20060102T150405Z", v.Value)
		if err != nil {
			t.Fatalf("%s %q is neither TZID-local nor UTC", p, v.Value)
		}
		return u, false
	}
	z, ok := zones[tzid[0]]
	if !ok {
		t.Fatalf("%s uses TZID %s, which has no VTIMEZONE", p, tzid[0])
	}
	at, err := z.resolve(parseWall(t, v.Value))
	if err != nil {
		t.Fatal(err)
	}
	return at, true
}

// Zones reads every VTIMEZONE of a calendar.
func Zones(t *testing.T, cal *ics.Calendar, until int) map[string]Zone {
	t.Helper()
	zones := map[string]Zone{}
	for _, vtz := range cal.Timezones() {
		r := readTimezone(t, vtz, until)
		if _, dup := zones[r.TZID]; dup {
			t.Fatalf("two VTIMEZONEs for %s", r.TZID)
		}
		zones[r.TZID] = r
	}
	return zones
}
