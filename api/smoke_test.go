package api

import (
	"net/http"
	"testing"
)

func TestGroupPageAsFacilitatorAndMember(t *testing.T) {
	h := newHarness(t, openMem)
	f := h.f
	var page GroupPage
	h.call(rFac, "GET", "/api/v1/groups/"+f.Group.ID, nil, http.StatusOK, &page)
	if !page.You.Manage || page.You.Role != "facilitator" || page.You.PersonID != f.Facilitator.ID {
		t.Errorf("you = %+v", page.You)
	}
	withLinks := 0
	for _, p := range page.People {
		if p.Link != nil {
			withLinks++
			if p.Link.URL != baseURL+"/g/"+f.Tokens[p.ID] || p.Link.CalendarURL != baseURL+"/cal/"+f.Tokens[p.ID]+".ics" {
				t.Errorf("link of %s: %+v", p.Name, p.Link)
			}
		}
	}
	if withLinks != len(page.People)-1 { // the revoked one has none
		t.Errorf("%d of %d people with links for the facilitator", withLinks, len(page.People))
	}
	if page.Next == nil || page.Next.ID != f.Meeting.ID || page.Next.Number != 1 || page.Next.Of != 8 {
		t.Fatalf("next = %+v", page.Next)
	}
	if page.Next.Forecast.Reached || page.Next.Forecast.Needed != 3 {
		t.Errorf("forecast = %+v", page.Next.Forecast)
	}
	if page.Next.Start != "2026-03-09T09:00:00+02:00" || page.Next.TimeZone != "Europe/Helsinki" || page.Next.DurationMinutes != 90 {
		t.Errorf("next start %s %s %v", page.Next.Start, page.Next.TimeZone, page.Next.DurationMinutes)
	}

	var mpage GroupPage
	h.call(rMember, "GET", "/api/v1/groups/"+f.Group.ID, nil, http.StatusOK, &mpage)
	for _, p := range mpage.People {
		if p.Link != nil {
			t.Errorf("a member sees %s's link", p.Name)
		}
	}
	if mpage.You.Manage || mpage.You.Role != "member" {
		t.Errorf("member you = %+v", mpage.You)
	}
}
