package control

import (
	"context"
	"time"
)

// The seams signalling calls. Admit resolves a personal link to what a
// join needs; Joined, Left and Resumed report presence in a meeting's room.
// Signalling reports Left only when a participant is really gone (after
// its resume grace period, with the time they dropped), and Resumed when
// one comes back within the grace period: a resume is not a leave, so the
// presence interval simply goes on.

// Admission is what a join from a personal link needs.
type Admission struct {
	PersonID string   `json:"personId"`
	Name     string   `json:"name"` // display name
	Language Language `json:"language"`
	Role     Role     `json:"role"` // the role in the group
	// Facilitating: may run this meeting (a facilitator, or the member
	// it was handed to).
	Facilitating bool   `json:"facilitating"`
	GroupID      string `json:"groupId"`
	GroupName    string `json:"groupName"`
	// The meeting whose room is open now.
	MeetingID string       `json:"meetingId"`
	RoomName  string       `json:"roomName"`
	State     MeetingState `json:"state"`
	Number    int          `json:"number"` // "meeting Number of Of"
	Of        int          `json:"of"`
	Theme     string       `json:"theme,omitempty"`
}

// Admit resolves a personal link's token for a join: ErrUnauthenticated
// for a bad token, ErrForbidden for the admin token (admins use ad-hoc
// rooms), ErrMeetingNotOpen when the group has no open or running
// meeting, ErrAgreementNotAccepted when the person has not accepted the
// agreement's current version.
func (s *Service) Admit(ctx context.Context, token string) (Admission, error) {
	p, err := s.Authenticate(ctx, token)
	if err != nil {
		return Admission{}, err
	}
	if p.IsAdmin() {
		return Admission{}, wrapf(ErrForbidden, "the admin link does not join meetings")
	}
	var ad Admission
	err = s.view(ctx, func(tx Tx) error {
		person, err := tx.Person(p.PersonID())
		if err != nil {
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
		for _, mv := range pv.Meetings {
			m := mv.Meeting
			if !m.State.RoomOpen() {
				continue
			}
			if !person.HasAccepted(g.Agreement.Version) {
				return ErrAgreementNotAccepted
			}
			ad = Admission{
				PersonID: person.ID, Name: person.Name, Language: person.Language, Role: person.Role,
				Facilitating: actor{person: person}.canRun(m),
				GroupID:      g.ID, GroupName: g.Name,
				MeetingID: m.ID, RoomName: m.RoomName(), State: m.State,
				Number: mv.Number, Of: mv.Of, Theme: m.Theme,
			}
			return nil
		}
		return ErrMeetingNotOpen
	})
	return ad, err
}

// maxIntervals bounds one person's intervals in one meeting, so a client
// that reconnects without end cannot grow the record without bound.
const maxIntervals = 1000

// Joined records that a person entered the meeting's room at at. The room
// must be open (ErrMeetingNotOpen) and the person an active person of the
// group (ErrForbidden) who accepted the current agreement
// (ErrAgreementNotAccepted). Joining while already present changes
// nothing.
func (s *Service) Joined(ctx context.Context, meetingID, personID string, at time.Time) error {
	return s.presence(ctx, meetingID, personID, at, true)
}

// Resumed records that a person came back within the resume grace period.
// It is not a leave: if they are present, nothing changes; if their
// presence was lost (the server restarted, say), it starts again at at,
// with Joined's checks.
func (s *Service) Resumed(ctx context.Context, meetingID, personID string, at time.Time) error {
	return s.presence(ctx, meetingID, personID, at, true)
}

// Left records that a person left the room at at (for a drop, when the
// connection was lost). Leaving when not present (or after the meeting
// ended, which closed everyone's presence) changes nothing.
func (s *Service) Left(ctx context.Context, meetingID, personID string, at time.Time) error {
	return s.presence(ctx, meetingID, personID, at, false)
}

func (s *Service) presence(ctx context.Context, meetingID, personID string, at time.Time, in bool) error {
	if at.IsZero() {
		return invalid("at", "must be given")
	}
	at = norm(at)
	if in {
		// A room empty for the grace period has ended (live.go).
		if err := s.settle(ctx, meetingID); err != nil {
			return err
		}
	}
	var ch changes
	err := s.update(ctx, func(tx Tx) error {
		m, err := tx.Meeting(meetingID)
		if err != nil {
			return err
		}
		ivs := m.Attendance[personID]
		present := len(ivs) > 0 && ivs[len(ivs)-1].To.IsZero()
		if in == present {
			return nil
		}
		if !in {
			last := &ivs[len(ivs)-1]
			last.To = maxTime(at, last.From)
			m.Attendance[personID] = ivs
			if err := s.presenceLive(tx, &m, personID, false, at); err != nil {
				return err
			}
			return s.putLive(tx, &m, &ch)
		}
		if !m.State.RoomOpen() {
			return wrapf(ErrMeetingNotOpen, "the meeting is %s", m.State)
		}
		person, err := tx.Person(personID)
		if err != nil {
			return err
		}
		if person.GroupID != m.GroupID || !person.Active() {
			return wrapf(ErrForbidden, "not a person of the meeting's group")
		}
		g, err := tx.Group(m.GroupID)
		if err != nil {
			return err
		}
		if !person.HasAccepted(g.Agreement.Version) {
			return ErrAgreementNotAccepted
		}
		if len(ivs) >= maxIntervals {
			return wrapf(ErrConflict, "too many entries into one meeting")
		}
		if len(ivs) > 0 {
			// Reports may arrive out of order; intervals never overlap.
			at = maxTime(at, ivs[len(ivs)-1].To)
		}
		if m.Attendance == nil {
			m.Attendance = map[string][]Interval{}
		}
		m.Attendance[personID] = append(ivs, Interval{From: at})
		if err := s.presenceLive(tx, &m, personID, true, at); err != nil {
			return err
		}
		return s.putLive(tx, &m, &ch)
	})
	s.tell(err, &ch)
	return err
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// AttendanceRow is one person's presence in one meeting.
type AttendanceRow struct {
	PersonID  string        `json:"personId"`
	Name      string        `json:"name"`
	Role      Role          `json:"role"`
	Counted   bool          `json:"counted"` // counts for quorum
	Present   bool          `json:"present"` // in the room now
	Presence  time.Duration `json:"presence"`
	Intervals []Interval    `json:"intervals,omitempty"`
	RSVP      *RSVP         `json:"rsvp,omitempty"`
}

// AttendanceView is who is (and was) in a meeting's room, who said they
// would come, and the held decision as it stands.
type AttendanceView struct {
	MeetingID string          `json:"meetingId"`
	Rows      []AttendanceRow `json:"rows"` // in the order of GroupView.People, then removed people
	Count     HeldResult      `json:"count"`
}

// Attendance returns a meeting's attendance. Any person of the group, or
// an admin.
func (s *Service) Attendance(ctx context.Context, p Principal, meetingID string) (AttendanceView, error) {
	var v AttendanceView
	err := s.view(ctx, func(tx Tx) error {
		m, g, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		people, err := tx.People(g.ID)
		if err != nil {
			return err
		}
		until := s.now()
		if !m.Ended.IsZero() {
			until = m.Ended
		}
		v = AttendanceView{MeetingID: m.ID}
		if m.Result != nil {
			v.Count = *m.Result
		} else {
			v.Count = countHeld(m, countingIDs(g, people), quorumOf(g, people), s.minHeldOf(g), until)
		}
		rows := visiblePeople(people, a)
		for _, person := range people {
			if !person.Active() && len(m.Attendance[person.ID]) > 0 {
				rows = append(rows, person)
			}
		}
		for _, person := range rows {
			r := AttendanceRow{
				PersonID: person.ID, Name: person.Name, Role: person.Role,
				Counted: counts(g, person.Role), Present: m.Present(person.ID),
				Presence:  presenceOf(m.Attendance[person.ID], until),
				Intervals: m.Attendance[person.ID],
			}
			if rv, ok := m.RSVPs[person.ID]; ok {
				r.RSVP = &rv
			}
			v.Rows = append(v.Rows, r)
		}
		return nil
	})
	return v, err
}
