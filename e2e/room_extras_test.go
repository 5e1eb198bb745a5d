package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/e2e/chrome"
)

// TestPinHideSelfAndMutedHint: a person pins another's tile (it moves to
// the stage, larger, and back when unpinned), hides their own tile, and
// is told they are muted when they talk with the microphone off (the
// fake microphone plays a tone all the time).
func TestPinHideSelfAndMutedHint(t *testing.T) {
	srv := startServer(t, nil)
	// Talk-like sound (a steady tone would be taken for noise by the
	// browser's noise suppression and fade away).
	tone := chromedp.Flag("use-file-for-fake-audio-capture", chrome.SyllablesWAV(t))
	anna, ben := chrome.New(t, tone), chrome.New(t, tone)
	link := srv.RoomLink()
	chrome.JoinThroughUI(t, anna, link, "Anna")
	idBen := chrome.JoinThroughUI(t, ben, link, "Ben")
	chrome.WaitReceiving(t, anna, []string{idBen}, nil, 10, 10, 30*time.Second)

	benTile := fmt.Sprintf(`document.querySelector('figure[data-participant=%s]')`, chrome.JSString(idBen))
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`figure[data-participant="%s"] button.pin`, idBen))))
	chrome.Poll(t, anna, 10*time.Second, "Ben's tile pinned on the stage", fmt.Sprintf(`(() => { const f = %s; return f.parentElement.id === 'stage' && f.querySelector('.pin').getAttribute('aria-pressed') === 'true' && !document.getElementById('stage').hidden; })()`, benTile))
	pinned := chrome.Eval[float64](t, anna, benTile+`.getBoundingClientRect().width`)
	if own := chrome.Eval[float64](t, anna, tileJS("self")+`.getBoundingClientRect().width`); pinned <= own*1.5 {
		t.Errorf("the pinned tile is %.0f px wide, the own tile in the grid %.0f: want the pinned one clearly larger", pinned, own)
	}
	chrome.CheckAccessibility(t, anna, "room with a pinned tile")
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`figure[data-participant="%s"] button.pin`, idBen))))
	chrome.Poll(t, anna, 10*time.Second, "Ben's tile back in the grid", fmt.Sprintf(`%s.parentElement.id === 'grid' && document.getElementById('stage').hidden`, benTile))

	// Hide one's own tile from the panel.
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-side")))
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`label[for="self-shown"]`)))
	chrome.Poll(t, anna, 10*time.Second, "own tile hidden", tileJS("self")+`.hidden`)
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`label[for="self-shown"]`)))
	chrome.Poll(t, anna, 10*time.Second, "own tile shown", `!`+tileJS("self")+`.hidden`)

	// Talking while muted.
	if chrome.Eval[bool](t, anna, `!document.getElementById('muted-hint').hidden`) {
		t.Error("the muted hint shows with the microphone on")
	}
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-mic")))
	chrome.Poll(t, anna, 10*time.Second, "the muted hint", `(() => { const h = document.getElementById('muted-hint'); return !h.hidden && h.dataset.i18n === 'room.mutedHint'; })()`)
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-mic")))
	chrome.Poll(t, anna, 10*time.Second, "the hint gone once unmuted", `document.getElementById('muted-hint').hidden`)
	for _, b := range []*chrome.Browser{anna, ben} {
		b.CheckNoExceptions(t)
	}
}
