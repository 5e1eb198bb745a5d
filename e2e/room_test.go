package e2e

import (
	"fmt"
	"piiri/e2e/chrome"
	"slices"
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
	openPageWithCamera(t, bs[0], link)
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
	// AES-128-GCM both ways: piiri is the DTLS server on both
	// connections, so its preference decides.
	if got := chrome.SRTPCiphers(t, bs[0]); got["subscriber"] != "AEAD_AES_128_GCM" || got["publisher"] != "AEAD_AES_128_GCM" {
		t.Errorf("SRTP ciphers %v: want AEAD_AES_128_GCM on both connections", got)
	} else {
		t.Logf("SRTP ciphers: %v", got)
	}
	// The microphones play a tone for a second, then a second of silence:
	// the server hears speech from the audio levels and every page
	// highlights the speaker, and then takes the highlight away.
	watch := fmt.Sprintf(`(() => { const f = %s; window.speakingSeen = []; new MutationObserver(() => { const on = f.classList.contains('speaking'); if (window.speakingSeen.at(-1) !== on) window.speakingSeen.push(on); }).observe(f, { attributes: true, attributeFilter: ['class'] }); })()`, tileJS(ids[0]))
	for _, b := range bs[1:] {
		chrome.Eval[chromedp.Void](t, b, watch)
	}
	for _, b := range bs[1:] {
		chrome.Poll(t, b, 10*time.Second, "Anna highlighted while her tone plays, not after", `window.speakingSeen.join() .includes('true,false')`)
	}
	// Anna mutes: Ben and Cecilia see the microphone-off mark on her tile.
	bs[0].Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-mic")))
	mutedTile := fmt.Sprintf(`(() => { const f = %s; return !!f && f.classList.contains('audio-muted') && getComputedStyle(f.querySelector('.mic-off')).display !== 'none' && f.getAttribute('aria-label').includes(%s); })()`, tileJS(ids[0]), chrome.JSString(names[0]))
	for _, b := range bs[1:] {
		chrome.Poll(t, b, 10*time.Second, "Anna shown muted", mutedTile)
	}
	if !chrome.Eval[bool](t, bs[0], controlStateJS("ctl-mic", false, "Unmute")) {
		t.Error("Anna's microphone button does not show it is off")
	}

	// Ben turns his camera off: the others see his avatar instead.
	bs[1].Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-camera")))
	cameraOff := fmt.Sprintf(`(() => { const f = %s; return !!f && f.classList.contains('video-off') && getComputedStyle(f.querySelector('.avatar')).display !== 'none'; })()`, tileJS(ids[1]))
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
// as its own large tile, and goes away when it stops. The sharer does not
// see their own screen (a hall of mirrors) but a notice that they share
// it, and the button says it stops sharing.
func TestScreenShare(t *testing.T) {
	srv := startServer(t, nil)
	a, b, idA, _ := twoInRoom(t, srv, nil)

	a.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-screen")))
	chrome.Poll(t, a, 10*time.Second, "Anna is told she shares her screen", controlStateJS("ctl-screen", true, "Stop sharing")+` && (() => { const n = document.getElementById('sharing'); return n.checkVisibility() && n.textContent.trim() === 'You are sharing your screen.'; })()`)
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
	if n := chrome.Eval[int](t, a, `[...document.querySelectorAll('video')].filter((v) => v.srcObject && v.srcObject.getVideoTracks().some((tr) => tr.label.includes('screen') || tr.getSettings().displaySurface)).length`); n != 0 {
		t.Errorf("Anna's page shows her own screen in %d video elements", n)
	}
	if !chrome.Eval[bool](t, a, `document.getElementById('stage').hidden && document.querySelectorAll('#stage figure').length === 0`) {
		t.Error("Anna's page has a stage for her own screen")
	}
	chrome.Screenshot(t, a, "room-sharing-own-screen")

	a.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-screen")))
	chrome.Poll(t, b, 10*time.Second, "screen tile gone", `document.querySelectorAll('#stage figure').length === 0 && document.getElementById('stage').hidden`)
	chrome.Poll(t, a, 5*time.Second, "Anna's notice gone", controlStateJS("ctl-screen", false, "Share screen")+` && document.getElementById('sharing').hidden`)
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}

// TestReconnect: the server cuts one participant's websocket, as a network
// failure would. Within 10 s the page is back as the same participant,
// media flows both ways again, and the page was never reloaded.
func TestReconnect(t *testing.T) {
	srv := startServer(t, nil)
	a, b, idA, idB := twoInRoom(t, srv, nil)

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
	a, b, _, idB := twoInRoom(t, srv, nil)
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
	openPageWithCamera(t, a, link)
	recordCameras(t, a)

	pressed := func(id, want string) string {
		label := map[string]string{"true": "Turn camera off", "false": "Turn camera on"}[want]
		return controlStateJS(id, want == "true", label)
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

// TestLateJoinerSeesSpeaker: someone who joins while another person is
// already speaking sees that person highlighted at once, from the state
// the server sends with the room, without waiting for them to stop and
// start again.
func TestLateJoinerSeesSpeaker(t *testing.T) {
	srv := startServer(t, nil)
	link := srv.RoomLink()
	a := chrome.New(t, chromedp.Flag("use-file-for-fake-audio-capture", chrome.SteadyToneWAV(t)))
	idA := chrome.JoinThroughUI(t, a, link, "Anna")
	// Anna's own tile lights up: the server hears her speak, and goes on
	// hearing her (her tone does not pause).
	chrome.Poll(t, a, 15*time.Second, "Anna speaking on her own page", tileJS("self")+`.classList.contains('speaking')`)

	b := chrome.New(t)
	recordServerMessages(t, b)
	chrome.JoinThroughUI(t, b, link, "Ben")
	chrome.Poll(t, b, 10*time.Second, "Ben sees Anna speaking", fmt.Sprintf(`(() => { const f = %s; return !!f && f.classList.contains('speaking') && f.getAttribute('aria-label').includes('Speaking'); })()`, tileJS(idA)))
	// The highlight came with the room: Ben's page heard no speaking
	// message about Anna, which would have shown it anyway.
	if got := chrome.Eval[string](t, b, `JSON.stringify(window.received.filter((m) => m.type === 'speaking'))`); got != "[]" {
		t.Errorf("Ben's page received speaking messages %s; Anna's tone should not have paused", got)
	}
	if !chrome.Eval[bool](t, a, tileJS("self")+`.classList.contains('speaking')`) {
		t.Error("Anna is no longer shown speaking on her own page")
	}
	a.CheckNoExceptions(t)
	b.CheckNoExceptions(t)
}

// offLooksOffJS is true when the button with the given id looks off as
// such buttons do everywhere: red, its icon slashed.
func offLooksOffJS(id string) string {
	return fmt.Sprintf(`(() => {
  const b = document.getElementById(%s);
  const [r, g, bl] = getComputedStyle(b).backgroundColor.match(/\d+/g).map(Number);
  return r > 150 && g < 80 && bl < 80 && getComputedStyle(b.querySelector('.slash')).display !== 'none';
})()`, chrome.JSString(id))
}

// onLooksOnJS is true when the button with the given id is not red and
// its icon not slashed.
func onLooksOnJS(id string) string {
	return fmt.Sprintf(`(() => {
  const b = document.getElementById(%s);
  const [r, g, bl] = getComputedStyle(b).backgroundColor.match(/\d+/g).map(Number);
  const slash = b.querySelector('.slash');
  return !(r > 150 && g < 80 && bl < 80) && (!slash || getComputedStyle(slash).display === 'none');
})()`, chrome.JSString(id))
}

// TestControlsSayWhatTheyDo: a microphone or camera that is off looks
// off (red, slashed), on the pre-join page and in the room, and every
// button's label says what a press does: Mute and Unmute, Turn camera off
// and on, Share screen and Stop sharing, in Finnish too. The leave button
// shows a hang-up icon, not an arrow into a door.
func TestControlsSayWhatTheyDo(t *testing.T) {
	srv := startServer(t, nil)
	b := chrome.New(t)
	openPageWithCamera(t, b, srv.RoomLink())
	toggle := func(id string, onLabel, offLabel string) {
		t.Helper()
		chrome.Poll(t, b, 5*time.Second, id+" on", controlStateJS(id, true, onLabel)+" && "+onLooksOnJS(id))
		b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#"+id)))
		chrome.Poll(t, b, 10*time.Second, id+" off", controlStateJS(id, false, offLabel)+" && "+offLooksOffJS(id))
	}
	toggle("pre-mic", "Mute", "Unmute")
	toggle("pre-camera", "Turn camera off", "Turn camera on")
	chrome.Screenshot(t, b, "prejoin-devices-off")
	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#pre-mic")), chromedp.Click(chromedp.CSS("#pre-camera")))
	chrome.Poll(t, b, 10*time.Second, "pre-join devices on again", controlStateJS("pre-mic", true, "Mute")+" && "+controlStateJS("pre-camera", true, "Turn camera off"))

	pressJoin(t, b, "Anna")
	waitInRoom(t, b, 20*time.Second)
	toggle("ctl-mic", "Mute", "Unmute")
	toggle("ctl-camera", "Turn camera off", "Turn camera on")
	chrome.Poll(t, b, 5*time.Second, "share button", controlStateJS("ctl-screen", false, "Share screen"))
	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-screen")))
	chrome.Poll(t, b, 10*time.Second, "sharing", controlStateJS("ctl-screen", true, "Stop sharing"))
	chrome.Screenshot(t, b, "room-controls-off")
	chrome.CheckAccessibility(t, b, "room, microphone and camera off")
	switchLanguage(t, b, "fi")
	chrome.Poll(t, b, 5*time.Second, "labels in Finnish", controlStateJS("ctl-mic", false, "Poista mykistys")+" && "+controlStateJS("ctl-camera", false, "Avaa kamera")+" && "+controlStateJS("ctl-screen", true, "Lopeta jakaminen"))
	switchLanguage(t, b, "en")
	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-mic")), chromedp.Click(chromedp.CSS("#ctl-screen")))
	chrome.Poll(t, b, 10*time.Second, "microphone on, sharing stopped", controlStateJS("ctl-mic", true, "Mute")+" && "+onLooksOnJS("ctl-mic")+" && "+controlStateJS("ctl-screen", false, "Share screen"))
	if got := chrome.Eval[string](t, b, `document.querySelector('#ctl-leave use').getAttribute('href') + ' ' + !!document.querySelector(document.querySelector('#ctl-leave use').getAttribute('href'))`); got != "#i-hangup true" {
		t.Errorf("leave button icon: %s, want the hang-up icon", got)
	}
	b.CheckNoExceptions(t)
}
