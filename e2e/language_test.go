package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"piiri/e2e/chrome"
)

// TestTranslationsComplete: every language the page offers has every
// string of en.js with the same placeholders and nothing else, the
// language menu lists them all, and every string key the page and its
// code name exists (and every string is used).
func TestTranslationsComplete(t *testing.T) {
	srv := startServer(t, nil)
	b := chrome.New(t)
	openPage(t, b, srv.RoomLink())
	problems := chrome.Eval[[]string](t, b, `(async () => {
  const { LANGUAGES } = await import('./i18n.js');
  const { ENDED_REASONS } = await import('./session.js');
  const en = (await import('./lang/en.js')).default;
  const problems = [];
  const holes = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
  for (const code of Object.keys(LANGUAGES)) {
    const l = (await import('./lang/' + code + '.js')).default;
    for (const k of Object.keys(en)) {
      if (!(k in l)) problems.push(code + ' lacks ' + k);
      else if (!l[k].trim()) problems.push(code + ' has an empty ' + k);
      else if (holes(l[k]) !== holes(en[k])) problems.push(code + ' ' + k + ': placeholders ' + holes(l[k]) + ', en has ' + holes(en[k]));
    }
    for (const k of Object.keys(l)) if (!(k in en)) problems.push(code + ' has ' + k + ', which en lacks');
  }
  const menu = [...document.getElementById('lang').options].map((o) => o.value).join();
  if (menu !== Object.keys(LANGUAGES).join()) problems.push('the language menu offers ' + menu);
  // Keys named in the page and as string literals in its code; the
  // keys code builds (net.RESULT, ended.REASON, error.CODE) are listed.
  const sources = await Promise.all(['index.html', 'app.js', 'group.js', 'manage.js', 'admin.js', 'dom.js', 'api.js', 'consent.js', 'meeting.js', 'people.js', 'chat.js', 'prejoin.js', 'room.js', 'session.js', 'netcheck.js', 'i18n.js', 'recordings.js', 'playback.js', 'balance.js', 'myrecordings.js'].map((f) => fetch(f).then((r) => r.text())));
  const named = new Set();
  for (const src of sources) {
    for (const m of src.matchAll(/['"]((?:lang|prejoin|link|net|control|room|error|ended|group|manage|admin|invite|consent|meeting|task|fac|people|chat|help|side|rec|balance)\.[A-Za-z_.]+)['"]/g)) named.add(m[1]);
  }
  for (const r of ['checking', 'good', 'tcp', 'tls', 'blocked', 'unknown']) named.add('net.' + r);
  for (const r of ENDED_REASONS) named.add('ended.' + r);
  for (const a of ['coming', 'maybe', 'not_coming']) named.add('group.answer.' + a);
  for (const n of [1, 2, 3, 4, 5]) named.add('group.score.' + n);
  for (const s of ['planned', 'open', 'running', 'cancelled', 'ended', 'held', 'notHeld']) named.add('manage.state.' + s);
  for (const r of ['member', 'observer', 'facilitator']) named.add('manage.role.' + r);
  for (const r of ['meetings', 'people', 'organisations']) named.add('manage.report.' + r);
  for (const l of ['fi', 'sv', 'en']) named.add('admin.language.' + l);
  for (const s of ['planned', 'open', 'running', 'ended', 'cancelled']) named.add('meeting.state.' + s);
  for (const s of ['passed', 'skipped', 'away', 'waiting', 'current', 'done']) named.add('meeting.turn.' + s);
  for (const r of ['facilitator', 'observer', 'member']) named.add('people.role.' + r);
  for (const q of ['good', 'fair', 'poor']) named.add('people.quality.' + q);
  for (const e of ['forbidden', 'other']) named.add('fac.error.' + e);
  for (const k of named) if (!(k in en)) problems.push('the page names ' + k + ', which en lacks');
  for (const k of Object.keys(en)) if (!named.has(k) && !k.startsWith('error.')) problems.push(k + ' is not used');
  return problems;
})()`)
	for _, p := range problems {
		t.Error(p)
	}
	b.CheckNoExceptions(t)
}

