package control

import "time"

// Observer hears of committed changes, defined here on the consumer side
// of control's events: the server wires it to signalling (which sends each
// new LiveState to everyone in the meeting's room) and to metrics
// (meetings running and held, phase transitions). Control imports
// neither.
//
// Its methods are called after the change's transaction committed, in the
// goroutine that made the change, one change after another in the order
// they were made by that goroutine; changes made concurrently may be
// reported in either order, so a receiver compares LiveState.Version and
// keeps the highest. They must not block (hand the state to a queue) and
// may call back into the Service.
type Observer interface {
	// MeetingChanged is called after every committed change of what a
	// meeting's LiveState shows, with the new state.
	MeetingChanged(meetingID string, st LiveState)
	// Counted is called for each event metrics count.
	Counted(ev Event)
}

// EventKind is what an Event counts.
type EventKind string

// The events.
const (
	// EventStarted: a meeting started running.
	EventStarted EventKind = "started"
	// EventEnded: a meeting ended; Held says whether it counted as held,
	// Auto whether it ended by itself (its room was empty for the
	// grace period).
	EventEnded EventKind = "ended"
	// EventPhase: a running meeting entered a phase (Phase, its index;
	// From, the phase it left, -1 at the start).
	EventPhase EventKind = "phase"
)

// Event is one thing metrics count.
type Event struct {
	Kind      EventKind `json:"kind"`
	MeetingID string    `json:"meetingId"`
	GroupID   string    `json:"groupId"`
	At        time.Time `json:"at"`
	Held      bool      `json:"held,omitempty"`
	Auto      bool      `json:"auto,omitempty"`
	Phase     int       `json:"phase"`
	From      int       `json:"from"`
}

// changes collects what to tell the observer once a transaction commits.
type changes struct {
	states []LiveState
	events []Event
}

// stateOf is the last state collected for meetingID.
func (c *changes) stateOf(meetingID string) LiveState {
	for i := len(c.states) - 1; i >= 0; i-- {
		if c.states[i].MeetingID == meetingID {
			return c.states[i]
		}
	}
	return LiveState{}
}

// tell reports collected changes when the transaction committed (err is
// nil).
func (s *Service) tell(err error, c *changes) {
	if err != nil || s.observer == nil {
		return
	}
	for _, st := range c.states {
		s.observer.MeetingChanged(st.MeetingID, st)
	}
	for _, ev := range c.events {
		s.observer.Counted(ev)
	}
}
