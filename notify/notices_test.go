package notify_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"piiri/control"
	"piiri/ical/icaltest"
)

// event reads the attached calendar back: METHOD:PUBLISH both inside and
// in the Content-Type, one event, whose UID, SEQUENCE, start and status
// it returns.
type event struct {
	uid, status, url string
	seq              int
	start, end       time.Time
}

func readEvent(t *testing.T, p parsed) event {
	t.Helper()
	if p.Calendar == nil {
		t.Fatal("no calendar attached")
	}
	if p.CalType["method"] != "PUBLISH" || p.CalType["charset"] != "utf-8" || !strings.HasSuffix(p.CalName, ".ics") {
		t.Errorf("attachment type %v name %q, want method=PUBLISH charset=utf-8, a .ics file", p.CalType, p.CalName)
	}
	cal := icaltest.Parse(t, p.Calendar)
	method := ""
	for _, prop := range cal.CalendarProperties {
		if prop.IANAToken == "METHOD" {
			method = prop.Value
		}
	}
	if method != "PUBLISH" {
		t.Errorf("METHOD %q, want PUBLISH", method)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events attached, want 1", len(events))
	}
	e := events[0]
	zones := icaltest.Zones(t, cal, 2027)
	var ev event
	ev.uid = icaltest.Prop(t, &e.ComponentBase, ics.ComponentPropertyUniqueId)
	ev.status = icaltest.Prop(t, &e.ComponentBase, ics.ComponentPropertyStatus)
	ev.seq, _ = strconv.Atoi(icaltest.Prop(t, &e.ComponentBase, ics.ComponentPropertySequence))
	ev.start, _ = icaltest.EventTime(t, e, ics.ComponentPropertyDtStart, zones)
	ev.end, _ = icaltest.EventTime(t, e, ics.ComponentPropertyDtEnd, zones)
	if u := e.GetProperty(ics.ComponentPropertyUrl); u != nil {
		ev.url = u.Value
	}
	return ev
}

// only is the one message that went to addr.
func only(t *testing.T, r *receiver, addr string) parsed {
	t.Helper()
	got := r.to(addr)
	if len(got) != 1 {
		t.Fatalf("%d messages to %s, want 1", len(got), addr)
	}
	if got[0].From != "piiri@example.fi" || len(got[0].To) != 1 {
		t.Fatalf("envelope from %q to %v", got[0].From, got[0].To)
	}
	return parse(t, got[0].Data)
}

