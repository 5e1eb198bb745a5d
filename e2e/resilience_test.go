package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"piiri/config"
	"piiri/e2e/chrome"
)

// TestLongOutageRejoins: a participant whose signalling stays down past the
// resume grace period is removed by the server; when its network comes back
// the page joins again by itself, as a new participant, without a reload,
// and media flows both ways.
func TestLongOutageRejoins(t *testing.T) {
	srv := startServer(t, func(c *config.Config) { c.Signaling.ResumeGrace = 3 * time.Second })
	a, b, idA, idB := twoInRoom(t, srv, nil)

	// Anna's network stops letting websockets through: every attempt to
	// connect goes to a closed port and fails at once.
	chrome.Eval[chromedp.Void](t, a, `window.realWebSocket = WebSocket; window.WebSocket = function () { return new window.realWebSocket('ws://127.0.0.1:9/'); }`)
	if !srv.Signaling().Disconnect(idA) {
		t.Fatal("server did not find Anna's connection")
	}
	chrome.Poll(t, a, 10*time.Second, "Anna's page says it is reconnecting", `window.piiri.statusLog.includes('reconnecting') && !document.getElementById('banner').hidden`)
	chrome.Poll(t, b, 20*time.Second, "Ben sees Anna leave after the grace period", `document.querySelectorAll('#grid .tile').length === 1`)

	// The network comes back.
	chrome.Eval[chromedp.Void](t, a, `window.WebSocket = window.realWebSocket`)
	chrome.Poll(t, a, 20*time.Second, "Anna joined again", `window.notReloaded === true && window.piiri.session.state === 'connected' && window.piiri.session.id !== `+chrome.JSString(idA))
	newA := chrome.Eval[string](t, a, `window.piiri.session.id`)
	chrome.WaitReceiving(t, a, []string{idB}, nil, 20, 20, 20*time.Second)
	chrome.WaitReceiving(t, b, []string{newA}, nil, 20, 20, 20*time.Second)
	chrome.Poll(t, b, 5*time.Second, "Ben sees Anna again", `document.querySelectorAll('#grid .tile').length === 2 && !!`+tileJS(newA))
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}

// TestFailedJoinStops: a join that fails shows why in the person's
// language (by error code, not the server's English message), and the page
// then leaves the server alone: a websocket that closes before joined
// starts no reconnecting in the background, which could later join a
// participant nobody sees. Joining again by hand works.
func TestFailedJoinStops(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	fake := startFakeServer(t, func(n int, c *websocket.Conn) {
		j := readJoin(t, c)
		switch n {
		case 1:
			sendJSON(t, c, fmt.Sprintf(`{"type":"error","id":%q,"code":"room_full","message":"room \"x\" already has its maximum of 11 participants"}`, j["id"]))
			closedByClient(c, 30*time.Second)
		case 2:
			// The connection ends before joined.
		default:
			t.Errorf("the page opened websocket %d after its join had failed", n)
		}
	})
	a := chrome.New(t)
	openPage(t, a, link)
	routeWebSockets(t, a, fake.URL, -1)
	message := `document.getElementById('join-message').textContent`
	pressJoin(t, a, "Anna")
	chrome.Poll(t, a, 20*time.Second, "the page says the room is full", message+` === 'The room is full. Try again when someone has left.' && !document.getElementById('join-button').disabled`)
	pressJoin(t, a, "Anna")
	chrome.Poll(t, a, 20*time.Second, "the page says the server was not reached", message+`.startsWith('Could not reach the meeting server.') && !document.getElementById('join-button').disabled`)
	unrouteWebSockets(t, a)
	time.Sleep(4 * time.Second) // a reconnect would have started by now
	if n := fake.connections(); n != 2 {
		t.Errorf("the fake server saw %d websockets, want 2", n)
	}
	if c := srv.Signaling().Counts(); c.Participants != 0 {
		t.Errorf("the server has %d participants after the failed joins, want none", c.Participants)
	}
	if n := chrome.Eval[int](t, a, `window.sentJoins.length`); n != 2 {
		t.Errorf("the page sent %d joins, want 2", n)
	}
	if !chrome.Eval[bool](t, a, `document.getElementById('room').hidden`) {
		t.Error("the room is shown after the failed joins")
	}

	pressJoin(t, a, "Anna")
	waitInRoom(t, a, 20*time.Second)
	if c := srv.Signaling().Counts(); c.Participants != 1 {
		t.Errorf("server counts %+v after joining, want 1 participant", c)
	}
	a.CheckNoExceptions(t)
}

