package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"piiri/config"
	"piiri/e2e/chrome"
)

// joinMessageJS is true when the red message beside the Join button says
// text and the button is enabled (or disabled, when enabled is false).
func joinMessageJS(text string, enabled bool) string {
	return fmt.Sprintf(`(() => { const m = document.getElementById('join-message'); return !m.hidden && m.textContent === %s && document.getElementById('join-button').disabled === %t; })()`, chrome.JSString(text), !enabled)
}

// TestRoomNameInLink: a link whose room name the server would refuse
// says what is wrong with it before Join is pressed: a name over the
// 64-character limit is too long (not "that name cannot be used"), one
// with a control character has characters that cannot be used. A name of
// exactly 64 characters, however many bytes, joins.
func TestRoomNameInLink(t *testing.T) {
	srv := startServer(t, nil)
	base := srv.RoomLink()
	base = base[:strings.Index(base, "?")]
	b := chrome.New(t)

	openPage(t, b, base+"/?room="+url.QueryEscape(strings.Repeat("ö", 65)))
	chrome.Poll(t, b, 5*time.Second, "the page says the room name is too long", joinMessageJS("The room name in this link is too long: a room name can have at most 64 characters. Ask for the meeting link again.", false))
	pressJoin(t, b, "Anna")
	if chrome.Eval[bool](t, b, `window.piiri.session !== null`) {
		t.Error("Join with a room name that is too long tried to join")
	}
	switchLanguage(t, b, "fi")
	chrome.Poll(t, b, 5*time.Second, "the same in Finnish", joinMessageJS("Linkin huoneen nimi on liian pitkä: huoneen nimessä voi olla enintään 64 merkkiä. Pyydä tapaamisen linkki uudelleen.", false))
	switchLanguage(t, b, "en")

	openPage(t, b, base+"/?room="+url.QueryEscape("tues\tday"))
	chrome.Poll(t, b, 5*time.Second, "the page says the room name has characters that cannot be used", joinMessageJS("The room name in this link has characters that cannot be used. Ask for the meeting link again.", false))

	openPage(t, b, base+"/?room="+url.QueryEscape(strings.Repeat("ö", 64)))
	chrome.Poll(t, b, 10*time.Second, "no message for a room name of 64 characters", `document.getElementById('join-message').hidden && !document.getElementById('join-button').disabled`)
	pressJoin(t, b, "Anna")
	waitInRoom(t, b, 20*time.Second)
	if got := chrome.Eval[string](t, b, `window.piiri.session.room`); got != strings.Repeat("ö", 64) {
		t.Errorf("joined room %q", got)
	}
	b.CheckNoExceptions(t)
}

// TestKeyInLink: on a server with a room key, a link without the key says
// it is incomplete, and one with a wrong key that the key is not valid,
// as soon as the page opens (the page asks /api/netcheck), with Join
// disabled, no camera started and no network check left "checking"
// forever. The whole link
// shows no message and joins.
func TestKeyInLink(t *testing.T) {
	const key = "key-in-link-test-0123456789abcdef"
	srv := startServer(t, func(c *config.Config) { c.Rooms.Key = key })
	link := srv.RoomLink()
	if !strings.HasSuffix(link, "#key="+key) {
		t.Fatalf("room link %s does not end with the key", link)
	}
	withoutKey := strings.TrimSuffix(link, "#key="+key)
	b := chrome.New(t)
	noCheck := ` && document.getElementById('net-status').hidden`
	// The links differ only in their fragment: going from one to another
	// would not load the page again.
	open := func(link string) {
		b.Do(t, 10*time.Second, chromedp.Navigate("about:blank"))
		openPage(t, b, link)
	}

	open(withoutKey)
	chrome.Poll(t, b, 10*time.Second, "the page says the link is incomplete", joinMessageJS("This link is incomplete: the room key at its end is missing. Copy the whole meeting link, or ask for it again.", false)+noCheck)
	if chrome.Eval[bool](t, b, `!!document.getElementById('preview').srcObject`) {
		t.Error("the camera was started for a link that cannot join")
	}
	chrome.Screenshot(t, b, "prejoin-link-incomplete")
	chrome.CheckAccessibility(t, b, "pre-join, incomplete link")

	open(withoutKey + "#key=not-the-key")
	chrome.Poll(t, b, 10*time.Second, "the page says the key is not valid", joinMessageJS("The room key in this link is not valid. Ask for the meeting link again.", false)+noCheck)

	open(link)
	chrome.Poll(t, b, 20*time.Second, "the whole link checks the network and shows no message", `document.getElementById('join-message').hidden && !document.getElementById('join-button').disabled && `+netCheckedJS("en"))
	pressJoin(t, b, "Anna")
	waitInRoom(t, b, 20*time.Second)
	b.CheckNoExceptions(t)
}

