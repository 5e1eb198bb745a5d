package firewall

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/e2e/chrome"
)

// TestOutage: the network goes away for a few seconds, signalling and
// media alike, and comes back. The page says it is reconnecting while the
// media path is down and recovers both ways by itself, without a reload.
func TestOutage(t *testing.T) {
	applyProfile(t, "open")
	room := fmt.Sprintf("outage-%d", time.Now().UnixNano())
	link := fmt.Sprintf("https://%s/?room=%s#key=%s", serverHost, room, roomKey)
	flags := []chromedp.ExecAllocatorOption{
		chromedp.Flag("host-resolver-rules", "MAP "+serverHost+" "+serverIP),
		chromedp.Flag("ignore-certificate-errors-spki-list", spki),
	}
	a, b := chrome.New(t, flags...), chrome.New(t, flags...)
	idA := chrome.JoinThroughUI(t, a, link, "Anna")
	idB := chrome.JoinThroughUI(t, b, link, "Ben")
	chrome.WaitReceiving(t, a, []string{idB}, nil, 20, 20, 30*time.Second)
	chrome.WaitReceiving(t, b, []string{idA}, nil, 20, 20, 30*time.Second)
	chrome.Eval[chromedp.Void](t, a, `window.notReloaded = true`)

	applyProfile(t, "blackout")
	chrome.Poll(t, a, 20*time.Second, "the page says it is reconnecting", `window.piiri.statusLog.includes('reconnecting') && !document.getElementById('banner').hidden`)
	applyProfile(t, "open")
	restored := time.Now()

	chrome.Poll(t, a, 30*time.Second, "connected again", `window.notReloaded === true && window.piiri.session.state === 'connected'`)
	idA = chrome.Eval[string](t, a, `window.piiri.session.id`)
	idB = chrome.Eval[string](t, b, `window.piiri.session.id`)
	baseA, baseB := chrome.Received(t, a), chrome.Received(t, b)
	chrome.WaitReceiving(t, a, []string{idB}, baseA, 20, 20, 30*time.Second)
	chrome.WaitReceiving(t, b, []string{idA}, baseB, 20, 20, 30*time.Second)
	t.Logf("media both ways %v after the network came back", time.Since(restored).Round(10*time.Millisecond))
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}
