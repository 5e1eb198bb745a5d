package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piiri/control"
	"piiri/e2e/chrome"
	"piiri/server"
)

// personalGroup makes a group on srv with a facilitator and a member, and
// a meeting starting in a minute; it returns the personal links by name
// and the meeting's ID.
func personalGroup(t *testing.T, srv *server.Server) (links map[string]string, meetingID string, svc *control.Service) {
	t.Helper()
	ctx, svc := context.Background(), srv.Control()
	admin := control.AdminPrincipal()
	g, err := svc.CreateGroup(ctx, admin, control.GroupInput{Name: "Tiistairyhmä", Language: control.Finnish})
	if err != nil {
		t.Fatal(err)
	}
	links = map[string]string{}
	for _, p := range []struct {
		name string
		role control.Role
	}{{"Fia Ohjaaja", control.RoleFacilitator}, {"Anna Jäsen", control.RoleMember}} {
		_, link, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: p.name, Role: p.role})
		if err != nil {
			t.Fatal(err)
		}
		links[p.name] = srv.BaseURL() + "/g/" + link.Token
	}
	m, err := svc.AddMeeting(ctx, admin, g.ID, control.MeetingInput{Start: time.Now().Add(time.Minute), Theme: "Työn kuormitus"})
	if err != nil {
		t.Fatal(err)
	}
	return links, m.ID, svc
}

// threeOfUs makes a Finnish group named name on srv with a facilitator,
// Fia, and two members, Anna and Bertil; it returns the group and each
// person's personal link and ID by name. With accepted, the members have
// accepted the agreement (only who has may come into a meeting).
func threeOfUs(t *testing.T, srv *server.Server, name string, accepted bool) (g control.Group, links, ids map[string]string) {
	t.Helper()
	ctx, svc, admin := context.Background(), srv.Control(), control.AdminPrincipal()
	g, err := svc.CreateGroup(ctx, admin, control.GroupInput{Name: name, Language: control.Finnish})
	if err != nil {
		t.Fatal(err)
	}
	links, ids = map[string]string{}, map[string]string{}
	for _, p := range []struct {
		name string
		role control.Role
	}{{"Fia Ohjaaja", control.RoleFacilitator}, {"Anna Jäsen", control.RoleMember}, {"Bertil Jäsen", control.RoleMember}} {
		person, link, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: p.name, Role: p.role})
		if err != nil {
			t.Fatal(err)
		}
		links[p.name], ids[p.name] = srv.BaseURL()+"/g/"+link.Token, person.ID
		if accepted && p.role == control.RoleMember {
			who, err := svc.Authenticate(ctx, link.Token)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.AcceptAgreement(ctx, who, g.Agreement.Version); err != nil {
				t.Fatal(err)
			}
		}
	}
	return g, links, ids
}

