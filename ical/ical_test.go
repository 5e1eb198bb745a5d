package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"piiri/ical/icaltest"
)

func helsinki(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func parse(t *testing.T, b []byte) *ics.Calendar { return icaltest.Parse(t, b) }

func prop(t *testing.T, c *ics.ComponentBase, p ics.ComponentProperty) string {
	return icaltest.Prop(t, c, p)
}

// TestTextRoundTrips: escaping, folding and the line format, read back by
// an independent parser: what goes in as text comes out as the same text.
func TestTextRoundTrips(t *testing.T) {
	loc := helsinki(t)
	start := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	texts := []string{
		"plain",
		`comma, semicolon; backslash \ and "quotes"`,
		"two\nlines\r\nand a CRLF",
		strings.Repeat("ääkköset ja pitkä rivi ", 20),
		strings.Repeat("€", 200),                     // 3-octet characters across every fold
		strings.Repeat("x", 74) + "😀" + "tail",       // a 4-octet character at the fold
		"tab\tstays, bell\a and escape\x1b do not",   // controls other than tab are dropped
		"BEGIN:VEVENT\r\nUID:injected\r\nEND:VEVENT", // no property can be injected
	}
	for _, text := range texts {
		c := Calendar{Name: text, Events: []Event{{
			UID: "u1@example.fi", Stamp: start, Start: start, End: start.Add(time.Hour), Location: loc,
			Summary: text, Description: text, URL: "https://example.fi/g/abc?x=1,2;3",
		}}}
		b, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, b)
		cal := parse(t, b)
		events := cal.Events()
		if len(events) != 1 {
			t.Fatalf("%d events, want 1", len(events))
		}
		want := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\a", ""), "\x1b", "")
		for _, p := range []ics.ComponentProperty{ics.ComponentPropertySummary, ics.ComponentPropertyDescription} {
			if got := prop(t, &events[0].ComponentBase, p); got != want {
				t.Errorf("%s = %q, want %q", p, got, want)
			}
		}
		if got := prop(t, &events[0].ComponentBase, ics.ComponentPropertyUniqueId); got != "u1@example.fi" {
			t.Errorf("UID = %q (an injected UID?)", got)
		}
		if got := prop(t, &events[0].ComponentBase, ics.ComponentPropertyUrl); got != "https://example.fi/g/abc?x=1,2;3" {
			t.Errorf("URL = %q", got)
		}
	}
}

// checkLines: CRLF only, every line at most 75 octets, each valid UTF-8
// on its own (no character split across a fold), continuation lines
// starting with one space.
func checkLines(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Error("does not end with CRLF")
	}
	lines := bytes.Split(bytes.TrimSuffix(b, []byte("\r\n")), []byte("\r\n"))
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Errorf("line %d splits a character: %q", i+1, l)
		}
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) == 0 {
			t.Errorf("line %d is empty", i+1)
		}
	}
}

func TestCalendarProperties(t *testing.T) {
	start := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	c := Calendar{Name: "Ryhmä", Refresh: time.Hour, Events: []Event{
		{UID: "a@h", Sequence: 3, Stamp: start, Start: start, End: start.Add(90 * time.Minute), Location: helsinki(t), Summary: "x", Status: StatusCancelled},
	}}
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cal := parse(t, b)
	props := map[string]string{}
	params := map[string]map[string][]string{}
	for _, p := range cal.CalendarProperties {
		props[p.IANAToken] = p.Value
		params[p.IANAToken] = p.ICalParameters
	}
	for k, want := range map[string]string{
		"VERSION": "2.0", "METHOD": "PUBLISH", "REFRESH-INTERVAL": "PT1H", "X-PUBLISHED-TTL": "PT1H",
		"X-WR-CALNAME": "Ryhmä", "NAME": "Ryhmä", "CALSCALE": "GREGORIAN",
	} {
		if props[k] != want {
			t.Errorf("%s = %q, want %q", k, props[k], want)
		}
	}
	if v := params["REFRESH-INTERVAL"]["VALUE"]; len(v) != 1 || v[0] != "DURATION" {
		t.Errorf("REFRESH-INTERVAL VALUE = %v, want DURATION", v)
	}
	if props["PRODID"] == "" {
		t.Error("no PRODID")
	}
	e := cal.Events()[0]
	for p, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertySequence: "3", ics.ComponentPropertyStatus: "CANCELLED", ics.ComponentPropertyDtstamp: "20260309T070000Z",
	} {
		if got := prop(t, &e.ComponentBase, p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
}

func TestEventErrors(t *testing.T) {
	start := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	for name, e := range map[string]Event{
		"no UID":         {Start: start, End: start},
		"end before":     {UID: "u", Start: start, End: start.Add(-time.Minute)},
		"no start":       {UID: "u"},
		"unnamed zone":   {UID: "u", Start: start, End: start, Location: time.FixedZone("A;B", 3600)},
		"the local zone": {UID: "u", Start: start, End: start, Location: time.Local},
	} {
		if _, err := (Calendar{Events: []Event{e}}).Marshal(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "PT1H", 90 * time.Minute: "PT1H30M", 24 * time.Hour: "P1D", 25*time.Hour + time.Second: "P1DT1H1S", 0: "PT0S",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}