// TestFailedJoinMessageKeepsLanguage: after a failed join, switching the
// language keeps the red message the error, now in the other language;
// it does not turn into the device check's "camera and microphone work".
func TestFailedJoinMessageKeepsLanguage(t *testing.T) {
	srv := startServer(t, nil)
	fake := startFakeServer(t, func(n int, c *websocket.Conn) {
		j := readJoin(t, c)
		sendJSON(t, c, fmt.Sprintf(`{"type":"error","id":%q,"code":"room_full","message":"room \"x\" already has its maximum of 11 participants"}`, j["id"]))
		closedByClient(c, 30*time.Second)
	})
	b := chrome.New(t)
	openPageWithCamera(t, b, srv.RoomLink())
	routeWebSockets(t, b, fake.URL, -1)
	pressJoin(t, b, "Anna")
	const (
		fullEn = "The room is full. Try again when someone has left."
		fullFi = "Huone on täynnä. Yritä uudelleen, kun joku on poistunut."
	)
	shows := func(text string) string {
		return fmt.Sprintf(`document.body.innerText.includes(%s) && !document.getElementById('join-button').disabled`, chrome.JSString(text))
	}
	chrome.Poll(t, b, 20*time.Second, "the page says the room is full", shows(fullEn))
	switchLanguage(t, b, "fi")
	chrome.Poll(t, b, 5*time.Second, "the error is still shown, in Finnish", shows(fullFi))
	chrome.Poll(t, b, 5*time.Second, "the device check is shown apart from the error, in Finnish", `document.getElementById('device-message').textContent === 'Kamera ja mikrofoni toimivat.'`)
	expectTranslated(t, b, "en", "fi", "failed join")
	switchLanguage(t, b, "en")
	chrome.Poll(t, b, 5*time.Second, "the error is shown in English again", shows(fullEn))
	expectTranslated(t, b, "fi", "en", "failed join")
	b.CheckNoExceptions(t)
}

// TestEndedPageSwitchesLanguage: in the meeting and on the page after
// leaving, switching the language renders everything again, the reason
// for the end of the meeting included.
func TestEndedPageSwitchesLanguage(t *testing.T) {
	srv := startServer(t, nil)
	b := chrome.New(t)
	chrome.JoinThroughUI(t, b, srv.RoomLink(), "Anna")
	switchLanguage(t, b, "fi")
	chrome.Poll(t, b, 5*time.Second, "the room in Finnish", controlStateJS("ctl-mic", true, "Mykistä")+` && document.title === 'Tapaaminen – piiri'`)
	expectTranslated(t, b, "en", "fi", "room")
	switchLanguage(t, b, "en")
	expectTranslated(t, b, "fi", "en", "room")

	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-leave")))
	chrome.Poll(t, b, 10*time.Second, "the ended page", `!document.getElementById('ended').hidden && document.getElementById('ended-reason').textContent === 'Thank you for taking part.'`)
	switchLanguage(t, b, "fi")
	chrome.Poll(t, b, 5*time.Second, "the reason in Finnish", `document.getElementById('ended-reason').textContent === 'Kiitos osallistumisesta.' && document.getElementById('ended-heading').textContent === 'Poistuit tapaamisesta'`)
	expectTranslated(t, b, "en", "fi", "ended")
	b.CheckNoExceptions(t)
}

// TestNoRoomPage: a link without a room says so, without asking for the
// camera; its network check finishes; and switching the language renders
// both messages again.
func TestNoRoomPage(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	b := chrome.New(t)
	openPage(t, b, link[:strings.Index(link, "?")]) // the server's address, no room
	const noRoomEn = "This link has no room in it. Ask for the meeting link again."
	chrome.Poll(t, b, 5*time.Second, "the page says the link has no room", fmt.Sprintf(`document.getElementById('join-message').textContent === %s && document.getElementById('join-button').disabled`, chrome.JSString(noRoomEn)))
	chrome.Poll(t, b, 20*time.Second, "the network check finishes", netCheckedJS("en"))
	if chrome.Eval[bool](t, b, `!!document.getElementById('preview').srcObject`) {
		t.Error("the camera was started for a link that cannot join")
	}
	switchLanguage(t, b, "fi")
	chrome.Poll(t, b, 5*time.Second, "both messages in Finnish", `document.getElementById('join-message').textContent === 'Linkistä puuttuu huone. Pyydä tapaamisen linkki uudelleen.' && `+netCheckedJS("fi"))
	expectTranslated(t, b, "en", "fi", "no-room")
	chrome.CheckAccessibility(t, b, "no-room")
	b.CheckNoExceptions(t)
}

// netCheckedJS is true when the page's network check has finished and
// says its result in language lang.
func netCheckedJS(lang string) string {
	return fmt.Sprintf(`(async () => {
  const n = document.getElementById('net-status');
  const strings = (await import('./lang/' + %s + '.js')).default;
  return ['good', 'tcp', 'tls', 'blocked'].includes(n.dataset.result) && !n.hidden && n.textContent === strings['net.' + n.dataset.result];
})()`, chrome.JSString(lang))
}
