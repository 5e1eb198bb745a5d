package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/control"
	"piiri/e2e/chrome"
	"piiri/internal/testwait"
)

// TestConsentOnPrejoin: the pre-join page of a group's meeting shows the
// group's consent text and two separate choices, both off; a member who
// turns on recording only joins with exactly that consent recorded (and
// logged under the text's version); one who turns on nothing joins all
// the same. In the room, each changes their consent with one click: Fia's
// yes lets recording start, and both see that they are recorded; Anna's
// withdrawal pauses it (strict mode), for both to see; in per-person mode
// it runs again without her, and she sees that she is not recorded.
func TestConsentOnPrejoin(t *testing.T) {
	srv := startServer(t, nil)
	links, meetingID, svc := personalGroup(t, srv)
	ctx, admin := context.Background(), control.AdminPrincipal()
	if _, err := svc.OpenMeeting(ctx, admin, meetingID); err != nil {
		t.Fatal(err)
	}
	anna, fia := chrome.New(t), chrome.New(t)
	for _, b := range []*chrome.Browser{anna, fia} {
		link := links["Anna Jäsen"]
		if b == fia {
			link = links["Fia Ohjaaja"]
		}
		enterGroupPage(t, b, link)
		b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#group-join")), chromedp.WaitVisible(chromedp.CSS("#consent-record")))
		chrome.Poll(t, b, 10*time.Second, "the page is set up", chrome.ReadyJS+` && !document.getElementById('join-button').disabled`)
	}
	got := chrome.Eval[string](t, anna, `(() => { const r = document.getElementById('consent-record'), s = document.getElementById('consent-stats'); return r.checked + '|' + s.checked + '|' + document.getElementById('consent-text').textContent.slice(0, 20); })()`)
	if got != "false|false|Tapaamisen voi talle" {
		t.Errorf("the consent choices start as %q; want both off, and the group's Finnish text", got)
	}
	chrome.CheckAccessibility(t, anna, "pre-join page with consent")
	chrome.Screenshot(t, anna, "prejoin-consent")

	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`label[for="consent-record"]`)), chromedp.Click(chromedp.CSS("#join-button")))
	waitInRoom(t, anna, 30*time.Second)
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#join-button")))
	waitInRoom(t, fia, 30*time.Second)

	log, err := svc.ConsentLog(ctx, admin, meetingID)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 {
		t.Fatalf("the consent log has %d entries, want one per person: %+v", len(log), log)
	}
	var recorded, nothing int
	for _, e := range log {
		switch {
		case e.Record && !e.Stats && e.TextVersion == 1:
			recorded++
		case !e.Record && !e.Stats:
			nothing++
		}
	}
	if recorded != 1 || nothing != 1 {
		t.Errorf("the consent log %+v: want Anna recording only (text version 1), Fia nothing", log)
	}
	// Strict mode: with both in the room, Fia's no keeps recording from
	// starting, and the state says whose consent it waits for.
	testwait.Until(t, 30*time.Second, "both present", func() error {
		st, err := svc.LiveState(ctx, admin, meetingID)
		if err != nil {
			return err
		}
		for _, p := range st.People {
			if !p.Present {
				return fmt.Errorf("%s is not present yet", p.Name)
			}
		}
		return nil
	})
	if _, err := svc.StartRecording(ctx, admin, meetingID); !errors.Is(err, control.ErrConsentMissing) {
		t.Errorf("starting to record with the facilitator's no: %v, want ErrConsentMissing", err)
	}

	// In the room: Fia says yes with one click, and recording may start.
	if chrome.Eval[bool](t, fia, `document.getElementById('side').hidden`) {
		fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-side")))
	}
	fia.Do(t, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(`label[for="room-consent-record"]`)), chromedp.Click(chromedp.CSS(`label[for="room-consent-record"]`)))
	chrome.Poll(t, fia, 10*time.Second, "Fia's consent saved", `document.getElementById('room-consent-status').textContent !== '' && document.getElementById('room-consent-record').checked`)
	testwait.Until(t, 10*time.Second, "recording allowed", func() error {
		_, err := svc.StartRecording(ctx, admin, meetingID)
		return err
	})
	indicator := func(b *chrome.Browser, want string) {
		t.Helper()
		chrome.Poll(t, b, 10*time.Second, "the indicator: "+want, fmt.Sprintf(`!document.getElementById('rec-indicator').hidden && document.getElementById('rec-indicator').textContent === %s`, chrome.JSString(want)))
	}
	const (
		youRecorded = "Recording: your audio and video are being recorded."
		paused      = "Recording is paused: someone here has not consented."
		notYou      = "Recording: others are being recorded, you are not."
	)
	indicator(anna, youRecorded)
	indicator(fia, youRecorded)
	chrome.CheckAccessibility(t, anna, "room, recording")

	// Anna withdraws in the room: strict mode pauses the recording.
	if chrome.Eval[bool](t, anna, `document.getElementById('side').hidden`) {
		anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-side")))
	}
	anna.Do(t, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(`label[for="room-consent-record"]`)), chromedp.Click(chromedp.CSS(`label[for="room-consent-record"]`)))
	indicator(anna, paused)
	indicator(fia, paused)

	// Per-person mode: it runs again, without her, and she sees that.
	mv, err := svc.Meeting(ctx, admin, meetingID)
	if err != nil {
		t.Fatal(err)
	}
	perPerson := control.ConsentPerPerson
	if _, err := svc.UpdateGroup(ctx, admin, mv.Meeting.GroupID, control.GroupPatch{ConsentMode: &perPerson}); err != nil {
		t.Fatal(err)
	}
	indicator(anna, notYou)
	indicator(fia, youRecorded)
	log, err = svc.ConsentLog(ctx, admin, meetingID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(log); n != 4 || !log[2].Record || log[3].Record {
		t.Errorf("the consent log %+v: want the two pre-join answers, then Fia's yes and Anna's withdrawal", log)
	}
	for _, b := range []*chrome.Browser{anna, fia} {
		b.CheckNoExceptions(t)
	}
}
