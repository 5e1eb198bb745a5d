package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"piiri/ical/icaltest"
)

// feed fetches and parses a person's feed.
func (h *harness) feed(role string) (*ics.Calendar, map[string]*ics.VEvent) {
	h.t.Helper()
	w := h.do(req{method: "GET", path: "/cal/" + h.token(role) + ".ics"})
	if w.Code != http.StatusOK {
		h.t.Fatalf("feed: status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		h.t.Errorf("Content-Type %q", ct)
	}
	cal := icaltest.Parse(h.t, w.Body.Bytes())
	byUID := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		byUID[icaltest.Prop(h.t, &e.ComponentBase, ics.ComponentPropertyUniqueId)] = e
	}
	return cal, byUID
}

func calProps(cal *ics.Calendar) map[string]string {
	out := map[string]string{}
	for _, p := range cal.CalendarProperties {
		out[p.IANAToken] = p.Value
	}
	return out
}

// TestFeed: the member's feed has the group's meetings with stable UIDs,
// the personal room link, the publishing properties and a VTIMEZONE for
// every TZID; moving a meeting keeps its UID and raises SEQUENCE;
// cancelling shows STATUS:CANCELLED; times read back through the feed's
// own VTIMEZONE are the meetings' instants, on both sides of the
// daylight-saving change; a revoked link's feed is 404.
func TestFeed(t *testing.T) {
	h := newHarness(t, openMem)
	f := h.f
	// Meetings on both sides of the change on 29 March 2026, one of them
	// in another zone.
	var prog Programme
	h.call(rFac, "POST", "/api/v1/groups/"+f.Group.ID+"/programme", map[string]any{"first": "2026-03-23T17:30"}, http.StatusCreated, &prog)
	if len(prog.Meetings) != 8 {
		t.Fatalf("%d meetings", len(prog.Meetings))
	}
	ny := prog.Meetings[2]
	var moved Meeting
	h.call(rFac, "POST", "/api/v1/meetings/"+ny.ID+"/move", map[string]any{"start": "2026-05-25T12:00", "timeZone": "America/New_York"}, http.StatusOK, &moved)

	cal, events := h.feed(rMember)
	props := calProps(cal)
	for k, want := range map[string]string{"METHOD": "PUBLISH", "REFRESH-INTERVAL": "PT1H", "X-PUBLISHED-TTL": "PT1H", "X-WR-CALNAME": f.Group.Name, "VERSION": "2.0"} {
		if props[k] != want {
			t.Errorf("%s = %q, want %q", k, props[k], want)
		}
	}
	if len(events) != 8 {
		t.Fatalf("%d events, want 8", len(events))
	}
	zones := icaltest.Zones(t, cal, 2030)
	for _, tz := range []string{"Europe/Helsinki", "America/New_York"} {
		if _, ok := zones[tz]; !ok {
			t.Errorf("no VTIMEZONE for %s", tz)
		}
	}
	if len(zones) != 2 {
		t.Errorf("%d VTIMEZONEs, want 2", len(zones))
	}
	var after Programme
	h.call(rMember, "GET", "/api/v1/groups/"+f.Group.ID+"/meetings", nil, http.StatusOK, &after)
	room := baseURL + "/g/" + h.token(rMember)
	uids := map[string]string{}
	for _, m := range after.Meetings {
		uid := meetingUID(t, h, m.ID)
		uids[m.ID] = uid
		e := events[uid]
		if e == nil {
			t.Fatalf("no event with UID %s (meeting %s)", uid, m.ID)
		}
		start, _ := icaltest.EventTime(t, e, ics.ComponentPropertyDtStart, zones)
		end, _ := icaltest.EventTime(t, e, ics.ComponentPropertyDtEnd, zones)
		want, _ := time.Parse(time.RFC3339, m.Start)
		if !start.Equal(want) || end.Sub(start) != time.Duration(m.DurationMinutes)*time.Minute {
			t.Errorf("meeting %d: event %v–%v, want %v for %v min", m.Number, start, end, want, m.DurationMinutes)
		}
		if tz := e.GetProperty(ics.ComponentPropertyDtStart).ICalParameters["TZID"]; len(tz) != 1 || tz[0] != m.TimeZone {
			t.Errorf("meeting %d: TZID %v, want %s", m.Number, tz, m.TimeZone)
		}
		if got := icaltest.Prop(t, &e.ComponentBase, ics.ComponentPropertyUrl); got != room {
			t.Errorf("URL %q, want the personal link", got)
		}
		if got := icaltest.Prop(t, &e.ComponentBase, ics.ComponentPropertyDescription); !strings.Contains(got, room) {
			t.Errorf("DESCRIPTION %q lacks the personal link", got)
		}
		if got := icaltest.Prop(t, &e.ComponentBase, ics.ComponentPropertySummary); !strings.Contains(got, "tapaaminen "+strconv.Itoa(m.Number)+"/8") {
			t.Errorf("SUMMARY %q (the member's language is Finnish)", got)
		}
	}
	// 23 March is before the change (UTC+2), 23 May after it (UTC+3);
	// the 23 April one moved to New York.
	for i, want := range map[int]string{0: "2026-03-09T09:00:00+02:00", 1: "2026-03-23T17:30:00+02:00", 2: "2026-05-23T17:30:00+03:00", 3: "2026-05-25T12:00:00-04:00"} {
		if got := after.Meetings[i].Start; got != want {
			t.Errorf("meeting %d starts %s, want %s", i+1, got, want)
		}
	}

	// Move one more and cancel another: same UIDs, SEQUENCE up, CANCELLED.
	target, cancel := after.Meetings[4], after.Meetings[5]
	seq := func(e *ics.VEvent) int {
		n, _ := strconv.Atoi(icaltest.Prop(t, &e.ComponentBase, ics.ComponentPropertySequence))
		return n
	}
	seqMove, seqCancel := seq(events[uids[target.ID]]), seq(events[uids[cancel.ID]])
	h.call(rFac, "POST", "/api/v1/meetings/"+target.ID+"/move", map[string]any{"start": "2026-08-20T18:00"}, http.StatusOK, nil)
	h.call(rFac, "POST", "/api/v1/meetings/"+cancel.ID+"/cancel", nil, http.StatusOK, nil)
	cal2, events2 := h.feed(rMember)
	zones2 := icaltest.Zones(t, cal2, 2030)
	if len(events2) != 8 {
		t.Fatalf("%d events after the changes", len(events2))
	}
	e := events2[uids[target.ID]]
	if e == nil {
		t.Fatal("the moved meeting's UID changed")
	}
	if seq(e) <= seqMove {
		t.Errorf("SEQUENCE %d after the move, was %d", seq(e), seqMove)
	}
	if start, _ := icaltest.EventTime(t, e, ics.ComponentPropertyDtStart, zones2); !start.Equal(time.Date(2026, 8, 20, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("moved meeting starts %v", start)
	}
	c := events2[uids[cancel.ID]]
	if c == nil || icaltest.Prop(t, &c.ComponentBase, ics.ComponentPropertyStatus) != "CANCELLED" || seq(c) <= seqCancel {
		t.Errorf("cancelled meeting: %v", c)
	}
	if st := icaltest.Prop(t, &events2[uids[after.Meetings[0].ID]].ComponentBase, ics.ComponentPropertyStatus); st != "CONFIRMED" {
		t.Errorf("planned meeting STATUS %s", st)
	}

	// Another person's feed has the same UIDs and their own link.
	_, facEvents := h.feed(rFac)
	if fe := facEvents[uids[target.ID]]; fe == nil || icaltest.Prop(t, &fe.ComponentBase, ics.ComponentPropertyUrl) != baseURL+"/g/"+h.token(rFac) {
		t.Error("the facilitator's feed lacks the meeting or has another link")
	}

	// A revoked link's feed is not found.
	h.call(rFac, "DELETE", "/api/v1/people/"+f.Members[1].ID+"/link", nil, http.StatusNoContent, nil)
	for _, path := range []string{"/cal/" + h.token(rMember) + ".ics", "/cal/" + h.token(rMember) + "/" + target.ID + ".ics"} {
		if w := h.do(req{method: "GET", path: path}); w.Code != http.StatusNotFound {
			t.Errorf("revoked link: %d", w.Code)
		}
	}
}

// meetingUID is the UID the feed must use: the meeting's calendar UID at
// the server's host.
func meetingUID(t *testing.T, h *harness, id string) string {
	t.Helper()
	mv, err := h.f.Svc.Meeting(h.f.Ctx, h.f.Admin(), id)
	if err != nil {
		t.Fatal(err)
	}
	if mv.Meeting.UID == "" {
		t.Fatal("meeting without a calendar UID")
	}
	return mv.Meeting.UID + "@piiri.example.fi"
}

// TestMeetingFile: the one-event download is an attachment with the
// feed's UID, and only for the link's own group's meetings.
func TestMeetingFile(t *testing.T) {
	h := newHarness(t, openMem)
	f := h.f
	w := h.do(req{method: "GET", path: "/cal/" + h.token(rMember) + "/" + f.Meeting.ID + ".ics"})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "meeting-1.ics") {
		t.Errorf("Content-Disposition %q", cd)
	}
	cal := icaltest.Parse(t, w.Body.Bytes())
	if len(cal.Events()) != 1 {
		t.Fatalf("%d events", len(cal.Events()))
	}
	e := cal.Events()[0]
	if uid := icaltest.Prop(t, &e.ComponentBase, ics.ComponentPropertyUniqueId); uid != meetingUID(t, h, f.Meeting.ID) {
		t.Errorf("UID %s", uid)
	}
	zones := icaltest.Zones(t, cal, 2030)
	if start, _ := icaltest.EventTime(t, e, ics.ComponentPropertyDtStart, zones); !start.Equal(f.Meeting.Start) {
		t.Errorf("start %v, want %v", start, f.Meeting.Start)
	}
	for name, path := range map[string]string{
		"another group's link":  "/cal/" + h.token(rOtherMem) + "/" + f.Meeting.ID + ".ics",
		"an unknown meeting":    "/cal/" + h.token(rMember) + "/nosuch.ics",
		"no .ics":               "/cal/" + h.token(rMember) + "/" + f.Meeting.ID,
		"the admin token":       "/cal/" + h.admin + ".ics",
		"a feed without .ics":   "/cal/" + h.token(rMember),
		"an unknown token feed": "/cal/Unknown0123456789abcdefghijk.ics",
	} {
		if w := h.do(req{method: "GET", path: path}); w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", name, w.Code)
		} else {
			apiErr(t, w)
		}
	}
}
