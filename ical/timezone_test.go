package ical

import (
	"testing"
	"time"

	"piiri/ical/icaltest"
)

// TestHelsinkiIsTheOutlookForm: Europe/Helsinki as two yearly rules,
// exactly as Outlook writes and reads it.
func TestHelsinkiIsTheOutlookForm(t *testing.T) {
	loc := helsinki(t)
	start := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	b, err := (Calendar{Events: []Event{{UID: "u", Stamp: start, Start: start, End: start.Add(time.Hour), Location: loc, Summary: "s"}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	zones := icaltest.Zones(t, parse(t, b), 2030)
	z, ok := zones["Europe/Helsinki"]
	if !ok || len(z.Obs) != 2 {
		t.Fatalf("VTIMEZONE Europe/Helsinki: %+v", zones)
	}
	want := map[string]icaltest.Observance{
		"STANDARD": {RRule: "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", Start: "20251026T040000", From: 3 * 3600, To: 2 * 3600},
		"DAYLIGHT": {RRule: "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", Start: "20250330T030000", From: 2 * 3600, To: 3 * 3600},
	}
	for _, o := range z.Obs {
		w := want[o.Kind]
		if o.RRule != w.RRule || o.Start != w.Start || o.From != w.From || o.To != w.To {
			t.Errorf("%s: RRULE %q DTSTART %s from %d to %d; want %q %s %d %d", o.Kind, o.RRule, o.Start, o.From, o.To, w.RRule, w.Start, w.From, w.To)
		}
	}
}

// TestZonesConvertBack: for zones of every kind (yearly rules north and
// south, half-hour offsets and DST steps, negative DST, no DST, DST
// abolished or changing within the span, irregular changes), events
// around every change and spread over two years come back, through the
// calendar's own VTIMEZONE read by an independent reader, as the same
// instants.
func TestZonesConvertBack(t *testing.T) {
	cases := []struct {
		zone   string
		yearly bool // expect the RRULE form
	}{
		{"Europe/Helsinki", true},
		{"Europe/Stockholm", true},
		{"America/New_York", true},
		{"Australia/Sydney", true},
		{"Australia/Lord_Howe", true}, // 30-minute DST
		{"Pacific/Chatham", true},     // +12:45
		{"Europe/Dublin", true},       // negative DST in the data
		{"America/St_Johns", true},    // -03:30
		{"Asia/Tokyo", false},         // no DST
		{"Asia/Kolkata", false},       // +05:30, no DST
		{"Africa/Casablanca", false},  // changes around Ramadan
		{"America/Mexico_City", false},
		{"Asia/Tehran", false},
		{"Etc/GMT-3", false},
	}
	first := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(2027, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(c.zone)
			if err != nil {
				t.Fatal(err)
			}
			var starts []time.Time
			for at := first; at.Before(last); at = at.Add(7*24*time.Hour + 13*time.Hour + 17*time.Minute) {
				starts = append(starts, at)
			}
			// Around each change: just before, at, in the repeated or
			// skipped hour, and after.
			for _, tr := range transitions(loc, first, last) {
				for _, d := range []time.Duration{-90 * time.Minute, -time.Hour, -30 * time.Minute, -time.Second, 0, 30 * time.Minute, time.Hour, 90 * time.Minute} {
					starts = append(starts, tr.at.Add(d))
				}
			}
			var events []Event
			for i, s := range starts {
				events = append(events, Event{UID: string(rune('a'+i%26)) + "@h", Stamp: first, Start: s, End: s.Add(90 * time.Minute), Location: loc, Summary: "s"})
			}
			b, err := (Calendar{Events: events}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, b)
			cal := parse(t, b)
			zones := icaltest.Zones(t, cal, 2030)
			z, ok := zones[c.zone]
			if !ok {
				t.Fatalf("no VTIMEZONE for %s", c.zone)
			}
			hasRule := false
			for _, o := range z.Obs {
				hasRule = hasRule || o.RRule != ""
			}
			if hasRule != c.yearly {
				t.Errorf("RRULE form %v, want %v (%d observances)", hasRule, c.yearly, len(z.Obs))
			}
			parsed := cal.Events()
			if len(parsed) != len(events) {
				t.Fatalf("%d events back, want %d", len(parsed), len(events))
			}
			utcForm := 0
			for i, e := range parsed {
				for _, p := range []struct {
					name string
					want time.Time
					got  func() (time.Time, bool)
				}{
					{"DTSTART", events[i].Start, func() (time.Time, bool) { return icaltest.EventTime(t, e, "DTSTART", zones) }},
					{"DTEND", events[i].End, func() (time.Time, bool) { return icaltest.EventTime(t, e, "DTEND", zones) }},
				} {
					got, local := p.got()
					if !local {
						utcForm++
					}
					if !got.Equal(p.want) {
						t.Errorf("event %d %s reads back as %v, want %v (%v in %s)", i, p.name, got.UTC(), p.want.UTC(), p.want.In(loc), c.zone)
					}
				}
			}
			// Only the wall times that occur twice are written in UTC.
			if utcForm > 4*len(transitions(loc, first, last.Add(2*time.Hour))) {
				t.Errorf("%d times in UTC form; expected only the ambiguous ones", utcForm)
			}
		})
	}
}

// TestAmbiguousWallTimeIsUTC: the second 03:30 of the night DST ends in
// Helsinki is written in UTC; the first keeps its TZID.
func TestAmbiguousWallTimeIsUTC(t *testing.T) {
	loc := helsinki(t)
	firstHalfPast := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)  // 03:30 EEST
	secondHalfPast := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC) // 03:30 EET
	if !wallIsUnique(firstHalfPast, loc) {
		t.Error("the first 03:30 is taken as ambiguous")
	}
	if wallIsUnique(secondHalfPast, loc) {
		t.Error("the second 03:30 is not taken as ambiguous")
	}
	if !wallIsUnique(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), loc) { // 04:00 EEST, just after the gap
		t.Error("the hour after the spring gap is taken as ambiguous")
	}
}

func TestUTCEventsHaveNoTimezone(t *testing.T) {
	start := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	b, err := (Calendar{Events: []Event{{UID: "u", Stamp: start, Start: start, End: start.Add(time.Hour), Summary: "s"}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cal := parse(t, b)
	if n := len(cal.Timezones()); n != 0 {
		t.Errorf("%d VTIMEZONEs for a UTC event", n)
	}
	if got := prop(t, &cal.Events()[0].ComponentBase, "DTSTART"); got != "20260309T070000Z" {
		t.Errorf("DTSTART = %q", got)
	}
}

func TestOffsetFormat(t *testing.T) {
	for sec, want := range map[int]string{7200: "+0200", -12600: "-0330", 45900: "+1245", 5989: "+013949", 0: "+0000"} {
		if got := offset(sec); got != want {
			t.Errorf("offset(%d) = %q, want %q", sec, got, want)
		}
	}
}
