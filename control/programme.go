package control

import (
	"context"
	"slices"
	"strings"
	"time"
)

// MeetingInput is what planning one meeting takes.
type MeetingInput struct {
	Start    time.Time     // required, not in the past
	TimeZone string        // default the group's
	Duration time.Duration // default the group's MeetingDuration
	Theme    string        // optional
}

// MeetingPatch changes a planned (or open) meeting; nil fields stay. The
// start is changed with MoveMeeting.
type MeetingPatch struct {
	Duration *time.Duration
	Theme    *string
	// Phases may also change while the meeting runs (the next issue's
	// structure).
	Phases *[]Phase
}

// MeetingView is a meeting as the group sees it.
type MeetingView struct {
	Meeting Meeting `json:"meeting"`
	// Number is the meeting's place among the group's meetings that are
	// not cancelled, by start (1-based; 0 for a cancelled one), and Of
	// the programme's planned count: "meeting Number of Of".
	Number   int      `json:"number"`
	Of       int      `json:"of"`
	Forecast Forecast `json:"forecast"`
	// Count is the held decision: the final one once ended, else as it
	// stands now.
	Count HeldResult `json:"count"`
}

// ProgrammeView is a group's meetings in order of start, with the count
// and the next meeting (the first that is planned, open or running).
type ProgrammeView struct {
	Progress Progress      `json:"progress"`
	Meetings []MeetingView `json:"meetings"`
	Next     *MeetingView  `json:"next,omitempty"`
}

// AddMeeting plans one more meeting. Facilitator or admin.
func (s *Service) AddMeeting(ctx context.Context, p Principal, groupID string, in MeetingInput) (Meeting, error) {
	var m Meeting
	err := s.update(ctx, func(tx Tx) error {
		g, err := loadFacilitated(tx, p, groupID)
		if err != nil {
			return err
		}
		if m, err = s.newMeeting(g, in); err != nil {
			return err
		}
		return tx.PutMeeting(m)
	})
	return m, err
}

func (s *Service) newMeeting(g Group, in MeetingInput) (Meeting, error) {
	if in.TimeZone == "" {
		in.TimeZone = g.TimeZone
	}
	if _, err := location(in.TimeZone); err != nil {
		return Meeting{}, err
	}
	if in.Duration == 0 {
		in.Duration = g.MeetingDuration
	}
	if err := s.checkStart("start", in.Start); err != nil {
		return Meeting{}, err
	}
	if err := checkDuration(in.Duration); err != nil {
		return Meeting{}, err
	}
	theme, err := cleanText("theme", in.Theme, maxTextLen, false, false)
	if err != nil {
		return Meeting{}, err
	}
	now := s.now()
	return Meeting{
		ID: s.ids.NewID(), GroupID: g.ID, UID: s.ids.NewID(),
		Start: norm(in.Start), TimeZone: in.TimeZone, Duration: in.Duration, Theme: theme,
		State: StatePlanned, Phases: slices.Clone(g.Phases), Created: now,
	}, nil
}

func (s *Service) checkStart(field string, t time.Time) error {
	if t.IsZero() {
		return invalid(field, "must be given")
	}
	if t.Before(s.now()) {
		return invalid(field, "is in the past")
	}
	if t.After(s.now().AddDate(5, 0, 0)) {
		return invalid(field, "is more than five years ahead")
	}
	return nil
}

func checkDuration(d time.Duration) error {
	if d < minMeetingLen || d > maxMeetingLen {
		return invalid("duration", "must be %v–%v", minMeetingLen, maxMeetingLen)
	}
	return nil
}

