package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/config"
	"piiri/control"
	"piiri/e2e/chrome"
	"piiri/internal/mediaprobe"
	"piiri/internal/testwait"
)

// TestStructuredMeeting is a peer group's meeting in the room, run as
// its people do it: a facilitator and two members come in from their
// personal links (consenting to recording on the pre-join page) and
// their media flows; the facilitator starts the meeting from the room's
// panel and everyone sees the same phase, time left and speaker (and the
// speaker's tile marked); the speaker passes their turn; a member raises
// a hand, which the facilitator sees; a chat link arrives as a link; the
// facilitator starts recording (everyone sees the indicator), moves on
// to the closing round, sets the task, and ends the meeting. The member's
// page then shows the task and the feedback question, and counts the
// meeting as held. The room passes axe-core in each phase (the
// facilitator's page and a member's); screenshots of each phase (desktop
// and phone) go to artifacts/, or to the
// directory PIIRI_SCREENSHOTS names (docs/screenshots for the guide).
func TestStructuredMeeting(t *testing.T) {
	srv := startServer(t, func(c *config.Config) { c.Meetings.MinHeld = 10 * time.Second })
	ctx, svc, admin := context.Background(), srv.Control(), control.AdminPrincipal()
	g, links, people := threeOfUs(t, srv, "Keskiviikkoryhmä", false)
	m, err := svc.AddMeeting(ctx, admin, g.ID, control.MeetingInput{Start: time.Now().Add(time.Minute), Theme: "Rajat"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.OpenMeeting(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}

	// Anna takes a turn every 4 s, and she alone consents to speaking
	// statistics as well: her turns are named in the turn index.
	tone := chromedp.Flag("use-file-for-fake-audio-capture", chrome.ToneWAV(t))
	fia, anna, bertil := chrome.New(t, tone), chrome.New(t, chromedp.Flag("use-file-for-fake-audio-capture", chrome.TurnsWAV(t))), chrome.New(t, tone)
	everyone := []*chrome.Browser{fia, anna, bertil}
	ids := map[*chrome.Browser]string{}
	for i, b := range everyone {
		link := links[[]string{"Fia Ohjaaja", "Anna Jäsen", "Bertil Jäsen"}[i]]
		enterGroupPage(t, b, link)
		if b == fia {
			chooseSettings(t, fia, svc, g.ID)
		}
		b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#group-join")), chromedp.WaitVisible(chromedp.CSS("#consent-record")))
		chrome.Poll(t, b, 10*time.Second, "the page is set up", chrome.ReadyJS+` && !document.getElementById('join-button').disabled && !document.getElementById('consent').hidden`)
		b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`label[for="consent-record"]`)))
		if b == anna {
			b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`label[for="consent-stats"]`)))
		}
		b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#join-button")))
		ids[b] = waitInRoom(t, b, 30*time.Second)
	}
	chrome.WaitReceiving(t, anna, []string{ids[fia], ids[bertil]}, nil, 30, 50, 40*time.Second)
	chrome.WaitReceiving(t, fia, []string{ids[anna]}, nil, 30, 50, 30*time.Second)

	// Only the facilitator has the meeting's controls.
	chrome.Poll(t, fia, 10*time.Second, "the facilitator's controls", `!document.getElementById('fac-panel').hidden && !!document.querySelector('#fac-buttons [data-action="start"]')`)
	if chrome.Eval[bool](t, anna, `!document.getElementById('fac-panel').hidden`) {
		t.Error("a member is shown the facilitator's controls")
	}
	shots := screenshots(t)
	shots(fia, "room-open")
	shotsPhone(t, shots, bertil, "room-open-phone")
	chrome.CheckAccessibility(t, fia, "room, open")
	chrome.CheckAccessibility(t, bertil, "room, open, member")

	// Start: the opening round, the same on every page.
	facilitatorDoes(t, fia, "start")
	for _, b := range everyone {
		chrome.Poll(t, b, 10*time.Second, "the opening round shown", `document.getElementById('phase-name').textContent === 'Opening round' && document.querySelectorAll('#round-order li').length === 2 && !!document.querySelector('#round-order li.current')`)
	}
	speaker := func(b *chrome.Browser) string {
		return chrome.Eval[string](t, b, `document.querySelector('#round-order li.current')?.dataset.person || ''`)
	}
	first := speaker(fia)
	for _, b := range everyone[1:] {
		if got := speaker(b); got != first {
			t.Errorf("pages disagree on the speaker: %q and %q", got, first)
		}
	}
	// The time left: every page counts down to the server's one deadline
	// (read at different moments, the seconds shown would differ by the
	// time between the reads, so the test compares the deadline and checks
	// each page's countdown against it).
	deadline := chrome.Eval[string](t, fia, `window.piiri.session.meetingState.phase.deadline`)
	for _, b := range everyone {
		chrome.Poll(t, b, 10*time.Second, "the timer running", `Number(document.getElementById('phase-timer').dataset.seconds) > 0`)
		got := chrome.Eval[string](t, b, `(() => {
		  const s = window.piiri.session, shown = Number(document.getElementById('phase-timer').dataset.seconds);
		  const left = Math.round((Date.parse(s.meetingState.phase.deadline) - s.serverNow()) / 1000);
		  return s.meetingState.phase.deadline + '|' + (Math.abs(left - shown) <= 2 && shown <= 120);
		})()`)
		if got != deadline+"|true" {
			t.Errorf("a page counts down %q; want the deadline %s, the time shown matching it, at most the 2 minutes of a turn", got, deadline)
		}
	}
	// Alphabetical: Anna speaks first; her tile is marked on the others' pages.
	speakerPage := anna
	chrome.Poll(t, fia, 10*time.Second, "the speaker's tile marked", fmt.Sprintf(`document.querySelector('.tile.their-turn')?.dataset.participant === %s`, chrome.JSString(ids[anna])))
	shots(fia, "room-round")
	shotsPhone(t, shots, bertil, "room-round-phone")
	chrome.CheckAccessibility(t, anna, "room, opening round")

	// Anna passes; Bertil's turn, on every page.
	speakerPage.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#pass-turn")))
	for _, b := range everyone {
		chrome.Poll(t, b, 10*time.Second, "the next speaker", fmt.Sprintf(`(() => { const c = document.querySelector('#round-order li.current'); return !!c && c.dataset.person !== %s && document.querySelector('#round-order li[data-status="passed"]')?.dataset.person === %s; })()`, chrome.JSString(first), chrome.JSString(first)))
	}

	// A hand, seen by the facilitator; a chat link, seen by all as a link.
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-hand")))
	chrome.Poll(t, fia, 10*time.Second, "Anna's hand", fmt.Sprintf(`!!document.querySelector('#people-list li[data-participant=%s] .badge.hand')`, chrome.JSString(ids[anna])))
	chrome.Poll(t, anna, 10*time.Second, "the hand button pressed", `document.getElementById('ctl-hand').getAttribute('aria-pressed') === 'true'`)
	if chrome.Eval[bool](t, bertil, `document.getElementById('side').hidden`) {
		bertil.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-side")))
	}
	bertil.Do(t, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#chat-input"), "Artikkeli: https://example.fi/vertaisryhma"), chromedp.Click(chromedp.CSS("#chat-form button")))
	chrome.Poll(t, fia, 10*time.Second, "the chat link", `document.querySelector('#chat-list .chat-text a')?.href === 'https://example.fi/vertaisryhma'`)

	// Recording: everyone consented before joining.
	facilitatorDoes(t, fia, "record_start")
	for _, b := range everyone {
		chrome.Poll(t, b, 10*time.Second, "the recording indicator", `document.getElementById('rec-indicator').classList.contains('active') && !document.getElementById('rec-indicator').hidden`)
	}
	recording := time.Now()

	// On to the closing round; the task; the end.
	for _, want := range []string{"Theme of the day", "Task review", "Closing round"} {
		facilitatorDoes(t, fia, "next_phase")
		for _, b := range everyone {
			chrome.Poll(t, b, 10*time.Second, "the phase "+want, fmt.Sprintf(`document.getElementById('phase-name').textContent === %s`, chrome.JSString(want)))
		}
		name := "room-" + strings.ToLower(strings.ReplaceAll(want, " ", "-"))
		shots(fia, name)
		shotsPhone(t, shots, bertil, name+"-phone")
		chrome.CheckAccessibility(t, fia, "room, "+strings.ToLower(want))
		chrome.CheckAccessibility(t, bertil, "room, "+strings.ToLower(want)+", member")
	}
	const task = "Huomaa yksi hetki, jolloin sanoit ei."
	fia.Do(t, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#task-input"), task), chromedp.Click(chromedp.CSS("#task-set")))
	for _, b := range everyone {
		chrome.Poll(t, b, 10*time.Second, "the task shown", fmt.Sprintf(`document.getElementById('task-now')?.textContent === %s`, chrome.JSString(task)))
	}
	chrome.CheckAccessibility(t, fia, "room, closing round, the task set")
	// The meeting counts as held once both members were in it together
	// for the 10 s minimum: wait for that, as the rule needs, then end.
	testwait.Until(t, 30*time.Second, "both members present for the minimum", func() error {
		v, err := svc.Attendance(ctx, admin, m.ID)
		if err != nil {
			return err
		}
		if !v.Count.Held {
			return fmt.Errorf("not held yet: %+v", v.Count)
		}
		return nil
	})
	// The playback below seeks to a turn of Anna's in the recording: the
	// meeting runs until she began one after the recording started.
	testwait.Until(t, 30*time.Second, "a turn of Anna's begun in the recording", func() error {
		v, err := svc.MeetingTurns(ctx, admin, m.ID)
		if err != nil {
			return err
		}
		for _, turn := range v.Turns {
			if turn.Speaker.PersonID == people["Anna Jäsen"] && turn.Start.After(recording.Add(500*time.Millisecond)) {
				return nil
			}
		}
		return fmt.Errorf("%d turns, none of Anna's since the recording started", len(v.Turns))
	})
	// The group chose the live balance: Fia sees Anna's share by name and
	// the others together.
	chrome.Poll(t, fia, 20*time.Second, "the live balance", `(() => {
	  const rows = [...document.querySelectorAll('#balance-list li')].map((li) => li.textContent);
	  return !document.getElementById('balance-panel').hidden && rows.some((r) => r.startsWith('Anna Jäsen') && / % of talk time/.test(r));
	})()`)
	if chrome.Eval[bool](t, anna, `!document.getElementById('balance-panel').hidden`) {
		t.Error("a member is shown the live balance")
	}
	facilitatorDoes(t, fia, "end")
	testwait.Until(t, 10*time.Second, "the meeting ended", func() error {
		v, err := svc.Meeting(ctx, admin, m.ID)
		if err != nil {
			return err
		}
		if v.Meeting.State != control.StateEnded || !v.Meeting.Held() {
			return fmt.Errorf("meeting %s, held %v", v.Meeting.State, v.Meeting.Held())
		}
		return nil
	})

	// The recording: real Chromium's Opus and VP8 of each of the three,
	// valid WebM that ffmpeg decodes without an error.
	mediaprobe.Need(t)
	srv.Recordings().Settled()
	man, err := srv.Recordings().Manifest(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(man.People) != 3 {
		t.Errorf("recorded people %d, want all 3", len(man.People))
	}
	for _, p := range man.People {
		if len(p.Files) == 0 {
			t.Errorf("%s has no file", p.Person)
		}
		for _, f := range p.Files {
			file := filepath.Join(srv.RecordingDir(), m.ID, f.Name)
			r := mediaprobe.WebM(t, file)
			if !f.Final || !strings.HasPrefix(r.Codecs(), "audio/opus") || r.Duration() <= 0 {
				t.Errorf("%s: final %v, streams %s, duration %v", f.Name, f.Final, r.Codecs(), r.Duration())
			}
			if err := mediaprobe.Decodes(file); err != nil {
				t.Error(err)
			}
			t.Logf("%s: %s, %v", f.Name, r.Codecs(), r.Duration())
		}
	}

	// The facilitator plays the recording from the group page: every
	// file decodes in the browser, the turn index names the phases, and a
	// turn seeks every player to it.
	playRecording(t, fia, links["Fia Ohjaaja"], shots)

	// Anna's page after the meeting: the task, the feedback question, the count.
	anna.Do(t, 30*time.Second, chromedp.Navigate(links["Anna Jäsen"]))
	chrome.Poll(t, anna, 15*time.Second, "the member page after the meeting", fmt.Sprintf(`document.querySelector('.task-text')?.textContent === %s && !!document.querySelector('.feedback-form') && document.getElementById('group-progress').textContent.startsWith('Meetings held so far: 1 of ')`, chrome.JSString(task)))

	// What is recorded of Anna, on her page: her files, and the way to
	// erase them, which she takes; they are gone from the disk.
	var annaFiles []string
	for _, p := range man.People {
		if p.Person == people["Anna Jäsen"] {
			for _, f := range p.Files {
				annaFiles = append(annaFiles, filepath.Join(srv.RecordingDir(), m.ID, f.Name))
			}
		}
	}
	chrome.Poll(t, anna, 15*time.Second, "Anna's own recordings", fmt.Sprintf(`!document.getElementById('my-recordings').hidden && document.querySelectorAll('#my-recordings li[data-file] button.download-file').length === %d`, len(annaFiles)))
	chrome.CheckAccessibility(t, anna, "member page with own recordings")
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`#my-recordings [data-focus="my-rec-erase"]`)), chromedp.WaitVisible(chromedp.CSS(`#my-recordings [data-focus="my-rec-yes"]`)))
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`#my-recordings [data-focus="my-rec-yes"]`)))
	chrome.Poll(t, anna, 15*time.Second, "the recordings erased", fmt.Sprintf(`document.getElementById('my-data-status').textContent === 'Erased: %d files.' && document.getElementById('my-recordings').hidden`, len(annaFiles)))
	for _, f := range annaFiles {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s is still on the disk after Anna erased her recordings: %v", f, err)
		}
	}
	for _, b := range everyone {
		b.CheckNoExceptions(t)
	}
}

