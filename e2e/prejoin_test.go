package e2e

import (
	"context"
	"fmt"
	"piiri/e2e/chrome"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestDeniedPermissionListenOnly: a person who does not allow the camera
// and microphone is told so in plain words, can still join, hears and
// sees the others, and is shown to them with an avatar.
func TestDeniedPermissionListenOnly(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	// Without the fake permission prompt, the browser asks for real; the
	// test answers "no" for every site.
	denied := chrome.New(t, chromedp.Flag("use-fake-ui-for-media-stream", false))
	ctx, cancel := context.WithTimeout(denied.Ctx(), 10*time.Second)
	defer cancel()
	for _, name := range []string{"camera", "microphone"} {
		if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name},
			Setting:    cdpbrowser.PermissionSettingDenied,
		}); err != nil {
			t.Fatalf("deny %s: %v", name, err)
		}
	}
	other := chrome.New(t)
	idOther := chrome.JoinThroughUI(t, other, link, "Ben")

	denied.Do(t, 20*time.Second, chromedp.Navigate(link))
	chrome.Poll(t, denied, 10*time.Second, "the page explains the denied permission", `document.getElementById('device-message').textContent.includes('not allowed')`)
	if !chrome.Eval[bool](t, denied, `document.getElementById('pre-mic').disabled && `+controlStateJS("pre-mic", false, "No microphone")+` && `+controlStateJS("pre-camera", false, "Turn camera on")) {
		t.Error("microphone and camera buttons do not show that there are none")
	}
	idDenied := chrome.JoinThroughUI(t, denied, link, "Anna")
	// Without a microphone its button is disabled: focus goes to the
	// first control that works.
	if id := chrome.Eval[string](t, denied, `document.activeElement.id`); id != "ctl-camera" {
		t.Errorf("after joining without a microphone, focus is on %q, want the camera button", id)
	}
	chrome.WaitReceiving(t, denied, []string{idOther}, nil, 20, 20, 30*time.Second)
	chrome.Poll(t, other, 10*time.Second, "Ben sees Anna's avatar", fmt.Sprintf(`(() => { const f = %s; return !!f && f.classList.contains('video-off'); })()`, tileJS(idDenied)))
	denied.CheckNoExceptions(t)
	other.CheckNoExceptions(t)
}

// TestFinnishAndSwitching: a browser that prefers Finnish gets the page in
// Finnish; the language can be switched in the page, and the choice is
// kept.
func TestFinnishAndSwitching(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	b := chrome.New(t, chromedp.Flag("lang", "fi-FI"), chromedp.Flag("accept-lang", "fi-FI,fi"))
	b.Do(t, 20*time.Second, chromedp.Navigate(link))
	chrome.Poll(t, b, 10*time.Second, "page in Finnish", `document.documentElement.lang === 'fi' && document.getElementById('join-button').textContent === 'Liity'`)
	if got := chrome.Eval[string](t, b, `document.querySelector('label[for=name]').textContent`); got != "Nimesi" {
		t.Errorf("name label %q, want Nimesi", got)
	}
	b.Do(t, 10*time.Second, chromedp.SetValue(chromedp.CSS("#lang"), "en"), chromedp.Evaluate[chromedp.Void](`document.getElementById('lang').dispatchEvent(new Event('change'))`))
	chrome.Poll(t, b, 5*time.Second, "page in English", `document.documentElement.lang === 'en' && document.getElementById('join-button').textContent === 'Join'`)
	b.Do(t, 20*time.Second, chromedp.Reload())
	chrome.Poll(t, b, 10*time.Second, "the choice is kept", `document.getElementById('join-button').textContent === 'Join'`)
	b.CheckNoExceptions(t)
}

// TestKeyboardOnly: joining, muting and leaving work with the keyboard
// alone, and focus is visible.
func TestKeyboardOnly(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	b := chrome.New(t)
	openPageWithCamera(t, b, link)
	// Tab from the top of the page until the name field has focus.
	found := false
	for range 10 {
		press(t, b, "Tab")
		if chrome.Eval[string](t, b, `document.activeElement.id`) == "name" {
			found = true
			break
		}
	}
	if !found {
		t.Fatal("the name field cannot be reached with Tab")
	}
	if outline := chrome.Eval[string](t, b, `getComputedStyle(document.activeElement).outlineStyle`); outline == "none" {
		t.Error("the focused field shows no focus outline")
	}
	b.Do(t, 10*time.Second, chromedp.KeyEvent("Keyboard User"))
	press(t, b, "Enter") // submits the form
	chrome.Poll(t, b, 20*time.Second, "joined", `!!(window.piiri.session && window.piiri.session.state === 'connected')`)
	if id := chrome.Eval[string](t, b, `document.activeElement.id`); id != "ctl-mic" {
		t.Errorf("after joining, focus is on %q, want the microphone button", id)
	}
	press(t, b, " ") // Space toggles the focused button
	chrome.Poll(t, b, 5*time.Second, "microphone muted by keyboard", controlStateJS("ctl-mic", false, "Unmute"))
	// The toolbar in order: camera, screen, hand, panel, shortcuts, leave.
	var order []string
	for range 6 {
		press(t, b, "Tab")
		order = append(order, chrome.Eval[string](t, b, `document.activeElement.id`))
	}
	if got := strings.Join(order, " "); got != "ctl-camera ctl-screen ctl-hand ctl-side ctl-help ctl-leave" {
		t.Fatalf("Tabs from the microphone reach %s, want the toolbar in order up to the leave button", got)
	}
	// The keyboard shortcuts: M turns the microphone back on, ? opens
	// the help, which Escape closes.
	press(t, b, "m")
	chrome.Poll(t, b, 5*time.Second, "microphone on by M", controlStateJS("ctl-mic", true, "Mute"))
	press(t, b, "?")
	chrome.Poll(t, b, 5*time.Second, "the help dialog", `document.getElementById('help').open`)
	press(t, b, "Escape")
	chrome.Poll(t, b, 5*time.Second, "the help dialog closed", `!document.getElementById('help').open`)
	b.Do(t, 10*time.Second, chromedp.Focus(chromedp.CSS("#ctl-leave")))
	press(t, b, "Enter")
	chrome.Poll(t, b, 10*time.Second, "left", `!document.getElementById('ended').hidden`)
	b.CheckNoExceptions(t)
}

// press sends one key press to the page ("Tab", "Enter", "Escape", or
// a character).
func press(t *testing.T, b *chrome.Browser, key string) {
	t.Helper()
	keys, named := map[string]string{"Tab": kb.Tab, "Enter": kb.Enter, "Escape": kb.Escape}[key]
	if !named {
		keys = key
	}
	b.Do(t, 5*time.Second, chromedp.KeyEvent(keys))
}

// TestFavicon: the page names an SVG icon, which the server serves and
// the browser draws.
func TestFavicon(t *testing.T) {
	srv := startServer(t, nil)
	b := chrome.New(t)
	openPage(t, b, srv.RoomLink())
	got := chrome.Eval[string](t, b, `(async () => {
  const link = document.querySelector('link[rel~="icon"]');
  if (!link) return 'no icon link';
  const resp = await fetch(link.href);
  if (!resp.ok) return 'HTTP ' + resp.status;
  const type = resp.headers.get('Content-Type') || '';
  if (!type.startsWith('image/svg+xml')) return 'Content-Type ' + type;
  const img = new Image();
  img.src = link.href;
  await img.decode();
  return img.naturalWidth > 0 ? 'drawn' : 'no size';
})()`)
	if got != "drawn" {
		t.Errorf("favicon: %s", got)
	}
	b.CheckNoExceptions(t)
}
