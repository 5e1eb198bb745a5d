package control

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Notifier hears of committed changes that people should be told of by
// e-mail: a person added or given a new link (an invitation with the
// link), a meeting moved or cancelled. It is defined here, on the consumer
// side; package notify implements it over SMTP.
//
// The service calls it after the change's transaction committed, never
// inside it, and an operation never fails or waits because of it:
// implementations queue the message and return at once. The context
// carries the request's values but not its cancellation, so a caller
// hanging up after the commit does not lose the mail. Each notice carries
// everything its message needs, so a Notifier never reads the store.
type Notifier interface {
	Invite(ctx context.Context, n InviteNotice)
	MeetingMoved(ctx context.Context, n MeetingNotice)
	MeetingCancelled(ctx context.Context, n MeetingNotice)
}

// Recipient is the person a notice is for. Only people still in the group
// and with an e-mail address get notices.
type Recipient struct {
	PersonID string
	Name     string // display name
	Email    string
	Language Language
	Role     Role
	// Token is the person's personal link token, "" when it was revoked
	// and not reissued. It is a secret: put it in the message, never in
	// a log.
	Token string
}

// LogValue keeps the address and the token out of logs even if a
// Recipient is logged whole.
func (r Recipient) LogValue() slog.Value { return slog.StringValue(r.PersonID) }

// GroupInfo is what a message says about the group.
type GroupInfo struct {
	ID           string
	Name         string
	Organisation string // the organiser, may be ""
}

// InviteNotice is an invitation: a person was added to a group, or got a
// new personal link (Reissued) that replaces the old one.
type InviteNotice struct {
	To       Recipient
	Group    GroupInfo
	Reissued bool
	// Next is the group's next meeting (planned, open or running), nil
	// when none is planned yet.
	Next *MeetingView
}

// MeetingNotice tells of a meeting that moved (OldStart and OldTimeZone
// are where it was) or was cancelled (its state is cancelled). Meeting
// carries the raised calendar Sequence.
type MeetingNotice struct {
	To          Recipient
	Group       GroupInfo
	Meeting     MeetingView
	OldStart    time.Time
	OldTimeZone string
}

func groupInfo(g Group) GroupInfo {
	return GroupInfo{ID: g.ID, Name: g.Name, Organisation: g.Organisation}
}

// recipient is person as a notice's recipient, or false when they get no
// mail (left the group, or no address).
func recipient(tx Tx, person Person) (Recipient, bool, error) {
	if !person.Active() || person.Email == "" {
		return Recipient{}, false, nil
	}
	r := Recipient{PersonID: person.ID, Name: person.Name, Email: person.Email, Language: person.Language, Role: person.Role}
	l, err := tx.Link(person.ID)
	switch {
	case err == nil:
		r.Token = l.Token
	case !isNotFound(err):
		return r, false, err
	}
	return r, true, nil
}

// recipients are the group's people who get mail, in a stable order.
func recipients(tx Tx, groupID string) ([]Recipient, error) {
	people, err := tx.People(groupID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(people, func(a, b Person) int { return strings.Compare(a.ID, b.ID) })
	var out []Recipient
	for _, person := range people {
		r, ok, err := recipient(tx, person)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// afterCommit reads, in a transaction of its own, what a notice needs. It
// runs after the change committed, so the request's cancellation no
// longer applies; a failure is logged, never returned: the change stands.
func (s *Service) afterCommit(kind string, fn func(Tx) error) {
	if err := s.st.View(fn); err != nil {
		s.log.Warn("notice not sent: its data could not be read", "kind", kind, "error", err)
	}
}

// notifyInvite sends an invitation to a person just added (or given a
// new link), if the operation succeeded.
func (s *Service) notifyInvite(ctx context.Context, err error, personID string, reissued bool) {
	if s.notifier == nil || err != nil {
		return
	}
	var n InviteNotice
	var ok bool
	s.afterCommit("invitation", func(tx Tx) error {
		person, err := tx.Person(personID)
		if err != nil {
			return err
		}
		if n.To, ok, err = recipient(tx, person); err != nil || !ok {
			return err
		}
		g, err := tx.Group(person.GroupID)
		if err != nil {
			return err
		}
		pv, err := s.programme(tx, g)
		if err != nil {
			return err
		}
		n.Group, n.Reissued = groupInfo(g), reissued
		if pv.Next != nil {
			next := *pv.Next
			n.Next = &next
		}
		return nil
	})
	if ok {
		s.notifier.Invite(context.WithoutCancel(ctx), n)
	}
}

// notifyMoved tells the group that a meeting moved, if the operation
// succeeded and really moved it (was is the meeting before).
func (s *Service) notifyMoved(ctx context.Context, err error, was, m Meeting) {
	if s.notifier == nil || err != nil || was.Start.Equal(m.Start) && was.TimeZone == m.TimeZone {
		return
	}
	for _, n := range s.meetingNotices("moved", m) {
		n.OldStart, n.OldTimeZone = was.Start, was.TimeZone
		s.notifier.MeetingMoved(context.WithoutCancel(ctx), n)
	}
}

// notifyCancelled tells the group that a meeting was cancelled, if the
// operation succeeded.
func (s *Service) notifyCancelled(ctx context.Context, err error, m Meeting) {
	if s.notifier == nil || err != nil {
		return
	}
	for _, n := range s.meetingNotices("cancelled", m) {
		s.notifier.MeetingCancelled(context.WithoutCancel(ctx), n)
	}
}

// meetingNotices are one notice per recipient about meeting m, as the
// group sees it now.
func (s *Service) meetingNotices(kind string, m Meeting) []MeetingNotice {
	var out []MeetingNotice
	s.afterCommit(kind, func(tx Tx) error {
		g, err := tx.Group(m.GroupID)
		if err != nil {
			return err
		}
		mv, err := s.meetingView(tx, g, m.ID)
		if err != nil {
			return err
		}
		to, err := recipients(tx, g.ID)
		if err != nil {
			return err
		}
		for _, r := range to {
			out = append(out, MeetingNotice{To: r, Group: groupInfo(g), Meeting: mv})
		}
		return nil
	})
	return out
}

// meetingView is one meeting of g with its number and forecast.
func (s *Service) meetingView(tx Tx, g Group, meetingID string) (MeetingView, error) {
	pv, err := s.programme(tx, g)
	if err != nil {
		return MeetingView{}, err
	}
	for _, mv := range pv.Meetings {
		if mv.Meeting.ID == meetingID {
			return mv, nil
		}
	}
	return MeetingView{}, wrapf(ErrNotFound, "meeting %s is not in group %s", meetingID, g.ID)
}
