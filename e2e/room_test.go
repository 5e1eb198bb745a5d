package e2e

import (
	"fmt"
	"piiri/e2e/chrome"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestThreeParticipants: three people join one room through the pre-join
// page. Each decodes video and receives audio from both others (getStats).
// One mutes, and the others' pages show it; one leaves, and the others'
// grids shrink. The pre-join and room pages pass axe-core, and screenshots
// of both are written to artifacts/.
func TestThreeParticipants(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	names := []string{"Anna Virtanen", "Ben", "Cecilia"}
	tone := chromedp.Flag("use-file-for-fake-audio-capture", chrome.ToneWAV(t))
	bs := []*chrome.Browser{chrome.New(t, tone), chrome.New(t, tone), chrome.New(t, tone)}

	// The pre-join page, with the camera running.
	bs[0].Do(t, 30*time.Second, chromedp.Navigate(link))
	chrome.Poll(t, bs[0], 20*time.Second, "camera preview", `document.getElementById('preview').videoWidth > 0`)
	chrome.CheckAccessibility(t, bs[0], "pre-join")
	chrome.Screenshot(t, bs[0], "prejoin")

	ids := make([]string, len(bs))
	for i, b := range bs {
		ids[i] = chrome.JoinThroughUI(t, b, link, names[i])
	}
	for i, b := range bs {
		others := slices.Delete(slices.Clone(ids), i, i+1)
		chrome.WaitReceiving(t, b, others, nil, 30, 50, 30*time.Second)
	}
	t.Logf("join to first remote frame (third to join): %v", chrome.JoinToFirstFrame(t, bs[2]))
	// The microphones play a tone for a second, then a second of silence:
	// the server hears speech from the audio levels and every page
	// highlights the speaker, and then takes the highlight away.
	watch := fmt.Sprintf(`(() => { const f = document.querySelector('#grid figure[data-participant=%s]'); window.speakingSeen = []; new MutationObserver(() => { const on = f.classList.contains('speaking'); if (window.speakingSeen.at(-1) !== on) window.speakingSeen.push(on); }).observe(f, { attributes: true, attributeFilter: ['class'] }); })()`, chrome.JSString(ids[0]))
	for _, b := range bs[1:] {
		chrome.Eval[chromedp.Void](t, b, watch)
	}
	for _, b := range bs[1:] {
		chrome.Poll(t, b, 10*time.Second, "Anna highlighted while her tone plays, not after", `window.speakingSeen.join() .includes('true,false')`)
	}
	// Anna mutes: Ben and Cecilia see the microphone-off mark on her tile.
	bs[0].Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-mic")))
	mutedTile := fmt.Sprintf(`(() => { const f = document.querySelector('#grid figure[data-participant=%s]'); return !!f && f.classList.contains('audio-muted') && getComputedStyle(f.querySelector('.mic-off')).display !== 'none' && f.getAttribute('aria-label').includes(%s); })()`, chrome.JSString(ids[0]), chrome.JSString(names[0]))
	for _, b := range bs[1:] {
		chrome.Poll(t, b, 10*time.Second, "Anna shown muted", mutedTile)
	}
	if !chrome.Eval[bool](t, bs[0], `document.getElementById('ctl-mic').getAttribute('aria-pressed') === 'false'`) {
		t.Error("Anna's microphone button does not show it is off")
	}

	// Ben turns his camera off: the others see his avatar instead.
	bs[1].Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-camera")))
	cameraOff := fmt.Sprintf(`(() => { const f = document.querySelector('#grid figure[data-participant=%s]'); return !!f && f.classList.contains('video-off') && getComputedStyle(f.querySelector('.avatar')).display !== 'none'; })()`, chrome.JSString(ids[1]))
	for _, b := range []*chrome.Browser{bs[0], bs[2]} {
		chrome.Poll(t, b, 10*time.Second, "Ben shown with his camera off", cameraOff)
	}
	bs[1].Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-camera")))
	before := chrome.Received(t, bs[0])
	chrome.WaitReceiving(t, bs[0], ids[1:2], before, 20, 0, 20*time.Second) // his video comes back

	chrome.CheckAccessibility(t, bs[1], "room")
	chrome.Screenshot(t, bs[1], "room-3")
	// The same room on a phone held upright.
	bs[1].Do(t, 10*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulatePortrait))
	chrome.Poll(t, bs[1], 5*time.Second, "tiles fit the phone", `[...document.querySelectorAll('#grid .tile')].every((f) => { const r = f.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth && r.width > 100; })`)
	chrome.Screenshot(t, bs[1], "room-3-phone")
	chrome.CheckAccessibility(t, bs[1], "room on a phone")
	bs[1].Do(t, 10*time.Second, chromedp.EmulateReset())

	// Cecilia leaves: the others' grids go from three tiles to two.
	bs[2].Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-leave")))
	for _, b := range bs[:2] {
		chrome.Poll(t, b, 10*time.Second, "grid shrinks to two", `document.querySelectorAll('#grid .tile').length === 2`)
	}
	chrome.Poll(t, bs[2], 5*time.Second, "Cecilia sees she has left", `!document.getElementById('ended').hidden`)
	for _, b := range bs {
		b.CheckNoExceptions(t)
	}
}

