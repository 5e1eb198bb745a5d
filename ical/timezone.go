package ical

import (
	"fmt"
	"time"
)

// A VTIMEZONE for every TZID. Calendar programs do not all know IANA
// names (Outlook knows none and shows events an hour off without a
// VTIMEZONE), so each zone is described from Go's time zone data: where
// its changes follow a yearly rule (Europe/Helsinki: last Sunday of March
// and of October), as STANDARD and DAYLIGHT observances with
// RRULE:FREQ=YEARLY;BYMONTH=..;BYDAY=.., the form Outlook accepts; else
// (no daylight saving, or rules that change within the span) as one
// observance per change, which every program reads.

// transition is one change of a zone's offset or name.
type transition struct {
	at       time.Time // the instant of the change
	from, to int       // offsets east of UTC in seconds, before and after
	name     string    // abbreviation after
	dst      bool      // daylight saving after
}

// maxTransitions bounds the scan: a handful of years has a few dozen.
const maxTransitions = 200

// span is the years a zone's description covers: from the year before the
// first event to the year after the last, and at least four years so a
// yearly rule is seen more than once in each form.
func span(from, to time.Time) (start, end time.Time) {
	y0 := from.UTC().Year() - 1
	y1 := max(to.UTC().Year()+1, y0+4)
	return time.Date(y0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y1+1, 1, 1, 0, 0, 0, 0, time.UTC)
}

// transitions lists loc's changes in [start, end).
func transitions(loc *time.Location, start, end time.Time) []transition {
	var out []transition
	t := start.In(loc)
	for len(out) < maxTransitions {
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.After(t) || !next.Before(end) {
			break
		}
		_, from := next.Add(-time.Nanosecond).In(loc).Zone()
		after := next.In(loc)
		name, to := after.Zone()
		out = append(out, transition{at: next, from: from, to: to, name: name, dst: after.IsDST()})
		t = after
	}
	return out
}

// yearly is a rule "the nth weekday of month at tod (local time before
// the change)"; nth -1 is the last.
type yearly struct {
	month   time.Month
	nth     int
	weekday time.Weekday
	tod     time.Duration
}

// on is the rule's instant in year, for a change from offset from.
func (r yearly) on(year, from int) time.Time {
	first := time.Date(year, r.month, 1, 0, 0, 0, 0, time.UTC)
	var day time.Time
	if r.nth > 0 {
		day = first.AddDate(0, 0, (int(r.weekday)-int(first.Weekday())+7)%7+(r.nth-1)*7)
	} else {
		last := first.AddDate(0, 1, -1)
		day = last.AddDate(0, 0, -((int(last.Weekday()) - int(r.weekday) + 7) % 7))
	}
	return day.Add(r.tod).Add(-time.Duration(from) * time.Second)
}

func (r yearly) rrule() string {
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(r.month), r.nth, dayNames[r.weekday])
}

var dayNames = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// wall is the local time just before a change, as a UTC time value.
func (tr transition) wall() time.Time { return tr.at.Add(time.Duration(tr.from) * time.Second).UTC() }

// observance is one STANDARD or DAYLIGHT.
type observance struct {
	dst      bool
	start    time.Time // local time, as a UTC value
	from, to int
	name     string
	rrule    string
}

// observances describes loc over [start, end).
func observances(loc *time.Location, start, end time.Time) []observance {
	trs := transitions(loc, start, end)
	if obs, ok := yearlyObservances(trs, start.Year(), end.Year()-1); ok {
		return obs
	}
	// One observance per change, after the one in force at the start.
	at := start.In(loc)
	name, off := at.Zone()
	obs := []observance{{dst: at.IsDST(), start: at.Add(time.Duration(off) * time.Second).UTC(), from: off, to: off, name: name}}
	for _, tr := range trs {
		obs = append(obs, observance{dst: tr.dst, start: tr.wall(), from: tr.from, to: tr.to, name: tr.name})
	}
	return obs
}

// yearlyObservances finds two yearly rules that produce exactly the
// changes trs of years y0..y1, if there are such.
func yearlyObservances(trs []transition, y0, y1 int) ([]observance, bool) {
	type kind struct {
		from, to int
		name     string
		dst      bool
	}
	groups := map[kind][]transition{}
	var order []kind
	for _, tr := range trs {
		k := kind{tr.from, tr.to, tr.name, tr.dst}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], tr)
	}
	if len(order) != 2 {
		return nil, false
	}
	var out []observance
	for _, k := range order {
		g := groups[k]
		if len(g) != y1-y0+1 {
			return nil, false
		}
		r, ok := ruleFor(g, y0)
		if !ok {
			return nil, false
		}
		out = append(out, observance{dst: k.dst, start: g[0].wall(), from: k.from, to: k.to, name: k.name, rrule: r.rrule()})
	}
	return out, true
}

// ruleFor finds a yearly rule giving each of g, one change a year from y0.
func ruleFor(g []transition, y0 int) (yearly, bool) {
	w := g[0].wall()
	tod := w.Sub(time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, time.UTC))
	// "Last" first: most rules are "last Sunday", whose day's place in
	// the month (4th or 5th) varies.
	for _, nth := range []int{-1, (w.Day()-1)/7 + 1} {
		r := yearly{month: w.Month(), nth: nth, weekday: w.Weekday(), tod: tod}
		ok := true
		for i, tr := range g {
			if !r.on(y0+i, tr.from).Equal(tr.at) {
				ok = false
				break
			}
		}
		if ok {
			return r, true
		}
	}
	return yearly{}, false
}

// writeTimezone writes loc's VTIMEZONE, covering from..to.
func writeTimezone(out *lineWriter, loc *time.Location, from, to time.Time) {
	start, end := span(from, to)
	out.line("BEGIN", nil, "VTIMEZONE")
	out.line("TZID", nil, loc.String())
	for _, o := range observances(loc, start, end) {
		kind := "STANDARD"
		if o.dst {
			kind = "DAYLIGHT"
		}
		out.line("BEGIN", nil, kind)
		out.line("DTSTART", nil, local(o.start))
		out.line("TZOFFSETFROM", nil, offset(o.from))
		out.line("TZOFFSETTO", nil, offset(o.to))
		if o.name != "" {
			out.text("TZNAME", nil, o.name)
		}
		if o.rrule != "" {
			out.line("RRULE", nil, o.rrule)
		}
		out.line("END", nil, kind)
	}
	out.line("END", nil, "VTIMEZONE")
}

// offset formats a UTC offset: +0200, -0330, or with seconds when it has
// them (local mean times).
func offset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	h, m, s := sec/3600, sec/60%60, sec%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}

// wallIsUnique reports whether t's wall clock in loc names t alone as RFC
// 5545 reads it: a wall time that occurs twice (the hour repeated when
// daylight saving ends) means the first occurrence.
func wallIsUnique(t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	zs, ze := lt.ZoneBounds()
	var offs []int
	if !zs.IsZero() {
		_, o := zs.Add(-time.Nanosecond).In(loc).Zone()
		offs = append(offs, o)
	}
	if !ze.IsZero() {
		_, o := ze.In(loc).Zone()
		offs = append(offs, o)
	}
	for _, o := range offs {
		c := wall.Add(-time.Duration(o) * time.Second)
		if _, co := c.In(loc).Zone(); co == o && c.Before(t) {
			return false
		}
	}
	return true
}