func contains(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// TestInvitation: adding people with addresses sends each an invitation
// in their language, with their link, their calendar feed and the next
// meeting's .ics.
func TestInvitation(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	fi, sv, en := h.addThree()
	h.rcv.waitFor(3)
	uid := h.meeting.UID + "@piiri.example.fi" // what the API's feed uses for this base URL
	cases := []struct {
		p                control.Person
		subject, lang    string
		text             []string
		nameInTo, fileIs string
	}{
		{fi, "Kutsu: " + groupName, "fi", []string{"Hei Sanna Sähköposti,", "sinut on lisätty ryhmään ”" + groupName + "” jäseneksi.", "Seuraava tapaaminen:", "Tapaaminen 1/8", "Aika: maanantai 9.3.2026 klo 9.00–10.30", "Teema: Työn kuormitus", "Järjestäjä: Espoon kaupunki"}, "Sanna Sähköposti", "tapaaminen.ics"},
		{sv, "Inbjudan: " + groupName, "sv", []string{"Hej Sven Svensson!", "Du har lagts till i gruppen ”" + groupName + "” som medlem.", "Nästa träff:", "Träff 1 av 8", "Tid: måndag 9.3.2026 kl. 9.00–10.30", "Tema: Työn kuormitus", "Arrangör: Espoon kaupunki"}, "Sven Svensson", "traff.ics"},
		{en, "Invitation: " + groupName, "en", []string{"Hello Olivia Observer,", "as an observer.", "The next meeting:", "Meeting 1 of 8", "Time: Monday 9 March 2026, 09:00–10:30", "Theme: Työn kuormitus"}, "Olivia Observer", "meeting.ics"},
	}
	ids := map[string]bool{}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			m := only(t, h.rcv, c.p.Email)
			room := baseURL + "/g/" + h.tokens[c.p.ID]
			feed := baseURL + "/cal/" + h.tokens[c.p.ID] + ".ics"
			if m.Subject != c.subject {
				t.Errorf("subject %q, want %q", m.Subject, c.subject)
			}
			if !strings.Contains(m.Header.Get("Subject"), "=?utf-8?") {
				t.Errorf("subject %q is not an RFC 2047 encoded word", m.Header.Get("Subject"))
			}
			to, err := m.Header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Address != c.p.Email || to[0].Name != c.nameInTo {
				t.Errorf("To %v (%v), want %s <%s>", to, err, c.nameInTo, c.p.Email)
			}
			if rt, err := m.Header.AddressList("Reply-To"); err != nil || rt[0].Address != "koordinaattori@example.fi" {
				t.Errorf("Reply-To %v (%v)", rt, err)
			}
			if from, err := m.Header.AddressList("From"); err != nil || from[0].Address != "piiri@example.fi" || from[0].Name != "Piiri" {
				t.Errorf("From %v (%v)", from, err)
			}
			if d, _ := m.Header.Date(); !d.Equal(h.clk.Now().Truncate(time.Second)) {
				t.Errorf("Date %v, want the clock's %v", d, h.clk.Now())
			}
			if m.Header.Get("Content-Language") != c.lang || m.Header.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("Content-Language %q, Auto-Submitted %q", m.Header.Get("Content-Language"), m.Header.Get("Auto-Submitted"))
			}
			ids[m.Header.Get("Message-Id")] = true
			contains(t, "text", m.Text, append(c.text, room, feed)...)
			contains(t, "html", m.HTML, `<html lang="`+c.lang+`">`, `<a href="`+room+`">`, `<a href="`+feed+`">`)
			if c.p.Language != control.English {
				contains(t, "html", m.HTML, c.text[1])
			}
			if m.CalName != c.fileIs {
				t.Errorf("attachment named %q, want %q", m.CalName, c.fileIs)
			}
			ev := readEvent(t, m)
			switch {
			case ev.uid != uid || ev.seq != 0 || ev.status != "CONFIRMED":
				t.Errorf("event uid %s seq %d status %s, want %s 0 CONFIRMED", ev.uid, ev.seq, ev.status, uid)
			case !ev.start.Equal(h.meeting.Start) || !ev.end.Equal(h.meeting.End()):
				t.Errorf("event %v–%v, want %v–%v", ev.start, ev.end, h.meeting.Start, h.meeting.End())
			case ev.url != room:
				t.Errorf("event URL %q, want the person's link", ev.url)
			}
		})
	}
	if len(ids) != 3 {
		t.Errorf("Message-IDs are not unique: %v", ids)
	}
	if got := h.sent("invitation"); got != 3 {
		t.Errorf("sent{invitation} = %v, want 3", got)
	}
	h.checkLogs()
}

// TestInvitationReissued: a new link is mailed, and the old one is not in
// it; without a planned meeting the invitation says so and attaches
// nothing.
func TestInvitationReissued(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	if _, err := h.svc.CancelMeeting(h.ctx, h.as(h.fac), h.meeting.ID); err != nil {
		t.Fatal(err)
	}
	p := h.add("Sanna Sähköposti", "sanna@example.fi", control.Finnish, control.RoleMember)
	old := h.tokens[p.ID]
	l, err := h.svc.ReissueLink(h.ctx, h.as(p), p.ID)
	must(t, err)
	got := h.rcv.waitFor(2)
	m := parse(t, got[1].Data)
	if m.Subject != "Uusi linkkisi: "+groupName {
		t.Errorf("subject %q", m.Subject)
	}
	contains(t, "text", m.Text, "Vanha linkki ei enää toimi.", baseURL+"/g/"+l.Token, "Tapaamisia ei ole vielä suunniteltu.")
	if strings.Contains(m.Text, old) || strings.Contains(m.HTML, old) {
		t.Error("the reissue mail holds the old token")
	}
	if m.Calendar != nil {
		t.Error("a calendar is attached though no meeting is planned")
	}
}

