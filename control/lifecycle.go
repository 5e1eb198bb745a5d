package control

import "context"

// OpenMeeting opens a planned meeting's room, so people can join from
// their links. The facilitator, the meeting's chair, or an admin. A group
// has at most one open or running meeting at a time (ErrConflict). An
// open time poll is withdrawn.
func (s *Service) OpenMeeting(ctx context.Context, p Principal, meetingID string) (Meeting, error) {
	return s.step(ctx, p, meetingID, func(tx Tx, m *Meeting, _ Group) error {
		if m.State != StatePlanned {
			return wrapf(ErrTransition, "only a planned meeting can open; this one is %s", m.State)
		}
		others, err := tx.Meetings(m.GroupID)
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.ID != m.ID && o.State.RoomOpen() {
				return wrapf(ErrConflict, "meeting %s of the group is %s; end it first", o.ID, o.State)
			}
		}
		m.State, m.Opened = StateOpen, s.now()
		if m.Poll.Open() {
			m.Poll.Closed, m.Poll.Picked = s.now(), -1
		}
		return nil
	})
}

// StartMeeting moves an open meeting to running. The facilitator, the
// meeting's chair, or an admin.
func (s *Service) StartMeeting(ctx context.Context, p Principal, meetingID string) (Meeting, error) {
	return s.step(ctx, p, meetingID, func(tx Tx, m *Meeting, g Group) error {
		return s.startTx(tx, m, g) // live.go: and into its first phase
	})
}

// EndMeeting ends an open or running meeting: everyone still present is
// taken to leave now, and the held decision is made and kept in Result.
// The facilitator, the meeting's chair, or an admin.
func (s *Service) EndMeeting(ctx context.Context, p Principal, meetingID string) (Meeting, error) {
	return s.step(ctx, p, meetingID, func(tx Tx, m *Meeting, g Group) error {
		return s.finishTx(tx, m, g, s.now(), false) // live.go
	})
}

// step runs a lifecycle step on a meeting that p may run.
func (s *Service) step(ctx context.Context, p Principal, meetingID string, fn func(Tx, *Meeting, Group) error) (Meeting, error) {
	if err := s.settle(ctx, meetingID); err != nil {
		return Meeting{}, err
	}
	var m Meeting
	var ch changes
	err := s.update(ctx, func(tx Tx) error {
		var g Group
		var a actor
		var err error
		if m, g, a, err = loadMeeting(tx, p, meetingID); err != nil {
			return err
		}
		if !a.canRun(m) {
			return ErrNotFacilitator
		}
		if err := fn(tx, &m, g); err != nil {
			return err
		}
		return s.putLive(tx, &m, &ch)
	})
	s.tell(err, &ch)
	return m, err
}
