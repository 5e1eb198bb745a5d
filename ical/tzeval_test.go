package ical

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// A reader of VTIMEZONE written for the tests, independently of the
// writer: it expands each observance's onsets (DTSTART and its yearly
// RRULE, computed by walking the month's days) and resolves a local time
// the way RFC 5545 says: the observance in force at that instant, and for
// a wall time that occurs twice, the first.

type tzObservance struct {
	kind   string
	to     int
	onsets []time.Time // instants
	rrule  string
	start  string
	from   int
}

type tzReader struct {
	tzid string
	obs  []tzObservance
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

func readTimezone(t *testing.T, vtz *ics.VTimezone, until int) tzReader {
	t.Helper()
	r := tzReader{tzid: prop(t, &vtz.ComponentBase, ics.ComponentPropertyTzid)}
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
		o := tzObservance{kind: kind, start: prop(t, cb, ics.ComponentPropertyDtStart)}
		o.from = parseOffset(t, prop(t, cb, "TZOFFSETFROM"))
		o.to = parseOffset(t, prop(t, cb, "TZOFFSETTO"))
		start := parseWall(t, o.start)
		walls := []time.Time{start}
		if rr := cb.GetProperty(ics.ComponentPropertyRrule); rr != nil {
			o.rrule = rr.Value
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
				t.Fatalf("DTSTART %s is not an occurrence of its RRULE %s (%s)", o.start, rr.Value, got)
			}
			walls = nil
			for y := start.Year(); y <= until; y++ {
				walls = append(walls, dayOf(y, time.Month(month), nth, wd).Add(tod))
			}
		}
		for _, w := range walls {
			o.onsets = append(o.onsets, w.Add(-time.Duration(o.from)*time.Second))
		}
		r.obs = append(r.obs, o)
	}
	return r
}

// inForce is the offset in force at instant at: the observance with the
// latest onset not after it.
func (r tzReader) inForce(at time.Time) (int, bool) {
	var best time.Time
	off, found := 0, false
	for _, o := range r.obs {
		for _, on := range o.onsets {
			if !on.After(at) && (!found || on.After(best)) {
				best, off, found = on, o.to, true
			}
		}
	}
	return off, found
}

// resolve turns a local time into the instant RFC 5545 means by it.
func (r tzReader) resolve(wall time.Time) (time.Time, error) {
	var out time.Time
	for _, o := range r.obs {
		c := wall.Add(-time.Duration(o.to) * time.Second)
		if off, ok := r.inForce(c); ok && off == o.to && (out.IsZero() || c.Before(out)) {
			out = c
		}
	}
	if out.IsZero() {
		return out, fmt.Errorf("%s: local time %s does not exist or is not covered", r.tzid, wall.Format("2006-01-02 15:04:05"))
	}
	return out, nil
}

// eventTime reads DTSTART or DTEND of an event through the calendar's
// own VTIMEZONEs.
func eventTime(t *testing.T, e *ics.VEvent, p ics.ComponentProperty, zones map[string]tzReader) (time.Time, bool) {
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

// readZones reads every VTIMEZONE of a calendar.
func readZones(t *testing.T, cal *ics.Calendar, until int) map[string]tzReader {
	t.Helper()
	zones := map[string]tzReader{}
	for _, vtz := range cal.Timezones() {
		r := readTimezone(t, vtz, until)
		if _, dup := zones[r.tzid]; dup {
			t.Fatalf("two VTIMEZONEs for %s", r.tzid)
		}
		zones[r.tzid] = r
	}
	return zones
}
