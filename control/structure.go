package control

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// The running structure of a meeting, kept in its record (Meeting.Live) so
// that a server restart mid-meeting keeps the phase, its clock and the
// rounds.
//
// Phases come from the meeting's Phases (copied from the group's template
// when the meeting was planned, editable before and during the meeting).
// Starting the meeting enters the first phase; NextPhase and
// PreviousPhase move one step and refuse to go past the ends
// (ErrLastPhase, ErrFirstPhase). Entering a phase restarts its clock; a
// phase's deadline is its start plus its timebox plus any extensions.
//
// A round phase gives each present member a turn, one after another, each
// with the phase's timebox (so a round's deadline is the current turn's).
// Who takes turns: the people who count for quorum (members, the chair
// among them; facilitators too when the group counts them, as in pair
// mentoring). Facilitators do not by default because they run the round
// and keep its time; observers never do. The order is shuffled (from the
// injected IDSource, so tests are deterministic) or alphabetical, a group
// setting, and is fixed when the round begins with the turn-takers present
// then. After that:
//
//   - A late joiner is appended at the end.
//   - Someone who leaves keeps their place while away; if they are back
//     before the round reaches them they take their turn there, otherwise
//     the round passes over them (skipped, away) and, should they come
//     back later, they are appended again like a late joiner. A speaker
//     who leaves ends their turn (skipped, away) and the next one starts.
//   - A member may pass: their running turn ends, or a waiting one is
//     given up in advance.
//   - The facilitator may skip someone (running or waiting; not
//     re-appended when they come back, since that was a decision), give
//     someone present an extra turn (appended; it starts at once when no
//     turn is running), and reorder the waiting turns.
//
// Leaving a round phase ends the running turn (done); going back to it
// resumes the round where it was, with the turn-takers present now added.

// PhaseKind says what a phase is for.
type PhaseKind string

// The kinds of phase.
const (
	// PhasePlain is any other phase (the theme, a check-in).
	PhasePlain PhaseKind = ""
	// PhaseReview is the review of the task set last time: the room
	// shows that task and the notes members shared about it.
	PhaseReview PhaseKind = "review"
	// PhaseClosing is where the next task is set and the next meeting
	// confirmed.
	PhaseClosing PhaseKind = "closing"
)

func (k PhaseKind) valid() bool { return k == PhasePlain || k == PhaseReview || k == PhaseClosing }

// RoundOrder is how a round's turns are ordered.
type RoundOrder string

// The orders. The zero value is shuffled.
const (
	RoundShuffled     RoundOrder = "shuffled"
	RoundAlphabetical RoundOrder = "alphabetical"
)

func (o RoundOrder) valid() bool { return o == "" || o == RoundShuffled || o == RoundAlphabetical }

// TurnStatus is where one turn of a round is.
type TurnStatus string

// The turn statuses. A turn is waiting, then current, then done, passed
// or skipped; a waiting turn may also be passed or skipped directly.
const (
	TurnWaiting TurnStatus = "waiting"
	TurnCurrent TurnStatus = "current"
	TurnDone    TurnStatus = "done"
	TurnPassed  TurnStatus = "passed"
	TurnSkipped TurnStatus = "skipped"
)

// Live is a meeting's running structure as stored.
type Live struct {
	// Version rises by one with every committed change of the meeting
	// that its LiveState shows, so clients can drop stale updates.
	Version int64 `json:"version"`
	// Phase is the index in Meeting.Phases of the current phase; -1
	// before the start, after the end, or when there are no phases.
	Phase        int       `json:"phase"`
	PhaseStarted time.Time `json:"phaseStarted,omitzero"`
	// Extended is the time added to the current phase (to the current
	// turn, in a round; it starts again from 0 with each turn).
	Extended time.Duration `json:"extended,omitempty"`
	// Rounds are the rounds by phase index, kept so that going back to a
	// round phase resumes it.
	Rounds map[int]*Round `json:"rounds,omitempty"`
	// History is when each phase ran: the timeline for the recordings'
	// turn index.
	History []PhaseSpan `json:"history,omitempty"`

	pending []Event // for the observer once the change commits; not stored
}

// Round is one round's turns in order.
type Round struct {
	Turns []Turn `json:"turns"`
}

// Turn is one person's turn in a round.
type Turn struct {
	PersonID string     `json:"personId"`
	Status   TurnStatus `json:"status"`
	// Extra: given by the facilitator beyond the person's own turn.
	Extra bool `json:"extra,omitempty"`
	// Away: the person is not in the room (for a waiting turn), or was
	// not when the round reached them (for a skipped one).
	Away    bool      `json:"away,omitempty"`
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`
}

// PhaseSpan is one stretch of a phase; To is zero while it runs.
type PhaseSpan struct {
	Phase int       `json:"phase"`
	Name  LocalText `json:"name"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to,omitzero"`
}

// Bounds, so that no sequence of requests grows a record without end.
const (
	maxTurns        = 500
	maxHistory      = 200
	maxExtension    = time.Hour // per request
	minExtension    = time.Minute
	maxTaskLen      = 2000
	maxTaskNoteLen  = 1000
	maxFeedbackText = 1000
)

