package notify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"piiri/control"
	"piiri/internal/testwait"
	"piiri/notify"
	"piiri/store"
)

const sentinel = "sentinel@example.net"

// flush sends a message through the Mailer's queue behind everything
// queued so far and waits for it: the queue is first in, first out with
// one worker, so once it arrives everything queued before it has been
// delivered (or given up), and what has not arrived was never queued.
func (h *harness) flush() {
	h.t.Helper()
	before := len(h.rcv.to(sentinel))
	h.mailer.Invite(h.ctx, control.InviteNotice{
		To:    control.Recipient{PersonID: "sentinel", Name: "Sentinel", Email: sentinel, Language: control.English, Role: control.RoleObserver},
		Group: control.GroupInfo{Name: "Flush"},
	})
	testwait.Until(h.t, 20*time.Second, "the sentinel message", func() error {
		if n := len(h.rcv.to(sentinel)); n != before+1 {
			return fmt.Errorf("%d sentinels, want %d", n, before+1)
		}
		return nil
	})
}

// reminders are the reminders received, by address.
func (h *harness) reminders() map[string][]parsed {
	h.t.Helper()
	out := map[string][]parsed{}
	for _, m := range h.rcv.messages() {
		p := parse(h.t, m.Data)
		for _, prefix := range []string{"Muistutus:", "Påminnelse:", "Reminder:"} {
			if strings.HasPrefix(p.Subject, prefix) {
				out[m.To[0]] = append(out[m.To[0]], p)
			}
		}
	}
	return out
}

func count(rs map[string][]parsed) int {
	n := 0
	for _, r := range rs {
		n += len(r)
	}
	return n
}

func openDB(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// reminderSetup is a bbolt-backed harness with three people with
// addresses and a member without one, their answers given, and the
// reminder loop running.
func reminderSetup(t *testing.T, dir string, config func(*notify.Config)) (*harness, *store.DB, [3]control.Person) {
	db := openDB(t, dir)
	h := newHarness(t, harnessOptions{store: db, config: config})
	fi, sv, en := h.addThree()
	_, _, err := h.svc.AddPerson(h.ctx, h.as(h.fac), h.group.ID, control.PersonInput{Name: "Aino Ilman", Role: control.RoleMember})
	must(t, err)
	for _, r := range []struct {
		p control.Person
		a control.Answer
	}{{fi, control.Coming}, {sv, control.NotComing}, {en, control.Maybe}} {
		_, err := h.svc.SetRSVP(h.ctx, h.as(r.p), h.meeting.ID, r.p.ID, r.a)
		must(t, err)
	}
	h.rcv.waitFor(3)
	h.mailer.StartReminders(h.svc)
	return h, db, [3]control.Person{fi, sv, en}
}

// TestReminderDayBefore: the reminder goes out once per person, when the
// day-before window opens, in their language with their answer and the
// quorum forecast; later checks and a restart over the same store send it
// no second time.
func TestReminderDayBefore(t *testing.T) {
	dir := t.TempDir()
	h, db, people := reminderSetup(t, dir, nil)
	fi, sv, en := people[0], people[1], people[2]
	windowOpens := h.meeting.Start.Add(-control.ReminderLead)

	h.clk.Advance(windowOpens.Sub(h.clk.Now()) - time.Minute)
	h.flush()
	if n := count(h.reminders()); n != 0 {
		t.Fatalf("%d reminders a minute before the day-before window", n)
	}
	h.clk.Advance(6 * time.Minute) // one check of every 5 min falls in the window
	h.flush()
	rs := h.reminders()
	if n := count(rs); n != 3 {
		t.Fatalf("%d reminders once the window opened, want 3: %v", n, rs)
	}
	// Three counted members (two with addresses, Aino without), quorum 2:
	// Sanna is coming, Sven is not, Olivia observes.
	for _, c := range []struct {
		p       control.Person
		subject string
		text    []string
	}{
		{fi, "Muistutus: " + groupName + ", ma 9.3.2026 klo 9.00", []string{"tässä muistutus ryhmän ”" + groupName + "” seuraavasta tapaamisesta.", "Aika: maanantai 9.3.2026 klo 9.00–10.30", "Vastauksesi: tulen.", "Tulossa 1: tarvitaan vielä 1, jotta vähimmäismäärä (2) täyttyy.", "Vastaa tai muuta vastaustasi täällä:"}},
		{sv, "Påminnelse: " + groupName + ", mån 9.3.2026 kl. 9.00", []string{"Ditt svar: jag kommer inte.", "1 kommer: det behövs 1 till för att nå minimiantalet (2)."}},
		{en, "Reminder: " + groupName + ", Mon 9 Mar 2026, 09:00", []string{"Your answer: maybe.", "1 coming: 1 more needed for the quorum of 2."}},
	} {
		got := rs[c.p.Email]
		if len(got) != 1 {
			t.Fatalf("%d reminders to %s", len(got), c.p.Email)
		}
		m := got[0]
		if m.Subject != c.subject {
			t.Errorf("subject %q, want %q", m.Subject, c.subject)
		}
		contains(t, "text", m.Text, append(c.text, baseURL+"/g/"+h.tokens[c.p.ID])...)
		contains(t, "html", m.HTML, `<a href="`+baseURL+"/g/"+h.tokens[c.p.ID]+`">`)
		d, err := m.Header.Date()
		if err != nil || d.Before(windowOpens) || d.After(windowOpens.Add(5*time.Minute)) {
			t.Errorf("sent at %v, want within 5 min of %v (a day before the start)", d, windowOpens)
		}
		if m.Calendar != nil {
			t.Error("a reminder carries a calendar")
		}
	}

	h.clk.Advance(time.Hour) // twelve more checks
	h.flush()
	if n := count(h.reminders()); n != 3 {
		t.Fatalf("%d reminders after an hour more, want still 3", n)
	}

	// Restart: the mailer and the store close, a new service and mailer
	// open the same directory, on the same clock and relay.
	must(t, h.mailer.Close(context.Background()))
	must(t, db.Close())
	db2 := openDB(t, dir)
	defer db2.Close()
	h2 := newHarness(t, harnessOptions{store: db2, clk: h.clk, receiver: h.rcv, noGroup: true})
	h2.tokens = h.tokens
	h2.mailer.StartReminders(h2.svc)
	h2.clk.Advance(time.Hour)
	h2.flush()
	if n := count(h2.reminders()); n != 3 {
		t.Fatalf("%d reminders after the restart, want still 3", n)
	}
	if got := h.sent("reminder") + h2.sent("reminder"); got != 3 {
		t.Errorf("sent{reminder} = %v, want 3", got)
	}
	h2.checkLogs()
}

// TestReminderNotSkippedAcrossRestart: reminders the relay refused before
// a restart are not marked, so the restarted server sends them.
func TestReminderNotSkippedAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	// Retries wait an hour: the restart comes while they wait.
	h, db, _ := reminderSetup(t, dir, func(c *notify.Config) { c.RetryAfter = time.Hour })
	h.rcv.refuseNext(451, 451, 451)
	windowOpens := h.meeting.Start.Add(-control.ReminderLead)
	h.clk.Advance(windowOpens.Sub(h.clk.Now()) + time.Minute)
	h.waitMetric("three reminders retrying", 3, func() float64 { return h.retries("reminder") })
	if n := count(h.reminders()); n != 0 {
		t.Fatalf("%d reminders delivered though the relay refused", n)
	}
	// Shut down while they wait for their backoff.
	if err := h.mailer.Close(context.Background()); err == nil {
		t.Fatal("Close reported nothing given up")
	}
	must(t, db.Close())

	db2 := openDB(t, dir)
	defer db2.Close()
	h2 := newHarness(t, harnessOptions{store: db2, clk: h.clk, receiver: h.rcv, noGroup: true})
	h2.mailer.StartReminders(h2.svc) // checks at once
	h2.flush()
	if n := count(h2.reminders()); n != 3 {
		t.Fatalf("%d reminders after the restart, want the 3 refused before it", n)
	}
	h2.clk.Advance(time.Hour)
	h2.flush()
	if n := count(h2.reminders()); n != 3 {
		t.Fatalf("%d reminders an hour later, want still 3", n)
	}
}

