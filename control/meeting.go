package control

import "time"

// MeetingState is where a meeting is in its lifecycle:
//
//	planned ──open──▶ open ──start──▶ running ──end──▶ ended
//	   │                │  └──────────end───────────────▲
//	   └──cancel──▶ cancelled ◀──cancel──┘
//
// Only an open or running meeting's room can be entered. Ending an open
// meeting that never started is allowed (its attendance still counts).
// Ended and cancelled are final.
type MeetingState string

// The meeting states.
const (
	StatePlanned   MeetingState = "planned"
	StateOpen      MeetingState = "open"
	StateRunning   MeetingState = "running"
	StateEnded     MeetingState = "ended"
	StateCancelled MeetingState = "cancelled"
)

// RoomOpen reports whether people can be in the meeting's room.
func (s MeetingState) RoomOpen() bool { return s == StateOpen || s == StateRunning }

// Answer is an RSVP answer.
type Answer string

// The RSVP answers.
const (
	Coming    Answer = "coming"
	NotComing Answer = "not_coming"
	Maybe     Answer = "maybe"
)

func (a Answer) valid() bool { return a == Coming || a == NotComing || a == Maybe }

// RSVP is one person's answer for one meeting. ForStart is the meeting's
// start when the answer was given: after the meeting moves, an answer
// whose ForStart differs from the meeting's Start is "for the old time"
// (kept and shown as such, not counted in the forecast).
type RSVP struct {
	Answer   Answer    `json:"answer"`
	ForStart time.Time `json:"forStart"`
	At       time.Time `json:"at"`
}

// Interval is a stretch of presence in a meeting's room, [From, To). To is
// zero while the person is still there. A resume after a network blip is
// not a leave: the interval goes on.
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// Move records a change of a meeting's start.
type Move struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Moved time.Time `json:"moved"`
	By    string    `json:"by,omitempty"` // person ID, "" for an admin
}

// PollOption is one alternative time in a time poll and who it suits.
type PollOption struct {
	Start time.Time `json:"start"`
	Suits []string  `json:"suits,omitempty"` // person IDs, sorted
}

// TimePoll is the facilitator's proposal of 2–4 alternative times for a
// meeting. Members mark which suit them; the facilitator picks one and the
// meeting moves there.
type TimePoll struct {
	Options  []PollOption `json:"options"`
	Proposed time.Time    `json:"proposed"`
	Closed   time.Time    `json:"closed,omitzero"`
	// Picked is the index of the chosen option, -1 if none was (the
	// poll was withdrawn).
	Picked int `json:"picked"`
}

// Open reports whether members can still mark times.
func (p *TimePoll) Open() bool { return p != nil && p.Closed.IsZero() }

// HeldResult is the decision, made when the meeting ends, whether it
// counts as held, with the figures it rests on.
type HeldResult struct {
	Held bool `json:"held"`
	// Quorum and MinHeld are the rule applied.
	Quorum  int           `json:"quorum"`
	MinHeld time.Duration `json:"minHeld"`
	// Longest is the longest stretch with at least Quorum counted people
	// present together.
	Longest time.Duration `json:"longest"`
	// MostTogether is the largest number of counted people present at
	// one time.
	MostTogether int       `json:"mostTogether"`
	Decided      time.Time `json:"decided"`
}

// Meeting is one meeting of a group's programme.
type Meeting struct {
	ID      string `json:"id"`
	GroupID string `json:"groupId"`
	// UID is the meeting's calendar UID: fixed at creation, never
	// changed, not even when the meeting moves.
	UID string `json:"uid"`
	// Sequence is the calendar SEQUENCE: raised whenever the start,
	// duration, theme or state as a calendar sees it (cancelled)
	// changes.
	Sequence int           `json:"sequence"`
	Start    time.Time     `json:"start"`
	TimeZone string        `json:"timeZone"` // IANA name; Start shown in it
	Duration time.Duration `json:"duration"`
	Theme    string        `json:"theme,omitempty"`
	State    MeetingState  `json:"state"`
	// Chair is the member the facilitator handed the facilitator role
	// for this meeting to (a rotating chair), or "".
	Chair  string  `json:"chair,omitempty"`
	Phases []Phase `json:"phases,omitempty"`

	RSVPs      map[string]RSVP       `json:"rsvps,omitempty"`      // by person ID
	Attendance map[string][]Interval `json:"attendance,omitempty"` // by person ID
	Poll       *TimePoll             `json:"poll,omitempty"`
	Moves      []Move                `json:"moves,omitempty"`
	Result     *HeldResult           `json:"result,omitempty"` // set when ended
	// Reminded is, by person ID, the start the day-before reminder was
	// sent for (reminders.go): a meeting that moves is reminded anew.
	Reminded map[string]time.Time `json:"reminded,omitempty"`
	// Live is the running structure: the current phase, its clock and
	// the rounds (structure.go); nil until the meeting first opens.
	Live *Live `json:"live,omitempty"`
	// Task is the task set in this meeting for the next (tasks.go).
	Task *Task `json:"task,omitempty"`
	// Feedback is the members' anonymous feedback (feedback.go).
	Feedback *Feedback `json:"feedback,omitempty"`
	// Consents are each person's current choices, by person ID, and
	// ConsentLog every answer given, oldest first, never shortened
	// (consent.go).
	Consents   map[string]Consent `json:"consents,omitempty"`
	ConsentLog []ConsentEvent     `json:"consentLog,omitempty"`
	// Recording is the facilitator's request to record (consent.go).
	Recording *RecordingRequest `json:"recording,omitempty"`

	Created   time.Time `json:"created"`
	Opened    time.Time `json:"opened,omitzero"`
	Started   time.Time `json:"started,omitzero"`
	Ended     time.Time `json:"ended,omitzero"`
	Cancelled time.Time `json:"cancelled,omitzero"`
}

// RoomName is the signalling room of the meeting. The "m-" prefix keeps
// meeting rooms apart from ad-hoc room names.
func (m Meeting) RoomName() string { return "m-" + m.ID }

// End is the planned end.
func (m Meeting) End() time.Time { return m.Start.Add(m.Duration) }

// Held reports whether the meeting ended and counted as held.
func (m Meeting) Held() bool { return m.Result != nil && m.Result.Held }

// Present reports whether the person is in the room now (has an open
// interval).
func (m Meeting) Present(personID string) bool {
	iv := m.Attendance[personID]
	return len(iv) > 0 && iv[len(iv)-1].To.IsZero()
}