// live returns m's structure, making it when the meeting has none yet.
func (m *Meeting) live() *Live {
	if m.Live == nil {
		m.Live = &Live{Phase: -1}
	}
	return m.Live
}

func (l *Live) note(ev Event) { l.pending = append(l.pending, ev) }

// round is the current phase's round, or nil.
func (l *Live) round() *Round {
	if l == nil || l.Phase < 0 {
		return nil
	}
	return l.Rounds[l.Phase]
}

// current is the index of the running turn, -1 if none.
func (r *Round) current() int {
	return slices.IndexFunc(r.Turns, func(t Turn) bool { return t.Status == TurnCurrent })
}

// coming is the index of id's running or waiting turn, -1 if none (a
// person has at most one).
func (r *Round) coming(id string) int {
	return slices.IndexFunc(r.Turns, func(t Turn) bool {
		return t.PersonID == id && (t.Status == TurnCurrent || t.Status == TurnWaiting)
	})
}

// end ends turn i with status at at.
func (r *Round) end(i int, st TurnStatus, at time.Time) {
	r.Turns[i].Status, r.Turns[i].Ended = st, at
}

// startNext makes the first waiting turn of someone present the current
// one, passing over (skipping) waiting turns of people who are away. It
// reports whether a turn started.
func (r *Round) startNext(at time.Time) bool {
	for i := range r.Turns {
		t := &r.Turns[i]
		if t.Status != TurnWaiting {
			continue
		}
		if t.Away {
			t.Status, t.Ended = TurnSkipped, at
			continue
		}
		t.Status, t.Started = TurnCurrent, at
		return true
	}
	return false
}

// hasNext reports whether startNext would start a turn.
func (r *Round) hasNext() bool {
	return slices.ContainsFunc(r.Turns, func(t Turn) bool { return t.Status == TurnWaiting && !t.Away })
}

// arrive: id, a turn-taker, is in the room. A waiting turn of theirs is
// theirs again; someone with no turn yet, or whose only chance passed
// while they were away, is appended. It reports whether the round
// changed.
func (r *Round) arrive(id string) bool {
	if i := r.coming(id); i >= 0 {
		if r.Turns[i].Away {
			r.Turns[i].Away = false
			return true
		}
		return false
	}
	last := -1
	for i, t := range r.Turns {
		if t.PersonID == id {
			last = i
		}
	}
	if last >= 0 && !(r.Turns[last].Status == TurnSkipped && r.Turns[last].Away) {
		return false
	}
	if len(r.Turns) >= maxTurns {
		return false
	}
	r.Turns = append(r.Turns, Turn{PersonID: id, Status: TurnWaiting})
	return true
}

// depart: id left at at. A waiting turn waits for them, away; a running
// one ends. It reports whether the round changed and whether the speaker
// left.
func (r *Round) depart(id string, at time.Time) (changed, speaker bool) {
	i := r.coming(id)
	if i < 0 {
		return false, false
	}
	t := &r.Turns[i]
	if t.Status == TurnCurrent {
		t.Status, t.Away, t.Ended = TurnSkipped, true, at
		return true, true
	}
	t.Away = true
	return true, false
}

// newRound orders the turn-takers present: alphabetically by name, or
// shuffled with seed.
func newRound(people []Person, order RoundOrder, seed string) *Round {
	people = slices.Clone(people)
	slices.SortFunc(people, func(x, y Person) int {
		if order == RoundAlphabetical {
			if c := strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)); c != 0 {
				return c
			}
		}
		return strings.Compare(x.ID, y.ID)
	})
	if order != RoundAlphabetical {
		h := sha256.Sum256([]byte(seed))
		rng := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(h[:8]), binary.LittleEndian.Uint64(h[8:16])))
		rng.Shuffle(len(people), func(i, j int) { people[i], people[j] = people[j], people[i] })
	}
	r := &Round{Turns: make([]Turn, 0, len(people))}
	for _, p := range people {
		r.Turns = append(r.Turns, Turn{PersonID: p.ID, Status: TurnWaiting})
	}
	return r
}

// reorder puts the waiting turns in the order of ids, which must name
// each of them once; the others keep their order before them.
func (r *Round) reorder(ids []string) error {
	var kept, waiting []Turn
	for _, t := range r.Turns {
		if t.Status == TurnWaiting {
			waiting = append(waiting, t)
		} else {
			kept = append(kept, t)
		}
	}
	if len(ids) != len(waiting) {
		return invalid("order", "must list the %d waiting turns, each once (it lists %d)", len(waiting), len(ids))
	}
	seen := map[string]bool{}
	for i, id := range ids {
		j := slices.IndexFunc(waiting, func(t Turn) bool { return t.PersonID == id })
		if j < 0 || seen[id] {
			return invalid("order", "order[%d]: %q is not a waiting turn, or is listed twice", i, id)
		}
		seen[id] = true
		kept = append(kept, waiting[j])
	}
	r.Turns = kept
	return nil
}