// TestScreenShare: a screen share from one participant reaches the other
// as its own large tile, and goes away when it stops.
func TestScreenShare(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	a, b := chrome.New(t), chrome.New(t)
	idA := chrome.JoinThroughUI(t, a, link, "Anna")
	chrome.JoinThroughUI(t, b, link, "Ben")
	chrome.WaitReceiving(t, b, []string{idA}, nil, 10, 10, 30*time.Second)

	a.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-screen")))
	chrome.Poll(t, b, 20*time.Second, "Anna's screen decoded", chrome.StatsJS+fmt.Sprintf(`.then((s) => (s[%s] || {}).screenFrames > 20)`, chrome.JSString(idA)))
	chrome.Poll(t, b, 5*time.Second, "screen tile on the stage", fmt.Sprintf(`!document.getElementById('stage').hidden && !!document.querySelector('#stage figure.screen[data-participant=%s]')`, chrome.JSString(idA)))
	// The camera still arrives alongside.
	before := chrome.Received(t, b)
	chrome.WaitReceiving(t, b, []string{idA}, before, 10, 10, 10*time.Second)
	chrome.Screenshot(t, b, "room-screen-share")
	// ontrack may fire again for the same section: the screen tile stays,
	// on the stage, showing the track.
	chrome.Poll(t, b, 5*time.Second, "screen tile kept when its track is reported again", fmt.Sprintf(`(() => {
  const s = window.piiri.session;
  const [mid, info] = [...s.trackInfo].find(([, i]) => i.source === 'screen');
  const track = s.sub.getTransceivers().find((tr) => tr.mid === mid).receiver.track;
  s.dispatchEvent(new CustomEvent('track', { detail: { mid, ...info, track, stream: new MediaStream([track]) } }));
  const f = document.querySelector('#stage figure.screen[data-participant=%s]');
  return !!f && f.isConnected && f.querySelector('video').srcObject.getVideoTracks().includes(track);
})()`, chrome.JSString(idA)))
	chrome.Poll(t, b, 10*time.Second, "the screen tile plays", fmt.Sprintf(`document.querySelector('#stage figure.screen[data-participant=%s] video').videoWidth > 0`, chrome.JSString(idA)))

	a.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-screen")))
	chrome.Poll(t, b, 10*time.Second, "screen tile gone", `document.querySelectorAll('#stage figure').length === 0 && document.getElementById('stage').hidden`)
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}

// TestReconnect: the server cuts one participant's websocket, as a network
// failure would. Within 10 s the page is back as the same participant,
// media flows both ways again, and the page was never reloaded.
func TestReconnect(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	a, b := chrome.New(t), chrome.New(t)
	idA := chrome.JoinThroughUI(t, a, link, "Anna")
	idB := chrome.JoinThroughUI(t, b, link, "Ben")
	chrome.WaitReceiving(t, a, []string{idB}, nil, 10, 10, 30*time.Second)
	chrome.WaitReceiving(t, b, []string{idA}, nil, 10, 10, 30*time.Second)
	chrome.Eval[chromedp.Void](t, a, `window.notReloaded = true`)

	baseA, baseB := chrome.Received(t, a), chrome.Received(t, b)
	cut := time.Now()
	if !srv.Signaling().Disconnect(idA) {
		t.Fatal("server did not find Anna's connection")
	}
	waitResumed(t, a, idA, 10*time.Second, "Anna reconnected as the same participant")
	expectBothBack(t, srv, a, b, idA, idB, baseA, baseB, 10*time.Second)
	t.Logf("reconnected with media both ways %v after the cut", time.Since(cut).Round(10*time.Millisecond))
}

// TestPageHideLeaves: a participant who closes the tab or navigates away
// leaves at once (the page sends leave on pagehide), so the others' grids
// shrink and their subscriptions end within seconds, not after the
// resume grace period.
func TestPageHideLeaves(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	a, b := chrome.New(t), chrome.New(t)
	chrome.JoinThroughUI(t, a, link, "Anna")
	idB := chrome.JoinThroughUI(t, b, link, "Ben")
	chrome.WaitReceiving(t, a, []string{idB}, nil, 10, 10, 30*time.Second)
	chrome.Eval[chromedp.Void](t, a, `window.leftReasons = []; window.piiri.session.addEventListener('left', (e) => window.leftReasons.push(e.detail.reason))`)

	start := time.Now()
	b.Do(t, 10*time.Second, chromedp.Navigate("about:blank"))
	chrome.Poll(t, a, 5*time.Second, "Anna sees Ben leave", `document.querySelectorAll('#grid .tile').length === 1 && window.leftReasons.join() === 'left'`)
	chrome.Poll(t, a, 5*time.Second, "Anna no longer receives Ben's tracks", fmt.Sprintf(`![...window.piiri.session.trackInfo.values()].some((i) => i.participantId === %s)`, chrome.JSString(idB)))
	t.Logf("Ben gone from Anna's page %v after he navigated away", time.Since(start).Round(10*time.Millisecond))
	if c := srv.Signaling().Counts(); c.Participants != 1 {
		t.Errorf("server counts %+v, want 1 participant", c)
	}
	a.CheckNoExceptions(t)
}

