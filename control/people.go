package control

import (
	"context"
)

// Caps on the people around the members, so no input grows a group
// without bound.
const (
	maxFacilitators = 5
	maxObservers    = 10
)

// PersonInput is what adding a person takes.
type PersonInput struct {
	Name         string // display name, required
	Organisation string // employer, optional; reports are cut by it
	Email        string // optional
	Language     Language
	Role         Role // required
}

// PersonPatch changes a person's details; nil fields stay. The role is
// changed with SetRole, never here.
type PersonPatch struct {
	Name         *string
	Organisation *string
	Email        *string
	Language     *Language
}

// AddPerson adds a person to a group and issues their personal link.
// Facilitator or admin. A member beyond the group's maximum is
// ErrGroupFull (checked in the same transaction as the add).
func (s *Service) AddPerson(ctx context.Context, p Principal, groupID string, in PersonInput) (Person, Link, error) {
	var person Person
	var link Link
	err := s.update(ctx, func(tx Tx) error {
		g, err := loadFacilitated(tx, p, groupID)
		if err != nil {
			return err
		}
		if !in.Role.valid() {
			return invalid("role", "must be facilitator, member or observer")
		}
		if in.Language == "" {
			in.Language = g.Language
		}
		person = Person{ID: s.ids.NewID(), GroupID: g.ID, Role: in.Role, Language: in.Language, Added: s.now()}
		if err := applyPersonPatch(&person, PersonPatch{Name: &in.Name, Organisation: &in.Organisation, Email: &in.Email, Language: &in.Language}); err != nil {
			return err
		}
		people, err := tx.People(g.ID)
		if err != nil {
			return err
		}
		if err := checkRoom(g, people, in.Role); err != nil {
			return err
		}
		if err := tx.PutPerson(person); err != nil {
			return err
		}
		link = Link{PersonID: person.ID, Token: s.ids.NewToken(), Issued: s.now()}
		return tx.PutLink(link)
	})
	s.notifyInvite(ctx, err, person.ID, false)
	return person, link, err
}

// checkRoom: may one more person with role r join the group?
func checkRoom(g Group, people []Person, r Role) error {
	n := countRole(people, r)
	switch r {
	case RoleMember:
		if n >= g.MaxMembers {
			return wrapf(ErrGroupFull, "the group has its maximum of %d members", g.MaxMembers)
		}
	case RoleFacilitator:
		if n >= maxFacilitators {
			return wrapf(ErrGroupFull, "the group has its maximum of %d facilitators", maxFacilitators)
		}
	case RoleObserver:
		if n >= maxObservers {
			return wrapf(ErrGroupFull, "the group has its maximum of %d observers", maxObservers)
		}
	}
	return nil
}

func applyPersonPatch(person *Person, patch PersonPatch) error {
	var err error
	if patch.Name != nil {
		if person.Name, err = cleanText("name", *patch.Name, maxTextLen, true, false); err != nil {
			return err
		}
	}
	if patch.Organisation != nil {
		if person.Organisation, err = cleanText("organisation", *patch.Organisation, maxTextLen, false, false); err != nil {
			return err
		}
	}
	if patch.Email != nil {
		if person.Email, err = cleanEmail(*patch.Email); err != nil {
			return err
		}
	}
	if patch.Language != nil {
		if err := checkLanguage("language", *patch.Language); err != nil {
			return err
		}
		person.Language = *patch.Language
	}
	return nil
}

// loadPerson reads an active person of a group and the actor, who must be
// the person themself or (when facilitatorOnly or it is someone else) a
// facilitator or admin.
func loadPerson(tx Tx, p Principal, personID string, facilitatorOnly bool) (Person, actor, error) {
	if p.IsZero() {
		return Person{}, actor{}, ErrUnauthenticated
	}
	person, err := tx.Person(personID)
	if err != nil {
		return person, actor{}, err
	}
	a, err := resolveActor(tx, p, person.GroupID)
	if err != nil {
		return person, a, err
	}
	if !person.Active() {
		return person, a, wrapf(ErrNotFound, "person %s has left the group", personID)
	}
	if (facilitatorOnly || a.id() != person.ID) && !a.isFacilitator() {
		return person, a, ErrNotFacilitator
	}
	return person, a, nil
}

