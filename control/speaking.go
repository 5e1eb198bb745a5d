package control

import (
	"context"
	"slices"
	"time"
)

// The speech of a running meeting, as the media plane hears it, and the
// turn statistics made from it (turns.go). A stretch of speech is kept
// under the person's ID only while they consent to speaking statistics;
// otherwise it is kept under no person at all (unnamedSpeaker: it still
// counts, as "others", in the meeting's turn-taking), so nothing names a person who
// did not consent, not even in the store. Statistics name a person only
// while they still consent: one who withdraws afterwards becomes "others"
// in everything shown.

// maxReportedSpeech bounds one reported stretch: the detector ends a
// stretch at every pause, so a longer one is a stuck report, not speech.
const maxReportedSpeech = 30 * time.Minute

// unnamedSpeaker stands in the store for whoever spoke without consenting
// to statistics: no person, one speaker, "others".
const unnamedSpeaker = "-"

// Spoke records that a person spoke in a meeting's room from from to to.
// Nothing is kept unless the meeting is running and the person is present
// (a late report after a leave is dropped, not an error).
func (s *Service) Spoke(ctx context.Context, meetingID, personID string, from, to time.Time) error {
	if from.IsZero() || !to.After(from) {
		return invalid("to", "must be after from")
	}
	if to.Sub(from) > maxReportedSpeech {
		from = to.Add(-maxReportedSpeech)
	}
	return s.update(ctx, func(tx Tx) error {
		m, err := tx.Meeting(meetingID)
		if err != nil {
			return err
		}
		if m.State != StateRunning || len(m.Attendance[personID]) == 0 {
			return nil
		}
		if from.Before(m.Started) {
			from = m.Started
		}
		if !to.After(from) {
			return nil
		}
		who := unnamedSpeaker
		if m.consentFor(personID).Stats {
			who = personID
		}
		return tx.AppendSpeech(meetingID, Speech{PersonID: who, Start: norm(from), End: norm(to)})
	})
}

// MeetingTurnsView is a meeting's turn statistics with the display names
// of the people they name (only consenting ones are named).
type MeetingTurnsView struct {
	TurnStats
	MeetingID string            `json:"meetingId"`
	TimeZone  string            `json:"timeZone"`
	Language  Language          `json:"language"` // the group's, for phase names
	Names     map[string]string `json:"names"`
	// Phases is when each phase of the meeting ran, in order; TurnPhases
	// gives per turn (by index in Turns) the index in Phases of the phase
	// the turn began in, -1 for a turn outside every phase.
	Phases     []PhaseSpan `json:"phases"`
	TurnPhases []int       `json:"turnPhases"`
}

// phaseOf is the index in history of the span that holds t (a running
// span, To zero, holds everything from its start), -1 for none.
func phaseOf(history []PhaseSpan, t time.Time) int {
	for i, sp := range history {
		if !t.Before(sp.From) && (sp.To.IsZero() || t.Before(sp.To)) {
			return i
		}
	}
	return -1
}

// MeetingTurns is the turn statistics of a meeting: for the group's
// facilitators (and the chair), the admin and the group's researchers
// (GrantResearch). While the meeting runs, the statistics so far, only
// when the group chose the live balance (ErrLiveBalanceOff otherwise).
func (s *Service) MeetingTurns(ctx context.Context, p Principal, meetingID string) (MeetingTurnsView, error) {
	var st MeetingTurnsView
	err := s.view(ctx, func(tx Tx) error {
		m, _, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		if !a.canStudy(m) {
			return ErrNotFacilitator
		}
		speech, err := tx.Speech(meetingID)
		if err != nil {
			return err
		}
		var people []string
		for id := range m.Attendance {
			people = append(people, id)
		}
		to := m.Ended
		if to.IsZero() {
			to = s.now()
		}
		st.TurnStats, err = TurnStatistics(TurnInput{Speech: speech, People: people, From: m.Started, To: to}, TurnRules{},
			func(id string) bool { return id != unnamedSpeaker && m.consentFor(id).Stats })
		if err != nil {
			return err
		}
		st.MeetingID, st.TimeZone, st.Names = m.ID, m.TimeZone, map[string]string{}
		g, err := tx.Group(m.GroupID)
		if err != nil {
			return err
		}
		if m.Ended.IsZero() && !g.LiveBalance {
			return ErrLiveBalanceOff
		}
		st.Language = g.Language
		st.Phases = []PhaseSpan{}
		if m.Live != nil {
			st.Phases = slices.Clone(m.Live.History)
		}
		st.TurnPhases = make([]int, len(st.Turns))
		for i, t := range st.Turns {
			st.TurnPhases[i] = phaseOf(st.Phases, t.Start)
		}
		for _, sp := range st.Speakers {
			if sp.Speaker.PersonID != "" {
				if person, err := tx.Person(sp.Speaker.PersonID); err == nil {
					st.Names[person.ID] = person.Name
				}
			}
		}
		return nil
	})
	return st, err
}

// RecordingAccess decides who may list, play and download a meeting's
// recordings: those who run it (the admin, the group's facilitators, the
// meeting's chair) and the group's researchers (GrantResearch), never its
// other members or anyone of another group.
// Recordings themselves are kept outside control (the recording
// package); this is control's word on who may see them.
//
// It returns the display names of the people who were at the meeting, by
// person ID, to name the recorded people with.
func (s *Service) RecordingAccess(ctx context.Context, p Principal, meetingID string) (map[string]string, error) {
	names := map[string]string{}
	err := s.view(ctx, func(tx Tx) error {
		m, _, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		if !a.canStudy(m) {
			return ErrNotFacilitator
		}
		for id := range m.Attendance {
			if person, err := tx.Person(id); err == nil {
				names[id] = person.Name
			}
		}
		return nil
	})
	return names, err
}
