package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"piiri/e2e/chrome"
	"piiri/server"
)

// openPage opens the link at the pre-join page, for a test that prepares
// the page before joining, and waits until the page is set up.
func openPage(t *testing.T, b *chrome.Browser, link string) {
	t.Helper()
	b.Do(t, 30*time.Second, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#name")))
	chrome.Poll(t, b, 10*time.Second, "the page is set up", chrome.ReadyJS)
}

// pressJoin types the name and presses Join, without waiting.
func pressJoin(t *testing.T, b *chrome.Browser, name string) {
	t.Helper()
	chrome.Eval[chromedp.Void](t, b, `document.getElementById('name').value = ''`)
	b.Do(t, 10*time.Second,
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.Click(chromedp.CSS("#join-button")),
	)
}

// waitInRoom waits until the page is in the room and connected, and
// returns its participant ID.
func waitInRoom(t *testing.T, b *chrome.Browser, within time.Duration) string {
	t.Helper()
	chrome.Poll(t, b, within, "connected", `!!(window.piiri.session && window.piiri.session.state === 'connected' && !document.getElementById('room').hidden)`)
	return chrome.Eval[string](t, b, `window.piiri.session.id`)
}

// routeWebSockets makes the next n websockets the page opens (every one,
// for n < 0) go to url instead, until unrouteWebSockets; the page's own
// code sees nothing different. It also records every join message the
// page sends, in window.sentJoins.
func routeWebSockets(t *testing.T, b *chrome.Browser, url string, n int) {
	t.Helper()
	chrome.Eval[chromedp.Void](t, b, fmt.Sprintf(`(() => {
  const Real = window.RealWebSocket || (window.RealWebSocket = WebSocket);
  window.wsRoute = { url: %s, left: %d };
  window.sentJoins = window.sentJoins || [];
  window.WebSocket = class extends Real {
    constructor(u, p) {
      const r = window.wsRoute;
      const to = r && r.left !== 0 ? r.url : u;
      if (r && r.left > 0) r.left--;
      super(to, p);
    }
    send(data) {
      try { const m = JSON.parse(data); if (m.type === 'join') window.sentJoins.push(m); } catch {}
      super.send(data);
    }
  };
})()`, chrome.JSString(url), n))
}

// unrouteWebSockets lets new websockets go where the page says again.
func unrouteWebSockets(t *testing.T, b *chrome.Browser) {
	t.Helper()
	chrome.Eval[chromedp.Void](t, b, `window.wsRoute = null`)
}

// fakeServer is a websocket server that plays a misbehaving piiri server:
// script runs for every connection, numbered from 1.
type fakeServer struct {
	URL string

	mu    sync.Mutex
	conns int
	open  []*websocket.Conn
}

func startFakeServer(t *testing.T, script func(n int, c *websocket.Conn)) *fakeServer {
	t.Helper()
	f := &fakeServer{}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		f.mu.Lock()
		f.conns++
		n := f.conns
		f.open = append(f.open, c)
		f.mu.Unlock()
		wg.Add(1)
		defer wg.Done()
		script(n, c)
	}))
	f.URL = "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	t.Cleanup(func() {
		f.mu.Lock()
		for _, c := range f.open {
			c.Close() // ends scripts still waiting on the client
		}
		f.mu.Unlock()
		srv.Close()
		wg.Wait()
	})
	return f
}

// connections is how many websockets the fake server has accepted.
func (f *fakeServer) connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

// readJoin reads the client's first message, which must be a join.
func readJoin(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	var m map[string]any
	if err := c.ReadJSON(&m); err != nil {
		t.Errorf("fake server: read join: %v", err)
		return nil
	}
	if m["type"] != "join" {
		t.Errorf("fake server: first message %v, want a join", m)
	}
	return m
}

// closedByClient reads until the client closes the connection and
// reports whether it did within d. Everything the client sends meanwhile
// is ignored.
func closedByClient(c *websocket.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	for {
		if _, _, err := c.NextReader(); err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout())
		}
	}
}

// sendJSON writes one message to the client.
func sendJSON(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if !json.Valid([]byte(msg)) {
		t.Errorf("fake server: not JSON: %s", msg) // no Fatal: scripts run in the server's goroutines
		return
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Errorf("fake server: write: %v", err)
	}
}

// tcpProxy forwards TCP connections to a target and can freeze them: a
// frozen connection stays open but nothing more passes either way, as on
// a network that went dead without a word. Connections made after a
// freeze pass normally.
type tcpProxy struct {
	Addr string

	mu     sync.Mutex
	frozen chan struct{} // closed by freeze; replaced for later connections
}

func startTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{Addr: ln.Addr().String(), frozen: make(chan struct{})}
	var (
		wg    sync.WaitGroup
		cmu   sync.Mutex
		conns []net.Conn
		stop  = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			cmu.Lock()
			select {
			case <-stop: // the test is over
				cmu.Unlock()
				in.Close()
				out.Close()
				continue
			default:
			}
			conns = append(conns, in, out)
			cmu.Unlock()
			p.mu.Lock()
			frozen := p.frozen
			p.mu.Unlock()
			for _, pair := range [][2]net.Conn{{in, out}, {out, in}} {
				wg.Add(1)
				go func(dst, src net.Conn) {
					defer wg.Done()
					buf := make([]byte, 32*1024)
					for {
						n, err := src.Read(buf)
						select {
						case <-frozen:
							<-stop // a dead network: hold everything, say nothing
							return
						default:
						}
						if n > 0 {
							if _, werr := dst.Write(buf[:n]); werr != nil {
								return
							}
						}
						if err != nil {
							if tc, ok := dst.(*net.TCPConn); ok {
								_ = tc.CloseWrite()
							}
							return
						}
					}
				}(pair[0], pair[1])
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		cmu.Lock()
		close(stop)
		for _, c := range conns {
			c.Close()
		}
		cmu.Unlock()
		wg.Wait()
	})
	return p
}

// freeze makes every connection open now go silent for good.
func (p *tcpProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.frozen)
	p.frozen = make(chan struct{})
}

// expectBothBack checks that two participants who were cut apart are back
// together: each receives new audio and video from the other (counted from
// before), the server has both connected, and neither page threw.
func expectBothBack(t *testing.T, srv *server.Server, a, b *chrome.Browser, idA, idB string, baseA, baseB map[string]chrome.FromParticipant, within time.Duration) {
	t.Helper()
	chrome.WaitReceiving(t, a, []string{idB}, baseA, 20, 20, within)
	chrome.WaitReceiving(t, b, []string{idA}, baseB, 20, 20, within)
	if c := srv.Signaling().Counts(); c.Participants != 2 || c.Connected != 2 {
		t.Errorf("server counts %+v, want 2 participants, both connected", c)
	}
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}

// waitResumed waits until page b, never reloaded (the test set
// window.notReloaded), went through "reconnecting" and is connected again
// as the same participant id.
func waitResumed(t *testing.T, b *chrome.Browser, id string, within time.Duration, what string) {
	t.Helper()
	chrome.Poll(t, b, within, what, fmt.Sprintf(`window.notReloaded === true && window.piiri.session.id === %s && window.piiri.session.state === 'connected' && window.piiri.statusLog.includes('reconnecting')`, chrome.JSString(id)))
}

// twoInRoom is the start of most two-person tests: Anna (browser a) and
// then Ben (b) join one room of srv through the page, and each receives
// the other's audio and video. annaVia, if not nil, changes the link Anna
// opens (to reach the server through a proxy). Anna's page is marked
// (window.notReloaded) so that waitResumed can tell it was never reloaded.
func twoInRoom(t *testing.T, srv *server.Server, annaVia func(link string) string) (a, b *chrome.Browser, idA, idB string) {
	t.Helper()
	link := srv.RoomLink()
	annaLink := link
	if annaVia != nil {
		annaLink = annaVia(link)
	}
	a, b = chrome.New(t), chrome.New(t)
	idA = chrome.JoinThroughUI(t, a, annaLink, "Anna")
	idB = chrome.JoinThroughUI(t, b, link, "Ben")
	chrome.WaitReceiving(t, a, []string{idB}, nil, 10, 10, 30*time.Second)
	chrome.WaitReceiving(t, b, []string{idA}, nil, 10, 10, 30*time.Second)
	chrome.Eval[chromedp.Void](t, a, `window.notReloaded = true`)
	return a, b, idA, idB
}

// tileJS is a JavaScript expression for the grid tile of participant id
// ("self" for the page's own), or null.
func tileJS(id string) string {
	return fmt.Sprintf(`document.querySelector('#grid figure[data-participant=%s]')`, chrome.JSString(id))
}

// openPageWithCamera opens the link at the pre-join page and waits until
// the camera preview plays.
func openPageWithCamera(t *testing.T, b *chrome.Browser, link string) {
	t.Helper()
	openPage(t, b, link)
	chrome.Poll(t, b, 20*time.Second, "camera preview", `document.getElementById('preview').videoWidth > 0`)
}

