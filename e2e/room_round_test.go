package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/control"
	"piiri/e2e/chrome"
	"piiri/internal/testwait"
)

// TestRunningTheRound is the facilitator's hold on a meeting in the room,
// through the page only, with every change followed on the others'
// pages (the server's meeting_state, not the facilitator's own guess):
//
//   - the connection quality each page judges from getStats() reaches
//     the others' participant lists, in words ("connection good"), and
//     a page does not send it again while it stays the same;
//   - in the opening round, with the keyboard alone, the facilitator
//     moves a turn earlier, skips the speaker and gives them an extra turn;
//   - raised hands queue in the round view in the order raised, on every
//     page; the facilitator lowers another's with one click, a member their
//     own with one click;
//   - a member who comes in late sees the phase and the speaker at once;
//     the timebox sound they turned off stays off; the phase bar is in
//     Finnish after a switch; on a phone held upright the phase bar, the
//     timer, the speaker and the controls are in view, nothing wider than
//     the screen;
//   - the facilitator edits the parts while the meeting runs (renames the
//     current part, shortens it, adds and removes a part, moves one) and
//     every page has the new structure;
//   - the shortened timebox runs out: the overdue mark and the live
//     region's announcement on every page, the sound only where it is on;
//   - the task review shows the task set in the previous meeting and the
//     note a member shared;
//   - the closing round shows the next meeting in the group's time zone,
//     and a member's answer to it reaches the control plane.
//
// axe-core passes in each phase, and with the parts dialog open; the
// screenshots for docs/facilitator.md are taken as in TestStructuredMeeting.
func TestRunningTheRound(t *testing.T) {
	srv := startServer(t, nil)
	ctx, svc, admin := context.Background(), srv.Control(), control.AdminPrincipal()
	g, links, ids := threeOfUs(t, srv, "Torstairyhmä", false)
	alpha, yes := control.RoundAlphabetical, true
	if _, err := svc.UpdateGroup(ctx, admin, g.ID, control.GroupPatch{RoundOrder: &alpha, CountFacilitators: &yes}); err != nil {
		t.Fatal(err)
	}

	// The previous meeting: its task, and Anna's note on it, shared.
	const lastTask, annaNote = "Kirjoita ylös yksi onnistuminen.", "Kirjoitin kolme."
	prev, err := svc.AddMeeting(ctx, admin, g.ID, control.MeetingInput{Start: time.Now().Add(time.Minute), Theme: "Alku"})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context, control.Principal, string) (control.Meeting, error){svc.OpenMeeting, svc.StartMeeting} {
		if _, err := step(ctx, admin, prev.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.SetTask(ctx, admin, prev.ID, lastTask); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EndMeeting(ctx, admin, prev.ID); err != nil {
		t.Fatal(err)
	}
	anna, err := svc.Authenticate(ctx, strings.TrimPrefix(links["Anna Jäsen"], srv.BaseURL()+"/g/"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.WriteTaskNote(ctx, anna, prev.ID, control.TaskNoteInput{Done: true, Note: annaNote, Shared: true}); err != nil {
		t.Fatal(err)
	}
	// This meeting, and the next one, a week on.
	m, err := svc.AddMeeting(ctx, admin, g.ID, control.MeetingInput{Start: time.Now().Add(2 * time.Minute), Theme: "Jaksaminen"})
	if err != nil {
		t.Fatal(err)
	}
	next, err := svc.AddMeeting(ctx, admin, g.ID, control.MeetingInput{Start: time.Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.OpenMeeting(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}

	tone := chromedp.Flag("use-file-for-fake-audio-capture", chrome.ToneWAV(t))
	fiaB, annaB, bertilB := chrome.New(t, tone), chrome.New(t, tone), chrome.New(t, tone)
	everyone := []*chrome.Browser{fiaB, annaB, bertilB}
	pid := map[*chrome.Browser]string{}
	for i, b := range everyone {
		pid[b] = joinFromGroupPage(t, b, links[[]string{"Fia Ohjaaja", "Anna Jäsen", "Bertil Jäsen"}[i]], true)
	}
	fia, annaID, bertil := ids["Fia Ohjaaja"], ids["Anna Jäsen"], ids["Bertil Jäsen"]
	chrome.WaitReceiving(t, annaB, []string{pid[fiaB], pid[bertilB]}, nil, 10, 20, 40*time.Second)

	// Connection quality: Anna's list says Bertil's connection is good.
	chrome.Poll(t, annaB, 30*time.Second, "Bertil's connection quality in Anna's list", fmt.Sprintf(`document.querySelector('#people-list li[data-participant=%s] .badge.quality-good')?.textContent === 'connection good'`, chrome.JSString(pid[bertilB])))

	// From here on, Anna's page tells the server its quality only when
	// it changes: count what it sends and what it judged.
	chrome.Eval[chromedp.Void](t, annaB, `(() => {
	  const s = window.piiri.session, ws = s.ws, send = ws.send.bind(ws);
	  window.qualitySent = 0;
	  window.qualityChanged = 0;
	  window.sentAll = 0;
	  ws.send = (data) => { window.sentAll++; if (JSON.parse(data).quality) window.qualitySent++; return send(data); };
	  s.addEventListener('quality', () => window.qualityChanged++);
	})()`)
	chrome.Poll(t, fiaB, 10*time.Second, "the facilitator's controls", `!!document.querySelector('#fac-buttons [data-action="start"]')`)
	chrome.CheckAccessibility(t, fiaB, "room, open, facilitator")
	facilitatorDoes(t, fiaB, "start")
	order := func(b *chrome.Browser) string {
		return chrome.Eval[string](t, b, `[...document.querySelectorAll('#round-order li')].map((li) => li.dataset.person + ':' + li.dataset.status).join(',')`)
	}
	roundIs := func(what string, want ...string) {
		t.Helper()
		js := fmt.Sprintf(`[...document.querySelectorAll('#round-order li')].map((li) => li.dataset.person + ':' + li.dataset.status).join(',') === %s`, chrome.JSString(strings.Join(want, ",")))
		for _, b := range everyone {
			if !pollOK(b, 10*time.Second, js) {
				t.Fatalf("%s: a page shows the round %s, want %s", what, order(b), strings.Join(want, ","))
			}
		}
	}
	// Alphabetical, the facilitator counted: Anna, Bertil, Fia.
	roundIs("the round started", annaID+":current", bertil+":waiting", fia+":waiting")
	chrome.CheckAccessibility(t, fiaB, "room, opening round, facilitator")
	chrome.CheckAccessibility(t, annaB, "room, opening round, speaker")

	// Keyboard alone: Fia moves her own turn earlier, skips Anna, gives
	// Anna an extra turn.
	keyTo := func(focus string) {
		t.Helper()
		sel := fmt.Sprintf(`#fac-round-list [data-focus=%q]`, focus)
		fiaB.Do(t, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Focus(chromedp.CSS(sel)))
		press(t, fiaB, "Enter")
	}
	keyTo("up-" + fia)
	roundIs("Fia moved earlier", annaID+":current", fia+":waiting", bertil+":waiting")
	if f := chrome.Eval[string](t, fiaB, `document.activeElement.dataset.focus || ''`); f != "down-"+fia {
		t.Errorf("after moving a turn to the top of the waiting ones, the focus is on %q, want its Later button", f)
	}
	keyTo("skip-" + annaID)
	roundIs("Anna skipped", annaID+":skipped", fia+":current", bertil+":waiting")
	keyTo("extra-" + annaID)
	roundIs("Anna's extra turn", annaID+":skipped", fia+":current", bertil+":waiting", annaID+":waiting")
	if !chrome.Eval[bool](t, bertilB, `window.piiri.session.meetingState.round.turns[3].extra === true`) {
		t.Error("the server's state does not mark Anna's second turn as extra")
	}

	// Hands in the round view: Anna, then Bertil; in that order everywhere.
	annaB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-hand")))
	chrome.Poll(t, bertilB, 10*time.Second, "Anna's hand in the queue", `document.querySelectorAll('#hand-list li').length === 1`)
	bertilB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-hand")))
	hands := `[...document.querySelectorAll('#hand-list li')].map((li) => li.firstChild.textContent + ' ' + li.childNodes[2].textContent).join('|')`
	for b, want := range map[*chrome.Browser]string{fiaB: "1. Anna Jäsen|2. Bertil Jäsen", annaB: "1. Anna Jäsen (you)|2. Bertil Jäsen", bertilB: "1. Anna Jäsen|2. Bertil Jäsen (you)"} {
		if !pollOK(b, 10*time.Second, fmt.Sprintf(`!document.getElementById('hand-queue').hidden && %s === %s`, hands, chrome.JSString(want))) {
			t.Errorf("the hand queue shows %q, want %q", chrome.Eval[string](t, b, hands), want)
		}
	}
	if chrome.Eval[bool](t, bertilB, fmt.Sprintf(`!!document.querySelector('#hand-list li[data-participant=%s] button')`, chrome.JSString(pid[annaB]))) {
		t.Error("a member is offered to lower another's hand")
	}
	chrome.CheckAccessibility(t, fiaB, "room, hands raised")
	shots := screenshots(t)
	shots(fiaB, "room-round-facilitator")
	// One click each: Fia lowers Anna's, Bertil his own.
	fiaB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#hand-list li[data-participant=%q] button`, pid[annaB]))))
	chrome.Poll(t, annaB, 10*time.Second, "Anna's hand lowered by the facilitator", `document.getElementById('ctl-hand').getAttribute('aria-pressed') === 'false' && document.querySelectorAll('#hand-list li').length === 1`)
	bertilB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`#hand-list li[data-participant="self"] button`)))
	for _, b := range everyone {
		chrome.Poll(t, b, 10*time.Second, "no hands", `document.getElementById('hand-queue').hidden && window.piiri.session.hands.length === 0`)
	}

	// Bertil turns the timebox sound off, then comes in again from his
	// link, late: the phase and the speaker at once, the sound still off.
	openSide(t, bertilB)
	bertilB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`label[for="sound-on"]`)))
	chrome.Poll(t, bertilB, 5*time.Second, "the sound off", `!document.getElementById('sound-on').checked`)
	pid[bertilB] = joinFromGroupPage(t, bertilB, links["Bertil Jäsen"], false)
	if got := chrome.Eval[string](t, bertilB, `document.getElementById('phase-name').textContent + '|' + (document.querySelector('#round-line .speaker')?.textContent || '')`); got != "Opening round|Fia Ohjaaja's turn (2 of 4)" {
		t.Errorf("the late joiner's page shows %q at once, want the opening round and Fia's turn", got)
	}
	if chrome.Eval[bool](t, bertilB, `document.getElementById('sound-on').checked`) {
		t.Error("the timebox sound Bertil turned off is on again after he came back")
	}
	// The phone, upright.
	onPhone(t, bertilB, func() {
		for _, p := range chrome.Eval[[]string](t, bertilB, roomInViewJS) {
			t.Errorf("phone, opening round: %s", p)
		}
	})
	// In Finnish.
	switchLanguage(t, annaB, "fi")
	chrome.Poll(t, annaB, 5*time.Second, "the phase bar in Finnish", `document.getElementById('phase-name').textContent === 'Avauskierros' && document.getElementById('phase-next').textContent === 'Seuraavaksi: Päivän teema' && document.querySelector('#round-line .speaker')?.textContent === 'Vuorossa Fia Ohjaaja (2/4)'`)
	expectTranslated(t, annaB, "en", "fi", "room")
	switchLanguage(t, annaB, "en")

	// The theme. Fia edits the parts: renames the theme and shortens it
	// to run out in about 12 s, adds a part and removes it, adds a break
	// and moves it before the task review.
	facilitatorDoes(t, fiaB, "next_phase")
	for _, b := range everyone {
		chrome.Poll(t, b, 10*time.Second, "the theme", `document.getElementById('phase-name').textContent === 'Theme of the day'`)
	}
	chrome.CheckAccessibility(t, fiaB, "room, theme")
	// The sound is counted where the page makes it.
	for _, b := range everyone {
		chrome.Eval[chromedp.Void](t, b, `(() => { window.soundsMade = 0; const AC = window.AudioContext; window.AudioContext = class extends AC { constructor(...a) { super(...a); window.soundsMade++; } }; })()`)
	}
	fiaB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`#fac-buttons [data-action="edit_parts"]`)), chromedp.WaitVisible(chromedp.CSS("#parts-dialog #part-name-0")))
	if n := chrome.Eval[int](t, fiaB, `document.querySelectorAll('#parts-list li').length`); n != 4 {
		t.Fatalf("the dialog lists %d parts, want the 4 of the template", n)
	}
	chrome.CheckAccessibility(t, fiaB, "room, the parts dialog")
	shots(fiaB, "room-edit-parts")
	minutes := chrome.Eval[string](t, fiaB, `(() => { const s = window.piiri.session; const ran = (s.serverNow() - Date.parse(s.meetingState.phase.started)) / 1000; return String(Math.ceil((ran + 12) / 60 * 100) / 100); })()`)
	setField := func(sel, value string) {
		t.Helper()
		chrome.Eval[chromedp.Void](t, fiaB, fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.value = ''; el.dispatchEvent(new Event('input')); })()`, chrome.JSString(sel)))
		fiaB.Do(t, 10*time.Second, chromedp.SendKeys(chromedp.CSS(sel), value))
	}
	setField("#part-name-1", "Teema: jaksaminen")
	setField("#part-minutes-1", minutes)
	fiaB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#parts-add")))
	setField("#part-name-4", "Väliaika")
	fiaB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`#parts-list [data-focus="remove-4"]`)))
	fiaB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#parts-add")))
	setField("#part-name-4", "Tauko")
	setField("#part-minutes-4", "5")
	fiaB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`#parts-list [data-focus="up-4"]`)))
	if f := chrome.Eval[string](t, fiaB, `document.activeElement.dataset.focus || ''`); f != "up-3" {
		t.Errorf("after moving a part earlier the focus is on %q, want its Earlier button", f)
	}
	fiaB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#parts-save")))
	chrome.Poll(t, fiaB, 10*time.Second, "the dialog closed, the parts saved", `!document.getElementById('parts-dialog').open && document.getElementById('fac-status').textContent === 'The parts are saved.'`)
	parts := `window.piiri.session.meetingState.phases.map((p) => p.name.en + '/' + p.timeboxSeconds + (p.round ? '/round' : '') + (p.kind ? '/' + p.kind : '')).join(',')`
	secs := int(float64(mustFloat(t, minutes))*60 + 0.5)
	wantParts := fmt.Sprintf("Opening round/120/round,Teema: jaksaminen/%d,Task review/900/review,Tauko/300,Closing round/120/round/closing", secs)
	for _, b := range everyone {
		if !pollOK(b, 10*time.Second, fmt.Sprintf(`%s === %s && document.getElementById('phase-name').textContent === 'Teema: jaksaminen' && document.getElementById('phase-next').textContent === 'Next: Task review'`, parts, chrome.JSString(wantParts))) {
			t.Errorf("a page has the parts %s, want %s", chrome.Eval[string](t, b, parts), wantParts)
		}
	}
	// Renamed in English, it has the new name in Finnish too.
	switchLanguage(t, bertilB, "fi")
	if js := `document.getElementById('phase-name').textContent + ' | ' + document.getElementById('phase-next').textContent`; !pollOK(bertilB, 5*time.Second, js+` === 'Teema: jaksaminen | Seuraavaksi: Tehtävän läpikäynti'`) {
		t.Errorf("in Finnish the phase bar shows %q, want the renamed part; %s", chrome.Eval[string](t, bertilB, js), chrome.Eval[string](t, bertilB, `JSON.stringify(window.piiri.session.meetingState.phases.map((p) => p.name))`))
	}
	switchLanguage(t, bertilB, "en")
	v, err := svc.Meeting(ctx, admin, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.Meeting.Phases); n != 5 || v.Meeting.Phases[3].Name.In(control.English) != "Tauko" {
		t.Errorf("the control plane has %d parts (%+v), want 5 with the break fourth", n, v.Meeting.Phases)
	}

	// The shortened timebox runs out.
	for _, b := range everyone {
		chrome.Poll(t, b, 40*time.Second, "the timebox run out", `document.getElementById('meeting-bar').classList.contains('overdue') && document.getElementById('phase-timer').textContent.startsWith('−') && document.getElementById('phase-announcer').textContent === 'The time for this part is up.'`)
	}
	chrome.Poll(t, fiaB, 5*time.Second, "the sound on Fia's page", `window.soundsMade === 1`)
	if n := chrome.Eval[int](t, bertilB, `window.soundsMade`); n != 0 {
		t.Errorf("Bertil turned the sound off, and his page made %d sounds", n)
	}
	if chrome.Eval[bool](t, bertilB, `document.getElementById('sound-on').checked || localStorage.getItem('piiri.timeboxSound') !== 'off'`) {
		t.Error("the sound Bertil turned off is on again")
	}
	shots(fiaB, "room-overdue")

	// The task review: the last meeting's task and Anna's shared note.
	facilitatorDoes(t, fiaB, "next_phase")
	for _, b := range everyone {
		chrome.Poll(t, b, 10*time.Second, "the task review", fmt.Sprintf(`document.getElementById('phase-name').textContent === 'Task review' && document.querySelector('#task-body .task-text')?.textContent === %s && document.querySelector('#task-body .shared-notes li')?.textContent === %s && document.querySelector('#task-body .hint')?.textContent === 'The task from meeting 1:'`, chrome.JSString(lastTask), chrome.JSString("Anna Jäsen: "+annaNote)))
	}
	chrome.CheckAccessibility(t, annaB, "room, task review")

	// The closing round: the next meeting, and Anna's answer.
	for _, want := range []string{"Tauko", "Closing round"} {
		facilitatorDoes(t, fiaB, "next_phase")
		chrome.Poll(t, annaB, 10*time.Second, want, fmt.Sprintf(`document.getElementById('phase-name').textContent === %s`, chrome.JSString(want)))
	}
	loc, err := time.LoadLocation(g.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	when := next.Start.In(loc).Format("3:04 PM")
	nextJS := `(document.getElementById('next-meeting-when')?.textContent || '').replace(/[\u202f\u00a0]/g, ' ')`
	if !pollOK(annaB, 10*time.Second, fmt.Sprintf(`!document.getElementById('next-meeting').hidden && %s.startsWith('Next meeting (3 of ') && %s.includes(%s) && document.querySelectorAll('#next-meeting button[data-answer]').length === 3`, nextJS, nextJS, chrome.JSString(when))) {
		t.Errorf("the closing round shows %q, want the next meeting, number 3, at %s", chrome.Eval[string](t, annaB, nextJS), when)
	}
	chrome.CheckAccessibility(t, annaB, "room, closing round")
	shots(annaB, "room-closing-next-meeting")
	onPhone(t, annaB, func() {
		for _, p := range chrome.Eval[[]string](t, annaB, roomInViewJS) {
			t.Errorf("phone, closing round: %s", p)
		}
		shots(annaB, "room-closing-next-meeting-phone")
	})
	annaB.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`#next-meeting button[data-answer="coming"]`)))
	if !pollOK(annaB, 10*time.Second, `document.getElementById('next-rsvp-status')?.textContent === 'Your answer is saved.' && document.querySelector('#next-meeting button[data-answer="coming"]').getAttribute('aria-pressed') === 'true'`) {
		t.Fatalf("after Coming, the closing round shows %q", chrome.Eval[string](t, annaB, `document.getElementById('next-meeting').innerText`))
	}
	testwait.Until(t, 10*time.Second, "Anna's answer in the control plane", func() error {
		v, err := svc.Meeting(ctx, admin, next.ID)
		if err != nil {
			return err
		}
		if r := v.Meeting.RSVPs[annaID]; r.Answer != control.Coming {
			return fmt.Errorf("Anna's answer %+v", r)
		}
		return nil
	})
	// Half a minute and more of four-second looks later, Anna's page sent
	// the quality once per change of it, no more.
	if all := chrome.Eval[int](t, annaB, `window.sentAll`); all < 3 {
		t.Errorf("Anna's page sent %d messages that the test saw: the count is not watching", all)
	}
	if sent, changed := chrome.Eval[int](t, annaB, `window.qualitySent`), chrome.Eval[int](t, annaB, `window.qualityChanged`); sent != changed {
		t.Errorf("Anna's page sent the quality %d times while it changed %d times: want it sent only when it changed", sent, changed)
	}
	for _, b := range everyone {
		b.CheckNoExceptions(t)
	}
}

