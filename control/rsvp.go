package control

import "context"

// Forecast is the quorum forecast of a meeting from its RSVPs: "quorum
// reached" (Reached) or "Needed more needed". Only counted people's
// answers count; an answer given for an earlier start of a meeting that
// has since moved is Stale: it is shown as such and counted as no answer.
type Forecast struct {
	Quorum    int  `json:"quorum"`
	Counted   int  `json:"counted"`
	Coming    int  `json:"coming"`
	Maybe     int  `json:"maybe"`
	NotComing int  `json:"notComing"`
	NoAnswer  int  `json:"noAnswer"` // stale answers included
	Stale     int  `json:"stale"`
	Needed    int  `json:"needed"` // more "coming" answers needed; 0 when reached
	Reached   bool `json:"reached"`
}

func forecast(g Group, people []Person, m Meeting) Forecast {
	f := Forecast{Quorum: quorumOf(g, people)}
	for id := range countedIDs(g, people) {
		f.Counted++
		r, ok := m.RSVPs[id]
		switch {
		case !ok:
			f.NoAnswer++
		case !r.ForStart.Equal(m.Start):
			f.Stale++
			f.NoAnswer++
		case r.Answer == Coming:
			f.Coming++
		case r.Answer == Maybe:
			f.Maybe++
		default:
			f.NotComing++
		}
	}
	f.Needed = max(0, f.Quorum-f.Coming)
	f.Reached = f.Needed == 0
	return f
}

// SetRSVP records a person's answer for a planned or open meeting: the
// person themself, or a facilitator or admin on their behalf (a member who
// phoned). Observers and facilitators may answer too; only counted
// people's answers make the forecast.
func (s *Service) SetRSVP(ctx context.Context, p Principal, meetingID, personID string, answer Answer) (Meeting, error) {
	var m Meeting
	var ch changes
	err := s.update(ctx, func(tx Tx) error {
		var a actor
		var err error
		if m, _, a, err = loadMeeting(tx, p, meetingID); err != nil {
			return err
		}
		if a.id() != personID && !a.isFacilitator() {
			return ErrNotFacilitator
		}
		if !answer.valid() {
			return invalid("answer", "must be coming, not_coming or maybe")
		}
		person, err := tx.Person(personID)
		if err != nil {
			return err
		}
		if person.GroupID != m.GroupID || !person.Active() {
			return wrapf(ErrNotFound, "no person %s in the group", personID)
		}
		if m.State != StatePlanned && m.State != StateOpen {
			return wrapf(ErrTransition, "answers are closed: the meeting is %s", m.State)
		}
		if m.RSVPs == nil {
			m.RSVPs = map[string]RSVP{}
		}
		m.RSVPs[personID] = RSVP{Answer: answer, ForStart: m.Start, At: s.now()}
		return s.putLive(tx, &m, &ch)
	})
	s.tell(err, &ch)
	return m, err
}

// Forecast returns a meeting's quorum forecast. Any person of the group,
// or an admin.
func (s *Service) Forecast(ctx context.Context, p Principal, meetingID string) (Forecast, error) {
	var f Forecast
	err := s.view(ctx, func(tx Tx) error {
		m, g, _, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		people, err := tx.People(g.ID)
		if err != nil {
			return err
		}
		f = forecast(g, people, m)
		return nil
	})
	return f, err
}
