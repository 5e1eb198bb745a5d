package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/bot"
	"piiri/e2e/chrome"
)

// fitsJS checks that every tile in the grid lies inside the viewport, none
// overlaps another, and each is at least minWidth wide.
const fitsJS = `((minWidth) => {
  const tiles = [...document.querySelectorAll('#grid .tile')].map((f) => f.getBoundingClientRect());
  const inside = tiles.every((r) => r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5 && r.width >= minWidth);
  const overlap = tiles.some((a, i) => tiles.some((b, j) => j > i && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1));
  return tiles.length + ':' + (inside && !overlap);
})`

// TestElevenFit: a full room of eleven (one browser and ten bots) fits on
// a laptop screen and on a phone held upright, every tile visible, none
// overlapping.
func TestElevenFit(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	b := chrome.New(t)
	chrome.JoinThroughUI(t, b, link, "Anna")
	room := chrome.Eval[string](t, b, `window.piiri.session.room`)
	for i := range 10 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		bt, err := bot.Join(ctx, bot.Config{URL: srv.WebsocketURL(), Room: room, Name: fmt.Sprintf("Bot %d", i+1), Publish: true})
		cancel()
		if err != nil {
			t.Fatalf("bot %d: %v", i, err)
		}
		t.Cleanup(bt.Close)
	}
	chrome.Poll(t, b, 30*time.Second, "eleven tiles", `document.querySelectorAll('#grid .tile').length === 11`)
	for _, vp := range []struct {
		name          string
		width, height int64
		minTile       int
	}{
		{"laptop", 1280, 800, 200},
		{"phone", 390, 844, 110},
	} {
		b.Do(t, 10*time.Second, chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateScale(1)))
		chrome.Poll(t, b, 5*time.Second, "eleven tiles fit the "+vp.name, fmt.Sprintf(`%s(%d) === '11:true'`, fitsJS, vp.minTile))
		chrome.Screenshot(t, b, "room-11-"+vp.name)
	}
	b.CheckNoExceptions(t)
}