// joinFromGroupPage opens a personal link and goes into the open
// meeting's room (accepting the agreement first when accept), and
// returns the participant ID.
func joinFromGroupPage(t *testing.T, b *chrome.Browser, link string, accept bool) string {
	t.Helper()
	b.Do(t, 30*time.Second, chromedp.Navigate(link))
	if accept {
		b.Do(t, 30*time.Second, chromedp.WaitVisible(chromedp.CSS("#agreement-accept")), chromedp.Click(chromedp.CSS("#agreement-accept")))
	}
	chrome.Poll(t, b, 30*time.Second, "the way into the room", `!document.getElementById('group-open').hidden`)
	b.Do(t, 30*time.Second, chromedp.Click(chromedp.CSS("#group-join")), chromedp.WaitVisible(chromedp.CSS("#name")))
	chrome.Poll(t, b, 30*time.Second, "the page is set up", chrome.ReadyJS+` && !document.getElementById('join-button').disabled`)
	b.Do(t, 30*time.Second, chromedp.Click(chromedp.CSS("#join-button")))
	return waitInRoom(t, b, 30*time.Second)
}

// onPhone runs f with b's page as on a phone held upright (390 × 844
// CSS px), and puts the page back as it was.
func onPhone(t *testing.T, b *chrome.Browser, f func()) {
	t.Helper()
	w, h := chrome.Eval[int64](t, b, `innerWidth`), chrome.Eval[int64](t, b, `innerHeight`)
	b.Do(t, 10*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1.5), chromedp.EmulatePortrait))
	chrome.Poll(t, b, 10*time.Second, "the phone layout", `innerWidth === 390`)
	// The tiles are sized from the grid's size when it changes: give that
	// a moment (bounded) before f looks.
	pollOK(b, 5*time.Second, roomInViewJS+`.length === 0`)
	f()
	b.Do(t, 10*time.Second, chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1), chromedp.EmulateLandscape))
	chrome.Poll(t, b, 10*time.Second, "the page's own size again", fmt.Sprintf(`innerWidth === %d`, w))
}

