package notify

import (
	"fmt"
	"time"

	"piiri/control"
)

// homeZone is the zone that goes without saying: piiri's groups meet in
// Finland unless a group says otherwise.
const homeZone = control.DefaultTimeZone

// when is a meeting's time as a message states it, in the meeting's zone:
// "tiistai 3.3.2026 klo 9.00–10.30", "tisdag 3.3.2026 kl. 9.00–10.30",
// "Tuesday 3 March 2026, 09:00–10:30", with the zone's name after it when
// it is not Europe/Helsinki.
func when(l control.Language, start time.Time, d time.Duration, zone string) string {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc, zone = time.UTC, "UTC"
	}
	s, e := start.In(loc), start.Add(d).In(loc)
	t := textsFor(l)
	var out string
	switch l {
	case control.Finnish:
		out = fmt.Sprintf("%s %s klo %s–%s", t.weekdays[s.Weekday()], s.Format("2.1.2006"), dotted(s), dotted(e))
	case control.Swedish:
		out = fmt.Sprintf("%s %s kl. %s–%s", t.weekdays[s.Weekday()], s.Format("2.1.2006"), dotted(s), dotted(e))
	default:
		out = fmt.Sprintf("%s %d %s %d, %s–%s", t.weekdays[s.Weekday()], s.Day(), t.months[s.Month()-1], s.Year(), s.Format("15:04"), e.Format("15:04"))
	}
	if zone != homeZone {
		out += " (" + zone + ")"
	}
	return out
}

// shortWhen is the start alone, for a subject: "ti 3.3.2026 klo 9.00".
func shortWhen(l control.Language, start time.Time, zone string) string {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	s := start.In(loc)
	t := textsFor(l)
	switch l {
	case control.Finnish:
		return fmt.Sprintf("%s %s klo %s", t.shortWeekdays[s.Weekday()], s.Format("2.1.2006"), dotted(s))
	case control.Swedish:
		return fmt.Sprintf("%s %s kl. %s", t.shortWeekdays[s.Weekday()], s.Format("2.1.2006"), dotted(s))
	}
	return fmt.Sprintf("%s %d %s %d, %s", t.shortWeekdays[s.Weekday()], s.Day(), t.shortMonths[s.Month()-1], s.Year(), s.Format("15:04"))
}

// dotted is a time of day as Finnish and Finland-Swedish write it: 9.00,
// 14.30 (the hour without a leading zero).
func dotted(t time.Time) string { return fmt.Sprintf("%d.%02d", t.Hour(), t.Minute()) }
