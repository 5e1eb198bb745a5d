package control

import (
	"slices"
	"strings"
	"time"
)

// LiveState is a meeting's state as the room and the group page show it:
// one value for everyone (it holds nothing private), sent by signalling
// to every participant after each change and read through the API. Its
// JSON is the wire form: times are RFC 3339 in the meeting's time zone,
// durations whole seconds (a countdown needs seconds). Version rises with
// every change of the meeting; a client keeps the highest it has seen.
// At is the server's time when the state was made, so a client can
// correct its own clock before counting down to Phase.Deadline.
type LiveState struct {
	MeetingID string       `json:"meetingId"`
	GroupID   string       `json:"groupId"`
	GroupName string       `json:"groupName"`
	Version   int64        `json:"version"`
	At        time.Time    `json:"at"`
	State     MeetingState `json:"state"`
	// Number of Of: "Meeting 3 of 8: Workload" (Theme).
	Number   int       `json:"number"`
	Of       int       `json:"of"`
	Theme    string    `json:"theme,omitempty"`
	TimeZone string    `json:"timeZone"`
	Start    time.Time `json:"start"` // planned
	End      time.Time `json:"end"`   // planned
	Started  time.Time `json:"started,omitzero"`
	Ended    time.Time `json:"ended,omitzero"`
	// Chair is the member running this meeting in the facilitator's
	// place, or "".
	Chair string `json:"chair,omitempty"`
	// Phases is the whole structure, for the phase bar.
	Phases []PhaseInfo `json:"phases"`
	// Phase is the current phase: nil unless the meeting is running and
	// has phases.
	Phase *LivePhase `json:"phase,omitempty"`
	// Round is the current phase's round, when it is one.
	Round *LiveRound `json:"round,omitempty"`
	// Task is the task set in this meeting for the next one.
	Task *LiveTask `json:"task,omitempty"`
	// Recording is whether media is being recorded and whose (consent.go);
	// nil unless the room is open.
	Recording *LiveRecording `json:"recording,omitempty"`
	// Review is the task set last time, for the task review: the one of
	// the group's meeting that ended last before this one started.
	Review *LiveReview `json:"review,omitempty"`
	// People are the group's people: who is in the room, who said they
	// would come, and who may run the meeting.
	People []LivePerson `json:"people"`
	// NextMeeting is the group's next planned meeting after this one,
	// for the closing round to confirm.
	NextMeeting *NextMeeting `json:"nextMeeting,omitempty"`
}

// PhaseInfo is one phase of the structure.
type PhaseInfo struct {
	Name        LocalText `json:"name"`
	Description LocalText `json:"description,omitempty"`
	Kind        PhaseKind `json:"kind,omitempty"`
	Round       bool      `json:"round,omitempty"`
	// TimeboxSeconds is per turn for a round, else for the phase.
	TimeboxSeconds int64 `json:"timeboxSeconds"`
}

// LivePhase is the current phase and its clock.
type LivePhase struct {
	Index int `json:"index"`
	PhaseInfo
	Started         time.Time `json:"started"`
	ExtendedSeconds int64     `json:"extendedSeconds,omitempty"`
	// Deadline is when the phase's timebox runs out, or in a round the
	// current turn's; zero in a round with no turn running.
	Deadline time.Time `json:"deadline,omitzero"`
	// NextName is the next phase's name, nil in the last phase.
	NextName LocalText `json:"nextName,omitempty"`
}

// LiveRound is a round's order.
type LiveRound struct {
	Turns []LiveTurn `json:"turns"`
	// Current is the index in Turns of the running turn, -1 if none;
	// Speaker its person.
	Current     int       `json:"current"`
	Speaker     string    `json:"speaker,omitempty"`
	TurnStarted time.Time `json:"turnStarted,omitzero"`
}

// LiveTurn is one turn of a round.
type LiveTurn struct {
	PersonID string     `json:"personId"`
	Name     string     `json:"name"`
	Status   TurnStatus `json:"status"`
	Extra    bool       `json:"extra,omitempty"`
	Away     bool       `json:"away,omitempty"`
}

