package api

import (
	"fmt"
	"math"
	"time"
)

// Times on the wire are RFC 3339 with the offset of the zone they belong
// to (a meeting's start in the meeting's zone, other times in the group's),
// with the IANA zone name in a field beside them. Durations are minutes,
// as JSON numbers.

// ts formats t in loc; "" for the zero time (fields with omitempty).
func ts(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.RFC3339)
}

// tsMilli is ts to the millisecond: for times that line up with media
// (speaking turns beside the recordings).
func tsMilli(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02T15:04:05.000Z07:00")
}

// zoneOf loads an IANA zone, falling back to UTC for a name that is not
// one (stored data is validated; this keeps a bad record from failing a
// whole page).
func zoneOf(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// localLayouts are the forms a time without an offset may take: what an
// HTML datetime-local input gives, with or without seconds.
var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// parseTime reads a time: RFC 3339 with an offset or Z, or a local time
// "2026-03-09T09:00" in loc. A local time that does not exist in loc (the
// hour skipped when daylight saving starts) is refused.
func parseTime(field, s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, invalid(field, "is required")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range localLayouts {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		if t.Format(layout) != s {
			return time.Time{}, invalid(field, fmt.Sprintf("%s does not exist in %s (the clocks skip it)", s, loc))
		}
		return t, nil
	}
	return time.Time{}, invalid(field, `must be a time like "2026-03-09T09:00:00+02:00", or "2026-03-09T09:00" in the time zone`)
}

// Minutes is a duration in minutes on the wire.
type Minutes float64

// maxMinutes is far beyond any meeting; the domain checks its own limits.
const maxMinutes = 100000

func minutes(d time.Duration) Minutes {
	return Minutes(math.Round(d.Minutes()*100) / 100)
}

// duration converts to a time.Duration, to the second.
func (m Minutes) duration(field string) (time.Duration, error) {
	if m < 0 || m > maxMinutes {
		return 0, invalid(field, fmt.Sprintf("must be 0–%d minutes", maxMinutes))
	}
	return time.Duration(math.Round(float64(m)*60)) * time.Second, nil
}

// optMinutes converts an optional duration.
func optMinutes(field string, m *Minutes) (*time.Duration, error) {
	if m == nil {
		return nil, nil
	}
	d, err := m.duration(field)
	return &d, err
}

// fieldAt names an element's field: phases[2].timeboxMinutes.
func fieldAt(list string, i int, field string) string {
	return fmt.Sprintf("%s[%d].%s", list, i, field)
}

// fieldIndex names a list element: starts[1].
func fieldIndex(list string, i int) string { return fmt.Sprintf("%s[%d]", list, i) }