// openSide opens the room's side panel if it is closed.
func openSide(t *testing.T, b *chrome.Browser) {
	t.Helper()
	if chrome.Eval[bool](t, b, `document.getElementById('side').hidden`) {
		b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#ctl-side")))
	}
}

// pollOK is Poll that reports rather than fails.
func pollOK(b *chrome.Browser, within time.Duration, js string) bool {
	end := time.Now().Add(within)
	for {
		ctx, cancel := b.Context(5 * time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// roomInViewJS lists what of the room is out of view: the phase bar, the
// phase's name and timer, the speaker, and each of the controls; a tile
// over the phase bar or the controls; a page wider than the screen.
const roomInViewJS = `(() => {
  const problems = [];
  const inView = (el) => { const b = el.getBoundingClientRect(); return b.width > 0 && b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight + 0.5 && b.right <= innerWidth + 0.5; };
  const els = { 'phase bar': document.getElementById('meeting-bar'), 'phase name': document.getElementById('phase-name'), timer: document.getElementById('phase-timer'), speaker: document.querySelector('#round-line .speaker') };
  for (const b of document.querySelectorAll('.controls button')) if (!b.hidden) els['control ' + b.id] = b;
  for (const [name, el] of Object.entries(els)) {
    if (!el) problems.push(name + ' missing');
    else if (!inView(el)) problems.push(name + ' out of view: ' + JSON.stringify(el.getBoundingClientRect()) + ' in ' + innerWidth + 'x' + innerHeight);
  }
  // The tiles between the phase bar and the controls, over neither.
  const bar = document.getElementById('meeting-bar').getBoundingClientRect(), controls = document.querySelector('.controls').getBoundingClientRect();
  for (const f of document.querySelectorAll('#grid .tile:not([hidden])')) {
    const r = f.getBoundingClientRect();
    if (r.top < bar.bottom - 0.5 || r.bottom > controls.top + 0.5) problems.push('tile ' + f.dataset.participant + ' at ' + JSON.stringify(r) + ' over the phase bar or the controls');
  }
  if (document.documentElement.scrollWidth > innerWidth) problems.push('the page is ' + document.documentElement.scrollWidth + ' px wide on a ' + innerWidth + ' px screen');
  return problems;
})()`