// UpdatePerson changes a person's details. The person themself, a
// facilitator or an admin.
func (s *Service) UpdatePerson(ctx context.Context, p Principal, personID string, patch PersonPatch) (Person, error) {
	var person Person
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if person, _, err = loadPerson(tx, p, personID, false); err != nil {
			return err
		}
		if err := applyPersonPatch(&person, patch); err != nil {
			return err
		}
		return tx.PutPerson(person)
	})
	return person, err
}

// SetRole changes a person's role. Facilitator or admin. Becoming a member
// needs room (ErrGroupFull); the last facilitator cannot stop being one
// (ErrLastFacilitator: hand over first).
func (s *Service) SetRole(ctx context.Context, p Principal, personID string, role Role) (Person, error) {
	var person Person
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if person, _, err = loadPerson(tx, p, personID, true); err != nil {
			return err
		}
		if !role.valid() {
			return invalid("role", "must be facilitator, member or observer")
		}
		if role == person.Role {
			return nil
		}
		return setRoleTx(tx, &person, role)
	})
	return person, err
}

// GrantResearch grants (or takes back) a person of the group the study of
// its meetings: listing, playing and downloading their recordings and
// reading their turn index, as the facilitator does. It is for programme
// staff who study the meetings (an observer, typically) and changes
// nothing else about the person. Facilitator or admin.
func (s *Service) GrantResearch(ctx context.Context, p Principal, personID string, granted bool) (Person, error) {
	var person Person
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if person, _, err = loadPerson(tx, p, personID, true); err != nil {
			return err
		}
		if person.Research == granted {
			return nil
		}
		person.Research = granted
		return tx.PutPerson(person)
	})
	return person, err
}

// setRoleTx moves person to role, checking room and the last facilitator.
func setRoleTx(tx Tx, person *Person, role Role) error {
	g, err := tx.Group(person.GroupID)
	if err != nil {
		return err
	}
	people, err := tx.People(person.GroupID)
	if err != nil {
		return err
	}
	if person.Role == RoleFacilitator && countRole(people, RoleFacilitator) <= 1 {
		return ErrLastFacilitator
	}
	if err := checkRoom(g, people, role); err != nil {
		return err
	}
	person.Role = role
	return tx.PutPerson(*person)
}

// RemovePerson takes a person out of the group: a facilitator or an admin
// removes someone, or a person leaves themself. Their link stops working
// at once; their attendance stays for the reports. The last facilitator
// cannot leave (ErrLastFacilitator), except when an admin removes them.
func (s *Service) RemovePerson(ctx context.Context, p Principal, personID string) error {
	return s.update(ctx, func(tx Tx) error {
		person, a, err := loadPerson(tx, p, personID, false)
		if err != nil {
			return err
		}
		return s.removeTx(tx, person, a.admin)
	})
}

func (s *Service) removeTx(tx Tx, person Person, byAdmin bool) error {
	if person.Role == RoleFacilitator && !byAdmin {
		people, err := tx.People(person.GroupID)
		if err != nil {
			return err
		}
		if countRole(people, RoleFacilitator) <= 1 {
			return ErrLastFacilitator
		}
	}
	meetings, err := tx.Meetings(person.GroupID)
	if err != nil {
		return err
	}
	for _, m := range meetings {
		if m.Chair == person.ID && (m.State == StatePlanned || m.State.RoomOpen()) {
			m.Chair = ""
			if err := tx.PutMeeting(m); err != nil {
				return err
			}
		}
	}
	person.Removed = s.now()
	if err := tx.PutPerson(person); err != nil {
		return err
	}
	return tx.DeleteLink(person.ID)
}
