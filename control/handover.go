package control

import (
	"context"
	"errors"
)

// Handing over. Groups are meant to grow independent: the facilitator can
// give the facilitator role for one meeting to a member (a rotating
// chair, who may then open, start, end and run that meeting), or give the
// role permanently and step back or leave; the group goes on.

// HandOverMeeting makes the member toPersonID the chair of one planned,
// open or running meeting; "" takes the role back. Facilitator or admin.
func (s *Service) HandOverMeeting(ctx context.Context, p Principal, meetingID, toPersonID string) (Meeting, error) {
	var m Meeting
	var ch changes
	err := s.update(ctx, func(tx Tx) error {
		var a actor
		var err error
		if m, _, a, err = loadMeeting(tx, p, meetingID); err != nil {
			return err
		}
		if !a.isFacilitator() {
			return ErrNotFacilitator
		}
		if m.State != StatePlanned && !m.State.RoomOpen() {
			return wrapf(ErrTransition, "the meeting is %s", m.State)
		}
		if toPersonID != "" {
			to, err := groupPerson(tx, m.GroupID, "to", toPersonID)
			if err != nil {
				return err
			}
			if to.Role != RoleMember {
				return invalid("to", "must be a member (a facilitator already runs meetings; observers do not)")
			}
		}
		m.Chair = toPersonID
		return s.putLive(tx, &m, &ch)
	})
	s.tell(err, &ch)
	return m, err
}

// HandOverGroup makes the member toPersonID a facilitator of the group in
// place of the acting facilitator, who becomes a member (leave false) or
// leaves the group (leave true). Only a facilitator (a person) hands over
// their own role; an admin uses SetRole.
func (s *Service) HandOverGroup(ctx context.Context, p Principal, groupID, toPersonID string, leave bool) error {
	return s.update(ctx, func(tx Tx) error {
		_, a, err := loadGroup(tx, p, groupID)
		if err != nil {
			return err
		}
		if a.admin {
			return wrapf(ErrForbidden, "an admin has no role to hand over; use SetRole")
		}
		if !a.isFacilitator() {
			return ErrNotFacilitator
		}
		to, err := groupPerson(tx, groupID, "to", toPersonID)
		if err != nil {
			return err
		}
		if to.Role != RoleMember {
			return invalid("to", "must be a member")
		}
		// The new facilitator first, so the group is never without one.
		if err := setRoleTx(tx, &to, RoleFacilitator); err != nil {
			return err
		}
		me := a.person
		if leave {
			return s.removeTx(tx, me, false)
		}
		return setRoleTx(tx, &me, RoleMember)
	})
}

// groupPerson reads the active person id of groupID that a request's
// field names. No such person, someone of another group and someone who
// left are one answer, a problem with the field (the same words for all,
// so it tells nothing of other groups).
func groupPerson(tx Tx, groupID, field, id string) (Person, error) {
	p, err := tx.Person(id)
	switch {
	case errors.Is(err, ErrNotFound), err == nil && (p.GroupID != groupID || !p.Active()):
		return Person{}, invalid(field, "no person %q in this group", id)
	case err != nil:
		return Person{}, err
	}
	return p, nil
}