// LiveTask is a task as the room shows it.
type LiveTask struct {
	MeetingID string    `json:"meetingId"` // where it was set
	Text      string    `json:"text"`
	Set       time.Time `json:"set"`
}

// LiveReview is last time's task with the notes members shared.
type LiveReview struct {
	LiveTask
	Number int          `json:"number"` // of the meeting it was set in
	Shared []SharedNote `json:"shared"` // by name
}

// SharedNote is a member's note on a task, shared with the group.
type SharedNote struct {
	PersonID string    `json:"personId"`
	Name     string    `json:"name"`
	Done     bool      `json:"done"`
	Note     string    `json:"note,omitempty"`
	Updated  time.Time `json:"updated"`
}

// LivePerson is one of the group's people as the room sees them.
type LivePerson struct {
	PersonID string `json:"personId"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Present  bool   `json:"present"`
	// RSVP is their answer for this meeting's current time, "" if none.
	RSVP Answer `json:"rsvp,omitempty"`
	// Facilitating: may run this meeting (a facilitator, or the chair).
	Facilitating bool `json:"facilitating,omitempty"`
}

// NextMeeting is the group's next meeting.
type NextMeeting struct {
	MeetingID string    `json:"meetingId"`
	Number    int       `json:"number"`
	Start     time.Time `json:"start"`
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

func phaseInfo(p Phase) PhaseInfo {
	return PhaseInfo{Name: p.Name, Description: p.Description, Kind: p.Kind, Round: p.Round, TimeboxSeconds: seconds(p.Timebox)}
}

// putLive stores a changed meeting, raising its version, and collects its
// new state and events for the observer.
func (s *Service) putLive(tx Tx, m *Meeting, ch *changes) error {
	l := m.live()
	l.Version++
	ch.events = append(ch.events, l.pending...)
	l.pending = nil
	if err := tx.PutMeeting(*m); err != nil {
		return err
	}
	st, err := s.liveState(tx, *m)
	if err != nil {
		return err
	}
	ch.states = append(ch.states, st)
	return nil
}

// liveState makes m's LiveState, reading the rest of its group in tx.
func (s *Service) liveState(tx Tx, m Meeting) (LiveState, error) {
	g, err := tx.Group(m.GroupID)
	if err != nil {
		return LiveState{}, err
	}
	people, err := tx.People(g.ID)
	if err != nil {
		return LiveState{}, err
	}
	meetings, err := tx.Meetings(g.ID)
	if err != nil {
		return LiveState{}, err
	}
	sortMeetings(meetings)
	loc, err := location(m.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	in := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(loc)
	}
	byID := map[string]Person{}
	for _, p := range people {
		byID[p.ID] = p
	}
	numbers := map[string]int{}
	n := 0
	for _, o := range meetings {
		if o.State != StateCancelled {
			n++
			numbers[o.ID] = n
		}
	}
	l := m.Live
	if l == nil {
		l = &Live{Phase: -1}
	}
	st := LiveState{
		MeetingID: m.ID, GroupID: g.ID, GroupName: g.Name, Version: l.Version, At: in(s.now()),
		State: m.State, Number: numbers[m.ID], Of: progressOf(g, meetings).Planned, Theme: m.Theme,
		TimeZone: m.TimeZone, Start: in(m.Start), End: in(m.End()), Started: in(m.Started), Ended: in(m.Ended),
		Chair: m.Chair, Phases: make([]PhaseInfo, 0, len(m.Phases)), People: []LivePerson{},
	}
	for _, p := range m.Phases {
		st.Phases = append(st.Phases, phaseInfo(p))
	}
	if m.State == StateRunning && l.Phase >= 0 && l.Phase < len(m.Phases) {
		ph := m.Phases[l.Phase]
		lp := &LivePhase{Index: l.Phase, PhaseInfo: phaseInfo(ph), Started: in(l.PhaseStarted), ExtendedSeconds: seconds(l.Extended)}
		if l.Phase+1 < len(m.Phases) {
			lp.NextName = m.Phases[l.Phase+1].Name
		}
		if !ph.Round {
			lp.Deadline = in(l.PhaseStarted.Add(ph.Timebox + l.Extended))
		}
		if r := l.round(); ph.Round && r != nil {
			lr := &LiveRound{Turns: make([]LiveTurn, 0, len(r.Turns)), Current: r.current()}
			for _, t := range r.Turns {
				lr.Turns = append(lr.Turns, LiveTurn{PersonID: t.PersonID, Name: byID[t.PersonID].Name, Status: t.Status, Extra: t.Extra, Away: t.Away})
			}
			if lr.Current >= 0 {
				t := r.Turns[lr.Current]
				lr.Speaker, lr.TurnStarted = t.PersonID, in(t.Started)
				lp.Deadline = in(t.Started.Add(ph.Timebox + l.Extended))
			}
			st.Round = lr
		}
		st.Phase = lp
	}
	if m.State == StateOpen || m.State == StateRunning {
		r := m.recording(g.ConsentMode)
		st.Recording = &r
	}
	if m.Task != nil {
		st.Task = &LiveTask{MeetingID: m.ID, Text: m.Task.Text, Set: in(m.Task.Set)}
	}
	if prev := reviewedBy(meetings, m, s.now()); prev != nil && prev.Task != nil {
		rv := &LiveReview{LiveTask: LiveTask{MeetingID: prev.ID, Text: prev.Task.Text, Set: in(prev.Task.Set)}, Number: numbers[prev.ID], Shared: []SharedNote{}}
		for _, sn := range sharedNotes(*prev, byID) {
			sn.Updated = in(sn.Updated)
			rv.Shared = append(rv.Shared, sn)
		}
		st.Review = rv
	}
	for _, p := range visiblePeople(people, actor{admin: true}) {
		lp := LivePerson{PersonID: p.ID, Name: p.Name, Role: p.Role, Present: m.Present(p.ID), Facilitating: actor{person: p}.canRun(m)}
		if r, ok := m.RSVPs[p.ID]; ok && r.ForStart.Equal(m.Start) {
			lp.RSVP = r.Answer
		}
		st.People = append(st.People, lp)
	}
	if i := slices.IndexFunc(meetings, func(o Meeting) bool { return o.ID == m.ID }); i >= 0 {
		for _, o := range meetings[i+1:] {
			if o.State == StatePlanned {
				st.NextMeeting = &NextMeeting{MeetingID: o.ID, Number: numbers[o.ID], Start: in(o.Start)}
				break
			}
		}
	}
	return st, nil
}

// reviewedBy is the meeting whose task m reviews: of the group's
// meetings, the one that ended last before m started (or before now, if m
// has not started). nil if none.
func reviewedBy(meetings []Meeting, m Meeting, now time.Time) *Meeting {
	before := m.Started
	if before.IsZero() {
		before = now
	}
	var best *Meeting
	for i := range meetings {
		o := &meetings[i]
		if o.ID == m.ID || o.State != StateEnded || o.Ended.After(before) {
			continue
		}
		if best == nil || o.Ended.After(best.Ended) {
			best = o
		}
	}
	return best
}

// sharedNotes are the notes on m's task that their writers shared, by
// name.
func sharedNotes(m Meeting, byID map[string]Person) []SharedNote {
	var out []SharedNote
	if m.Task == nil {
		return out
	}
	for id, n := range m.Task.Notes {
		if n.Shared {
			out = append(out, SharedNote{PersonID: id, Name: byID[id].Name, Done: n.Done, Note: n.Note, Updated: n.Updated})
		}
	}
	slices.SortFunc(out, func(a, b SharedNote) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.PersonID, b.PersonID)
	})
	return out
}
