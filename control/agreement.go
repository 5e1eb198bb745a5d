package control

import "context"

// SetAgreement changes the group's agreement text. Facilitator or admin.
// A changed text is a new version: everyone must accept it again before
// their next meeting.
func (s *Service) SetAgreement(ctx context.Context, p Principal, groupID, text string) (Group, error) {
	var g Group
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if g, err = loadFacilitated(tx, p, groupID); err != nil {
			return err
		}
		if text, err = cleanText("text", text, maxLongTextLen, true, true); err != nil {
			return err
		}
		if text == g.Agreement.Text {
			return nil
		}
		now := s.now()
		g.Agreement = Agreement{Text: text, Version: g.Agreement.Version + 1, Changed: now}
		g.Updated = now
		return tx.PutGroup(g)
	})
	return g, err
}

// AcceptAgreement records that the acting person accepted version of
// their group's agreement: the version they were shown, which must be the
// current one (ErrAgreementChanged otherwise, so nobody accepts a text
// they did not see). Accepting a version again keeps the first time.
func (s *Service) AcceptAgreement(ctx context.Context, p Principal, version int) (Person, error) {
	var person Person
	err := s.update(ctx, func(tx Tx) error {
		if p.IsZero() {
			return ErrUnauthenticated
		}
		if p.IsAdmin() {
			return wrapf(ErrForbidden, "an admin has no agreement to accept")
		}
		var err error
		if person, err = tx.Person(p.PersonID()); err != nil || !person.Active() {
			return ErrUnauthenticated
		}
		g, err := tx.Group(person.GroupID)
		if err != nil {
			return err
		}
		if version != g.Agreement.Version {
			return wrapf(ErrAgreementChanged, "version %d was accepted but the current one is %d", version, g.Agreement.Version)
		}
		if person.HasAccepted(version) {
			return nil
		}
		person.Accepted = append(person.Accepted, Acceptance{Version: version, Accepted: s.now()})
		return tx.PutPerson(person)
	})
	return person, err
}