// TestReconnectClosesFailedAttempts: while reconnecting, a resume the
// server refuses (shutting_down) or never answers does not leave its
// websocket open beside the next attempt, and an unanswered one does not
// stall the reconnect: the page gets back in within the grace period.
func TestReconnectClosesFailedAttempts(t *testing.T) {
	srv := startServer(t, nil)
	closed := make(chan string, 2)
	fake := startFakeServer(t, func(n int, c *websocket.Conn) {
		j := readJoin(t, c)
		if j["resume"] == nil {
			t.Errorf("attempt %d is not a resume: %v", n, j)
		}
		switch n {
		case 1:
			sendJSON(t, c, fmt.Sprintf(`{"type":"error","id":%q,"code":"shutting_down","message":"the server is shutting down"}`, j["id"]))
			if !closedByClient(c, 5*time.Second) {
				t.Error("the page left the refused attempt's websocket open")
			}
		case 2:
			// No reply at all.
			if !closedByClient(c, 20*time.Second) {
				t.Error("the page left the unanswered attempt's websocket open")
			}
		}
		closed <- fmt.Sprintf("attempt %d closed by the page", n)
	})
	a, b, idA, idB := twoInRoom(t, srv, nil)

	routeWebSockets(t, a, fake.URL, 2) // the next two attempts meet a broken server
	cut := time.Now()
	if !srv.Signaling().Disconnect(idA) {
		t.Fatal("server did not find Anna's connection")
	}
	waitResumed(t, a, idA, 25*time.Second, "Anna back as the same participant")
	t.Logf("resumed %v after the cut, past a refused and an unanswered attempt", time.Since(cut).Round(10*time.Millisecond))
	for range 2 {
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("the fake server did not see both attempts end")
		}
	}
	if n := fake.connections(); n != 2 {
		t.Errorf("the fake server saw %d websockets, want 2", n)
	}
	expectBothBack(t, srv, a, b, idA, idB, chrome.Received(t, a), chrome.Received(t, b), 15*time.Second)
}

// TestJoinFailsAfterJoined: PROTOCOL.md: an error internal with the
// join's id after joined means the join failed (the server could not set
// up the media) and the client must join again. A fake server answers the
// first join so; the page joins the real server afresh, without a reload,
// and media flows both ways.
func TestJoinFailsAfterJoined(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	const fakeID = "00000000000000aa"
	closed := make(chan bool, 1)
	fake := startFakeServer(t, func(n int, c *websocket.Conn) {
		j := readJoin(t, c)
		sendJSON(t, c, fmt.Sprintf(`{"type":"joined","id":%q,"version":1,"participant":{"id":%q,"name":"Anna","audioMuted":false,"videoMuted":false},"room":{"name":%q,"participants":[],"maxParticipants":11},"resumed":false,"resumeToken":"fake-token","resumeGraceMs":30000,"iceServers":[]}`, j["id"], fakeID, j["room"]))
		sendJSON(t, c, fmt.Sprintf(`{"type":"error","id":%q,"code":"internal","message":"set up media"}`, j["id"]))
		closed <- closedByClient(c, 10*time.Second)
	})
	a, b := chrome.New(t), chrome.New(t)
	idB := chrome.JoinThroughUI(t, b, link, "Ben")
	openPage(t, a, link)
	routeWebSockets(t, a, fake.URL, 1)
	chrome.Eval[chromedp.Void](t, a, `window.notReloaded = true`)
	pressJoin(t, a, "Anna")
	chrome.Poll(t, a, 30*time.Second, "Anna joined the real server afresh",
		`window.notReloaded === true && window.piiri.session?.state === 'connected' && window.piiri.statusLog.includes('reconnecting') && /^[0-9a-f]{16}$/.test(window.piiri.session.id) && window.piiri.session.id !== `+chrome.JSString(fakeID))
	idA := chrome.Eval[string](t, a, `window.piiri.session.id`)
	if !<-closed {
		t.Error("the page left the failed join's websocket open")
	}
	if !chrome.Eval[bool](t, a, `window.sentJoins.length === 2 && !('resume' in window.sentJoins[1])`) {
		t.Errorf("the second join was not a fresh one: %s", chrome.Eval[string](t, a, `JSON.stringify(window.sentJoins.map((j) => ({ ...j, key: undefined })))`))
	}
	chrome.WaitReceiving(t, a, []string{idB}, nil, 20, 20, 20*time.Second)
	chrome.WaitReceiving(t, b, []string{idA}, nil, 20, 20, 20*time.Second)
	if fake.connections() != 1 {
		t.Errorf("the fake server saw %d websockets, want 1", fake.connections())
	}
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}