// PlanProgramme plans the rest of the group's programme: as many meetings
// as PlannedMeetings still lacks, the first at first and each next one a
// Cadence later in the group's time zone (same local time across
// daylight-saving changes; a month after 31 January is 3 March, as
// time.AddDate has it). Facilitator or admin. ErrConflict when the
// programme is already full.
func (s *Service) PlanProgramme(ctx context.Context, p Principal, groupID string, first time.Time) ([]Meeting, error) {
	var out []Meeting
	err := s.update(ctx, func(tx Tx) error {
		g, err := loadFacilitated(tx, p, groupID)
		if err != nil {
			return err
		}
		if g.Cadence.zero() {
			return invalid("cadence", "the group has no cadence; add meetings one by one or set one")
		}
		if err := s.checkStart("first", first); err != nil {
			return err
		}
		meetings, err := tx.Meetings(g.ID)
		if err != nil {
			return err
		}
		n := g.PlannedMeetings - progressOf(g, meetings).Scheduled
		if n <= 0 {
			return wrapf(ErrConflict, "the programme has its %d planned meetings", g.PlannedMeetings)
		}
		loc, err := location(g.TimeZone)
		if err != nil {
			return err
		}
		local := first.In(loc)
		for i := range n {
			start := local.AddDate(0, i*g.Cadence.Months, i*g.Cadence.Days)
			m, err := s.newMeeting(g, MeetingInput{Start: start})
			if err != nil {
				return err
			}
			if err := tx.PutMeeting(m); err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// UpdateMeeting changes a meeting's duration, theme or phases. Facilitator
// or admin (and, for the phases of a meeting handed over, its chair).
// Duration and theme change only before the meeting runs; a change the
// calendar shows raises Sequence.
func (s *Service) UpdateMeeting(ctx context.Context, p Principal, meetingID string, patch MeetingPatch) (Meeting, error) {
	var m Meeting
	var ch changes
	err := s.update(ctx, func(tx Tx) error {
		var a actor
		var err error
		if m, _, a, err = loadMeeting(tx, p, meetingID); err != nil {
			return err
		}
		calendar := patch.Duration != nil || patch.Theme != nil
		switch {
		case calendar && !a.isFacilitator(), !calendar && !a.canRun(m):
			return ErrNotFacilitator
		case calendar && m.State != StatePlanned && m.State != StateOpen:
			return wrapf(ErrTransition, "a %s meeting's duration and theme are fixed", m.State)
		case m.State == StateEnded || m.State == StateCancelled:
			return wrapf(ErrTransition, "the meeting is %s", m.State)
		}
		changed := false
		if patch.Duration != nil && *patch.Duration != m.Duration {
			if err := checkDuration(*patch.Duration); err != nil {
				return err
			}
			m.Duration, changed = *patch.Duration, true
		}
		if patch.Theme != nil {
			theme, err := cleanText("theme", *patch.Theme, maxTextLen, false, false)
			if err != nil {
				return err
			}
			if theme != m.Theme {
				m.Theme, changed = theme, true
			}
		}
		if patch.Phases != nil {
			if err := validatePhases(*patch.Phases); err != nil {
				return err
			}
			old := m.Phases
			m.Phases = slices.Clone(*patch.Phases)
			if err := s.restructure(tx, &m, old); err != nil { // live.go
				return err
			}
		}
		if changed {
			m.Sequence++
		}
		return s.putLive(tx, &m, &ch)
	})
	s.tell(err, &ch)
	return m, err
}

// MoveMeeting gives a planned meeting a new start (and time zone, when not
// ""). Facilitator or admin. RSVPs stay, now "for the old time"; Sequence
// rises; the UID stays; an open time poll is withdrawn.
func (s *Service) MoveMeeting(ctx context.Context, p Principal, meetingID string, start time.Time, timeZone string) (Meeting, error) {
	var m, was Meeting
	err := s.update(ctx, func(tx Tx) error {
		var a actor
		var err error
		if m, _, a, err = loadMeeting(tx, p, meetingID); err != nil {
			return err
		}
		was = m
		if !a.isFacilitator() {
			return ErrNotFacilitator
		}
		if err := s.checkStart("start", start); err != nil {
			return err
		}
		if timeZone != "" {
			if _, err := location(timeZone); err != nil {
				return err
			}
		}
		if err := s.move(&m, a, norm(start), timeZone); err != nil {
			return err
		}
		if m.Poll.Open() {
			m.Poll.Closed, m.Poll.Picked = s.now(), -1
		}
		return tx.PutMeeting(m)
	})
	s.notifyMoved(ctx, err, was, m)
	return m, err
}

func (s *Service) move(m *Meeting, a actor, start time.Time, timeZone string) error {
	if m.State != StatePlanned {
		return wrapf(ErrTransition, "only a planned meeting can move; this one is %s", m.State)
	}
	if start.Equal(m.Start) && (timeZone == "" || timeZone == m.TimeZone) {
		return nil
	}
	m.Moves = append(m.Moves, Move{From: m.Start, To: start, Moved: s.now(), By: a.id()})
	m.Start = start
	if timeZone != "" {
		m.TimeZone = timeZone
	}
	m.Sequence++
	return nil
}

// CancelMeeting cancels a planned meeting, or an open one whose room is
// empty. Facilitator or admin. Sequence rises (the calendar shows it
// cancelled).
func (s *Service) CancelMeeting(ctx context.Context, p Principal, meetingID string) (Meeting, error) {
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
		if m.State != StatePlanned && m.State != StateOpen {
			return wrapf(ErrTransition, "a %s meeting cannot be cancelled", m.State)
		}
		for id := range m.Attendance {
			if m.Present(id) {
				return wrapf(ErrTransition, "people are in the room; end the meeting instead")
			}
		}
		m.State, m.Cancelled = StateCancelled, s.now()
		if m.Poll.Open() {
			m.Poll.Closed, m.Poll.Picked = s.now(), -1
		}
		m.Sequence++
		return s.putLive(tx, &m, &ch)
	})
	s.notifyCancelled(ctx, err, m)
	s.tell(err, &ch)
	return m, err
}

// Meeting returns one meeting as the group sees it. Any person of the
// group, or an admin.
func (s *Service) Meeting(ctx context.Context, p Principal, meetingID string) (MeetingView, error) {
	var v MeetingView
	err := s.view(ctx, func(tx Tx) error {
		m, g, _, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		pv, err := s.programme(tx, g)
		if err != nil {
			return err
		}
		for _, mv := range pv.Meetings {
			if mv.Meeting.ID == m.ID {
				v = mv
			}
		}
		return nil
	})
	return v, err
}

// Programme returns the group's meetings. Any person of the group, or an
// admin.
func (s *Service) Programme(ctx context.Context, p Principal, groupID string) (ProgrammeView, error) {
	var v ProgrammeView
	err := s.view(ctx, func(tx Tx) error {
		g, _, err := loadGroup(tx, p, groupID)
		if err != nil {
			return err
		}
		v, err = s.programme(tx, g)
		return err
	})
	return v, err
}

func (s *Service) programme(tx Tx, g Group) (ProgrammeView, error) {
	meetings, err := tx.Meetings(g.ID)
	if err != nil {
		return ProgrammeView{}, err
	}
	people, err := tx.People(g.ID)
	if err != nil {
		return ProgrammeView{}, err
	}
	sortMeetings(meetings)
	v := ProgrammeView{Progress: progressOf(g, meetings), Meetings: make([]MeetingView, 0, len(meetings))}
	n := 0
	now := s.now()
	for _, m := range meetings {
		mv := MeetingView{Meeting: m, Of: v.Progress.Planned, Forecast: forecast(g, people, m)}
		if m.State != StateCancelled {
			n++
			mv.Number = n
		}
		if m.Result != nil {
			mv.Count = *m.Result
		} else {
			mv.Count = countHeld(m, countingIDs(g, people), quorumOf(g, people), s.minHeldOf(g), now)
		}
		v.Meetings = append(v.Meetings, mv)
	}
	for i := range v.Meetings {
		if st := v.Meetings[i].Meeting.State; st == StatePlanned || st.RoomOpen() {
			v.Next = &v.Meetings[i]
			break
		}
	}
	return v, nil
}

func sortMeetings(ms []Meeting) {
	slices.SortFunc(ms, func(x, y Meeting) int {
		if c := x.Start.Compare(y.Start); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
}