// TestRateLimited: when the server answers the link check with 429 (too
// many attempts from this address), the page says so and to wait, keeps
// Join open, and checks again by itself after the Retry-After time; the
// message goes and the network check finishes. A join refused as
// rate_limited says the same kind of thing.
func TestRateLimited(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	b := chrome.New(t)
	answered := answerNetcheck(t, b, 1, 429, "1")
	openPage(t, b, link)
	chrome.Poll(t, b, 10*time.Second, "the page says to wait", joinMessageJS("Too many attempts from your network. Wait a moment: the page checks the link again by itself.", true))
	chrome.Poll(t, b, 20*time.Second, "the page checked again by itself", `document.getElementById('join-message').hidden && `+netCheckedJS("en"))
	if n := answered.Load(); n != 1 {
		t.Errorf("%d netcheck requests answered 429, want 1", n)
	}

	fake := startFakeServer(t, func(n int, c *websocket.Conn) {
		j := readJoin(t, c)
		sendJSON(t, c, fmt.Sprintf(`{"type":"error","id":%q,"code":"rate_limited","message":"too many failed attempts from this address"}`, j["id"]))
		closedByClient(c, 30*time.Second)
	})
	routeWebSockets(t, b, fake.URL, -1)
	pressJoin(t, b, "Anna")
	chrome.Poll(t, b, 20*time.Second, "the page says to wait and try again", joinMessageJS("Too many attempts. Wait a moment and try again.", true))
	b.CheckNoExceptions(t)
}

// TestNameRequired: Join with an empty (or blank) name says so on the
// name field itself, for sight and for screen readers (aria-invalid,
// aria-describedby), and puts the focus there; nothing is sent. Typing
// clears it; the message follows a language switch.
func TestNameRequired(t *testing.T) {
	srv := startServer(t, nil)
	b := chrome.New(t)
	openPageWithCamera(t, b, srv.RoomLink())
	const missing = "Type your name here first. The others will see it."
	nameError := func(text string) string {
		return fmt.Sprintf(`(() => {
  const input = document.getElementById('name');
  const err = document.getElementById('name-error');
  return !err.hidden && err.textContent === %s && err.checkVisibility() && input.getAttribute('aria-invalid') === 'true'
    && input.getAttribute('aria-describedby').split(' ').includes('name-error') && document.activeElement === input;
})()`, chrome.JSString(text))
	}
	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#join-button")))
	chrome.Poll(t, b, 5*time.Second, "the name field says a name is needed", nameError(missing))
	if chrome.Eval[bool](t, b, `window.piiri.session !== null`) {
		t.Error("Join without a name tried to join")
	}
	chrome.Screenshot(t, b, "prejoin-name-required")
	chrome.CheckAccessibility(t, b, "pre-join, name missing")
	switchLanguage(t, b, "fi")
	chrome.Poll(t, b, 5*time.Second, "the message in Finnish", `document.getElementById('name-error').textContent === 'Kirjoita ensin nimesi tähän. Muut näkevät sen.'`)
	switchLanguage(t, b, "en")

	b.Do(t, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#name"), "A"))
	chrome.Poll(t, b, 5*time.Second, "typing clears the message", `document.getElementById('name-error').hidden && !document.getElementById('name').hasAttribute('aria-invalid')`)
	pressJoin(t, b, "   ")
	chrome.Poll(t, b, 5*time.Second, "a blank name is no name", nameError(missing))
	pressJoin(t, b, "Anna")
	waitInRoom(t, b, 20*time.Second)
	b.CheckNoExceptions(t)
}
