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
// the same.
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
	for _, b := range []*chrome.Browser{anna, fia} {
		b.CheckNoExceptions(t)
	}
}