// chooseSettings: on the group page, Fia chooses the alphabetical order
// of rounds and the live balance, and the group has them.
func chooseSettings(t *testing.T, fia *chrome.Browser, svc *control.Service, groupID string) {
	t.Helper()
	fia.Do(t, 10*time.Second, chromedp.WaitVisible(chromedp.CSS("#setting-live-balance")),
		chromedp.Click(chromedp.CSS(`label[for="roundOrder-alphabetical"]`)), chromedp.Click(chromedp.CSS(`label[for="setting-live-balance"]`)),
		chromedp.Click(chromedp.CSS(`.settings-form button[type="submit"]`)))
	chrome.Poll(t, fia, 10*time.Second, "the settings saved", `document.querySelector('#manage .manage-status').textContent === 'The settings are saved.'`)
	v, err := svc.Group(context.Background(), control.AdminPrincipal(), groupID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Group.RoundOrder != control.RoundAlphabetical || !v.Group.LiveBalance {
		t.Fatalf("the group's settings: round order %q, live balance %v", v.Group.RoundOrder, v.Group.LiveBalance)
	}
	chrome.CheckAccessibility(t, fia, "group page with its settings")
}

// screenshots returns a function that writes a screenshot of a page to
// artifacts/, or to $PIIRI_SCREENSHOTS when set (the user guide's
// pictures, made by running this test).
func screenshots(t *testing.T) func(b *chrome.Browser, name string) {
	dir := os.Getenv("PIIRI_SCREENSHOTS")
	return func(b *chrome.Browser, name string) {
		t.Helper()
		if dir == "" {
			chrome.Screenshot(t, b, name)
			return
		}
		ctx, cancel := b.Context(20 * time.Second)
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// shotsPhone takes a screenshot of b as on an upright phone, and puts the
// page back as it was.
func shotsPhone(t *testing.T, shots func(*chrome.Browser, string), b *chrome.Browser, name string) {
	t.Helper()
	w, h := chrome.Eval[int64](t, b, `innerWidth`), chrome.Eval[int64](t, b, `innerHeight`)
	b.Do(t, 10*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1.5), chromedp.EmulatePortrait))
	chrome.Poll(t, b, 10*time.Second, "the phone layout", `innerWidth === 390`)
	shots(b, name)
	// The page as it was (clearing the override leaves the phone's size).
	b.Do(t, 10*time.Second, chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1), chromedp.EmulateLandscape))
	chrome.Poll(t, b, 10*time.Second, "the page's own size again", fmt.Sprintf(`innerWidth === %d`, w))
}

