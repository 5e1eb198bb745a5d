package control

// Principal is who is acting: an admin, or a person resolved from their
// personal link. The zero Principal is nobody, and every operation refuses
// it with ErrUnauthenticated. Make one with Authenticate (from a token),
// or AdminPrincipal / PersonPrincipal when the caller has already
// established who it is (the CLI on the server's own store, signalling
// for a participant admitted through Admit).
//
// A Principal names who acts, not what they may do: each operation looks
// up the person's current role inside its own transaction, so a role
// changed or a person removed since authentication takes effect at once.
type Principal struct {
	admin    bool
	personID string
}

// AdminPrincipal is the admin.
func AdminPrincipal() Principal { return Principal{admin: true} }

// PersonPrincipal is the person with the given ID.
func PersonPrincipal(personID string) Principal { return Principal{personID: personID} }

// IsAdmin reports whether the principal is the admin.
func (p Principal) IsAdmin() bool { return p.admin }

// PersonID is the acting person's ID, "" for the admin and for nobody.
func (p Principal) PersonID() string { return p.personID }

// IsZero reports whether the principal is nobody.
func (p Principal) IsZero() bool { return !p.admin && p.personID == "" }

// actor is a principal checked against a group inside a transaction.
type actor struct {
	admin  bool
	person Person // zero for the admin
}

func (a actor) id() string { return a.person.ID }

// isFacilitator: an admin, or an active facilitator of the group.
func (a actor) isFacilitator() bool {
	return a.admin || a.person.Active() && a.person.Role == RoleFacilitator
}

// canRun: may run meeting m (open, start, end; the next issue's phases):
// a facilitator, or the member m was handed to.
func (a actor) canRun(m Meeting) bool {
	return a.isFacilitator() || m.Chair != "" && a.person.ID == m.Chair && a.person.Active()
}

// canStudy: may study meeting m's recordings and turn index: those who
// run it, and the people of the group a facilitator granted research.
func (a actor) canStudy(m Meeting) bool {
	return a.canRun(m) || a.person.Active() && a.person.Research
}

// resolveActor checks that p may look at groupID at all (an admin, or an
// active person of that group) and returns it with the person's record.
func resolveActor(tx Tx, p Principal, groupID string) (actor, error) {
	if p.IsZero() {
		return actor{}, ErrUnauthenticated
	}
	if p.admin {
		return actor{admin: true}, nil
	}
	person, err := tx.Person(p.personID)
	if err != nil {
		if isNotFound(err) {
			return actor{}, ErrUnauthenticated
		}
		return actor{}, err
	}
	if !person.Active() {
		return actor{}, wrapf(ErrUnauthenticated, "person has left the group")
	}
	if person.GroupID != groupID {
		return actor{}, wrapf(ErrForbidden, "not a person of this group")
	}
	return actor{person: person}, nil
}

// loadFacilitated reads a group that p must facilitate (or be admin).
func loadFacilitated(tx Tx, p Principal, groupID string) (Group, error) {
	g, a, err := loadGroup(tx, p, groupID)
	if err != nil {
		return g, err
	}
	if !a.isFacilitator() {
		return g, ErrNotFacilitator
	}
	return g, nil
}

func requireAdmin(p Principal) error {
	switch {
	case p.IsZero():
		return ErrUnauthenticated
	case !p.admin:
		return ErrNotAdmin
	}
	return nil
}