// enterGroupPage opens a personal link, accepts the group's agreement as
// a new person does, and waits for the meetings list.
func enterGroupPage(t *testing.T, b *chrome.Browser, link string) {
	t.Helper()
	b.Do(t, 30*time.Second, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#agreement-accept")))
	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#agreement-accept")))
	chrome.Poll(t, b, 10*time.Second, "the meetings listed", `document.querySelectorAll('#meetings .meeting').length === 1 && document.getElementById('agreement').hidden`)
}

// TestPersonalLinkToMeeting: a member opens their personal link (the
// server moves the token out of the path), accepts the agreement, says
// they are coming (the control plane has the answer); the facilitator
// opens the room from their own group page; both go from the group page
// into the meeting, under the names the group has for them, and each
// decodes the other's video and receives their audio. The group page passes axe-core
// and is written to artifacts/.
func TestPersonalLinkToMeeting(t *testing.T) {
	srv := startServer(t, nil)
	links, meetingID, svc := personalGroup(t, srv)
	tone := chromedp.Flag("use-file-for-fake-audio-capture", chrome.ToneWAV(t))
	anna, fia := chrome.New(t, tone), chrome.New(t, tone)

	enterGroupPage(t, anna, links["Anna Jäsen"])
	if got := chrome.Eval[string](t, anna, `location.pathname + '|' + location.hash.slice(0, 3)`); got != "/|#g=" {
		t.Errorf("after the redirect the page is at %q, want the token in the fragment only", got)
	}
	if h := chrome.Eval[string](t, anna, `document.getElementById('group-heading').textContent`); h != "Tiistairyhmä" {
		t.Errorf("group page heading %q", h)
	}
	chrome.CheckAccessibility(t, anna, "group page")
	chrome.Screenshot(t, anna, "group-page")

	anna.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="rsvp-%s-coming"]`, meetingID))))
	chrome.Poll(t, anna, 10*time.Second, "the answer saved", `[...document.querySelectorAll('.rsvp-status')].some((e) => e.dataset.i18n === 'group.saved')`)
	v, err := svc.Meeting(context.Background(), control.AdminPrincipal(), meetingID)
	if err != nil {
		t.Fatal(err)
	}
	var annaID string
	for id, r := range v.Meeting.RSVPs {
		if r.Answer == control.Coming {
			annaID = id
		}
	}
	if annaID == "" || v.Forecast.Coming != 1 {
		t.Fatalf("the control plane has RSVPs %+v, forecast %+v: want Anna coming", v.Meeting.RSVPs, v.Forecast)
	}
	if chrome.Eval[bool](t, anna, `!document.getElementById('group-open').hidden`) {
		t.Error("the way into the room shows before the room is open")
	}

	if chrome.Eval[bool](t, anna, `!!document.querySelector('.open-room')`) {
		t.Error("a member is offered to open the room")
	}

	// The facilitator opens the room from their own group page.
	enterGroupPage(t, fia, links["Fia Ohjaaja"])
	chrome.CheckAccessibility(t, fia, "facilitator's group page")
	chrome.Screenshot(t, fia, "group-page-facilitator")
	fia.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS(".open-room")))
	chrome.Poll(t, fia, 10*time.Second, "the room open on the facilitator's page", `!document.getElementById('group-open').hidden`)
	if v, err := svc.Meeting(context.Background(), control.AdminPrincipal(), meetingID); err != nil || v.Meeting.State != control.StateOpen {
		t.Fatalf("after Open the room the meeting is %q (%v), want open", v.Meeting.State, err)
	}
	ids := map[*chrome.Browser]string{}
	for _, p := range []struct {
		b    *chrome.Browser
		name string
	}{{anna, "Anna Jäsen"}, {fia, "Fia Ohjaaja"}} {
		if p.b == anna {
			anna.Do(t, 30*time.Second, chromedp.Reload())
			chrome.Poll(t, anna, 10*time.Second, "the way into the room", `!document.getElementById('group-open').hidden`)
		}
		p.b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#group-join")), chromedp.WaitVisible(chromedp.CSS("#name")))
		chrome.Poll(t, p.b, 10*time.Second, "the page is set up", chrome.ReadyJS+` && !document.getElementById('join-button').disabled`)
		if got := chrome.Eval[string](t, p.b, `(() => { const n = document.getElementById('name'); return n.readOnly + '|' + n.value; })()`); got != "true|"+p.name {
			t.Errorf("the name field %q, want the group's name for the person, read-only", got)
		}
		p.b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#join-button")))
		ids[p.b] = waitInRoom(t, p.b, 30*time.Second)
	}
	chrome.WaitReceiving(t, anna, []string{ids[fia]}, nil, 30, 50, 30*time.Second)
	chrome.WaitReceiving(t, fia, []string{ids[anna]}, nil, 30, 50, 30*time.Second)
	if h := chrome.Eval[string](t, anna, `document.getElementById('room-heading').textContent`); h == "" {
		t.Error("the room has no heading")
	}
	roles := chrome.Eval[string](t, fia, fmt.Sprintf(`window.piiri.session.participants.get(%s)?.role || ''`, chrome.JSString(ids[anna])))
	if roles != "member" {
		t.Errorf("the facilitator's page has Anna as %q, want member", roles)
	}
	for _, b := range []*chrome.Browser{anna, fia} {
		b.CheckNoExceptions(t)
	}
}

// TestRevokedPersonalLink: a link that no longer works says so on the
// group page, in words, and offers nothing to press.
func TestRevokedPersonalLink(t *testing.T) {
	srv := startServer(t, nil)
	b := chrome.New(t)
	b.Do(t, 30*time.Second, chromedp.Navigate(srv.BaseURL()+"/g/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
	chrome.Poll(t, b, 10*time.Second, "the link refused in words", `(() => { const m = document.getElementById('group-message'); return !m.hidden && m.dataset.i18n === 'group.badLink' && m.textContent.length > 20; })()`)
	if chrome.Eval[bool](t, b, `!document.getElementById('group-open').hidden || !document.getElementById('prejoin').hidden`) {
		t.Error("a refused link offers a way in")
	}
	b.CheckNoExceptions(t)
}