// playRecording opens the group page's recordings as the facilitator,
// plays the meeting's recording and checks it on the media: every video
// has frames of a real size and decodes more as it plays, audio decodes,
// the turn index shows the turns with their phases, and activating a
// turn puts every player at that turn (its start less the file's offset).
func playRecording(t *testing.T, fia *chrome.Browser, link string, shots func(*chrome.Browser, string)) {
	t.Helper()
	// Fia accepted the agreement before the meeting: the page opens on
	// the group at once.
	fia.Do(t, 30*time.Second, chromedp.Navigate(link))
	chrome.Poll(t, fia, 20*time.Second, "the recordings on the group page", `!document.getElementById('recordings').hidden && !!document.querySelector('#recordings button.play-recording') && document.querySelectorAll('#recordings button.download-file').length >= 3`)
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#recordings button.play-recording")))
	chrome.Poll(t, fia, 30*time.Second, "every file loaded in the playback view", `(() => {
	  const vs = [...document.querySelectorAll('#playback video')];
	  return vs.length >= 3 && vs.every((v) => v.readyState >= 2 && v.videoWidth > 0) && !!document.getElementById('playback-play');
	})()`)
	// The phases in the page's language (the group's is Finnish).
	chrome.Poll(t, fia, 10*time.Second, "the turn index with phases", `(() => {
	  const rows = [...document.querySelectorAll('.turn-index tbody tr')];
	  const phases = ['Opening round', 'Theme of the day', 'Task review', 'Closing round'];
	  return rows.length > 0 && rows.every((r) => phases.includes(r.querySelector('td.phase')?.textContent))
	    && rows.some((r) => r.querySelector('td.speaker')?.textContent === 'Anna Jäsen');
	})()`)
	before := chrome.Eval[int](t, fia, `[...document.querySelectorAll('#playback video')].reduce((n, v) => n + v.getVideoPlaybackQuality().totalVideoFrames, 0)`)
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#playback-play")))
	chrome.Poll(t, fia, 20*time.Second, "the recording playing: video frames and audio decoded", fmt.Sprintf(`(() => {
	  const vs = [...document.querySelectorAll('#playback video')];
	  const frames = vs.reduce((n, v) => n + v.getVideoPlaybackQuality().totalVideoFrames, 0);
	  const audio = vs.filter((v) => v.webkitAudioDecodedByteCount > 0).length;
	  return frames > %d + 20 && audio >= 3;
	})()`, before))
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#playback-play")))
	// Anna's latest turn (it starts inside the recording): every player
	// goes to it, and the position with them.
	n := chrome.Eval[string](t, fia, `(() => {
	  const rows = [...document.querySelectorAll('.turn-index tbody tr')].filter((r) => Number(r.dataset.at) > 0 && r.querySelector('td.speaker')?.textContent === 'Anna Jäsen');
	  return rows.length ? rows[rows.length - 1].dataset.turn : '';
	})()`)
	if n == "" {
		t.Fatal("no turn starts inside the recording")
	}
	at := chrome.Eval[float64](t, fia, fmt.Sprintf(`Number(document.querySelector('.turn-index tr[data-turn="%s"]').dataset.at)`, n))
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`.turn-index tr[data-turn="%s"] button.seek`, n))))
	chrome.Poll(t, fia, 10*time.Second, fmt.Sprintf("every player at the turn (%.2f s)", at), fmt.Sprintf(`(() => {
	  const at = %f;
	  const vs = [...document.querySelectorAll('#playback video')].filter((v) => !v.hidden);
	  return vs.length >= 3 && vs.every((v) => !v.seeking && Math.abs(v.currentTime - (at - Number(v.dataset.offset))) < 0.3)
	    && Math.abs(Number(document.getElementById('playback-position').value) - at) < 0.3
	    && document.querySelector('.turn-index tr[data-turn="%s"]').classList.contains('current');
	})()`, at, n))
	chrome.CheckAccessibility(t, fia, "playback")
	shots(fia, "playback")
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#playback button.playback-back")))
	chrome.Poll(t, fia, 10*time.Second, "back on the group page", `document.getElementById('playback').hidden && !document.getElementById('group').hidden`)
}