// TestSilentNetworkResumes: the page's websocket goes silent without a
// close, as on a network that died (a proxy between page and server stops
// passing anything but keeps the connection open). The missing pong makes
// the page reconnect at once; it does not wait for a close handshake that
// cannot finish, and resumes as the same participant within the grace
// period.
func TestSilentNetworkResumes(t *testing.T) {
	srv := startServer(t, nil)
	proxy := startTCPProxy(t, srv.SharedAddr())
	viaProxy := func(link string) string {
		if !strings.Contains(link, srv.SharedAddr()) {
			t.Fatalf("room link %s does not name the server's address %s", link, srv.SharedAddr())
		}
		return strings.Replace(link, srv.SharedAddr(), proxy.Addr, 1)
	}
	a, b, idA, idB := twoInRoom(t, srv, viaProxy)

	frozen := time.Now()
	proxy.freeze()
	// A ping goes out every 10 s and waits 5 s for its pong.
	waitResumed(t, a, idA, 22*time.Second, "Anna back as the same participant")
	t.Logf("resumed %v after the network went silent", time.Since(frozen).Round(10*time.Millisecond))
	expectBothBack(t, srv, a, b, idA, idB, chrome.Received(t, a), chrome.Received(t, b), 15*time.Second)
}

// TestMuteDuringOutage: the microphone and camera are turned off while
// the page is disconnected. A resume keeps the server's old state (join's
// audioMuted and videoMuted are ignored then), so the page shares its
// state after resuming: the other page shows the marks, and no more
// camera frames arrive while the microphone's (silent) audio does.
func TestMuteDuringOutage(t *testing.T) {
	srv := startServer(t, nil)
	a, b, idA, _ := twoInRoom(t, srv, nil)

	routeWebSockets(t, a, "ws://127.0.0.1:9/", -1) // nothing listens there
	if !srv.Signaling().Disconnect(idA) {
		t.Fatal("server did not find Anna's connection")
	}
	chrome.Poll(t, a, 10*time.Second, "Anna's page is reconnecting", `window.piiri.session.state === 'reconnecting'`)
	a.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-mic")), chromedp.Click(chromedp.CSS("#ctl-camera")))
	chrome.Poll(t, a, 5*time.Second, "Anna's buttons show both off", controlStateJS("ctl-mic", false, "Unmute")+" && "+controlStateJS("ctl-camera", false, "Turn camera on"))
	unrouteWebSockets(t, a)
	chrome.Poll(t, a, 20*time.Second, "Anna resumed", fmt.Sprintf(`window.piiri.session.state === 'connected' && window.piiri.session.id === %s`, chrome.JSString(idA)))

	tile := tileJS(idA)
	chrome.Poll(t, b, 10*time.Second, "Ben sees Anna's microphone and camera off",
		fmt.Sprintf(`(() => { const p = window.piiri.session.participants.get(%s); const f = %s; return !!p && p.audioMuted && p.videoMuted && !!f && f.classList.contains('audio-muted') && f.classList.contains('video-off'); })()`, chrome.JSString(idA), tile))
	before := chrome.Received(t, b)
	chrome.WaitReceiving(t, b, []string{idA}, before, 0, 20, 10*time.Second) // audio goes on
	after := chrome.Received(t, b)
	if d := after[idA].Frames - before[idA].Frames; d > 2 {
		t.Errorf("Ben decoded %d camera frames from Anna after she turned her camera off", d)
	}
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}

// TestJoinedElsewhereEnds: PROTOCOL.md: bye joined_elsewhere means the
// same person joined again from another tab or device, and the client
// must stop. The page says so and does not reconnect (which would take the
// participant back from the other tab, and so on).
func TestJoinedElsewhereEnds(t *testing.T) {
	srv := startServer(t, nil)
	fake := startFakeServer(t, func(n int, c *websocket.Conn) {
		j := readJoin(t, c)
		sendJSON(t, c, fmt.Sprintf(`{"type":"joined","id":%q,"version":1,"participant":{"id":"00000000000000bb","name":"Anna","audioMuted":false,"videoMuted":false,"speaking":false},"room":{"name":%q,"participants":[],"maxParticipants":11},"resumed":false,"resumeToken":"fake-token","resumeGraceMs":30000,"iceServers":[]}`, j["id"], j["room"]))
		sendJSON(t, c, `{"type":"bye","reason":"joined_elsewhere"}`)
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		closedByClient(c, 10*time.Second)
	})
	a := chrome.New(t)
	openPageWithCamera(t, a, srv.RoomLink())
	routeWebSockets(t, a, fake.URL, -1)
	pressJoin(t, a, "Anna")
	chrome.Poll(t, a, 20*time.Second, "the page says Anna joined elsewhere", `!document.getElementById('ended').hidden && document.getElementById('ended-reason').textContent === 'You joined again from another window or device, so this one was closed.'`)
	if log := chrome.Eval[[]string](t, a, `window.piiri.statusLog`); slices.Contains(log, "reconnecting") {
		t.Errorf("the page went on reconnecting after joined_elsewhere: %v", log)
	}
	if n := fake.connections(); n != 1 {
		t.Errorf("the fake server saw %d websockets, want 1", n)
	}
	a.CheckNoExceptions(t)
}
