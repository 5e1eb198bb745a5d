package api

import (
	"slices"
	"time"

	"piiri/control"
)

// Meeting is one meeting as the group sees it. Its times are in its own
// time zone.
type Meeting struct {
	ID              string  `json:"id"`
	GroupID         string  `json:"groupId"`
	Number          int     `json:"number"` // "meeting Number of Of"; 0 when cancelled
	Of              int     `json:"of"`
	Start           string  `json:"start"`
	End             string  `json:"end"`
	TimeZone        string  `json:"timeZone"`
	DurationMinutes Minutes `json:"durationMinutes"`
	Theme           string  `json:"theme,omitempty"`
	State           string  `json:"state"` // planned, open, running, ended, cancelled
	Chair           string  `json:"chair,omitempty"`
	Sequence        int     `json:"sequence"`
	Phases          []Phase `json:"phases"`
	// RSVPs by person ID.
	RSVPs     map[string]RSVP `json:"rsvps"`
	Poll      *Poll           `json:"poll,omitempty"`
	Moves     []Move          `json:"moves"`
	Forecast  Forecast        `json:"forecast"`
	Count     Count           `json:"count"`
	Created   string          `json:"created"`
	Opened    string          `json:"opened,omitempty"`
	Started   string          `json:"started,omitempty"`
	Ended     string          `json:"ended,omitempty"`
	Cancelled string          `json:"cancelled,omitempty"`
}

// RSVP is one answer. Stale: given for an earlier start of a meeting that
// has moved (shown as "for the old time", not counted).
type RSVP struct {
	Answer   string `json:"answer"` // coming, not_coming, maybe
	ForStart string `json:"forStart"`
	Stale    bool   `json:"stale"`
	At       string `json:"at"`
}

// Poll is a time poll.
type Poll struct {
	Open     bool         `json:"open"`
	Options  []PollOption `json:"options"`
	Proposed string       `json:"proposed"`
	Closed   string       `json:"closed,omitempty"`
	Picked   int          `json:"picked"` // index of the chosen option; -1: none
}

// PollOption is one proposed time and the people it suits.
type PollOption struct {
	Start string   `json:"start"`
	Suits []string `json:"suits"`
}

// Move is one change of start.
type Move struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Moved string `json:"moved"`
	By    string `json:"by,omitempty"`
}

// Forecast is the quorum signal: Reached, or Needed more "coming".
type Forecast struct {
	Quorum    int  `json:"quorum"`
	Counted   int  `json:"counted"`
	Coming    int  `json:"coming"`
	Maybe     int  `json:"maybe"`
	NotComing int  `json:"notComing"`
	NoAnswer  int  `json:"noAnswer"`
	Stale     int  `json:"stale"`
	Needed    int  `json:"needed"`
	Reached   bool `json:"reached"`
}

// Count is the held decision: final once the meeting ended, else as it
// stands.
type Count struct {
	Held           bool    `json:"held"`
	Final          bool    `json:"final"`
	Quorum         int     `json:"quorum"`
	MinHeldMinutes Minutes `json:"minHeldMinutes"`
	LongestMinutes Minutes `json:"longestMinutes"`
	MostTogether   int     `json:"mostTogether"`
	Decided        string  `json:"decided,omitempty"`
}

// Programme is a group's meetings in order of start.
type Programme struct {
	Progress Progress  `json:"progress"`
	Meetings []Meeting `json:"meetings"`
	Next     *Meeting  `json:"next"` // the first planned, open or running one
}

// Attendance is who is and was in a meeting's room.
type Attendance struct {
	MeetingID string          `json:"meetingId"`
	Rows      []AttendanceRow `json:"rows"`
	Count     Count           `json:"count"`
}

// AttendanceRow is one person's presence.
type AttendanceRow struct {
	PersonID        string     `json:"personId"`
	Name            string     `json:"name"`
	Role            string     `json:"role"`
	Counted         bool       `json:"counted"`
	Present         bool       `json:"present"`
	PresenceMinutes Minutes    `json:"presenceMinutes"`
	Intervals       []Interval `json:"intervals"`
	RSVP            *RSVP      `json:"rsvp,omitempty"`
}