// liveCamerasJS counts the page's camera tracks still running, of those
// getUserMedia gave since recordCameras.
const liveCamerasJS = `window.cameras.filter((t) => t.readyState === 'live').length`

// recordCameras makes the page keep every camera track getUserMedia gives
// from now on, in window.cameras.
func recordCameras(t *testing.T, b *chrome.Browser) {
	t.Helper()
	chrome.Eval[chromedp.Void](t, b, `(() => {
  window.cameras = [];
  const md = navigator.mediaDevices;
  const real = window.realGetUserMedia || (window.realGetUserMedia = md.getUserMedia.bind(md));
  md.getUserMedia = async (c) => { const s = await real(c); window.cameras.push(...s.getVideoTracks()); return s; };
})()`)
}

// doubleClick presses a button twice in a row, as a double click does.
func doubleClick(t *testing.T, b *chrome.Browser, id string) {
	t.Helper()
	chrome.Eval[chromedp.Void](t, b, fmt.Sprintf(`(() => { const b = document.getElementById(%s); b.click(); b.click(); })()`, chrome.JSString(id)))
}

// TestCameraToggle: a double click on a camera button that is off, on the
// pre-join page and in the room, starts one camera, not two (one running
// on unseen); the other participant receives the camera again. When
// sending the camera fails, the button and the room show it off, it is
// stopped, and the room is told.
func TestCameraToggle(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	a, b := chrome.New(t), chrome.New(t)
	chrome.JoinThroughUI(t, b, link, "Ben")
	openPage(t, a, link)
	chrome.Poll(t, a, 20*time.Second, "camera preview", `document.getElementById('preview').videoWidth > 0`)
	recordCameras(t, a)

	pressed := func(id, want string) string {
		return fmt.Sprintf(`document.getElementById(%s).getAttribute('aria-pressed') === %s`, chrome.JSString(id), chrome.JSString(want))
	}
	// The pre-join page.
	a.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#pre-camera")))
	chrome.Poll(t, a, 5*time.Second, "pre-join camera off", pressed("pre-camera", "false"))
	doubleClick(t, a, "pre-camera")
	chrome.Poll(t, a, 10*time.Second, "pre-join camera on", pressed("pre-camera", "true")+` && document.getElementById('preview').videoWidth > 0`)
	time.Sleep(time.Second) // time for a second camera to start, if one does
	if n := chrome.Eval[int](t, a, liveCamerasJS); n != 1 {
		t.Errorf("pre-join: %d cameras running after a double click, want 1", n)
	}

	// The room.
	pressJoin(t, a, "Anna")
	idA := waitInRoom(t, a, 30*time.Second)
	chrome.WaitReceiving(t, b, []string{idA}, nil, 10, 10, 30*time.Second)
	recordCameras(t, a)
	a.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-camera")))
	chrome.Poll(t, a, 5*time.Second, "camera off", pressed("ctl-camera", "false"))
	doubleClick(t, a, "ctl-camera")
	chrome.Poll(t, a, 10*time.Second, "camera on", pressed("ctl-camera", "true"))
	time.Sleep(time.Second)
	if n := chrome.Eval[int](t, a, liveCamerasJS); n != 1 {
		t.Errorf("room: %d cameras running after a double click, want 1", n)
	}
	if !chrome.Eval[bool](t, a, `window.cameras.includes(window.piiri.session.local.camera)`) {
		t.Error("the camera sent is not the one started")
	}
	before := chrome.Received(t, b)
	chrome.WaitReceiving(t, b, []string{idA}, before, 20, 0, 15*time.Second)

	// Sending the camera fails: the page must not show it on.
	chrome.Eval[chromedp.Void](t, a, `window.piiri.session.setTrack = async () => { throw new Error('setTrack fails in this test'); }`)
	selfOff := `document.querySelector('#grid figure[data-participant=self]').classList.contains('video-off')`
	a.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-camera")))
	chrome.Poll(t, a, 5*time.Second, "camera shown off", pressed("ctl-camera", "false")+` && `+selfOff+` && `+liveCamerasJS+` === 0`)
	a.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-camera")))
	chrome.Poll(t, a, 10*time.Second, "a camera that could not be sent is stopped and shown off", `window.cameras.length === 2 && `+liveCamerasJS+` === 0 && `+pressed("ctl-camera", "false")+` && `+selfOff)
	chrome.Poll(t, b, 10*time.Second, "Ben is told Anna's camera is off", fmt.Sprintf(`window.piiri.session.participants.get(%s).videoMuted === true`, chrome.JSString(idA)))
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}