// TestReminderAfterMove: a meeting moved after its reminder went out is
// reminded again for its new time, besides the moved notice.
func TestReminderAfterMove(t *testing.T) {
	h, _, people := reminderSetup(t, t.TempDir(), nil)
	fi := people[0]
	h.clk.Advance(h.meeting.Start.Sub(h.clk.Now()) - 2*time.Hour)
	h.flush()
	if n := len(h.reminders()[fi.Email]); n != 1 {
		t.Fatalf("%d reminders before the move", n)
	}
	_, err := h.svc.MoveMeeting(h.ctx, h.as(h.fac), h.meeting.ID, h.meeting.Start.Add(time.Hour), "")
	must(t, err)
	h.clk.Advance(5 * time.Minute)
	h.flush()
	got := h.reminders()[fi.Email]
	if len(got) != 2 {
		t.Fatalf("%d reminders to %s, want a second one for the new time", len(got), fi.Email)
	}
	contains(t, "text", got[1].Text, "Aika: maanantai 9.3.2026 klo 10.00–11.30", "Vastauksesi koski tapaamisen aiempaa aikaa. Vastaa uudelleen.", "Tulossa 0: tarvitaan vielä 2")
}

// TestReminderRetryNotDuplicated: a reminder waiting to retry is not
// queued again by the checks that come meanwhile.
func TestReminderRetryNotDuplicated(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	h := newHarness(t, harnessOptions{store: db, config: func(c *notify.Config) { c.RetryAfter = 20 * time.Minute }})
	h.addThree()
	h.rcv.waitFor(3)
	h.mailer.StartReminders(h.svc)
	h.rcv.refuseNext(451, 451, 451)
	h.clk.Advance(h.meeting.Start.Sub(h.clk.Now()) - control.ReminderLead + time.Minute)
	h.waitMetric("three retrying", 3, func() float64 { return h.retries("reminder") })
	h.clk.Advance(10 * time.Minute) // two checks while all three wait
	h.flush()
	if n := count(h.reminders()); n != 0 {
		t.Fatalf("%d reminders delivered while their retries waited: queued twice", n)
	}
	h.clk.Advance(15 * time.Minute) // the retries
	h.waitMetric("sent", 3, func() float64 { return h.sent("reminder") })
	h.clk.Advance(time.Hour)
	h.flush()
	if n := count(h.reminders()); n != 3 {
		t.Fatalf("%d reminders, want 3", n)
	}
}
