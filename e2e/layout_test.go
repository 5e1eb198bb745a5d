package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/bot"
	"piiri/e2e/chrome"
	"piiri/server"
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
	addBots(t, srv, chrome.Eval[string](t, b, `window.piiri.session.room`), 10, "Bot %d", true)
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

// viewports are the window sizes the layout must work in: a laptop
// browser window (1280×661 inside a 1366×768 screen's browser) and a
// phone held upright.
var viewports = []struct {
	name          string
	width, height int64
	scale         float64
}{
	{"laptop", 1280, 661, 1},
	{"phone", 390, 844, 2},
}

// joinInViewJS checks that the Join button and the preview are both
// inside the window without scrolling, the button beside the preview on
// a wide window and below it on a narrow one, and the name field too.
const joinInViewJS = `(() => {
  const r = (id) => document.getElementById(id).getBoundingClientRect();
  const inView = (b) => b.width > 0 && b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight && b.right <= innerWidth;
  const join = r('join-button'), preview = r('preview'), name = r('name');
  const problems = [];
  if (scrollY !== 0) problems.push('scrolled by ' + scrollY);
  if (!inView(join)) problems.push('Join at ' + JSON.stringify(join) + ' outside ' + innerWidth + 'x' + innerHeight);
  if (!inView(preview)) problems.push('preview at ' + JSON.stringify(preview));
  if (!inView(name)) problems.push('name field at ' + JSON.stringify(name));
  const beside = join.left >= preview.right, below = join.top >= preview.bottom;
  if (innerWidth > 720 ? !beside : !below) problems.push('Join not ' + (innerWidth > 720 ? 'beside' : 'below') + ' the preview');
  return problems;
})()`

// TestJoinInView: on a laptop window of 1280×661 and on a phone, the
// Join button is seen next to the camera preview without scrolling, with
// the device and network checks done, and still when the name field
// shows its error.
func TestJoinInView(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	b := chrome.New(t)
	for _, vp := range viewports {
		b.Do(t, 10*time.Second, chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateScale(vp.scale)))
		openPageWithCamera(t, b, link)
		chrome.Poll(t, b, 20*time.Second, "device and network checks done", `document.getElementById('device-message').textContent.includes('working') && document.getElementById('mic-select').options.length > 0`)
		chrome.Poll(t, b, 20*time.Second, "network check done", netCheckedJS("en"))
		for _, p := range chrome.Eval[[]string](t, b, joinInViewJS) {
			t.Errorf("%s: %s", vp.name, p)
		}
		chrome.Screenshot(t, b, "prejoin-"+vp.name)
		b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#join-button")))
		chrome.Poll(t, b, 5*time.Second, "name error shown", `!document.getElementById('name-error').hidden`)
		for _, p := range chrome.Eval[[]string](t, b, joinInViewJS) {
			t.Errorf("%s, with the name error: %s", vp.name, p)
		}
	}
	b.CheckNoExceptions(t)
}

// captionsJS checks every tile's caption: inside its tile, clear of the
// initials of a tile without video, and the own tile's "(you)" shown
// whole, however long the name.
const captionsJS = `(() => {
  const problems = [];
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const inside = (a, b) => a.left >= b.left - .5 && a.right <= b.right + .5 && a.top >= b.top - .5 && a.bottom <= b.bottom + .5;
  for (const f of document.querySelectorAll('#grid .tile')) {
    const who = f.dataset.participant;
    const tile = f.getBoundingClientRect();
    const cap = f.querySelector('figcaption').getBoundingClientRect();
    if (!inside(cap, tile)) problems.push(who + ': caption outside its tile');
    if (f.classList.contains('video-off')) {
      const initials = f.querySelector('.avatar span').getBoundingClientRect();
      if (initials.height < 16) problems.push(who + ': initials ' + initials.height + ' px high');
      if (!inside(initials, tile)) problems.push(who + ': initials outside the tile');
      if (overlap(initials, cap)) problems.push(who + ': caption over the initials');
    }
  }
  const own = document.querySelector('#grid figure[data-participant=self] figcaption');
  const you = [...own.querySelectorAll('span')].find((s) => s.textContent.includes('(you)'));
  if (!you) problems.push('no "(you)" on the own tile');
  else {
    const r = you.getBoundingClientRect();
    if (you.scrollWidth > you.clientWidth + 1 || !inside(r, own.getBoundingClientRect()) || r.width === 0) problems.push('"(you)" cut off: ' + you.textContent);
  }
  return problems;
})()`

// TestTileCaptions: in a full room of eleven, on a laptop window and on
// a phone, each name caption stays clear of the initials shown for
// someone without video, and a long own name is cut short before its
// "(you)" is.
func TestTileCaptions(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	b := chrome.New(t)
	chrome.JoinThroughUI(t, b, link, "Anna-Kaisa Virtanen-Korhonen")
	// Bots that send nothing: their tiles show initials.
	addBots(t, srv, chrome.Eval[string](t, b, `window.piiri.session.room`), 10, "Bot Number%d", false)
	chrome.Poll(t, b, 30*time.Second, "eleven tiles", `document.querySelectorAll('#grid .tile').length === 11 && document.querySelectorAll('#grid .tile.video-off').length === 10`)
	for _, vp := range viewports {
		b.Do(t, 10*time.Second, chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateScale(vp.scale)))
		chrome.Poll(t, b, 5*time.Second, "eleven tiles fit the "+vp.name, fmt.Sprintf(`%s(%d) === '11:true'`, fitsJS, 100))
		for _, p := range chrome.Eval[[]string](t, b, captionsJS) {
			t.Errorf("%s: %s", vp.name, p)
		}
		chrome.Screenshot(t, b, "room-11-captions-"+vp.name)
	}
	b.CheckNoExceptions(t)
}

// addBots has n bots join the room of srv until the test ends, named by
// the format name with their number from 1; publish makes them send audio
// and video.
func addBots(t *testing.T, srv *server.Server, room string, n int, name string, publish bool) {
	t.Helper()
	for i := range n {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		bt, err := bot.Join(ctx, bot.Config{URL: srv.WebsocketURL(), Room: room, Name: fmt.Sprintf(name, i+1), Publish: publish})
		cancel()
		if err != nil {
			t.Fatalf("bot %d: %v", i+1, err)
		}
		t.Cleanup(bt.Close)
	}
}