// switchLanguage picks a language in the page's language menu, as a
// person does, and waits until the page is in it.
func switchLanguage(t *testing.T, b *chrome.Browser, code string) {
	t.Helper()
	b.Do(t, 10*time.Second,
		chromedp.SetValue(chromedp.CSS("#lang"), code),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('lang').dispatchEvent(new Event('change'))`),
	)
	chrome.Poll(t, b, 5*time.Second, "page in "+code, fmt.Sprintf(`document.documentElement.lang === %s`, chrome.JSString(code)))
}

// untranslatedJS finds what the page still shows in language "from"
// after a switch to language "to": each string of from's file (every
// part of it between placeholders, of four characters or more, that the
// other language does not have too) found in the page's visible text,
// its title, or an accessible name, as "key: text". The device menus are
// left out: their entries are the devices' own names.
const untranslatedJS = `(async (from, to) => {
  const a = (await import('./lang/' + from + '.js')).default;
  const b = (await import('./lang/' + to + '.js')).default;
  const shown = [document.title];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (el.closest('select, svg') || !el.checkVisibility()) continue;
    shown.push(n.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label]')) {
    if (el.checkVisibility() || el.closest('.visually-hidden')) shown.push(el.getAttribute('aria-label'));
  }
  const text = shown.join('\n');
  const theirs = Object.values(b).join('\n');
  const left = [];
  for (const [k, v] of Object.entries(a)) {
    for (const part of v.split(/\{\w+\}/).map((p) => p.trim())) {
      if (part.length >= 4 && !theirs.includes(part) && text.includes(part)) left.push(k + ': ' + part);
    }
  }
  return left;
})`

// expectTranslated fails the test for each string the page still shows
// in language from after a switch to language to.
func expectTranslated(t *testing.T, b *chrome.Browser, from, to, page string) {
	t.Helper()
	for _, s := range chrome.Eval[[]string](t, b, fmt.Sprintf(`%s(%s, %s)`, untranslatedJS, chrome.JSString(from), chrome.JSString(to))) {
		t.Errorf("%s page, switched from %s to %s, still shows %q", page, from, to, s)
	}
}

// controlStateJS is a JavaScript expression that is true when the
// button with the given id is shown on (on true) or off, and its label
// (what a press does) is label.
func controlStateJS(id string, on bool, label string) string {
	return fmt.Sprintf(`(() => { const b = document.getElementById(%s); return b.dataset.on === %s && b.textContent.trim() === %s; })()`,
		chrome.JSString(id), chrome.JSString(fmt.Sprint(on)), chrome.JSString(label))
}

// recordServerMessages makes every page b loads from now on keep the
// messages its websockets receive, in window.received, from before the
// page's own code runs.
func recordServerMessages(t *testing.T, b *chrome.Browser) {
	t.Helper()
	ctx, cancel := b.Context(10 * time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `(() => {
  const Real = WebSocket;
  window.received = [];
  window.WebSocket = class extends Real {
    constructor(u, p) {
      super(u, p);
      this.addEventListener('message', (e) => { try { window.received.push(JSON.parse(e.data)); } catch {} });
    }
  };
})()`}); err != nil {
		t.Fatalf("record server messages: %v", err)
	}
}

// answerNetcheck makes the browser answer the page's next n requests to
// /api/netcheck itself, with HTTP status code status and a Retry-After
// header of retryAfter seconds, as a server that limits attempts would;
// later requests reach the server. It returns the count of requests
// answered so.
func answerNetcheck(t *testing.T, b *chrome.Browser, n int32, status int64, retryAfter string) *atomic.Int32 {
	t.Helper()
	var answered atomic.Int32
	ctx, cancel := context.WithCancel(b.Ctx())
	t.Cleanup(cancel)
	err := chromedp.Listen(ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go func() { // a listener must not block
			var err error
			if answered.Load() < n {
				answered.Add(1)
				_, err = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
					RequestID:       e.RequestID,
					ResponseCode:    status,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/plain"}, {Name: "Retry-After", Value: retryAfter}},
					Body:            []byte("too many attempts\n"),
				})
			} else {
				_, err = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
			}
			if err != nil && ctx.Err() == nil {
				t.Errorf("answer %s: %v", e.Request.URL, err)
			}
		}()
	})
	if err != nil {
		t.Fatalf("listen to requests: %v", err)
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/api/netcheck*"}}}); err != nil {
		t.Fatalf("intercept /api/netcheck: %v", err)
	}
	return &answered
}

// facilitatorDoes presses one of the facilitator's meeting buttons once it
// is there and enabled. A button stays disabled while its last request
// waits for the server's reply, and another page may show the new state
// before the facilitator's own has its reply: a press then would be lost.
func facilitatorDoes(t *testing.T, b *chrome.Browser, action string) {
	t.Helper()
	sel := fmt.Sprintf(`#fac-buttons [data-action=%q]`, action)
	chrome.Poll(t, b, 20*time.Second, "the "+action+" button ready", fmt.Sprintf(`(() => { const el = document.querySelector(%s); return !!el && !el.disabled; })()`, chrome.JSString(sel)))
	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(sel)))
}
