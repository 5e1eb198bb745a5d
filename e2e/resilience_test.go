package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/config"
)

// TestLongOutageRejoins: a participant whose signalling stays down past the
// resume grace period is removed by the server; when its network comes back
// the page joins again by itself, as a new participant, without a reload,
// and media flows both ways.
func TestLongOutageRejoins(t *testing.T) {
	srv := startServer(t, func(c *config.Config) { c.Signaling.ResumeGrace = 3 * time.Second })
	link := srv.RoomLink()
	a, b := newBrowser(t), newBrowser(t)
	idA := joinThroughUI(t, a, link, "Anna")
	idB := joinThroughUI(t, b, link, "Ben")
	waitReceiving(t, b, []string{idA}, nil, 10, 10, 30*time.Second)
	eval[chromedp.Void](t, a, `window.notReloaded = true`)

	// Anna's network stops letting websockets through: every attempt to
	// connect goes to a closed port and fails at once.
	eval[chromedp.Void](t, a, `window.realWebSocket = WebSocket; window.WebSocket = function () { return new window.realWebSocket('ws://127.0.0.1:9/'); }`)
	if !srv.Signaling().Disconnect(idA) {
		t.Fatal("server did not find Anna's connection")
	}
	poll(t, a, 10*time.Second, "Anna's page says it is reconnecting", `window.piiri.statusLog.includes('reconnecting') && !document.getElementById('banner').hidden`)
	poll(t, b, 20*time.Second, "Ben sees Anna leave after the grace period", `document.querySelectorAll('#grid .tile').length === 1`)

	// The network comes back.
	eval[chromedp.Void](t, a, `window.WebSocket = window.realWebSocket`)
	poll(t, a, 20*time.Second, "Anna joined again", `window.notReloaded === true && window.piiri.session.state === 'connected' && window.piiri.session.id !== `+jsString(idA))
	newA := eval[string](t, a, `window.piiri.session.id`)
	waitReceiving(t, a, []string{idB}, nil, 20, 20, 20*time.Second)
	waitReceiving(t, b, []string{newA}, nil, 20, 20, 20*time.Second)
	poll(t, b, 5*time.Second, "Ben sees Anna again", fmt.Sprintf(`document.querySelectorAll('#grid .tile').length === 2 && !!document.querySelector('#grid figure[data-participant=%s]')`, jsString(newA)))
	a.checkNoExceptions(t)
	b.checkNoExceptions(t)
}
