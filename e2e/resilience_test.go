package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/config"
	"piiri/e2e/chrome"
)

// TestLongOutageRejoins: a participant whose signalling stays down past the
// resume grace period is removed by the server; when its network comes back
// the page joins again by itself, as a new participant, without a reload,
// and media flows both ways.
func TestLongOutageRejoins(t *testing.T) {
	srv := startServer(t, func(c *config.Config) { c.Signaling.ResumeGrace = 3 * time.Second })
	link := srv.RoomLink()
	a, b := chrome.New(t), chrome.New(t)
	idA := chrome.JoinThroughUI(t, a, link, "Anna")
	idB := chrome.JoinThroughUI(t, b, link, "Ben")
	chrome.WaitReceiving(t, b, []string{idA}, nil, 10, 10, 30*time.Second)
	chrome.Eval[chromedp.Void](t, a, `window.notReloaded = true`)

	// Anna's network stops letting websockets through: every attempt to
	// connect goes to a closed port and fails at once.
	chrome.Eval[chromedp.Void](t, a, `window.realWebSocket = WebSocket; window.WebSocket = function () { return new window.realWebSocket('ws://127.0.0.1:9/'); }`)
	if !srv.Signaling().Disconnect(idA) {
		t.Fatal("server did not find Anna's connection")
	}
	chrome.Poll(t, a, 10*time.Second, "Anna's page says it is reconnecting", `window.piiri.statusLog.includes('reconnecting') && !document.getElementById('banner').hidden`)
	chrome.Poll(t, b, 20*time.Second, "Ben sees Anna leave after the grace period", `document.querySelectorAll('#grid .tile').length === 1`)

	// The network comes back.
	chrome.Eval[chromedp.Void](t, a, `window.WebSocket = window.realWebSocket`)
	chrome.Poll(t, a, 20*time.Second, "Anna joined again", `window.notReloaded === true && window.piiri.session.state === 'connected' && window.piiri.session.id !== `+chrome.JSString(idA))
	newA := chrome.Eval[string](t, a, `window.piiri.session.id`)
	chrome.WaitReceiving(t, a, []string{idB}, nil, 20, 20, 20*time.Second)
	chrome.WaitReceiving(t, b, []string{newA}, nil, 20, 20, 20*time.Second)
	chrome.Poll(t, b, 5*time.Second, "Ben sees Anna again", fmt.Sprintf(`document.querySelectorAll('#grid .tile').length === 2 && !!document.querySelector('#grid figure[data-participant=%s]')`, chrome.JSString(newA)))
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}
