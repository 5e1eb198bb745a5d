package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"piiri/control"
	"piiri/e2e/chrome"
	"piiri/server"
)

// The group pages' tests beyond the first way in (admin_test.go): each
// drives the pages as a person does and checks the result in the
// control plane, not only on the page.

// enterManaging opens a facilitator's personal link, accepts the
// agreement and waits for the managing half.
func enterManaging(t *testing.T, b *chrome.Browser, link string) {
	t.Helper()
	b.Do(t, 30*time.Second, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#agreement-accept")))
	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#agreement-accept")))
	chrome.Poll(t, b, 20*time.Second, "the facilitator's half", `!document.getElementById('manage').hidden && !!document.querySelector('#manage .people')`)
}

// openMemberPage opens the personal link of a member who has accepted
// the agreement and waits for the meetings.
func openMemberPage(t *testing.T, b *chrome.Browser, link string) {
	t.Helper()
	b.Do(t, 30*time.Second, chromedp.Navigate(link))
	chrome.Poll(t, b, 20*time.Second, "the meetings listed", `document.getElementById('agreement').hidden && document.querySelectorAll('#meetings .meeting').length > 0`)
}

// click presses the element sel names.
func click(t *testing.T, b *chrome.Browser, sel string) {
	t.Helper()
	b.Do(t, 15*time.Second, chromedp.Click(chromedp.CSS(sel)))
}

// fill empties the field sel names and types value into it, as a
// person does (each key an input event).
func fill(t *testing.T, b *chrome.Browser, sel, value string) {
	t.Helper()
	chrome.Eval[chromedp.Void](t, b, fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus(); el.value = ''; })()`, chrome.JSString(sel)))
	b.Do(t, 10*time.Second, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// statusIs is a JavaScript expression: the element sel names says key.
func statusIs(sel, key string) string {
	return fmt.Sprintf(`document.querySelector(%s)?.dataset.i18n === %s`, chrome.JSString(sel), chrome.JSString(key))
}

// tokenOf is the token of a personal link.
func tokenOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

// meetingIn adds a meeting to group g starting after d.
func meetingIn(t *testing.T, srv *server.Server, g control.Group, d time.Duration) control.Meeting {
	t.Helper()
	m, err := srv.Control().AddMeeting(context.Background(), control.AdminPrincipal(), g.ID, control.MeetingInput{Start: time.Now().Add(d).Truncate(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func roles(t *testing.T, srv *server.Server, groupID string) map[string]control.Role {
	t.Helper()
	gv, err := srv.Control().Group(context.Background(), control.AdminPrincipal(), groupID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]control.Role{}
	for _, p := range gv.People {
		out[p.ID] = p.Role
	}
	return out
}

func meetingNow(t *testing.T, srv *server.Server, id string) control.MeetingView {
	t.Helper()
	v, err := srv.Control().Meeting(context.Background(), control.AdminPrincipal(), id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func groupNow(t *testing.T, srv *server.Server, id string) control.Group {
	t.Helper()
	gv, err := srv.Control().Group(context.Background(), control.AdminPrincipal(), id)
	if err != nil {
		t.Fatal(err)
	}
	return gv.Group
}

// TestHandOverThroughPages: the facilitator makes a member the chair of
// the next meeting; the chair's page says so and offers to open the
// room, and opening it works (the meeting is open in the control
// plane). The facilitator then hands the group over to the other member
// and stays as a member (asked once more, and "No" changes nothing);
// the new facilitator hands it back and leaves, after which their link
// no longer works and their page says only that.
func TestHandOverThroughPages(t *testing.T) {
	srv := startServer(t, nil)
	g, links, ids := threeOfUs(t, srv, "Maanantairyhmä", true)
	m := meetingIn(t, srv, g, 48*time.Hour)
	later := meetingIn(t, srv, g, 30*24*time.Hour)
	fia, anna := chrome.New(t), chrome.New(t)

	enterManaging(t, fia, links["Fia Ohjaaja"])
	// A rotating chair planned ahead: the later meeting's chair from its
	// row in the programme (the next meeting's is set in its own part).
	chrome.Poll(t, fia, 20*time.Second, "the later meeting's chair in the programme", fmt.Sprintf(`!!document.querySelector('tr[data-meeting=%q] [id="chair-row-%s"]') && !document.querySelector('tr[data-meeting=%q] select')`, later.ID, later.ID, m.ID))
	fia.Do(t, 10*time.Second, chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`[id="chair-row-%s"]`, later.ID)), ids["Bertil Jäsen"]))
	click(t, fia, fmt.Sprintf(`tr[data-meeting=%q] .chair-row-form button[type=submit]`, later.ID))
	chrome.Poll(t, fia, 20*time.Second, "the later chair set", statusIs(".manage-status", "manage.chairSet")+fmt.Sprintf(` && document.querySelector('[id="chair-row-%s"]')?.value === %q`, later.ID, ids["Bertil Jäsen"]))
	if got := meetingNow(t, srv, later.ID).Meeting.Chair; got != ids["Bertil Jäsen"] {
		t.Fatalf("the later meeting's chair is %q, want Bertil (%s)", got, ids["Bertil Jäsen"])
	}
	if got := meetingNow(t, srv, m.ID).Meeting.Chair; got != "" {
		t.Fatalf("setting the later chair made %q the next meeting's chair", got)
	}
	chrome.CheckAccessibility(t, fia, "the programme with chairs")
	fia.Do(t, 10*time.Second, chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`[id="chair-%s"]`, m.ID)), ids["Anna Jäsen"]))
	click(t, fia, ".chair-form button[type=submit]")
	chrome.Poll(t, fia, 20*time.Second, "the chair set", statusIs(".manage-status", "manage.chairSet")+` && document.querySelector('.chair-now')?.textContent.includes('Anna Jäsen')`)
	if got := meetingNow(t, srv, m.ID).Meeting.Chair; got != ids["Anna Jäsen"] {
		t.Fatalf("the meeting's chair is %q, want Anna (%s)", got, ids["Anna Jäsen"])
	}

	openMemberPage(t, anna, links["Anna Jäsen"])
	chrome.Poll(t, anna, 20*time.Second, "the chair's page offers to open the room", `!!document.querySelector('.chair-open') && document.querySelector('.meeting .chair')?.dataset.i18n === 'group.youChair'`)
	chrome.CheckAccessibility(t, anna, "the chair's page")
	click(t, anna, ".chair-open")
	chrome.Poll(t, anna, 20*time.Second, "the way in on the chair's page", `!document.getElementById('group-open').hidden && document.activeElement?.id === 'group-join'`)
	if st := meetingNow(t, srv, m.ID).Meeting.State; st != control.StateOpen {
		t.Fatalf("after the chair opened the room the meeting is %q, want open", st)
	}

	// Handing over for good, staying as a member: asked once more.
	fia.Do(t, 10*time.Second, chromedp.SetValue(chromedp.CSS("#handover-to"), ids["Bertil Jäsen"]))
	click(t, fia, "#handover-ask")
	chrome.Eval[chromedp.Void](t, fia, `document.getElementById('manage-handover').scrollIntoView()`)
	chrome.Poll(t, fia, 10*time.Second, "asked to confirm", `!document.querySelector('.handover-form .confirm').hidden && document.activeElement?.id === 'handover-yes' && document.getElementById('handover-sure').dataset.i18n === 'manage.handoverSure'`)
	chrome.Screenshot(t, fia, "group-page-handover")
	click(t, fia, "#handover-no")
	chrome.Poll(t, fia, 10*time.Second, "not handed over", `document.querySelector('.handover-form .confirm').hidden && document.activeElement?.id === 'handover-ask'`)
	if r := roles(t, srv, g.ID); r[ids["Fia Ohjaaja"]] != control.RoleFacilitator || r[ids["Bertil Jäsen"]] != control.RoleMember {
		t.Fatalf("after No the roles are %v", r)
	}
	click(t, fia, "#handover-ask")
	click(t, fia, "#handover-yes")
	chrome.Poll(t, fia, 20*time.Second, "handed over, a member now", `!document.getElementById('group-notice').hidden && document.getElementById('group-notice').dataset.i18n === 'group.handedOver' && document.getElementById('manage').hidden && document.getElementById('group-who').dataset.i18n === 'group.whoMember'`)
	if r := roles(t, srv, g.ID); r[ids["Fia Ohjaaja"]] != control.RoleMember || r[ids["Bertil Jäsen"]] != control.RoleFacilitator {
		t.Fatalf("after handing over the roles are %v, want Fia a member and Bertil the facilitator", r)
	}
	chrome.CheckAccessibility(t, fia, "the page of a facilitator who handed over")

	// Bertil hands the group back to Fia and leaves.
	bertil := fia
	bertil.Do(t, 30*time.Second, chromedp.Navigate(links["Bertil Jäsen"]))
	chrome.Poll(t, bertil, 20*time.Second, "Bertil's managing half", `!document.getElementById('manage').hidden && !!document.getElementById('handover-to')`)
	bertil.Do(t, 10*time.Second, chromedp.SetValue(chromedp.CSS("#handover-to"), ids["Fia Ohjaaja"]))
	click(t, bertil, `label[for="handover-leave"]`)
	click(t, bertil, "#handover-ask")
	chrome.Poll(t, bertil, 10*time.Second, "asked to confirm leaving", `document.getElementById('handover-sure').dataset.i18n === 'manage.handoverSureLeave' && document.activeElement?.id === 'handover-yes'`)
	click(t, bertil, "#handover-yes")
	chrome.Poll(t, bertil, 20*time.Second, "left, and only that said", `document.getElementById('group-notice').dataset.i18n === 'group.leftGroup' && document.getElementById('meetings').hidden && document.getElementById('manage').hidden`)
	if r := roles(t, srv, g.ID); r[ids["Fia Ohjaaja"]] != control.RoleFacilitator || r[ids["Bertil Jäsen"]] != "" {
		t.Fatalf("after Bertil left the roles are %v, want Fia the facilitator and Bertil gone", r)
	}
	if _, err := srv.Control().Authenticate(context.Background(), tokenOf(links["Bertil Jäsen"])); err == nil {
		t.Error("the link of a facilitator who left still works")
	}
	for _, b := range []*chrome.Browser{fia, anna} {
		b.CheckNoExceptions(t)
	}
}

// TestThemesThroughPages: a member proposes a theme on their page (an
// empty one is refused in words); the control plane has it, by them;
// the facilitator sees it and chooses it for a meeting, which then has
// it as its theme; the member's page shows it chosen without a reload.
func TestThemesThroughPages(t *testing.T) {
	srv := startServer(t, nil)
	g, links, ids := threeOfUs(t, srv, "Keskiviikkoryhmä", true)
	m := meetingIn(t, srv, g, 48*time.Hour)
	anna, fia := chrome.New(t), chrome.New(t)

	openMemberPage(t, anna, links["Anna Jäsen"])
	chrome.Poll(t, anna, 10*time.Second, "the themes part", `!document.getElementById('group-themes').hidden && !!document.getElementById('theme-text')`)
	click(t, anna, ".propose-theme button[type=submit]")
	chrome.Poll(t, anna, 10*time.Second, "an empty theme refused", statusIs(".theme-status", "group.themeEmpty")+` && document.activeElement?.id === 'theme-text'`)
	const theme = "Työssä jaksaminen"
	anna.Do(t, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#theme-text"), theme))
	click(t, anna, ".propose-theme button[type=submit]")
	chrome.Poll(t, anna, 20*time.Second, "the theme proposed", statusIs(".theme-status", "group.saved")+fmt.Sprintf(` && [...document.querySelectorAll('#group-themes .theme-list li')].some((li) => li.textContent.includes(%s) && li.textContent.includes('Anna Jäsen'))`, chrome.JSString(theme)))
	gr := groupNow(t, srv, g.ID)
	if len(gr.Themes) != 1 || gr.Themes[0].Text != theme || gr.Themes[0].By != ids["Anna Jäsen"] {
		t.Fatalf("the group's themes are %+v, want Anna's one", gr.Themes)
	}

	enterManaging(t, fia, links["Fia Ohjaaja"])
	chrome.Poll(t, fia, 10*time.Second, "the proposal on the facilitator's page", fmt.Sprintf(`[...document.querySelectorAll('.manage .theme-list li')].some((li) => li.textContent.includes(%s))`, chrome.JSString(theme)))
	fia.Do(t, 10*time.Second, chromedp.SetValue(chromedp.CSS("#theme-pick"), gr.Themes[0].ID), chromedp.SetValue(chromedp.CSS("#theme-meeting"), m.ID))
	click(t, fia, ".choose-theme")
	chrome.Poll(t, fia, 20*time.Second, "the theme chosen", statusIs(".manage-status", "manage.themeChosen"))
	if v := meetingNow(t, srv, m.ID); v.Meeting.Theme != theme {
		t.Errorf("the meeting's theme is %q, want %q", v.Meeting.Theme, theme)
	}
	if gr := groupNow(t, srv, g.ID); gr.Themes[0].ChosenFor != m.ID {
		t.Errorf("the proposal is chosen for %q, want the meeting %s", gr.Themes[0].ChosenFor, m.ID)
	}
	chrome.Poll(t, anna, 45*time.Second, "the member page shows the theme chosen, without a reload", fmt.Sprintf(`document.querySelector('#meetings .meeting h3').textContent.includes(%s) && !!document.querySelector('#group-themes .chosen')`, chrome.JSString(theme)))
	chrome.CheckAccessibility(t, anna, "member page with themes")
	chrome.CheckAccessibility(t, fia, "facilitator's page with themes")
	for _, b := range []*chrome.Browser{fia, anna} {
		b.CheckNoExceptions(t)
	}
}

// TestLinksThroughPages: the facilitator copies a link with the keyboard
// alone; revokes a member's link after a confirmation ("No" keeps it
// working), after which the old link is refused in the control plane and
// on the member's page; issues a new one, which works; and replaces
// another member's link in one step. Their own link is not offered for
// revoking.
func TestLinksThroughPages(t *testing.T) {
	srv := startServer(t, nil)
	g, links, ids := threeOfUs(t, srv, "Perjantairyhmä", true)
	meetingIn(t, srv, g, 48*time.Hour)
	fia, anna := chrome.New(t), chrome.New(t)
	ctx, svc := context.Background(), srv.Control()

	enterManaging(t, fia, links["Fia Ohjaaja"])
	allowClipboard(t, fia)
	annaRow := fmt.Sprintf(`tr[data-person="%s"]`, ids["Anna Jäsen"])
	// Keyboard only: from the link's field, Tab to its Copy button and
	// press Enter.
	chrome.Eval[chromedp.Void](t, fia, fmt.Sprintf(`document.querySelector('%s input.link').focus()`, annaRow))
	fia.Do(t, 10*time.Second, chromedp.KeyEvent(kb.Tab))
	chrome.Poll(t, fia, 5*time.Second, "Tab reaches Copy", fmt.Sprintf(`document.activeElement === document.querySelector('%s button.copy')`, annaRow))
	fia.Do(t, 10*time.Second, chromedp.KeyEvent(kb.Enter))
	chrome.Poll(t, fia, 10*time.Second, "copied by keyboard", statusIs(".manage-status", "manage.copied"))
	if got := chrome.Eval[string](t, fia, `navigator.clipboard.readText()`); got != links["Anna Jäsen"] {
		t.Errorf("the clipboard holds %q, want Anna's link %q", got, links["Anna Jäsen"])
	}
	if chrome.Eval[bool](t, fia, fmt.Sprintf(`!!document.querySelector('tr[data-person="%s"] .revoke')`, ids["Fia Ohjaaja"])) {
		t.Error("the facilitator is offered to revoke the link their page runs on")
	}

	// Revoke, asked once more.
	click(t, fia, annaRow+" .revoke")
	chrome.Poll(t, fia, 10*time.Second, "asked to confirm", fmt.Sprintf(`!document.querySelector('%[1]s .revoke-confirm').hidden && document.activeElement === document.querySelector('%[1]s .revoke-confirm .danger')`, annaRow))
	click(t, fia, annaRow+" .revoke-confirm button:last-child")
	chrome.Poll(t, fia, 10*time.Second, "kept", fmt.Sprintf(`document.querySelector('%[1]s .revoke-confirm').hidden && document.activeElement === document.querySelector('%[1]s .revoke')`, annaRow))
	if _, err := svc.Authenticate(ctx, tokenOf(links["Anna Jäsen"])); err != nil {
		t.Fatalf("after No, Anna's link is refused: %v", err)
	}
	click(t, fia, annaRow+" .revoke")
	click(t, fia, annaRow+" .revoke-confirm .danger")
	chrome.Poll(t, fia, 20*time.Second, "revoked", statusIs(".manage-status", "manage.revokedDone")+fmt.Sprintf(` && !document.querySelector('%[1]s input.link') && document.activeElement?.dataset.focus === 'relink-%[2]s'`, annaRow, ids["Anna Jäsen"]))
	if _, err := svc.Authenticate(ctx, tokenOf(links["Anna Jäsen"])); err == nil {
		t.Fatal("a revoked link still works")
	}
	anna.Do(t, 30*time.Second, chromedp.Navigate(links["Anna Jäsen"]))
	chrome.Poll(t, anna, 20*time.Second, "the old link refused on the page", `!document.getElementById('group-message').hidden && document.getElementById('group-message').dataset.i18n === 'group.badLink'`)

	// A new link.
	fia.Do(t, 10*time.Second, chromedp.KeyEvent(kb.Enter)) // the focus is on "New link"
	chrome.Poll(t, fia, 20*time.Second, "a new link", statusIs(".manage-status", "manage.linked")+fmt.Sprintf(` && !!document.querySelector('%s input.link')`, annaRow))
	newLink := chrome.Eval[string](t, fia, fmt.Sprintf(`document.querySelector('%s input.link').value`, annaRow))
	if newLink == links["Anna Jäsen"] || !strings.Contains(newLink, "/g/") {
		t.Fatalf("the new link is %q (the old %q)", newLink, links["Anna Jäsen"])
	}
	if who, err := svc.Authenticate(ctx, tokenOf(newLink)); err != nil || who.PersonID() != ids["Anna Jäsen"] {
		t.Fatalf("the new link: %v, %v", who, err)
	}
	openMemberPage(t, anna, newLink)

	// Revoke and make a new one, in one step.
	bertilRow := fmt.Sprintf(`tr[data-person="%s"]`, ids["Bertil Jäsen"])
	click(t, fia, bertilRow+" .revoke")
	click(t, fia, bertilRow+" .replace-link")
	chrome.Poll(t, fia, 20*time.Second, "Bertil's link replaced", statusIs(".manage-status", "manage.linked")+fmt.Sprintf(` && document.querySelector('%s input.link')?.value !== %s`, bertilRow, chrome.JSString(links["Bertil Jäsen"])))
	replaced := chrome.Eval[string](t, fia, fmt.Sprintf(`document.querySelector('%s input.link').value`, bertilRow))
	if _, err := svc.Authenticate(ctx, tokenOf(links["Bertil Jäsen"])); err == nil {
		t.Error("Bertil's replaced link still works")
	}
	if _, err := svc.Authenticate(ctx, tokenOf(replaced)); err != nil {
		t.Errorf("Bertil's new link is refused: %v", err)
	}
	chrome.CheckAccessibility(t, fia, "facilitator's page after link changes")
	for _, b := range []*chrome.Browser{fia, anna} {
		b.CheckNoExceptions(t)
	}
}

// TestMemberPageQuorumAndCalendar: the member page says how many more
// are needed for the quorum and counts down as answers come; the member
// answers with the keyboard alone (Space, then the arrow keys), each
// answer in the control plane; the page links the group's calendar feed
// and each meeting's own .ics, which downloads one event of that meeting
// (parsed with an iCalendar library).
func TestMemberPageQuorumAndCalendar(t *testing.T) {
	srv := startServer(t, nil)
	g, links, ids := threeOfUs(t, srv, "Lauantairyhmä", true)
	m := meetingIn(t, srv, g, 48*time.Hour)
	anna := chrome.New(t)
	openMemberPage(t, anna, links["Anna Jäsen"])
	li := fmt.Sprintf(`document.querySelector('#meetings .meeting[data-meeting="%s"]')`, m.ID)
	chrome.Poll(t, anna, 10*time.Second, "two more needed", li+`.querySelector('.forecast').dataset.needed === '2' && `+li+`.querySelector('.forecast').textContent.includes('2 more needed')`)

	answer := func() control.Answer {
		return meetingNow(t, srv, m.ID).Meeting.RSVPs[ids["Anna Jäsen"]].Answer
	}
	chrome.Eval[chromedp.Void](t, anna, fmt.Sprintf(`document.getElementById('rsvp-%s-coming').focus()`, m.ID))
	anna.Do(t, 10*time.Second, chromedp.KeyEvent(" "))
	chrome.Poll(t, anna, 20*time.Second, "coming, one more needed", li+`.querySelector('.forecast').dataset.needed === '1' && `+li+`.querySelector('.forecast').textContent.includes('1 more needed') && `+li+`.querySelector('.rsvp-status').dataset.i18n === 'group.saved'`)
	if a := answer(); a != control.Coming {
		t.Fatalf("after Space the answer is %q, want coming", a)
	}
	// The focus stays on the answer across the save and the page's render.
	if got := chrome.Eval[string](t, anna, `document.activeElement?.id || ''`); got != "rsvp-"+m.ID+"-coming" {
		t.Fatalf("after the answer was saved the focus is on %q, want the answer", got)
	}
	anna.Do(t, 10*time.Second, chromedp.KeyEvent(kb.ArrowRight))
	chrome.Poll(t, anna, 20*time.Second, "maybe saved", fmt.Sprintf(`document.getElementById('rsvp-%s-maybe').checked && `, m.ID)+li+`.querySelector('.rsvp-status').dataset.i18n === 'group.saved' && `+li+`.querySelector('.forecast').dataset.needed === '2'`)
	if a := answer(); a != control.Maybe {
		t.Fatalf("after the right arrow the answer is %q, want maybe", a)
	}

	// The calendar: the feed and one meeting's own file.
	feed := chrome.Eval[string](t, anna, `(() => { const a = document.getElementById('calendar-link'); return a.parentElement.hidden ? '' : a.href; })()`)
	if feed != srv.BaseURL()+"/cal/"+tokenOf(links["Anna Jäsen"])+".ics" {
		t.Errorf("the calendar feed link is %q", feed)
	}
	href := chrome.Eval[string](t, anna, li+`.querySelector('.meeting-ics a')?.href || ''`)
	if want := srv.BaseURL() + "/cal/" + tokenOf(links["Anna Jäsen"]) + "/" + m.ID + ".ics"; href != want {
		t.Fatalf("the meeting's .ics link is %q, want %q", href, want)
	}
	got := chrome.Eval[string](t, anna, fmt.Sprintf(`fetch(%s).then(async (r) => r.status + '|' + r.headers.get('content-type') + '|' + await r.text())`, chrome.JSString(href)))
	parts := strings.SplitN(got, "|", 3)
	if len(parts) != 3 || parts[0] != "200" || !strings.HasPrefix(parts[1], "text/calendar") {
		t.Fatalf("the meeting's .ics answered %.200q", got)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(parts[2]))
	if err != nil {
		t.Fatalf("parse the meeting's .ics: %v", err)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("the meeting's .ics has %d events, want 1", len(events))
	}
	start, err := events[0].GetStartAt()
	if err != nil || !start.Equal(m.Start) {
		t.Errorf("the event starts %v (%v), want %v", start, err, m.Start)
	}
	chrome.CheckAccessibility(t, anna, "member page with the quorum count")
	anna.CheckNoExceptions(t)
}

// TestMoveAndCancelThroughPages: the facilitator moves a meeting with
// the direct form; the control plane has the new start and the member's
// answer marked for the old time, and both the facilitator's and the
// member's page say so. Cancelling asks once more: "No" keeps the
// meeting, "Yes" cancels it in the control plane, and the member's page
// drops it.
func TestMoveAndCancelThroughPages(t *testing.T) {
	srv := startServer(t, nil)
	ctx, svc := context.Background(), srv.Control()
	g, links, ids := threeOfUs(t, srv, "Sunnuntairyhmä", true)
	m := meetingIn(t, srv, g, 48*time.Hour)
	who, err := svc.Authenticate(ctx, tokenOf(links["Anna Jäsen"]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetRSVP(ctx, who, m.ID, ids["Anna Jäsen"], control.Coming); err != nil {
		t.Fatal(err)
	}
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	to := time.Now().Add(96 * time.Hour).In(helsinki).Format("2006-01-02T15:04")
	fia, anna := chrome.New(t), chrome.New(t)

	enterManaging(t, fia, links["Fia Ohjaaja"])
	annaAnswer := fmt.Sprintf(`document.querySelector('.answers tr[data-person="%s"]')`, ids["Anna Jäsen"])
	chrome.Poll(t, fia, 10*time.Second, "Anna coming", annaAnswer+`?.dataset.answer === 'coming'`)
	fia.Do(t, 10*time.Second, chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`[id="move-%s"]`, m.ID)), to))
	click(t, fia, `button[data-focus="move"]`)
	chrome.Poll(t, fia, 20*time.Second, "moved, Anna's answer for the old time", statusIs(".manage-status", "manage.moved")+` && `+annaAnswer+`?.dataset.answer === 'stale' && `+annaAnswer+`.textContent.includes('for the old time')`)
	v := meetingNow(t, srv, m.ID)
	if got := v.Meeting.Start.In(helsinki).Format("2006-01-02T15:04"); got != to {
		t.Errorf("the meeting starts %s, want %s", got, to)
	}
	if v.Forecast.Stale != 1 || v.Forecast.Coming != 0 {
		t.Errorf("after the move the forecast is %+v, want Anna's answer stale", v.Forecast)
	}

	openMemberPage(t, anna, links["Anna Jäsen"])
	chrome.Poll(t, anna, 10*time.Second, "the member page marks the old answer", fmt.Sprintf(`document.querySelector('[data-meeting="%[1]s"] .rsvp-status').dataset.i18n === 'group.answerStale' && !document.querySelector('input[name="rsvp-%[1]s"]:checked')`, m.ID))

	// Cancel: asked once more.
	click(t, fia, `button[data-focus="cancel"]`)
	chrome.Poll(t, fia, 10*time.Second, "asked to confirm", `!document.querySelector('.cancel .confirm').hidden && document.activeElement?.dataset.focus === 'cancel-yes'`)
	click(t, fia, ".cancel .confirm button:not(.danger)")
	chrome.Poll(t, fia, 10*time.Second, "kept", `document.querySelector('.cancel .confirm').hidden && document.activeElement?.dataset.focus === 'cancel'`)
	if st := meetingNow(t, srv, m.ID).Meeting.State; st != control.StatePlanned {
		t.Fatalf("after No the meeting is %q", st)
	}
	click(t, fia, `button[data-focus="cancel"]`)
	click(t, fia, `button[data-focus="cancel-yes"]`)
	chrome.Poll(t, fia, 20*time.Second, "cancelled", statusIs(".manage-status", "manage.cancelled")+fmt.Sprintf(` && document.querySelector('tr[data-meeting="%s"] .state').dataset.i18n === 'manage.state.cancelled'`, m.ID))
	if st := meetingNow(t, srv, m.ID).Meeting.State; st != control.StateCancelled {
		t.Fatalf("after Yes the meeting is %q, want cancelled", st)
	}
	chrome.Poll(t, anna, 45*time.Second, "the member page drops the cancelled meeting", `document.querySelectorAll('#meetings .meeting').length === 0 && !document.getElementById('meetings-none').hidden`)
	for _, b := range []*chrome.Browser{fia, anna} {
		b.CheckNoExceptions(t)
	}
}

// TestGroupSettingsThroughPage: the facilitator changes the group's
// sizes, quorum, planned meetings, cadence and duration (the control
// plane has them); a refused change marks the field the API names, says
// so in words with its label, and changes nothing; a conflict (fewer
// places than members) is said in words; a new agreement text is a new
// version, which the member is asked to accept on their next visit.
func TestGroupSettingsThroughPage(t *testing.T) {
	srv := startServer(t, nil)
	g, links, _ := threeOfUs(t, srv, "Kesäryhmä", true)
	meetingIn(t, srv, g, 48*time.Hour)
	fia, anna := chrome.New(t), chrome.New(t)
	enterManaging(t, fia, links["Fia Ohjaaja"])

	set := func(id, value string) {
		t.Helper()
		fill(t, fia, "#"+id, value)
	}
	set("set-maxMembers", "8")
	set("set-quorum", "3")
	set("set-plannedMeetings", "6")
	set("set-cadence-months", "0")
	set("set-cadence-days", "14")
	set("set-meetingMinutes", "100")
	click(t, fia, ".group-settings button[type=submit]")
	chrome.Poll(t, fia, 20*time.Second, "saved", statusIs(".group-settings .form-status", "manage.settingsSaved"))
	gr := groupNow(t, srv, g.ID)
	if gr.MaxMembers != 8 || gr.Quorum != 3 || gr.PlannedMeetings != 6 || gr.Cadence.Months != 0 || gr.Cadence.Days != 14 || gr.MeetingDuration != 100*time.Minute {
		t.Fatalf("the group's settings after saving: max %d, quorum %d, planned %d, cadence %+v, duration %v",
			gr.MaxMembers, gr.Quorum, gr.PlannedMeetings, gr.Cadence, gr.MeetingDuration)
	}
	if got := chrome.Eval[string](t, fia, `document.querySelector('.quorum')?.textContent || ''`); !strings.Contains(got, "3 needed") {
		t.Errorf("after the quorum changed to 3 the signal says %q", got)
	}

	// Refused: more members at least than at most.
	set("set-minMembers", "9")
	click(t, fia, ".group-settings button[type=submit]")
	chrome.Poll(t, fia, 20*time.Second, "the refusal names the field", statusIs(".group-settings .form-status", "manage.invalid")+
		` && (() => { const bad = document.querySelector('.group-settings [aria-invalid="true"]'); return !!bad && document.activeElement === bad && document.querySelector('.group-settings .form-status').textContent.includes(bad.labels[0].textContent); })()`)
	if gr := groupNow(t, srv, g.ID); gr.MinMembers != g.MinMembers {
		t.Errorf("a refused change changed the minimum to %d", gr.MinMembers)
	}
	chrome.CheckAccessibility(t, fia, "facilitator's page with a refused setting")
	chrome.Eval[chromedp.Void](t, fia, `document.querySelector('.group-settings').scrollIntoView()`)
	chrome.Screenshot(t, fia, "group-page-settings")

	// A conflict: fewer places than the group has members.
	set("set-minMembers", "1")
	set("set-maxMembers", "1")
	click(t, fia, ".group-settings button[type=submit]")
	chrome.Poll(t, fia, 20*time.Second, "the conflict in words", statusIs(".group-settings .form-status", "manage.refused")+` && document.querySelector('.group-settings .form-status').textContent.includes('maxMembers')`)
	if gr := groupNow(t, srv, g.ID); gr.MaxMembers != 8 {
		t.Errorf("a refused change changed the maximum to %d", gr.MaxMembers)
	}

	// A new agreement version.
	const text = "Luottamuksellisuus: mitä ryhmässä puhutaan, jää ryhmään.\nKuuntelemme toisiamme."
	fill(t, fia, "#set-agreement", text)
	click(t, fia, ".agreement-form button[type=submit]")
	chrome.Poll(t, fia, 20*time.Second, "a new version saved", statusIs(".agreement-form .form-status", "manage.agreementSaved"))
	if gr := groupNow(t, srv, g.ID); gr.Agreement.Version != g.Agreement.Version+1 || gr.Agreement.Text != text {
		t.Fatalf("the agreement is version %d %q, want version %d with the new text", gr.Agreement.Version, gr.Agreement.Text, g.Agreement.Version+1)
	}
	anna.Do(t, 30*time.Second, chromedp.Navigate(links["Anna Jäsen"]), chromedp.WaitVisible(chromedp.CSS("#agreement-accept")))
	if got := chrome.Eval[string](t, anna, `document.getElementById('agreement-text').textContent`); got != text {
		t.Errorf("the member is asked to accept %q, want the new text", got)
	}
	for _, b := range []*chrome.Browser{fia, anna} {
		b.CheckNoExceptions(t)
	}
}

// TestPhaseEditorThroughPage: the facilitator reorders the group's
// phases with the keyboard (the focus follows the phase moved), renames
// one, adds a round and removes a phase, and saves: the control plane
// has the new order. In the next meeting's own editor a timebox of 0 is
// refused by the API and the field it names is marked and focused;
// corrected, the meeting's phases change and the group's stay.
func TestPhaseEditorThroughPage(t *testing.T) {
	srv := startServer(t, nil)
	g, links, _ := threeOfUs(t, srv, "Syysryhmä", true)
	m := meetingIn(t, srv, g, 48*time.Hour)
	if len(g.Phases) < 2 {
		t.Fatalf("the default template has %d phases; the test needs 2 or more", len(g.Phases))
	}
	fia := chrome.New(t)
	enterManaging(t, fia, links["Fia Ohjaaja"])
	ed := `.phase-editor[data-editor="group"]`
	chrome.Poll(t, fia, 10*time.Second, "the group's phases", fmt.Sprintf(`document.querySelectorAll('%s .phase-item').length === %d`, ed, len(g.Phases)))

	// Keyboard: the first phase down.
	chrome.Eval[chromedp.Void](t, fia, `document.querySelector('[data-focus="group-0-down"]').focus()`)
	fia.Do(t, 10*time.Second, chromedp.KeyEvent(kb.Enter))
	second := g.Phases[1].Name.In(control.English)
	chrome.Poll(t, fia, 10*time.Second, "moved down, the focus with it", fmt.Sprintf(`document.getElementById('group-0-name').value === %s && ['group-1-down', 'group-1-up'].includes(document.activeElement?.dataset.focus)`, chrome.JSString(second)))
	fill(t, fia, "#group-0-name", "Kuulumiset")
	click(t, fia, ed+" .phase-add")
	n := len(g.Phases) + 1
	chrome.Poll(t, fia, 10*time.Second, "a new phase, its name focused", fmt.Sprintf(`document.activeElement?.id === 'group-%d-name'`, n-1))
	fia.Do(t, 10*time.Second, chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#group-%d-name", n-1)), "Loppukierros"))
	fill(t, fia, fmt.Sprintf("#group-%d-minutes", n-1), "3")
	click(t, fia, fmt.Sprintf(`label[for="group-%d-round"]`, n-1))
	// Remove the phase now second (the one that was first).
	click(t, fia, `[data-focus="group-1-remove"]`)
	chrome.Poll(t, fia, 10*time.Second, "removed", fmt.Sprintf(`document.querySelectorAll('%s .phase-item').length === %d`, ed, n-1))
	click(t, fia, ed+" button[type=submit]")
	chrome.Poll(t, fia, 20*time.Second, "saved", statusIs(ed+" .form-status", "manage.phase.saved"))
	want := []string{"Kuulumiset"}
	for _, p := range g.Phases[2:] {
		want = append(want, p.Name.In(control.English))
	}
	want = append(want, "Loppukierros")
	gr := groupNow(t, srv, g.ID)
	var got []string
	for _, p := range gr.Phases {
		got = append(got, p.Name.In(control.English))
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("the group's phases are %q, want %q", got, want)
	}
	last := gr.Phases[len(gr.Phases)-1]
	if !last.Round || last.Timebox != 3*time.Minute {
		t.Errorf("the added phase is %+v, want a round of 3 minutes a turn", last)
	}
	if gr.Phases[0].Name.In(control.Finnish) != g.Phases[1].Name.In(control.Finnish) {
		t.Errorf("renaming in English changed the Finnish name to %q", gr.Phases[0].Name.In(control.Finnish))
	}

	// The next meeting's own phases: a bad timebox refused.
	med := fmt.Sprintf(`.phase-editor[data-editor="meeting:%s"]`, m.ID)
	slug := "meeting-" + m.ID
	before := meetingNow(t, srv, m.ID).Meeting.Phases
	if len(before) == 0 {
		t.Fatal("the meeting has no phases to edit")
	}
	minutes := fmt.Sprintf(`[id="%s-0-minutes"]`, slug)
	fill(t, fia, minutes, "0")
	click(t, fia, med+" button[type=submit]")
	chrome.Poll(t, fia, 20*time.Second, "the timebox refused and marked", statusIs(med+" .form-status", "manage.invalid")+fmt.Sprintf(` && document.activeElement === document.querySelector('%s') && document.activeElement.getAttribute('aria-invalid') === 'true'`, minutes))
	if now := meetingNow(t, srv, m.ID).Meeting.Phases; now[0].Timebox != before[0].Timebox {
		t.Errorf("a refused edit changed the timebox to %v", now[0].Timebox)
	}
	fill(t, fia, minutes, "7")
	click(t, fia, med+" button[type=submit]")
	chrome.Poll(t, fia, 20*time.Second, "the meeting's phases saved", statusIs(med+" .form-status", "manage.phase.saved"))
	if now := meetingNow(t, srv, m.ID).Meeting.Phases; now[0].Timebox != 7*time.Minute {
		t.Errorf("the meeting's first timebox is %v, want 7m", now[0].Timebox)
	}
	if gr2 := groupNow(t, srv, g.ID); gr2.Phases[0].Timebox != gr.Phases[0].Timebox {
		t.Errorf("the meeting's edit changed the group's first timebox to %v", gr2.Phases[0].Timebox)
	}
	chrome.CheckAccessibility(t, fia, "facilitator's page with the phase editors")
	chrome.Screenshot(t, fia, "group-page-phases")
	fia.CheckNoExceptions(t)
}

// TestFeedbackInProgramme: the programme shows a held meeting's feedback
// as its average and count only, as the control plane has them; a
// meeting without answers shows none.
func TestFeedbackInProgramme(t *testing.T) {
	srv := startServer(t, nil)
	ctx, svc, admin := context.Background(), srv.Control(), control.AdminPrincipal()
	g, links, ids := threeOfUs(t, srv, "Talviryhmä", true)
	cecilia, clink, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: "Cecilia Jäsen", Role: control.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	ids["Cecilia Jäsen"], links["Cecilia Jäsen"] = cecilia.ID, srv.BaseURL()+"/g/"+clink.Token
	if who, err := svc.Authenticate(ctx, clink.Token); err != nil {
		t.Fatal(err)
	} else if _, err := svc.AcceptAgreement(ctx, who, g.Agreement.Version); err != nil {
		t.Fatal(err)
	}
	members := []string{"Anna Jäsen", "Bertil Jäsen", "Cecilia Jäsen"}
	m := meetingIn(t, srv, g, time.Minute)
	later := meetingIn(t, srv, g, 30*24*time.Hour)
	if _, err := svc.OpenMeeting(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartMeeting(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}
	for _, name := range members {
		if err := svc.Joined(ctx, m.ID, ids[name], time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.EndMeeting(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}
	for i, name := range members {
		who, err := svc.Authenticate(ctx, tokenOf(links[name]))
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SubmitFeedback(ctx, who, m.ID, 3+i, "kommentti"); err != nil {
			t.Fatal(err)
		}
	}
	fb, err := svc.MeetingFeedback(ctx, admin, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	fia := chrome.New(t)
	enterManaging(t, fia, links["Fia Ohjaaja"])
	cell := fmt.Sprintf(`document.querySelector('tr[data-meeting="%s"] .feedback-cell')`, m.ID)
	chrome.Poll(t, fia, 20*time.Second, "the feedback in the programme", cell+`?.dataset.count === '3'`)
	got := chrome.Eval[string](t, fia, cell+`.dataset.average + '|' + `+cell+`.textContent`)
	if !fb.Shown {
		t.Fatalf("the control plane shows no average for 3 answers: %+v", fb)
	}
	if want := fmt.Sprintf("%g|Average %.1f · answers: 3", fb.Average, fb.Average); got != want {
		t.Errorf("the feedback cell is %q, want %q", got, want)
	}
	if got := chrome.Eval[string](t, fia, fmt.Sprintf(`document.querySelector('tr[data-meeting="%s"] .feedback-cell').dataset.count`, later.ID)); got != "0" {
		t.Errorf("a meeting not held shows feedback count %q", got)
	}
	if chrome.Eval[bool](t, fia, `document.querySelector('.manage-table').textContent.includes('kommentti')`) {
		t.Error("the programme shows a feedback comment")
	}
	fia.CheckNoExceptions(t)
}

// TestAdminReportDownloads: the admin downloads the all-groups report as
// CSV (UTF-8 with BOM, semicolons for a Finnish Excel) of groups and of
// organisations, and as JSON, whose groups are the control plane's.
func TestAdminReportDownloads(t *testing.T) {
	srv := startServer(t, nil)
	threeOfUs(t, srv, "Raporttiryhmä", true)
	threeOfUs(t, srv, "Toinen ryhmä", false)
	admin := chrome.New(t)
	admin.Do(t, 30*time.Second, chromedp.Navigate(srv.AdminLink()), chromedp.WaitVisible(chromedp.CSS(".overview-download")))
	switchLanguage(t, admin, "fi")
	chrome.Poll(t, admin, 5*time.Second, "semicolons for Finnish", `document.getElementById('overview-semicolon').checked`)
	for _, c := range []struct{ table, want string }{{"groups", "Raporttiryhmä"}, {"organisations", "organisation"}} {
		dir := t.TempDir()
		downloadsTo(t, admin, dir)
		click(t, admin, fmt.Sprintf(`.overview-download[data-table="%s"]`, c.table))
		csv := waitForFile(t, dir, ".csv", 30*time.Second)
		if !strings.HasPrefix(csv, "\ufeff") || !strings.Contains(csv, ";") || !strings.Contains(csv, c.want) {
			t.Errorf("the %s report is %q: want a BOM, semicolons and %q", c.table, csv, c.want)
		}
	}
	dir := t.TempDir()
	downloadsTo(t, admin, dir)
	click(t, admin, `.overview-download[data-kind="json"]`)
	var report struct {
		Groups []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(waitForFile(t, dir, ".json", 30*time.Second)), &report); err != nil {
		t.Fatal(err)
	}
	sums, err := srv.Control().Overview(context.Background(), control.AdminPrincipal())
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Groups) != len(sums) || len(sums) != 2 {
		t.Errorf("the JSON report has %d groups, the control plane %d (want 2)", len(report.Groups), len(sums))
	}
	chrome.CheckAccessibility(t, admin, "admin page with reports")
	admin.CheckNoExceptions(t)
}

// TestGroupPagesInSwedish: the admin, member and facilitator pages,
// switched to Swedish through the language menu, show no English left
// and pass axe-core.
func TestGroupPagesInSwedish(t *testing.T) {
	srv := startServer(t, nil)
	ctx, svc := context.Background(), srv.Control()
	g, links, ids := threeOfUs(t, srv, "Svenska gruppen", true)
	m := meetingIn(t, srv, g, 48*time.Hour)
	who, err := svc.Authenticate(ctx, tokenOf(links["Anna Jäsen"]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ProposeTheme(ctx, who, g.ID, "Gränser i arbetet"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetRSVP(ctx, who, m.ID, ids["Anna Jäsen"], control.Coming); err != nil {
		t.Fatal(err)
	}
	b := chrome.New(t)

	b.Do(t, 30*time.Second, chromedp.Navigate(srv.AdminLink()), chromedp.WaitVisible(chromedp.CSS("#new-name")))
	switchLanguage(t, b, "sv")
	click(t, b, "button.manage-group")
	chrome.Poll(t, b, 20*time.Second, "the group's managing half", `!!document.querySelector('#admin .people') && !!document.querySelector('#admin .phase-editor')`)
	expectTranslated(t, b, "en", "sv", "admin")
	chrome.CheckAccessibility(t, b, "admin page in Swedish")
	chrome.Screenshot(t, b, "admin-page-sv")

	openMemberPage(t, b, links["Anna Jäsen"])
	switchLanguage(t, b, "sv")
	chrome.Poll(t, b, 10*time.Second, "the member page in Swedish", `document.querySelector('#meetings .forecast')?.textContent.startsWith('Kommer hittills')`)
	expectTranslated(t, b, "en", "sv", "member")
	chrome.CheckAccessibility(t, b, "member page in Swedish")
	chrome.Screenshot(t, b, "group-page-member-sv")

	enterManaging(t, b, links["Fia Ohjaaja"])
	switchLanguage(t, b, "sv")
	expectTranslated(t, b, "en", "sv", "facilitator")
	chrome.CheckAccessibility(t, b, "facilitator's page in Swedish")
	chrome.Screenshot(t, b, "group-page-facilitator-sv")
	b.CheckNoExceptions(t)
}
