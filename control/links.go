package control

import (
	"context"
	"crypto/subtle"
	"slices"
)

// Tokens are secrets: they are never logged, stored next to their
// SHA-256 hash index, and compared in constant time. A lookup goes by the
// hash of the presented token, so no code path compares a stored token
// with a presented one byte by byte.

// Authenticate resolves a presented token to a principal: the admin (the
// configured admin token, else the stored admin link), or the person
// whose personal link it is. An unknown, revoked or malformed token, or
// the link of a person who has left, is ErrUnauthenticated. The API rate
// limits failures per address; this does not log.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if !plausibleToken(token) {
		return Principal{}, ErrUnauthenticated
	}
	h := HashToken(token)
	if s.adminToken != "" && subtle.ConstantTimeCompare(h[:], s.adminHash[:]) == 1 {
		return AdminPrincipal(), nil
	}
	var out Principal
	err := s.view(ctx, func(tx Tx) error {
		if s.adminToken == "" {
			if al, err := tx.AdminLink(); err == nil {
				ah := al.Hash()
				if subtle.ConstantTimeCompare(h[:], ah[:]) == 1 {
					out = AdminPrincipal()
					return nil
				}
			} else if !isNotFound(err) {
				return err
			}
		}
		l, err := tx.LinkByHash(h)
		if err != nil {
			if isNotFound(err) {
				return ErrUnauthenticated
			}
			return err
		}
		lh := l.Hash()
		if subtle.ConstantTimeCompare(h[:], lh[:]) != 1 {
			return ErrUnauthenticated
		}
		person, err := tx.Person(l.PersonID)
		if err != nil || !person.Active() {
			return ErrUnauthenticated
		}
		out = PersonPrincipal(person.ID)
		return nil
	})
	return out, err
}

// EnsureAdminToken returns the admin token: the configured one (created
// false), else the stored one, else a new one stored now (created true:
// print it at first start).
func (s *Service) EnsureAdminToken(ctx context.Context) (token string, created bool, err error) {
	if s.adminToken != "" {
		return s.adminToken, false, nil
	}
	err = s.update(ctx, func(tx Tx) error {
		l, err := tx.AdminLink()
		if err == nil {
			token = l.Token
			return nil
		}
		if !isNotFound(err) {
			return err
		}
		l = Link{Token: s.ids.NewToken(), Issued: s.now()}
		token, created = l.Token, true
		return tx.PutAdminLink(l)
	})
	return token, created, err
}

// ReissueAdminToken replaces the stored admin token; the old one stops
// working. Admin only. With a configured admin token it is ErrConflict:
// change the config instead.
func (s *Service) ReissueAdminToken(ctx context.Context, p Principal) (string, error) {
	if err := requireAdmin(p); err != nil {
		return "", err
	}
	if s.adminToken != "" {
		return "", wrapf(ErrConflict, "the admin token comes from the config")
	}
	l := Link{Token: s.ids.NewToken(), Issued: s.now()}
	err := s.update(ctx, func(tx Tx) error { return tx.PutAdminLink(l) })
	return l.Token, err
}

// PersonLink is a person with their link, for the facilitator's list and
// invitation sheet. Link is zero when it was revoked and not reissued.
type PersonLink struct {
	Person Person `json:"person"`
	Link   Link   `json:"link"`
}

// Link returns a person's current link. The person themself, a
// facilitator or an admin. ErrNotFound when it was revoked.
func (s *Service) Link(ctx context.Context, p Principal, personID string) (Link, error) {
	var l Link
	err := s.view(ctx, func(tx Tx) error {
		if _, _, err := loadPerson(tx, p, personID, false); err != nil {
			return err
		}
		var err error
		l, err = tx.Link(personID)
		return err
	})
	return l, err
}

// Links lists the active people of a group with their links, in the
// order of GroupView.People. Facilitator or admin.
func (s *Service) Links(ctx context.Context, p Principal, groupID string) ([]PersonLink, error) {
	var out []PersonLink
	err := s.view(ctx, func(tx Tx) error {
		g, a, err := loadGroup(tx, p, groupID)
		if err != nil {
			return err
		}
		if !a.isFacilitator() {
			return ErrNotFacilitator
		}
		people, err := tx.People(g.ID)
		if err != nil {
			return err
		}
		for _, person := range visiblePeople(people, a) {
			l, err := tx.Link(person.ID)
			if err != nil && !isNotFound(err) {
				return err
			}
			out = append(out, PersonLink{Person: person, Link: l})
		}
		return nil
	})
	return slices.Clip(out), err
}

// ReissueLink gives a person a new link; the old one stops working. The
// person themself, a facilitator or an admin.
func (s *Service) ReissueLink(ctx context.Context, p Principal, personID string) (Link, error) {
	var l Link
	err := s.update(ctx, func(tx Tx) error {
		if _, _, err := loadPerson(tx, p, personID, false); err != nil {
			return err
		}
		l = Link{PersonID: personID, Token: s.ids.NewToken(), Issued: s.now()}
		return tx.PutLink(l)
	})
	return l, err
}

// RevokeLink makes a person's link stop working, without a new one. The
// person themself, a facilitator or an admin.
func (s *Service) RevokeLink(ctx context.Context, p Principal, personID string) error {
	return s.update(ctx, func(tx Tx) error {
		if _, _, err := loadPerson(tx, p, personID, false); err != nil {
			return err
		}
		return tx.DeleteLink(personID)
	})
}
