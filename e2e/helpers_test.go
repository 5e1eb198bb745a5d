package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"piiri/e2e/chrome"
	"piiri/server"
)

// openPage opens the link at the pre-join page, for a test that prepares
// the page before joining.
func openPage(t *testing.T, b *chrome.Browser, link string) {
	t.Helper()
	b.Do(t, 30*time.Second, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#name")))
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
