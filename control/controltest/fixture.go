package controltest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"piiri/control"
	"piiri/internal/clock"
)

// Start is the fake clock's start: Monday 2 March 2026, 09:00 in Helsinki.
var Start = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// Fixture is a peer group with a facilitator, members (Members[0] is the
// chair of Meeting), an observer, one planned meeting a week ahead, and a
// second group with its own facilitator and member, everyone having
// accepted their agreement.
type Fixture struct {
	T     *testing.T
	Ctx   context.Context
	Store control.Store
	Svc   *control.Service
	Clock *clock.Fake

	Group       control.Group
	Facilitator control.Person
	Members     []control.Person
	Observer    control.Person
	Meeting     control.Meeting // planned, Members[0] its chair

	Other            control.Group
	OtherFacilitator control.Person
	OtherMember      control.Person

	Tokens map[string]string // person ID → personal link token

	theme string // a theme proposal, for tests that choose one
}

// FixtureOptions vary the fixture.
type FixtureOptions struct {
	Members  int    // default 5
	Template string // default peer-group
	MinHeld  time.Duration
	Service  control.Options // Clock and IDs are set by the fixture
}

// NewFixture builds the fixture on a new store from open.
func NewFixture(t *testing.T, open Open, o FixtureOptions) *Fixture {
	t.Helper()
	if o.Members == 0 {
		o.Members = 5
	}
	if o.Template == "" {
		o.Template = "peer-group"
	}
	f := &Fixture{T: t, Ctx: context.Background(), Store: open(t), Clock: clock.NewFake(Start), Tokens: map[string]string{}}
	opts := o.Service
	opts.Clock, opts.IDs = f.Clock, &SeqIDs{}
	if o.MinHeld != 0 {
		opts.MinHeld = o.MinHeld
	}
	svc, err := control.New(f.Store, opts)
	must(t, err)
	f.Svc = svc
	admin := control.AdminPrincipal()

	f.Group, err = svc.CreateGroup(f.Ctx, admin, control.GroupInput{TemplateID: o.Template, Name: "Workers' peer group", Language: control.Finnish, Organisation: "City of Espoo"})
	must(t, err)
	f.Facilitator = f.add(f.Group.ID, "Fia Facilitator", "Programme", control.RoleFacilitator)
	orgs := []string{"Espoo", "Vantaa", "Espoo", "", "Kauniainen"}
	for i := range o.Members {
		f.Members = append(f.Members, f.add(f.Group.ID, memberName(i), orgs[i%len(orgs)], control.RoleMember))
	}
	f.Observer = f.add(f.Group.ID, "Olli Observer", "Programme", control.RoleObserver)
	f.Meeting, err = svc.AddMeeting(f.Ctx, f.As(f.Facilitator), f.Group.ID, control.MeetingInput{Start: Start.Add(7 * 24 * time.Hour), Theme: "Workload"})
	must(t, err)
	if len(f.Members) > 0 && o.Template != "pair-mentoring" {
		f.Meeting, err = svc.HandOverMeeting(f.Ctx, f.As(f.Facilitator), f.Meeting.ID, f.Members[0].ID)
		must(t, err)
	}

	f.Other, err = svc.CreateGroup(f.Ctx, admin, control.GroupInput{Name: "Another group", Language: control.Swedish})
	must(t, err)
	f.OtherFacilitator = f.add(f.Other.ID, "Greta Other", "", control.RoleFacilitator)
	f.OtherMember = f.add(f.Other.ID, "Hugo Other", "", control.RoleMember)
	return f
}

func memberName(i int) string {
	names := []string{"Aino", "Bertil", "Cecilia", "Daniel", "Eeva", "Frans", "Greta", "Heikki", "Ilona", "Jussi", "Kaisa", "Lasse", "Mirja"}
	return names[i%len(names)] + " Member"
}

// add adds a person as the admin and has them accept the agreement.
func (f *Fixture) add(groupID, name, org string, role control.Role) control.Person {
	f.T.Helper()
	p, l, err := f.Svc.AddPerson(f.Ctx, control.AdminPrincipal(), groupID, control.PersonInput{Name: name, Organisation: org, Role: role})
	must(f.T, err)
	f.Tokens[p.ID] = l.Token
	g, err := f.Svc.Group(f.Ctx, control.AdminPrincipal(), groupID)
	must(f.T, err)
	p, err = f.Svc.AcceptAgreement(f.Ctx, f.As(p), g.Group.Agreement.Version)
	must(f.T, err)
	return p
}

// AddMember adds one more member (accepted the agreement).
func (f *Fixture) AddMember(name string) control.Person {
	f.T.Helper()
	p := f.add(f.Group.ID, name, "", control.RoleMember)
	f.Members = append(f.Members, p)
	return p
}

// As is the principal of a person.
func (f *Fixture) As(p control.Person) control.Principal { return control.PersonPrincipal(p.ID) }

// Fac is the facilitator's principal.
func (f *Fixture) Fac() control.Principal { return f.As(f.Facilitator) }

// Admin is the admin principal.
func (f *Fixture) Admin() control.Principal { return control.AdminPrincipal() }

// Meet reads a meeting as the admin.
func (f *Fixture) Meet(id string) control.MeetingView {
	f.T.Helper()
	v, err := f.Svc.Meeting(f.Ctx, f.Admin(), id)
	must(f.T, err)
	return v
}

// Open opens the fixture's meeting as the facilitator.
func (f *Fixture) Open() {
	f.T.Helper()
	_, err := f.Svc.OpenMeeting(f.Ctx, f.Fac(), f.Meeting.ID)
	must(f.T, err)
}

// Snapshot is the whole store as JSON, for "this changed nothing".
func (f *Fixture) Snapshot() string {
	f.T.Helper()
	return Snapshot(f.T, f.Store)
}

// Snapshot is everything in st reachable from its groups (people, links,
// meetings) and its templates, as JSON in a stable order.
func Snapshot(t *testing.T, st control.Store) string {
	t.Helper()
	var all []any
	err := st.View(func(tx control.Tx) error {
		groups, err := tx.Groups()
		if err != nil {
			return err
		}
		sortBy(groups, func(g control.Group) string { return g.ID })
		for _, g := range groups {
			people, err := tx.People(g.ID)
			if err != nil {
				return err
			}
			sortBy(people, func(p control.Person) string { return p.ID })
			meetings, err := tx.Meetings(g.ID)
			if err != nil {
				return err
			}
			sortBy(meetings, func(m control.Meeting) string { return m.ID })
			all = append(all, g, people, meetings)
			for _, p := range people {
				l, err := tx.Link(p.ID)
				if err != nil && !errors.Is(err, control.ErrNotFound) {
					return err
				}
				all = append(all, l.Token)
			}
		}
		ts, err := tx.Templates()
		sortBy(ts, func(t control.Template) string { return t.ID })
		all = append(all, ts)
		return err
	})
	must(t, err)
	b, err := json.Marshal(all)
	must(t, err)
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks err against want: nil means success is wanted.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: unexpected error: %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}
