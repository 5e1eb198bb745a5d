package demo

import (
	"context"
	"testing"
	"time"

	"piiri/control"
	"piiri/control/memstore"
	"piiri/internal/clock"
)

// TestSeed: the demo is a group of a facilitator and five members with
// links, a programme whose first room is open with two RSVPs, and seeding
// again finds it instead of making another.
func TestSeed(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	svc, err := control.New(memstore.New(), control.Options{Clock: clock.NewFake(now)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := Seed(ctx, svc, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.People) != 6 || s.People[0].Role != control.RoleFacilitator || s.People[0].Token == "" {
		t.Fatalf("seeded %+v", s.People)
	}
	pv, err := svc.Programme(ctx, control.AdminPrincipal(), s.GroupID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Meetings) < 2 || pv.Meetings[0].Meeting.State != control.StateOpen || pv.Meetings[0].Forecast.Coming != 2 {
		t.Fatalf("programme %+v", pv)
	}
	// The facilitator's link joins the open meeting.
	if a, err := svc.Admit(ctx, s.People[0].Token); err != nil || !a.Facilitating {
		t.Errorf("the facilitator's link: %+v, %v", a, err)
	}
	again, err := Seed(ctx, svc, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := svc.Groups(ctx, control.AdminPrincipal())
	if again.GroupID != s.GroupID || len(groups) != 1 || len(again.People) != 6 || again.People[0].Token != s.People[0].Token {
		t.Errorf("seeding again made %d groups, %+v", len(groups), again)
	}
}
