package controltest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"piiri/control"
)

func testSizeLimits(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{Members: 10})
	fac := f.Fac()
	add := func(role control.Role) error {
		_, _, err := f.Svc.AddPerson(f.Ctx, fac, f.Group.ID, control.PersonInput{Name: "Extra", Role: role})
		return err
	}
	wantErr(t, "the 11th member", add(control.RoleMember), nil)
	wantErr(t, "the 12th member", add(control.RoleMember), control.ErrGroupFull)
	wantErr(t, "the 12th member is a conflict", add(control.RoleMember), control.ErrConflict)
	// Observers and facilitators are not members: they have caps of their own.
	for i := range 9 {
		wantErr(t, fmt.Sprintf("observer %d", i+2), add(control.RoleObserver), nil)
	}
	wantErr(t, "the 11th observer", add(control.RoleObserver), control.ErrGroupFull)
	for i := range 4 {
		wantErr(t, fmt.Sprintf("facilitator %d", i+2), add(control.RoleFacilitator), nil)
	}
	wantErr(t, "the 6th facilitator", add(control.RoleFacilitator), control.ErrGroupFull)
	// An observer cannot become a member of a full group.
	_, err := f.Svc.SetRole(f.Ctx, fac, f.Observer.ID, control.RoleMember)
	wantErr(t, "observer to member in a full group", err, control.ErrGroupFull)
	// The maximum cannot go below the members there are.
	_, err = f.Svc.UpdateGroup(f.Ctx, fac, f.Group.ID, control.GroupPatch{MaxMembers: ptr(10)})
	wantErr(t, "max below the members", err, control.ErrConflict)
	_, err = f.Svc.UpdateGroup(f.Ctx, fac, f.Group.ID, control.GroupPatch{MaxMembers: ptr(12)})
	wantErr(t, "raise the max", err, nil)
	wantErr(t, "the 12th member after raising the max", add(control.RoleMember), nil)
	// A member who leaves makes room.
	must(t, f.Svc.RemovePerson(f.Ctx, f.As(f.Members[3]), f.Members[3].ID))
	wantErr(t, "a member in the place of one who left", add(control.RoleMember), nil)
	wantErr(t, "and no more", add(control.RoleMember), control.ErrGroupFull)

	v, err := f.Svc.Group(f.Ctx, fac, f.Group.ID)
	must(t, err)
	if v.Members != 12 || v.BelowMinimum {
		t.Errorf("members %d (below minimum %v), want 12", v.Members, v.BelowMinimum)
	}

	// Below the minimum is shown, not refused: a group starts empty.
	small := NewFixture(t, open, FixtureOptions{Members: 3})
	sv, err := small.Svc.Group(small.Ctx, small.Fac(), small.Group.ID)
	must(t, err)
	if !sv.BelowMinimum || sv.Quorum != 2 || sv.Counted != 3 {
		t.Errorf("3 members: below minimum %v, quorum %d, counted %d; want true, 2, 3", sv.BelowMinimum, sv.Quorum, sv.Counted)
	}
	for _, c := range []struct{ counted, quorum int }{{0, 2}, {1, 2}, {2, 2}, {3, 2}, {4, 2}, {5, 3}, {10, 5}, {11, 6}} {
		if q := control.DefaultQuorum(c.counted); q != c.quorum {
			t.Errorf("DefaultQuorum(%d) = %d, want %d", c.counted, q, c.quorum)
		}
	}
}

// testConcurrentAdd: "not full, then add" is one transaction, so of many
// concurrent adds for the last place exactly one succeeds.
func testConcurrentAdd(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{Members: 10})
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = f.Svc.AddPerson(f.Ctx, f.Fac(), f.Group.ID, control.PersonInput{Name: fmt.Sprintf("Racer %d", i), Role: control.RoleMember})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, control.ErrGroupFull):
			t.Errorf("unexpected error: %v", err)
		}
	}
	v, err := f.Svc.Group(f.Ctx, f.Fac(), f.Group.ID)
	must(t, err)
	if ok != 1 || v.Members != 11 {
		t.Errorf("%d adds succeeded and the group has %d members; want 1 and 11", ok, v.Members)
	}
}
