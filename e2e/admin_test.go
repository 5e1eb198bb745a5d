package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"piiri/config"
	"piiri/control"
	"piiri/e2e/chrome"
)

// TestAdminToMeetingThroughPages is a group's whole way in through the
// pages alone: the admin creates a group from a template and adds its
// facilitator; the facilitator plans the programme, adds two members and
// copies their links (through the real clipboard); a time poll moves the
// first meeting to the time that suits; both members open their links,
// accept the agreement and say they are coming, and the facilitator's
// page shows the quorum signal change by itself; the facilitator
// downloads a report (a real file, with the byte-order mark Excel needs)
// and prints the invitation sheet; the facilitator opens the room, the
// member's page offers the way in by itself, and both decode each
// other's media. The admin and facilitator pages pass axe-core.
func TestAdminToMeetingThroughPages(t *testing.T) {
	srv := startServer(t, nil)
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	local := func(d time.Duration) string { return time.Now().In(helsinki).Add(d).Format("2006-01-02T15:04") }
	tone := chromedp.Flag("use-file-for-fake-audio-capture", chrome.ToneWAV(t))
	admin, fia, anna := chrome.New(t), chrome.New(t, tone), chrome.New(t, tone)

	// The admin creates the group and its facilitator.
	admin.Do(t, 30*time.Second, chromedp.Navigate(srv.AdminLink()), chromedp.WaitVisible(chromedp.CSS("#new-name")))
	if !chrome.Eval[bool](t, admin, `document.querySelector('#admin-body .groups').dataset.i18n === 'admin.noGroups'`) {
		t.Error("a new server's admin page does not say there are no groups")
	}
	if got := chrome.Eval[string](t, admin, `document.getElementById('new-template').value`); got != "peer-group" {
		t.Errorf("the template offered first is %q, want peer-group", got)
	}
	admin.Do(t, 10*time.Second,
		chromedp.SendKeys(chromedp.CSS("#new-name"), "Keskiviikon ryhmä"),
		chromedp.SendKeys(chromedp.CSS("#new-org"), "Espoon kaupunki"),
		chromedp.SetValue(chromedp.CSS("#new-language"), "fi"),
		chromedp.Click(chromedp.CSS(".create-group button[type=submit]")))
	chrome.Poll(t, admin, 10*time.Second, "the new group's managing half, set for its facilitator",
		`document.activeElement?.id === 'add-name' && document.getElementById('add-role').value === 'facilitator'`)
	admin.Do(t, 10*time.Second,
		chromedp.SendKeys(chromedp.CSS("#add-name"), "Fia Ohjaaja"),
		chromedp.Click(chromedp.CSS(".add-person:not(.create-group) button[type=submit]")))
	chrome.Poll(t, admin, 10*time.Second, "the facilitator listed with a link", `[...document.querySelectorAll('.people tbody tr')].some((r) => r.textContent.includes('Fia Ohjaaja') && r.querySelector('input.link')?.value.includes('/g/'))`)
	if got := chrome.Eval[string](t, admin, `document.querySelector('.groups tbody tr td[data-i18n="admin.heldOf"]')?.textContent || ''`); got != "0 of 8" {
		t.Errorf("the groups list shows %q held, want \"0 of 8\"", got)
	}
	chrome.CheckAccessibility(t, admin, "admin page")
	chrome.Screenshot(t, admin, "admin-page")
	fiaLink := chrome.Eval[string](t, admin, `[...document.querySelectorAll('.people tbody tr')].find((r) => r.textContent.includes('Fia Ohjaaja')).querySelector('input.link').value`)

	// The facilitator plans the programme and adds the members.
	fia.Do(t, 30*time.Second, chromedp.Navigate(fiaLink), chromedp.WaitVisible(chromedp.CSS("#agreement-accept")))
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#agreement-accept")))
	chrome.Poll(t, fia, 10*time.Second, "the facilitator's half", `!!document.getElementById('programme-first')`)
	fia.Do(t, 10*time.Second,
		chromedp.SetValue(chromedp.CSS("#programme-first"), local(48*time.Hour)),
		chromedp.Click(chromedp.CSS(".manage-part .inline-form button[type=submit]")))
	chrome.Poll(t, fia, 10*time.Second, "eight meetings planned", `document.querySelectorAll('.manage-part table tbody tr[data-meeting]').length === 8 && !document.getElementById('programme-first')`)
	if got := chrome.Eval[string](t, fia, `document.querySelector('.manage .progress').textContent`); got != "0 of 8 meetings held." {
		t.Errorf("the programme says %q", got)
	}
	for _, name := range []string{"Anna Jäsen", "Bertil Jäsen"} {
		fia.Do(t, 10*time.Second,
			chromedp.SendKeys(chromedp.CSS("#add-name"), name),
			chromedp.Click(chromedp.CSS(".add-person button[type=submit]")))
		chrome.Poll(t, fia, 10*time.Second, name+" listed", fmt.Sprintf(`[...document.querySelectorAll('.people tbody tr')].some((r) => r.textContent.includes(%s))`, chrome.JSString(name)))
	}
	if got := chrome.Eval[string](t, fia, `[...document.querySelectorAll('.people tbody tr')].map((r) => r.querySelector('td').dataset.i18n).join()`); got != "manage.role.facilitator,manage.role.member,manage.role.member" {
		t.Errorf("roles listed %q, want a facilitator and two members", got)
	}
	chrome.CheckAccessibility(t, fia, "facilitator's page")
	chrome.Screenshot(t, fia, "group-page-managing")

	// The facilitator copies the members' links, as they would to send them.
	allowClipboard(t, fia)
	links := map[string]string{}
	for _, name := range []string{"Anna Jäsen", "Bertil Jäsen"} {
		fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-person="%s"] button.copy`, personID(t, fia, name)))))
		chrome.Poll(t, fia, 10*time.Second, "copied", `document.querySelector('.manage-status').dataset.i18n === 'manage.copied'`)
		links[name] = chrome.Eval[string](t, fia, `navigator.clipboard.readText()`)
		if !strings.HasPrefix(links[name], srv.BaseURL()+"/g/") {
			t.Fatalf("the clipboard holds %q after copying %s's link", links[name], name)
		}
	}

	// A time poll: two other times; Anna marks the second; the facilitator
	// sees it and picks it, which moves the meeting.
	first := chrome.Eval[string](t, fia, `document.querySelector('.manage-part table tbody tr[data-meeting]').dataset.meeting`)
	// The time the poll moves the meeting to, fixed once (local() read
	// twice could fall on either side of a minute).
	picked := local(96 * time.Hour)
	fia.Do(t, 10*time.Second,
		chromedp.SetValue(chromedp.CSS("#poll-0"), local(72*time.Hour)),
		chromedp.SetValue(chromedp.CSS("#poll-1"), picked),
		chromedp.Click(chromedp.CSS(".poll-form button[type=submit]")))
	chrome.Poll(t, fia, 10*time.Second, "the poll open", `document.querySelectorAll('.poll-options li').length === 2`)

	enterPage(t, anna, links["Anna Jäsen"])
	anna.Do(t, 10*time.Second,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="poll-%s-1"]`, first))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-meeting="%s"] .save-poll`, first))))
	chrome.Poll(t, anna, 10*time.Second, "the marks saved", `document.querySelector('.poll-status')?.dataset.i18n === 'group.saved'`)
	chrome.Poll(t, fia, 30*time.Second, "the facilitator sees Anna's mark", `(() => { const o = document.querySelectorAll('.poll-options li'); return o.length === 2 && o[1].textContent.includes('Anna Jäsen') && !o[0].textContent.includes('Anna'); })()`)
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(".poll-options li:nth-child(2) button")))
	chrome.Poll(t, fia, 10*time.Second, "moved by the poll", `document.querySelector('.manage-status').dataset.i18n === 'manage.moved' && !document.querySelector('.poll-options')`)
	v, err := srv.Control().Meeting(context.Background(), control.AdminPrincipal(), first)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Meeting.Start.In(helsinki).Format("2006-01-02T15:04"); got != picked {
		t.Errorf("after the poll the meeting starts %s, want %s", got, picked)
	}

	// Both members say they are coming; the quorum of two is reached, and
	// the facilitator's page shows it without a reload.
	if chrome.Eval[bool](t, fia, `document.querySelector('.quorum').dataset.reached !== 'false'`) {
		t.Error("the quorum signal shows reached before anyone answered")
	}
	anna.Do(t, 30*time.Second, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`label[for="rsvp-%s-coming"]`, first))))
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="rsvp-%s-coming"]`, first))))
	chrome.Poll(t, anna, 10*time.Second, "Anna's answer saved", `[...document.querySelectorAll('.rsvp-status')].some((e) => e.dataset.i18n === 'group.saved')`)
	chrome.Poll(t, fia, 30*time.Second, "the facilitator sees Anna coming, quorum not yet", fmt.Sprintf(`document.querySelector('tr[data-person="%s"]')?.dataset.answer === 'coming' && document.querySelector('.quorum').dataset.reached === 'false'`, personID(t, fia, "Anna Jäsen")))
	bertil := admin // the admin's browser is done; Bertil borrows it
	enterPage(t, bertil, links["Bertil Jäsen"])
	bertil.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="rsvp-%s-coming"]`, first))))
	chrome.Poll(t, bertil, 10*time.Second, "Bertil's answer saved", `[...document.querySelectorAll('.rsvp-status')].some((e) => e.dataset.i18n === 'group.saved')`)
	chrome.Poll(t, fia, 30*time.Second, "the quorum signal turns to reached", `document.querySelector('.quorum').dataset.reached === 'true'`)

	// A report, downloaded as a file.
	dir := t.TempDir()
	downloadsTo(t, fia, dir)
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(`button.download[data-table="people"]`)))
	csv := waitForFile(t, dir, ".csv", 20*time.Second)
	if !strings.HasPrefix(csv, "\ufeff") || !strings.Contains(csv, "Anna Jäsen") || !strings.Contains(csv, ";") {
		t.Errorf("the people report is %q: want UTF-8 with BOM, semicolons (a Finnish page), and the members", csv)
	}

	// The invitation sheet: one page per person with their own link, and
	// only it in print.
	fia.Do(t, 10*time.Second, chromedp.Evaluate[chromedp.Void](`window.printed = 0; window.print = () => { window.printed++; }`),
		chromedp.Click(chromedp.CSS("#print-invitations")))
	printMedia(t, fia, "print")
	sheet := chrome.Eval[string](t, fia, `(() => {
	  const inv = [...document.querySelectorAll('#invitations .invitation')];
	  const shown = getComputedStyle(document.getElementById('invitations')).display !== 'none' && getComputedStyle(document.getElementById('main')).display === 'none';
	  return window.printed + '|' + shown + '|' + inv.map((a) => a.querySelector('.invite-link').textContent).join(' ');
	})()`)
	printMedia(t, fia, "")
	if !strings.HasPrefix(sheet, "1|true|") || !strings.Contains(sheet, links["Anna Jäsen"]) || !strings.Contains(sheet, links["Bertil Jäsen"]) || strings.Count(sheet, "/g/") != 3 {
		t.Errorf("the invitation sheet: %q; want printed once, shown alone in print, one link per person", sheet)
	}

	// The room: the facilitator opens it; Anna's page offers the way in by
	// itself; both join and decode each other.
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(".open-room")))
	chrome.Poll(t, fia, 10*time.Second, "the way in on the facilitator's page", `!document.getElementById('group-open').hidden`)
	chrome.Poll(t, anna, 40*time.Second, "the way in on Anna's page, without a reload", `!document.getElementById('group-open').hidden`)
	ids := map[*chrome.Browser]string{}
	for _, b := range []*chrome.Browser{anna, fia} {
		b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#group-join")), chromedp.WaitVisible(chromedp.CSS("#name")))
		chrome.Poll(t, b, 10*time.Second, "the page is set up", chrome.ReadyJS+` && !document.getElementById('join-button').disabled`)
		b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#join-button")))
		ids[b] = waitInRoom(t, b, 30*time.Second)
	}
	chrome.WaitReceiving(t, anna, []string{ids[fia]}, nil, 30, 50, 30*time.Second)
	chrome.WaitReceiving(t, fia, []string{ids[anna]}, nil, 30, 50, 30*time.Second)
	for _, b := range []*chrome.Browser{admin, fia, anna} {
		b.CheckNoExceptions(t)
	}
}

// enterPage opens a personal link and accepts the group's agreement.
func enterPage(t *testing.T, b *chrome.Browser, link string) {
	t.Helper()
	b.Do(t, 30*time.Second, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#agreement-accept")))
	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#agreement-accept")))
	chrome.Poll(t, b, 10*time.Second, "the meetings listed", `document.querySelectorAll('#meetings .meeting').length > 0 && document.getElementById('agreement').hidden`)
}

// personID is the ID of the person named in the managing half's list.
func personID(t *testing.T, b *chrome.Browser, name string) string {
	t.Helper()
	return chrome.Eval[string](t, b, fmt.Sprintf(`[...document.querySelectorAll('.people tbody tr')].find((r) => r.querySelector('th').firstChild.textContent === %s)?.dataset.person || ''`, chrome.JSString(name)))
}

// allowClipboard lets the page write and read the clipboard, as a person
// allows it, and keeps the page focused (the clipboard needs that).
func allowClipboard(t *testing.T, b *chrome.Browser) {
	t.Helper()
	ctx, cancel := b.Context(10 * time.Second)
	defer cancel()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:    cdpbrowser.PermissionSettingGranted,
		}); err != nil {
			t.Fatalf("allow %s: %v", name, err)
		}
	}
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("emulate focus: %v", err)
	}
}

func downloadsTo(t *testing.T, b *chrome.Browser, dir string) {
	t.Helper()
	ctx, cancel := b.Context(10 * time.Second)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
}

// waitForFile waits for a finished download ending in ext in dir and
// returns its content.
func waitForFile(t *testing.T, dir, ext string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		names, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
		if len(names) == 1 {
			b, err := os.ReadFile(names[0])
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s file downloaded to %s after %v (%v)", ext, dir, within, names)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func printMedia(t *testing.T, b *chrome.Browser, media string) {
	t.Helper()
	ctx, cancel := b.Context(10 * time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media}); err != nil {
		t.Fatalf("emulate %q media: %v", media, err)
	}
}

// TestMemberPageAfterMeeting: after a meeting that counted as held, a
// member's page shows the count, the task set in it, and the feedback
// question; the member marks the task done with a shared note, which the
// other member sees by name, and answers the question, after which the
// page shows the count of answers and never who gave which. The
// facilitator's programme shows the meeting held.
func TestMemberPageAfterMeeting(t *testing.T) {
	srv := startServer(t, func(c *config.Config) { c.Meetings.MinHeld = 10 * time.Second })
	ctx, svc, admin := context.Background(), srv.Control(), control.AdminPrincipal()
	g, links, ids := threeOfUs(t, srv, "Torstairyhmä", true)
	m, err := svc.AddMeeting(ctx, admin, g.ID, control.MeetingInput{Start: time.Now().Add(time.Minute), Theme: "Rajat"})
	if err != nil {
		t.Fatal(err)
	}
	// The meeting as signalling reports it: both members were in the room
	// together for a minute (more than the 10 s minimum).
	if _, err := svc.OpenMeeting(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartMeeting(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Anna Jäsen", "Bertil Jäsen"} {
		if err := svc.Joined(ctx, m.ID, ids[name], time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	const task = "Huomaa yksi kuormittava hetki ja se, mikä auttoi."
	if _, err := svc.SetTask(ctx, admin, m.ID, task); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EndMeeting(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}

	anna, bertil := chrome.New(t), chrome.New(t)
	enterPageNoMeetings(t, anna, links["Anna Jäsen"])
	chrome.Poll(t, anna, 10*time.Second, "the task and the feedback question", `!document.getElementById('group-task').hidden && !!document.querySelector('.feedback-form')`)
	if got := chrome.Eval[string](t, anna, `document.getElementById('group-progress').textContent + '|' + document.querySelector('.task-text').textContent`); !strings.HasPrefix(got, "Meetings held so far: 1 of ") || !strings.HasSuffix(got, "|"+task) {
		t.Errorf("the member page shows %q", got)
	}
	chrome.CheckAccessibility(t, anna, "member page after a meeting")
	chrome.Screenshot(t, anna, "group-page-after-meeting")

	anna.Do(t, 10*time.Second,
		chromedp.Click(chromedp.CSS(`label[for="note-done"]`)),
		chromedp.SendKeys(chromedp.CSS("#note-text"), "Pyysin kollegalta apua."),
		chromedp.Click(chromedp.CSS(`label[for="note-shared"]`)),
		chromedp.Click(chromedp.CSS(".note-form button[type=submit]")))
	chrome.Poll(t, anna, 10*time.Second, "the note saved", `document.querySelector('.note-status')?.dataset.i18n === 'group.saved'`)
	// Sending without a score is refused on the page, in words.
	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(".feedback-form button[type=submit]")))
	chrome.Poll(t, anna, 10*time.Second, "a score asked for", `document.querySelector('.feedback-status').dataset.i18n === 'group.feedbackPick'`)
	anna.Do(t, 10*time.Second,
		chromedp.Click(chromedp.CSS(`label[for="score-4"]`)),
		chromedp.SendKeys(chromedp.CSS("#feedback-comment"), "Kierros auttoi."),
		chromedp.Click(chromedp.CSS(".feedback-form button[type=submit]")))
	chrome.Poll(t, anna, 10*time.Second, "thanked", `!!document.querySelector('.feedback-thanks') && !document.querySelector('.feedback-form')`)
	if got := chrome.Eval[string](t, anna, `document.querySelector('.feedback-summary').textContent`); !strings.Contains(got, "1") || strings.Contains(got, "4") {
		t.Errorf("after one answer the page shows %q: want the count only, no average", got)
	}
	fb, err := svc.MeetingFeedback(ctx, admin, m.ID)
	if err != nil || fb.Count != 1 {
		t.Fatalf("the control plane has feedback %+v (%v), want one answer", fb, err)
	}

	enterPageNoMeetings(t, bertil, links["Bertil Jäsen"])
	chrome.Poll(t, bertil, 10*time.Second, "Anna's shared note, by name", `[...document.querySelectorAll('.shared-notes li')].some((li) => li.textContent.includes('Anna Jäsen') && li.textContent.includes('Pyysin kollegalta apua.'))`)
	if chrome.Eval[bool](t, bertil, `!!document.querySelector('.feedback-thanks')`) {
		t.Error("Bertil's page thanks him for an answer he did not give")
	}
	// What piiri stores about Bertil, downloaded from his page: his
	// presence, nothing of Anna's.
	dir := t.TempDir()
	downloadsTo(t, bertil, dir)
	bertil.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#my-data-download")))
	var data control.PersonData
	if err := json.Unmarshal([]byte(waitForFile(t, dir, ".json", 20*time.Second)), &data); err != nil {
		t.Fatal(err)
	}
	if data.Person.ID != ids["Bertil Jäsen"] || len(data.Meetings) != 1 || len(data.Meetings[0].Attendance) != 1 || data.Meetings[0].TaskNote != nil {
		t.Errorf("Bertil's data: %+v", data)
	}
	// Erasing his speaking statistics asks once more, then says how much
	// went (none was kept: he never consented).
	bertil.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#my-speech-erase")))
	chrome.Poll(t, bertil, 5*time.Second, "asked to confirm", `!document.getElementById('my-speech-confirm').hidden && document.activeElement.id === 'my-speech-yes'`)
	bertil.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#my-speech-yes")))
	chrome.Poll(t, bertil, 10*time.Second, "erased", `document.getElementById('my-data-status').dataset.i18n === 'group.speechErased'`)

	fia := anna // Anna is done; the facilitator borrows her browser
	fia.Do(t, 30*time.Second, chromedp.Navigate(links["Fia Ohjaaja"]), chromedp.WaitVisible(chromedp.CSS("#agreement-accept")))
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#agreement-accept")))
	chrome.Poll(t, fia, 10*time.Second, "the programme shows the meeting held", fmt.Sprintf(`document.querySelector('tr[data-meeting="%s"] .state')?.dataset.i18n === 'manage.state.held'`, m.ID))
	for _, b := range []*chrome.Browser{anna, bertil} {
		b.CheckNoExceptions(t)
	}
}

// enterPageNoMeetings opens the personal link of someone who has
// accepted the agreement, in a group with nothing upcoming.
func enterPageNoMeetings(t *testing.T, b *chrome.Browser, link string) {
	t.Helper()
	b.Do(t, 30*time.Second, chromedp.Navigate(link))
	chrome.Poll(t, b, 10*time.Second, "the group shown", `document.getElementById('agreement').hidden && !document.getElementById('group-progress').hidden`)
}
