package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"piiri/control"
	"piiri/e2e/chrome"
)

// TestRoomShowsWhoIsComing: the room's people list marks an observer as
// one, and names who said they would come but is not here yet; when one
// of them comes in, the name leaves that line. The answers are given in
// the control plane, as a member's page gives them.
func TestRoomShowsWhoIsComing(t *testing.T) {
	srv := startServer(t, nil)
	ctx, svc, admin := context.Background(), srv.Control(), control.AdminPrincipal()
	g, links, ids := threeOfUs(t, srv, "Perjantairyhmä", true)
	_, olliLink, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: "Olli Havainnoija", Role: control.RoleObserver})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.AddMeeting(ctx, admin, g.ID, control.MeetingInput{Start: time.Now().Add(2 * time.Minute), Theme: "Rajat"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Anna Jäsen", "Bertil Jäsen"} {
		if _, err := svc.SetRSVP(ctx, admin, m.ID, ids[name], control.Coming); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.OpenMeeting(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}

	fiaB, olliB, annaB := chrome.New(t), chrome.New(t), chrome.New(t)
	joinFromGroupPage(t, fiaB, links["Fia Ohjaaja"], true) // a facilitator accepts on the first visit too
	olli := joinFromGroupPage(t, olliB, srv.BaseURL()+"/g/"+olliLink.Token, true)
	openSide(t, fiaB)
	chrome.Poll(t, fiaB, 20*time.Second, "the observer marked, both members awaited",
		fmt.Sprintf(`document.querySelector('#people-list li[data-participant=%s] .badge.role-observer')?.textContent === 'observer' && document.getElementById('people-away').textContent === 'Said they would come, not here yet: Anna Jäsen, Bertil Jäsen'`, chrome.JSString(olli)))
	chrome.CheckAccessibility(t, fiaB, "the room's people list with an observer and people awaited")

	joinFromGroupPage(t, annaB, links["Anna Jäsen"], false)
	chrome.Poll(t, fiaB, 20*time.Second, "Anna here, only Bertil awaited",
		`document.getElementById('people-away').textContent === 'Said they would come, not here yet: Bertil Jäsen'`)
	for _, b := range []*chrome.Browser{fiaB, olliB, annaB} {
		b.CheckNoExceptions(t)
	}
}
