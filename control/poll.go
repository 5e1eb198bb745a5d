package control

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Time polls: when quorum is in doubt the facilitator proposes 2–4
// alternative times for a planned meeting, the group's people mark which
// suit them, and the facilitator picks one: the meeting moves there
// (MoveMeeting's rules: Sequence rises, RSVPs become "for the old time").
// One poll per meeting at a time; a new one may be proposed once the last
// is closed.

const (
	minPollOptions = 2
	maxPollOptions = 4
)

// ProposeTimes opens a time poll for a planned meeting. Facilitator or
// admin. The times must be distinct and in the future.
func (s *Service) ProposeTimes(ctx context.Context, p Principal, meetingID string, starts []time.Time) (Meeting, error) {
	var m Meeting
	err := s.update(ctx, func(tx Tx) error {
		var a actor
		var err error
		if m, _, a, err = loadMeeting(tx, p, meetingID); err != nil {
			return err
		}
		if !a.isFacilitator() {
			return ErrNotFacilitator
		}
		if m.State != StatePlanned {
			return wrapf(ErrTransition, "only a planned meeting's time can be polled; this one is %s", m.State)
		}
		if m.Poll.Open() {
			return wrapf(ErrConflict, "the meeting already has an open time poll")
		}
		if len(starts) < minPollOptions || len(starts) > maxPollOptions {
			return invalid("starts", "must be %d–%d times", minPollOptions, maxPollOptions)
		}
		poll := &TimePoll{Proposed: s.now(), Picked: -1}
		for i, t := range starts {
			field := fmt.Sprintf("starts[%d]", i)
			if err := s.checkStart(field, t); err != nil {
				return err
			}
			t = norm(t)
			if slices.ContainsFunc(poll.Options, func(o PollOption) bool { return o.Start.Equal(t) }) {
				return invalid(field, "is given twice")
			}
			poll.Options = append(poll.Options, PollOption{Start: t})
		}
		m.Poll = poll
		return tx.PutMeeting(m)
	})
	return m, err
}

// MarkTimes records which of the poll's options (by index) suit the
// acting person, replacing their earlier marks; none is a valid answer.
// Any person of the group.
func (s *Service) MarkTimes(ctx context.Context, p Principal, meetingID string, suits []int) (Meeting, error) {
	var m Meeting
	err := s.update(ctx, func(tx Tx) error {
		var a actor
		var err error
		if m, _, a, err = loadMeeting(tx, p, meetingID); err != nil {
			return err
		}
		if a.admin {
			return wrapf(ErrForbidden, "an admin has no times to mark")
		}
		if !m.Poll.Open() {
			return ErrPollClosed
		}
		want := map[int]bool{}
		for i, k := range suits {
			if k < 0 || k >= len(m.Poll.Options) {
				return invalid(fmt.Sprintf("suits[%d]", i), "no option %d (there are %d)", k, len(m.Poll.Options))
			}
			want[k] = true
		}
		for k := range m.Poll.Options {
			o := &m.Poll.Options[k]
			o.Suits = slices.DeleteFunc(o.Suits, func(id string) bool { return id == a.id() })
			if want[k] {
				o.Suits = append(o.Suits, a.id())
				slices.Sort(o.Suits)
			}
		}
		return tx.PutMeeting(m)
	})
	return m, err
}

// PickTime closes the poll with option (an index) chosen and moves the
// meeting to it. Facilitator or admin.
func (s *Service) PickTime(ctx context.Context, p Principal, meetingID string, option int) (Meeting, error) {
	return s.closePoll(ctx, p, meetingID, option)
}

// WithdrawPoll closes the poll without moving the meeting. Facilitator or
// admin.
func (s *Service) WithdrawPoll(ctx context.Context, p Principal, meetingID string) (Meeting, error) {
	return s.closePoll(ctx, p, meetingID, -1)
}

func (s *Service) closePoll(ctx context.Context, p Principal, meetingID string, option int) (Meeting, error) {
	var m Meeting
	err := s.update(ctx, func(tx Tx) error {
		var a actor
		var err error
		if m, _, a, err = loadMeeting(tx, p, meetingID); err != nil {
			return err
		}
		if !a.isFacilitator() {
			return ErrNotFacilitator
		}
		if !m.Poll.Open() {
			return ErrPollClosed
		}
		if option >= 0 {
			if option >= len(m.Poll.Options) {
				return invalid("option", "no option %d (there are %d)", option, len(m.Poll.Options))
			}
			start := m.Poll.Options[option].Start
			if start.Before(s.now()) {
				return invalid("option", "that time has passed")
			}
			if err := s.move(&m, a, start, ""); err != nil {
				return err
			}
		}
		m.Poll.Closed, m.Poll.Picked = s.now(), option
		return tx.PutMeeting(m)
	})
	return m, err
}