// TestMovedNotice: moving a meeting mails everyone with an address the
// new and old times and the event with SEQUENCE raised and the UID kept.
func TestMovedNotice(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	fi, sv, _ := h.addThree()
	h.rcv.waitFor(3)
	to := h.meeting.Start.Add(26 * time.Hour) // Tuesday 10.3. 11.00
	moved, err := h.svc.MoveMeeting(h.ctx, h.as(h.fac), h.meeting.ID, to, "")
	must(t, err)
	h.rcv.waitFor(6)
	for _, c := range []struct {
		p       control.Person
		subject string
		text    []string
	}{
		{fi, "Tapaaminen siirretty: " + groupName + ", ti 10.3.2026 klo 11.00", []string{"ryhmän ”" + groupName + "” tapaaminen on siirretty.", "Uusi aika: tiistai 10.3.2026 klo 11.00–12.30", "Vanha aika: maanantai 9.3.2026 klo 9.00–10.30", "Vastaa uudelleen:"}},
		{sv, "Träffen har flyttats: " + groupName + ", tis 10.3.2026 kl. 11.00", []string{"Ny tid: tisdag 10.3.2026 kl. 11.00–12.30", "Tidigare tid: måndag 9.3.2026 kl. 9.00–10.30", "Svara igen:"}},
	} {
		msgs := h.rcv.to(c.p.Email)
		if len(msgs) != 2 {
			t.Fatalf("%d messages to %s, want the invitation and the notice", len(msgs), c.p.Email)
		}
		m := parse(t, msgs[1].Data)
		if m.Subject != c.subject {
			t.Errorf("subject %q, want %q", m.Subject, c.subject)
		}
		contains(t, "text", m.Text, append(c.text, baseURL+"/g/"+h.tokens[c.p.ID])...)
		ev := readEvent(t, m)
		if ev.uid != h.meeting.UID+"@piiri.example.fi" || ev.seq != moved.Sequence || ev.seq <= h.meeting.Sequence || !ev.start.Equal(to) {
			t.Errorf("event uid %s seq %d start %v; want the same UID, SEQUENCE %d (raised), start %v", ev.uid, ev.seq, ev.start, moved.Sequence, to)
		}
	}
	if got := h.sent("moved"); got != 3 {
		t.Errorf("sent{moved} = %v, want 3", got)
	}
}

// TestCancelledNotice: cancelling mails the event as STATUS:CANCELLED.
func TestCancelledNotice(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	_, _, en := h.addThree()
	h.rcv.waitFor(3)
	c, err := h.svc.CancelMeeting(h.ctx, h.as(h.fac), h.meeting.ID)
	must(t, err)
	h.rcv.waitFor(6)
	msgs := h.rcv.to(en.Email)
	m := parse(t, msgs[len(msgs)-1].Data)
	if m.Subject != "Meeting cancelled: "+groupName+", Mon 9 Mar 2026, 09:00" {
		t.Errorf("subject %q", m.Subject)
	}
	contains(t, "text", m.Text, "is cancelled.", "Time: Monday 9 March 2026, 09:00–10:30", "marks it cancelled")
	ev := readEvent(t, m)
	if ev.status != "CANCELLED" || ev.seq != c.Sequence || ev.seq <= h.meeting.Sequence || ev.uid != h.meeting.UID+"@piiri.example.fi" {
		t.Errorf("event status %s seq %d uid %s, want CANCELLED, %d, the same UID", ev.status, ev.seq, ev.uid, c.Sequence)
	}
	if got := h.sent("cancelled"); got != 3 {
		t.Errorf("sent{cancelled} = %v, want 3", got)
	}
}

// TestHTMLEscaped: names go into the HTML as text, never as markup.
func TestHTMLEscaped(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.add(`Eve <b onclick="x">&`, "eve@example.fi", control.English, control.RoleMember)
	m := parse(t, h.rcv.waitFor(1)[0].Data)
	if strings.Contains(m.HTML, "<b onclick") || !strings.Contains(m.HTML, "Eve &lt;b onclick=&#34;x&#34;&gt;&amp;") {
		t.Fatalf("the name is not escaped in the HTML:\n%s", m.HTML)
	}
	contains(t, "text", m.Text, `Hello Eve <b onclick="x">&,`)
	if to, err := m.Header.AddressList("To"); err != nil || to[0].Name != `Eve <b onclick="x">&` {
		t.Fatalf("To %v (%v)", to, err)
	}
}