// Interval is a stretch of presence; To is "" while it goes on.
type Interval struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
}

func meetingOut(mv control.MeetingView) Meeting {
	m := mv.Meeting
	loc := zoneOf(m.TimeZone)
	out := Meeting{
		ID: m.ID, GroupID: m.GroupID, Number: mv.Number, Of: mv.Of,
		Start: ts(m.Start, loc), End: ts(m.End(), loc), TimeZone: m.TimeZone,
		DurationMinutes: minutes(m.Duration), Theme: m.Theme, State: string(m.State), Chair: m.Chair,
		Sequence: m.Sequence, Phases: phasesOut(m.Phases), RSVPs: map[string]RSVP{}, Moves: []Move{},
		Forecast: Forecast(mv.Forecast), Count: countOut(mv.Count, m.Result != nil, loc),
		Created: ts(m.Created, loc), Opened: ts(m.Opened, loc), Started: ts(m.Started, loc),
		Ended: ts(m.Ended, loc), Cancelled: ts(m.Cancelled, loc),
	}
	for id, r := range m.RSVPs {
		out.RSVPs[id] = rsvpOut(r, m.Start, loc)
	}
	for _, mo := range m.Moves {
		out.Moves = append(out.Moves, Move{From: ts(mo.From, loc), To: ts(mo.To, loc), Moved: ts(mo.Moved, loc), By: mo.By})
	}
	if p := m.Poll; p != nil {
		po := &Poll{Open: p.Open(), Proposed: ts(p.Proposed, loc), Closed: ts(p.Closed, loc), Picked: p.Picked, Options: []PollOption{}}
		for _, o := range p.Options {
			po.Options = append(po.Options, PollOption{Start: ts(o.Start, loc), Suits: append([]string{}, o.Suits...)})
		}
		out.Poll = po
	}
	return out
}

func rsvpOut(r control.RSVP, start time.Time, loc *time.Location) RSVP {
	return RSVP{Answer: string(r.Answer), ForStart: ts(r.ForStart, loc), Stale: !r.ForStart.Equal(start), At: ts(r.At, loc)}
}

func countOut(r control.HeldResult, final bool, loc *time.Location) Count {
	return Count{
		Held: r.Held, Final: final, Quorum: r.Quorum, MinHeldMinutes: minutes(r.MinHeld),
		LongestMinutes: minutes(r.Longest), MostTogether: r.MostTogether, Decided: ts(r.Decided, loc),
	}
}

func programmeOut(pv control.ProgrammeView) Programme {
	out := Programme{Progress: progressOut(pv.Progress), Meetings: make([]Meeting, 0, len(pv.Meetings))}
	for _, mv := range pv.Meetings {
		out.Meetings = append(out.Meetings, meetingOut(mv))
	}
	if pv.Next != nil {
		i := slices.IndexFunc(pv.Meetings, func(mv control.MeetingView) bool { return mv.Meeting.ID == pv.Next.Meeting.ID })
		if i >= 0 {
			out.Next = &out.Meetings[i]
		}
	}
	return out
}

func attendanceOut(v control.AttendanceView, m control.Meeting) Attendance {
	loc := zoneOf(m.TimeZone)
	out := Attendance{MeetingID: v.MeetingID, Rows: make([]AttendanceRow, 0, len(v.Rows)), Count: countOut(v.Count, m.Result != nil, loc)}
	for _, r := range v.Rows {
		row := AttendanceRow{
			PersonID: r.PersonID, Name: r.Name, Role: string(r.Role), Counted: r.Counted, Present: r.Present,
			PresenceMinutes: minutes(r.Presence), Intervals: []Interval{},
		}
		for _, iv := range r.Intervals {
			row.Intervals = append(row.Intervals, Interval{From: ts(iv.From, loc), To: ts(iv.To, loc)})
		}
		if r.RSVP != nil {
			rv := rsvpOut(*r.RSVP, m.Start, loc)
			row.RSVP = &rv
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}
