// Package demo seeds a mentoring group to look at: a facilitator, five
// members from three employers and a programme of meetings whose first
// room is open, so that a newcomer sees the whole product in a minute
// (`piiri demo`). It goes through the control plane like any admin would.
package demo

import (
	"context"
	"fmt"
	"time"

	"piiri/control"
)

// GroupName is the demo group's name; a store that has a group of this
// name is seeded already.
const GroupName = "Demo: vertaisryhmä"

// Person is one seeded person and their personal link's token.
type Person struct {
	Name  string
	Role  control.Role
	Token string
}

// Seeded is what Seed made (or found).
type Seeded struct {
	GroupID string
	People  []Person // the facilitator first
}

var people = []struct {
	name, org string
	role      control.Role
}{
	{"Fiia Fasilitaattori", "Mentorointiohjelma", control.RoleFacilitator},
	{"Anna Aalto", "Espoon kaupunki", control.RoleMember},
	{"Bertil Berg", "Vantaan kaupunki", control.RoleMember},
	{"Cecilia Castrén", "Espoon kaupunki", control.RoleMember},
	{"Daniel Dahl", "Kauniaisten kaupunki", control.RoleMember},
	{"Eero Eskola", "Vantaan kaupunki", control.RoleMember},
}

// Seed makes the demo group, or returns the one already there. The
// programme's first meeting starts in ten minutes and its room is open;
// two members have said they will come.
func Seed(ctx context.Context, svc *control.Service, now time.Time) (Seeded, error) {
	admin := control.AdminPrincipal()
	groups, err := svc.Groups(ctx, admin)
	if err != nil {
		return Seeded{}, fmt.Errorf("demo: %w", err)
	}
	for _, g := range groups {
		if g.Name == GroupName {
			return existing(ctx, svc, g.ID)
		}
	}
	g, err := svc.CreateGroup(ctx, admin, control.GroupInput{
		Name:         GroupName,
		Description:  "Kuukausittain kokoontuva vertaisryhmä: avauskierros, päivän teema, tehtävien läpikäynti ja loppukierros.",
		Language:     control.Finnish,
		Organisation: "Mentorointiohjelma",
	})
	if err != nil {
		return Seeded{}, fmt.Errorf("demo: create the group: %w", err)
	}
	out := Seeded{GroupID: g.ID}
	for _, p := range people {
		person, link, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: p.name, Organisation: p.org, Role: p.role})
		if err != nil {
			return Seeded{}, fmt.Errorf("demo: add %s: %w", p.name, err)
		}
		out.People = append(out.People, Person{Name: p.name, Role: p.role, Token: link.Token})
		if p.role == control.RoleFacilitator {
			if _, err := svc.AcceptAgreement(ctx, control.PersonPrincipal(person.ID), g.Agreement.Version); err != nil {
				return Seeded{}, fmt.Errorf("demo: %w", err)
			}
		}
	}
	meetings, err := svc.PlanProgramme(ctx, admin, g.ID, now.Add(10*time.Minute).Truncate(time.Minute))
	if err != nil {
		return Seeded{}, fmt.Errorf("demo: plan the programme: %w", err)
	}
	if len(meetings) > 0 {
		first := meetings[0].ID
		if _, err := svc.OpenMeeting(ctx, admin, first); err != nil {
			return Seeded{}, fmt.Errorf("demo: open the first meeting: %w", err)
		}
		links, err := svc.Links(ctx, admin, g.ID)
		if err != nil {
			return Seeded{}, fmt.Errorf("demo: %w", err)
		}
		answered := 0
		for _, l := range links {
			if l.Person.Role == control.RoleMember && answered < 2 {
				if _, err := svc.SetRSVP(ctx, admin, first, l.Person.ID, control.Coming); err != nil {
					return Seeded{}, fmt.Errorf("demo: RSVP: %w", err)
				}
				answered++
			}
		}
	}
	return out, nil
}

// existing lists the demo group's people and links.
func existing(ctx context.Context, svc *control.Service, groupID string) (Seeded, error) {
	links, err := svc.Links(ctx, control.AdminPrincipal(), groupID)
	if err != nil {
		return Seeded{}, fmt.Errorf("demo: %w", err)
	}
	out := Seeded{GroupID: groupID}
	for _, l := range links {
		p := Person{Name: l.Person.Name, Role: l.Person.Role, Token: l.Link.Token}
		if p.Role == control.RoleFacilitator {
			out.People = append([]Person{p}, out.People...)
		} else {
			out.People = append(out.People, p)
		}
	}
	return out, nil
}
