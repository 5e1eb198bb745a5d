package control

import (
	"context"
	"time"
)

// PersonData is everything piiri stores about one person, for them to
// see and download (a data subject's access, GDPR article 15): their
// record, and per meeting of their group their answer, their presence,
// their note on the task, their consent answers, whether they gave
// feedback, and the themes they proposed. The feedback itself is not
// here: it is stored without the person (feedback.go), so it cannot be
// given back to them either. Their link's token is not here: the data
// is for reading and keeping, and the token is a secret that opens their
// page (they have it already).
type PersonData struct {
	Person     Person              `json:"person"`
	GroupID    string              `json:"groupId"`
	GroupName  string              `json:"groupName"`
	LinkIssued time.Time           `json:"linkIssued,omitzero"`
	Meetings   []PersonMeetingData `json:"meetings"`
	Themes     []ThemeProposal     `json:"themes"`
}

// PersonMeetingData is what one meeting holds about the person.
type PersonMeetingData struct {
	MeetingID     string         `json:"meetingId"`
	Start         time.Time      `json:"start"`
	State         MeetingState   `json:"state"`
	RSVP          *RSVP          `json:"rsvp,omitempty"`
	Attendance    []Interval     `json:"attendance,omitempty"`
	TaskNote      *TaskNote      `json:"taskNote,omitempty"`
	Consent       []ConsentEvent `json:"consent,omitempty"`
	PollMarks     []int          `json:"pollMarks,omitempty"` // options of an open poll that suit them
	FeedbackGiven bool           `json:"feedbackGiven,omitempty"`
	// Speech is when they spoke, kept while they consented to speaking
	// statistics (speaking.go).
	Speech []Speech `json:"speech,omitempty"`
}

// EraseSpeech erases a person's speech from every meeting of their
// group: their speaking statistics are gone, and what they said counts
// nowhere (not even as others). For the person themself, the group's
// facilitators and the admin. It returns how many stretches were erased.
func (s *Service) EraseSpeech(ctx context.Context, p Principal, personID string) (int, error) {
	var n int
	err := s.update(ctx, func(tx Tx) error {
		person, _, err := loadPerson(tx, p, personID, false)
		if err != nil {
			return err
		}
		meetings, err := tx.Meetings(person.GroupID)
		if err != nil {
			return err
		}
		for _, m := range meetings {
			speech, err := tx.Speech(m.ID)
			if err != nil {
				return err
			}
			for _, sp := range speech {
				if sp.PersonID == person.ID {
					n++
				}
			}
			if err := tx.EraseSpeech(m.ID, person.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// PersonData gathers what is stored about a person: for the person
// themself, the group's facilitators and the admin.
func (s *Service) PersonData(ctx context.Context, p Principal, personID string) (PersonData, error) {
	var d PersonData
	err := s.st.View(func(tx Tx) error {
		person, _, err := loadPerson(tx, p, personID, false)
		if err != nil {
			return err
		}
		g, err := tx.Group(person.GroupID)
		if err != nil {
			return err
		}
		d = PersonData{Person: person, GroupID: g.ID, GroupName: g.Name, Meetings: []PersonMeetingData{}, Themes: []ThemeProposal{}}
		if l, err := tx.Link(person.ID); err == nil {
			d.LinkIssued = l.Issued
		} else if !isNotFound(err) {
			return err
		}
		for _, t := range g.Themes {
			if t.By == person.ID {
				d.Themes = append(d.Themes, t)
			}
		}
		meetings, err := tx.Meetings(g.ID)
		if err != nil {
			return err
		}
		sortMeetings(meetings)
		for _, m := range meetings {
			md := PersonMeetingData{MeetingID: m.ID, Start: m.Start, State: m.State, Attendance: m.Attendance[person.ID]}
			if r, ok := m.RSVPs[person.ID]; ok {
				md.RSVP = &r
			}
			if m.Task != nil {
				if n, ok := m.Task.Notes[person.ID]; ok {
					md.TaskNote = &n
				}
			}
			for _, e := range m.ConsentLog {
				if e.PersonID == person.ID {
					md.Consent = append(md.Consent, e)
				}
			}
			if m.Poll != nil {
				for i, o := range m.Poll.Options {
					for _, id := range o.Suits {
						if id == person.ID {
							md.PollMarks = append(md.PollMarks, i)
						}
					}
				}
			}
			if m.Feedback != nil {
				for _, id := range m.Feedback.Answered {
					md.FeedbackGiven = md.FeedbackGiven || id == person.ID
				}
			}
			speech, err := tx.Speech(m.ID)
			if err != nil {
				return err
			}
			for _, sp := range speech {
				if sp.PersonID == person.ID {
					md.Speech = append(md.Speech, sp)
				}
			}
			if md.RSVP != nil || len(md.Attendance) > 0 || md.TaskNote != nil || len(md.Consent) > 0 || len(md.PollMarks) > 0 || md.FeedbackGiven || len(md.Speech) > 0 {
				d.Meetings = append(d.Meetings, md)
			}
		}
		return nil
	})
	return d, err
}
