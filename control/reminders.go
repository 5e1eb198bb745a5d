package control

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Day-before reminders. A meeting's reminder falls due ReminderLead before
// its start and stays due until the start, for each person of the group
// with an e-mail address who has not been reminded of that start. The
// sender (package notify) asks for DueReminders on a timer and, once the
// relay accepted a message, calls MarkReminded, which is stored in the
// meeting record: a restart neither repeats a reminder nor skips one. A
// meeting that moves is reminded anew for its new start.
//
// These are the server's own seams, like the attendance ones: no person
// acts, so they take no Principal, and the API does not expose them.

// ReminderLead is how long before a meeting's start its reminder is due.
const ReminderLead = 24 * time.Hour

// ReminderNotice is one person's reminder of a meeting, with their RSVP
// and the meeting's quorum forecast (in Meeting.Forecast).
type ReminderNotice struct {
	To      Recipient
	Group   GroupInfo
	Meeting MeetingView
	// Answer is the person's RSVP for the meeting's current start, ""
	// when they have not answered; Stale when their answer was for an
	// earlier start (the meeting has moved since).
	Answer Answer
	Stale  bool
}

// reminderDue reports whether m's reminder window is open at now.
func reminderDue(m Meeting, now time.Time) bool {
	if m.State != StatePlanned && m.State != StateOpen {
		return false
	}
	return now.Before(m.Start) && !now.Before(m.Start.Add(-ReminderLead))
}

// DueReminders lists the reminders due at now and not yet sent, by group,
// meeting and person ID.
func (s *Service) DueReminders(ctx context.Context, now time.Time) ([]ReminderNotice, error) {
	now = norm(now)
	var out []ReminderNotice
	err := s.view(ctx, func(tx Tx) error {
		groups, err := tx.Groups()
		if err != nil {
			return err
		}
		slices.SortFunc(groups, func(a, b Group) int { return strings.Compare(a.ID, b.ID) })
		for _, g := range groups {
			ns, err := s.dueInGroup(tx, g, now)
			if err != nil {
				return err
			}
			out = append(out, ns...)
		}
		return nil
	})
	return out, err
}

func (s *Service) dueInGroup(tx Tx, g Group, now time.Time) ([]ReminderNotice, error) {
	meetings, err := tx.Meetings(g.ID)
	if err != nil {
		return nil, err
	}
	var due []Meeting
	for _, m := range meetings {
		if reminderDue(m, now) {
			due = append(due, m)
		}
	}
	if len(due) == 0 {
		return nil, nil
	}
	sortMeetings(due)
	to, err := recipients(tx, g.ID)
	if err != nil {
		return nil, err
	}
	var out []ReminderNotice
	for _, m := range due {
		mv, err := s.meetingView(tx, g, m.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range to {
			if at, ok := m.Reminded[r.PersonID]; ok && at.Equal(m.Start) {
				continue
			}
			n := ReminderNotice{To: r, Group: groupInfo(g), Meeting: mv}
			if rsvp, ok := m.RSVPs[r.PersonID]; ok {
				if rsvp.ForStart.Equal(m.Start) {
					n.Answer = rsvp.Answer
				} else {
					n.Stale = true
				}
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// MarkReminded records that the person was reminded of the meeting
// starting at forStart (the Start of the notice's meeting). Marking twice
// is harmless.
func (s *Service) MarkReminded(ctx context.Context, meetingID, personID string, forStart time.Time) error {
	if meetingID == "" || personID == "" || forStart.IsZero() {
		return invalid("reminder", "needs a meeting, a person and a start")
	}
	return s.update(ctx, func(tx Tx) error {
		m, err := tx.Meeting(meetingID)
		if err != nil {
			return err
		}
		if at, ok := m.Reminded[personID]; ok && at.Equal(norm(forStart)) {
			return nil
		}
		if m.Reminded == nil {
			m.Reminded = map[string]time.Time{}
		}
		m.Reminded[personID] = norm(forStart)
		return tx.PutMeeting(m)
	})
}
