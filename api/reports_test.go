package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"
)

// holdMeeting runs the fixture's meeting with three members present for
// 40 minutes, so it counts as held.
func holdMeeting(t *testing.T, h *harness) {
	t.Helper()
	f := h.f
	h.call(rChair, "POST", "/api/v1/meetings/"+f.Meeting.ID+"/open", nil, http.StatusOK, nil)
	at := f.Clock.Now()
	for _, m := range f.Members[:3] {
		if err := f.Svc.Joined(f.Ctx, f.Meeting.ID, m.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Svc.Joined(f.Ctx, f.Meeting.ID, f.Observer.ID, at); err != nil {
		t.Fatal(err)
	}
	h.call(rChair, "POST", "/api/v1/meetings/"+f.Meeting.ID+"/start", nil, http.StatusOK, nil)
	f.Clock.Advance(40 * time.Minute)
	var m Meeting
	h.call(rChair, "POST", "/api/v1/meetings/"+f.Meeting.ID+"/end", nil, http.StatusOK, &m)
	if !m.Count.Held || !m.Count.Final || m.State != "ended" {
		t.Fatalf("meeting not held: %+v", m.Count)
	}
}

func TestReports(t *testing.T) {
	h := newHarness(t, openMem)
	f := h.f
	holdMeeting(t, h)
	var r Report
	h.call(rFac, "GET", "/api/v1/groups/"+f.Group.ID+"/report", nil, http.StatusOK, &r)
	if r.Progress.Held != 1 || r.Progress.Planned != 8 {
		t.Errorf("progress %+v", r.Progress)
	}
	if len(r.Meetings) != 1 || r.Meetings[0].Attendees != 3 || r.Meetings[0].Others != 1 || r.Meetings[0].LongestMinutes != 40 {
		t.Errorf("meetings %+v", r.Meetings)
	}
	byOrg := map[string]ReportOrganisation{}
	for _, o := range r.Organisations {
		byOrg[o.Organisation] = o
	}
	// Members 0 and 2 are from Espoo, 1 from Vantaa; the observer from
	// Programme.
	if o := byOrg["Espoo"]; o.Attended != 2 || o.AttendedHeld != 2 || o.PresenceMinutes != 80 {
		t.Errorf("Espoo %+v", o)
	}
	if o := byOrg["Vantaa"]; o.Attended != 1 {
		t.Errorf("Vantaa %+v", o)
	}

	var o Overview
	h.call(rAdmin, "GET", "/api/v1/report", nil, http.StatusOK, &o)
	if len(o.Groups) != 2 {
		t.Fatalf("%d groups", len(o.Groups))
	}
	for _, g := range o.Groups {
		if g.ID == f.Group.ID && g.Progress.Held != 1 {
			t.Errorf("overview of the group: %+v", g)
		}
	}
	found := false
	for _, org := range o.Organisations {
		if org.Organisation == "Espoo" && org.Attended == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("overview organisations %+v", o.Organisations)
	}
}

// TestReportCSV: UTF-8 with BOM, CRLF, quoting, the separator and the
// decimal mark per ?sep, a file name, and formula-looking text made
// harmless; read back with encoding/csv.
func TestReportCSV(t *testing.T) {
	h := newHarness(t, openMem)
	f := h.f
	h.call(rFac, "PATCH", "/api/v1/people/"+f.Members[0].ID, map[string]any{"name": `=HYPERLINK("x"); "Äijä", jr`}, http.StatusOK, nil)
	holdMeeting(t, h)
	for _, c := range []struct {
		query   string
		sep     rune
		decimal string
	}{{"", ',', "."}, {"?sep=comma", ',', "."}, {"?sep=semicolon", ';', ","}} {
		q := "?table=people"
		if c.query != "" {
			q = c.query + "&table=people"
		}
		w := h.do(req{method: "GET", path: "/api/v1/groups/" + f.Group.ID + "/report.csv" + q, token: h.token(rFac)})
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", c.query, w.Code, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
			t.Errorf("Content-Disposition %q", cd)
		}
		b := w.Body.Bytes()
		if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			t.Fatal("no BOM")
		}
		if bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
			t.Error("a line ends without CRLF")
		}
		rd := csv.NewReader(bytes.NewReader(b[3:]))
		rd.Comma = c.sep
		rows, err := rd.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.query, err, b)
		}
		if rows[0][0] != "name" || len(rows) != 1+7 { // facilitator, 5 members, observer
			t.Errorf("%s: %d rows, header %v", c.query, len(rows), rows[0])
		}
		var aino []string
		for _, r := range rows {
			if strings.Contains(r[0], "HYPERLINK") {
				aino = r
			}
		}
		if aino == nil || aino[0] != `'=HYPERLINK("x"); "Äijä", jr` {
			t.Errorf("%s: the formula-like name came back as %q", c.query, aino)
		}
		if aino[6] != "40" {
			t.Errorf("%s: presence %q", c.query, aino[6])
		}
	}
	// Decimal comma with semicolons.
	if got := (csvFormat{sep: ';', decimalComma: true}).format(dec(95.5)); got != "95,5" {
		t.Errorf("decimal comma: %q", got)
	}
	// The meetings and organisations tables and the overview.
	for _, path := range []string{"/api/v1/groups/" + f.Group.ID + "/report.csv?table=meetings", "/api/v1/groups/" + f.Group.ID + "/report.csv?table=organisations&sep=semicolon", "/api/v1/report.csv", "/api/v1/report.csv?table=organisations"} {
		w := h.do(req{method: "GET", path: path, token: h.admin})
		if w.Code != http.StatusOK || !bytes.HasPrefix(w.Body.Bytes(), []byte("\xEF\xBB\xBF")) {
			t.Errorf("%s: %d %q", path, w.Code, w.Body)
		}
	}
}
