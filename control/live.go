package control

import (
	"context"
	"slices"
	"time"
)

// The facilitator's operations on a running meeting's structure
// (structure.go has the rules). Each takes the acting principal and
// returns the meeting's new LiveState; the observer hears of it too, so
// a change made on the group page reaches the room. Start, End and the
// phase and speaker steps are for those who may run the meeting (a
// facilitator, the meeting's chair, an admin); Pass is a member's own.

// liveCtx is one change of a meeting's structure inside a transaction.
type liveCtx struct {
	s      *Service
	tx     Tx
	m      *Meeting
	g      Group
	people map[string]Person
	now    time.Time
	// also are other meetings whose LiveState the change alters (a
	// running meeting reviewing a task that changed).
	also []string
}

func (s *Service) newLiveCtx(tx Tx, m *Meeting, g Group) (*liveCtx, error) {
	people, err := tx.People(g.ID)
	if err != nil {
		return nil, err
	}
	c := &liveCtx{s: s, tx: tx, m: m, g: g, people: map[string]Person{}, now: s.now()}
	for _, p := range people {
		c.people[p.ID] = p
	}
	return c, nil
}

// takesTurns reports whether the person takes turns in rounds: an active
// person who counts for quorum.
func (c *liveCtx) takesTurns(id string) bool {
	p, ok := c.people[id]
	return ok && p.Active() && counts(c.g, p.Role)
}

// presentTakers are the turn-takers in the room.
func (c *liveCtx) presentTakers() []Person {
	var out []Person
	for id := range c.m.Attendance {
		if c.m.Present(id) && c.takesTurns(id) {
			out = append(out, c.people[id])
		}
	}
	return out
}

func (c *liveCtx) running() error {
	if c.m.State != StateRunning {
		return wrapf(ErrTransition, "the meeting is %s, not running", c.m.State)
	}
	return nil
}

// phase is the current phase, or ErrNoPhase.
func (c *liveCtx) phase() (Phase, error) {
	if err := c.running(); err != nil {
		return Phase{}, err
	}
	l := c.m.live()
	if l.Phase < 0 || l.Phase >= len(c.m.Phases) {
		return Phase{}, ErrNoPhase
	}
	return c.m.Phases[l.Phase], nil
}

// round is the current phase's round, or ErrNotRound.
func (c *liveCtx) round() (*Round, error) {
	ph, err := c.phase()
	if err != nil {
		return nil, err
	}
	r := c.m.live().round()
	if !ph.Round || r == nil {
		return nil, ErrNotRound
	}
	return r, nil
}

// leavePhase closes the current phase: its running turn is done, its
// span in the history ends.
func (c *liveCtx) leavePhase(at time.Time) {
	l := c.m.live()
	if r := l.round(); r != nil {
		if i := r.current(); i >= 0 {
			r.end(i, TurnDone, at)
		}
	}
	if n := len(l.History); n > 0 && l.History[n-1].To.IsZero() {
		l.History[n-1].To = at
	}
	l.Phase, l.Extended = -1, 0
}

// enterPhase makes phase i current from now; a round is begun, or resumed
// with the turn-takers present now added. fresh forgets the saved rounds
// first (after an edit of the phases, whose indexes they are by).
func (c *liveCtx) enterPhase(i int, fresh bool) {
	l := c.m.live()
	from := l.Phase
	if from >= 0 {
		c.leavePhase(c.now)
	}
	if fresh {
		l.Rounds = nil
	}
	ph := c.m.Phases[i]
	l.Phase, l.PhaseStarted, l.Extended = i, c.now, 0
	l.History = append(l.History, PhaseSpan{Phase: i, Name: ph.Name, From: c.now})
	if len(l.History) > maxHistory {
		l.History = slices.Delete(l.History, 0, len(l.History)-maxHistory)
	}
	if ph.Round {
		if l.Rounds == nil {
			l.Rounds = map[int]*Round{}
		}
		r := l.Rounds[i]
		if r == nil {
			r = newRound(c.presentTakers(), c.g.RoundOrder, c.s.ids.NewID())
			l.Rounds[i] = r
		} else {
			c.resync(r)
		}
		if r.current() < 0 {
			r.startNext(c.now)
		}
	}
	l.note(Event{Kind: EventPhase, MeetingID: c.m.ID, GroupID: c.m.GroupID, At: c.now, Phase: i, From: from})
}

// resync brings a resumed round up to date with who is in the room.
func (c *liveCtx) resync(r *Round) {
	for i := range r.Turns {
		if r.Turns[i].Status == TurnWaiting {
			r.Turns[i].Away = !c.m.Present(r.Turns[i].PersonID)
		}
	}
	takers := c.presentTakers()
	slices.SortFunc(takers, func(x, y Person) int { return compareIDs(x.ID, y.ID) })
	for _, p := range takers {
		r.arrive(p.ID)
	}
}

func compareIDs(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// startTx starts an open meeting: running, in its first phase.
func (s *Service) startTx(tx Tx, m *Meeting, g Group) error {
	if m.State != StateOpen {
		return wrapf(ErrTransition, "only an open meeting can start; this one is %s", m.State)
	}
	c, err := s.newLiveCtx(tx, m, g)
	if err != nil {
		return err
	}
	m.State, m.Started = StateRunning, c.now
	l := m.live()
	l.Phase, l.Rounds, l.History = -1, nil, nil
	l.note(Event{Kind: EventStarted, MeetingID: m.ID, GroupID: m.GroupID, At: c.now, Phase: -1, From: -1})
	if len(m.Phases) > 0 {
		c.enterPhase(0, false)
	}
	return nil
}

// finishTx ends an open or running meeting at at: everyone still present
// leaves then, the current phase closes, and the held decision is made.
// auto: it ends by itself, its room having been empty.
func (s *Service) finishTx(tx Tx, m *Meeting, g Group, at time.Time, auto bool) error {
	if !m.State.RoomOpen() {
		return wrapf(ErrTransition, "only an open or running meeting can end; this one is %s", m.State)
	}
	for id, ivs := range m.Attendance {
		if n := len(ivs); n > 0 && ivs[n-1].To.IsZero() {
			ivs[n-1].To = maxTime(at, ivs[n-1].From)
			m.Attendance[id] = ivs
		}
	}
	people, err := tx.People(g.ID)
	if err != nil {
		return err
	}
	r := countHeld(*m, countingIDs(g, people), quorumOf(g, people), s.minHeldOf(g), at)
	c := &liveCtx{s: s, tx: tx, m: m, g: g, now: at}
	c.leavePhase(at)
	m.State, m.Ended, m.Result = StateEnded, at, &r
	m.live().note(Event{Kind: EventEnded, MeetingID: m.ID, GroupID: m.GroupID, At: at, Held: r.Held, Auto: auto, Phase: -1, From: -1})
	return nil
}

// liveOp runs fn on a meeting as p (who must be able to run it when run
// is set) and stores the result, answering the new LiveState.
func (s *Service) liveOp(ctx context.Context, p Principal, meetingID string, run bool, fn func(c *liveCtx, a actor) error) (LiveState, error) {
	if err := s.settle(ctx, meetingID); err != nil {
		return LiveState{}, err
	}
	var ch changes
	err := s.update(ctx, func(tx Tx) error {
		m, g, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		if run && !a.canRun(m) {
			return ErrNotFacilitator
		}
		c, err := s.newLiveCtx(tx, &m, g)
		if err != nil {
			return err
		}
		if err := fn(c, a); err != nil {
			return err
		}
		if err := s.putLive(tx, &m, &ch); err != nil {
			return err
		}
		return s.refresh(tx, c.also, &ch)
	})
	s.tell(err, &ch)
	if err != nil {
		return LiveState{}, err
	}
	return ch.stateOf(meetingID), nil
}

// refresh raises the version of other meetings whose state a change
// altered, collecting their new states.
func (s *Service) refresh(tx Tx, ids []string, ch *changes) error {
	for _, id := range ids {
		o, err := tx.Meeting(id)
		if err != nil {
			return err
		}
		if err := s.putLive(tx, &o, ch); err != nil {
			return err
		}
	}
	return nil
}

// LiveState returns a meeting's live state. Any person of the group, or
// an admin.
func (s *Service) LiveState(ctx context.Context, p Principal, meetingID string) (LiveState, error) {
	if err := s.settle(ctx, meetingID); err != nil {
		return LiveState{}, err
	}
	var st LiveState
	err := s.view(ctx, func(tx Tx) error {
		m, _, _, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		st, err = s.liveState(tx, m)
		return err
	})
	return st, err
}

// Start starts an open meeting: it runs, in its first phase (StartMeeting,
// answering the live state).
func (s *Service) Start(ctx context.Context, p Principal, meetingID string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, _ actor) error {
		return c.s.startTx(c.tx, c.m, c.g)
	})
}

// End ends an open or running meeting (EndMeeting, answering the live
// state).
func (s *Service) End(ctx context.Context, p Principal, meetingID string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, _ actor) error {
		return c.s.finishTx(c.tx, c.m, c.g, c.now, false)
	})
}

// NextPhase moves a running meeting to its next phase: ErrLastPhase in
// the last one (end the meeting instead), or when it has none.
func (s *Service) NextPhase(ctx context.Context, p Principal, meetingID string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, _ actor) error {
		if err := c.running(); err != nil {
			return err
		}
		i := c.m.live().Phase + 1
		if i >= len(c.m.Phases) {
			return wrapf(ErrLastPhase, "phase %d is the last of %d", i, len(c.m.Phases))
		}
		c.enterPhase(i, false)
		return nil
	})
}

// PreviousPhase moves a running meeting back one phase: ErrFirstPhase in
// the first. The phase's clock starts again; a round resumes where it
// was.
func (s *Service) PreviousPhase(ctx context.Context, p Principal, meetingID string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, _ actor) error {
		if _, err := c.phase(); err != nil {
			return err
		}
		i := c.m.live().Phase - 1
		if i < 0 {
			return ErrFirstPhase
		}
		c.enterPhase(i, false)
		return nil
	})
}

// NextSpeaker ends the running turn (done) and starts the next waiting
// one of someone present. ErrNotRound outside a round; ErrRoundOver when
// no turn is running and none waits.
func (s *Service) NextSpeaker(ctx context.Context, p Principal, meetingID string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, _ actor) error {
		r, err := c.round()
		if err != nil {
			return err
		}
		cur := r.current()
		if cur < 0 && !r.hasNext() {
			return ErrRoundOver
		}
		if cur >= 0 {
			r.end(cur, TurnDone, c.now)
		}
		c.advance(r)
		return nil
	})
}

// advance starts the next turn, with a fresh extension.
func (c *liveCtx) advance(r *Round) {
	c.m.live().Extended = 0
	r.startNext(c.now)
}

// Pass gives up the acting member's turn: the running one (the next
// starts) or, in advance, their waiting one. Only people who take turns
// (ErrForbidden for others: observers, facilitators who run the round,
// the admin); ErrNoTurn when they have no turn running or waiting.
func (s *Service) Pass(ctx context.Context, p Principal, meetingID string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, false, func(c *liveCtx, a actor) error {
		if a.admin || !c.takesTurns(a.id()) {
			return wrapf(ErrForbidden, "only those who take turns in rounds can pass")
		}
		return c.endTurnOf(a.id(), TurnPassed)
	})
}

// Skip skips a person's turn, running (the next starts) or waiting. They
// are not given the turn again when they come back.
func (s *Service) Skip(ctx context.Context, p Principal, meetingID, personID string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, _ actor) error {
		return c.endTurnOf(personID, TurnSkipped)
	})
}

func (c *liveCtx) endTurnOf(id string, st TurnStatus) error {
	r, err := c.round()
	if err != nil {
		return err
	}
	i := r.coming(id)
	if i < 0 {
		return wrapf(ErrNoTurn, "%s has no turn running or waiting", id)
	}
	running := r.Turns[i].Status == TurnCurrent
	r.end(i, st, c.now)
	r.Turns[i].Away = false
	if running {
		c.advance(r)
	}
	return nil
}

// ExtraTurn gives a person present who takes turns one more turn, at the
// end of the order; it starts at once when no turn is running. ErrNoTurn
// when they already have one running or waiting.
func (s *Service) ExtraTurn(ctx context.Context, p Principal, meetingID, personID string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, _ actor) error {
		r, err := c.round()
		if err != nil {
			return err
		}
		if _, ok := c.people[personID]; !ok {
			return wrapf(ErrNotFound, "no person %s in the group", personID)
		}
		if !c.takesTurns(personID) {
			return invalid("person", "takes no turns in rounds (observers, and facilitators unless the group counts them, do not)")
		}
		if !c.m.Present(personID) {
			return ErrNotPresent
		}
		if r.coming(personID) >= 0 {
			return wrapf(ErrNoTurn, "%s already has a turn running or waiting", personID)
		}
		if len(r.Turns) >= maxTurns {
			return wrapf(ErrConflict, "the round has its maximum of %d turns", maxTurns)
		}
		r.Turns = append(r.Turns, Turn{PersonID: personID, Status: TurnWaiting, Extra: true})
		if r.current() < 0 {
			c.advance(r)
		}
		return nil
	})
}

// Reorder sets the order of the waiting turns: order lists the person of
// each waiting turn once. Turns already taken (and the running one) stay
// before them.
func (s *Service) Reorder(ctx context.Context, p Principal, meetingID string, order []string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, _ actor) error {
		r, err := c.round()
		if err != nil {
			return err
		}
		return r.reorder(order)
	})
}

// Extend adds d (1–60 min) to the current phase's timebox, or in a round
// to the running turn's (ErrRoundOver when none runs).
func (s *Service) Extend(ctx context.Context, p Principal, meetingID string, d time.Duration) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, _ actor) error {
		ph, err := c.phase()
		if err != nil {
			return err
		}
		if d < minExtension || d > maxExtension {
			return invalid("by", "must be %v–%v", minExtension, maxExtension)
		}
		if ph.Round {
			if r := c.m.live().round(); r == nil || r.current() < 0 {
				return wrapf(ErrRoundOver, "no turn is running to extend")
			}
		}
		l := c.m.live()
		if l.Extended+d > maxMeetingLen {
			return invalid("by", "the phase would be extended by more than %v", maxMeetingLen)
		}
		l.Extended += d
		return nil
	})
}

// presenceLive updates the structure for a person who arrived (in) or
// left at at: a round in progress gains a late joiner or passes over a
// leaver. It is part of Joined, Resumed and Left.
func (s *Service) presenceLive(tx Tx, m *Meeting, personID string, in bool, at time.Time) error {
	if m.State != StateRunning {
		return nil
	}
	r := m.live().round()
	if r == nil {
		return nil
	}
	g, err := tx.Group(m.GroupID)
	if err != nil {
		return err
	}
	c, err := s.newLiveCtx(tx, m, g)
	if err != nil {
		return err
	}
	if in {
		if c.takesTurns(personID) {
			r.arrive(personID)
		}
		return nil
	}
	if _, speaker := r.depart(personID, at); speaker {
		c.advance(r)
	}
	return nil
}

// restructure follows an edit of a running meeting's phases: the current
// phase stays by its index (the last one if the list got shorter) with its
// clock, unless it changed between a round and not; rounds of other phases
// are forgotten, since their indexes may now mean other phases.
func (s *Service) restructure(tx Tx, m *Meeting, old []Phase) error {
	if m.State != StateRunning {
		return nil
	}
	g, err := tx.Group(m.GroupID)
	if err != nil {
		return err
	}
	c, err := s.newLiveCtx(tx, m, g)
	if err != nil {
		return err
	}
	l := m.live()
	i := l.Phase
	switch {
	case len(m.Phases) == 0:
		c.leavePhase(c.now)
		l.Rounds = nil
	case i < 0:
		c.enterPhase(0, true)
	case i >= len(m.Phases) || m.Phases[i].Round != (i < len(old) && old[i].Round):
		c.enterPhase(min(i, len(m.Phases)-1), true)
	default:
		keep := l.Rounds[i]
		l.Rounds = nil
		if keep != nil {
			l.Rounds = map[int]*Round{i: keep}
		}
	}
	return nil
}

// settle ends the meeting if its room has been empty for the grace
// period while running, at the moment the grace ran out: before any
// operation on it, so that what happens does not depend on when the
// server's periodic EndEmptyMeetings last ran.
func (s *Service) settle(ctx context.Context, meetingID string) error {
	_, err := s.settled(ctx, meetingID)
	return err
}

// settled is settle, reporting whether it ended the meeting.
func (s *Service) settled(ctx context.Context, meetingID string) (bool, error) {
	due := false
	err := s.view(ctx, func(tx Tx) error {
		m, err := tx.Meeting(meetingID)
		if isNotFound(err) {
			return nil
		}
		_, due = s.emptyDue(m)
		return err
	})
	if err != nil || !due {
		return false, err
	}
	var ch changes
	ended := false
	err = s.update(ctx, func(tx Tx) error {
		m, err := tx.Meeting(meetingID)
		if err != nil {
			return err
		}
		at, due := s.emptyDue(m)
		if !due {
			return nil
		}
		ended = true
		g, err := tx.Group(m.GroupID)
		if err != nil {
			return err
		}
		if err := s.finishTx(tx, &m, g, at, true); err != nil {
			return err
		}
		return s.putLive(tx, &m, &ch)
	})
	s.tell(err, &ch)
	return ended && err == nil, err
}

// emptyDue reports whether m is running with nobody in its room since at
// least the grace period, and when the grace ran out.
func (s *Service) emptyDue(m Meeting) (time.Time, bool) {
	if m.State != StateRunning {
		return time.Time{}, false
	}
	since := m.Started
	for _, ivs := range m.Attendance {
		for _, iv := range ivs {
			if iv.To.IsZero() {
				return time.Time{}, false
			}
			since = maxTime(since, iv.To)
		}
	}
	limit := since.Add(s.emptyGrace)
	return limit, !s.now().Before(limit)
}

// EndEmptyMeetings ends every running meeting whose room has been empty
// for the grace period (Options.EmptyGrace), each at the moment its grace
// ran out, closing its attendance and making the held decision; the
// observer hears of each. The server calls it periodically (every minute,
// say); how often changes only how soon, never the recorded end. It
// returns the IDs of the meetings it ended.
func (s *Service) EndEmptyMeetings(ctx context.Context) ([]string, error) {
	due, err := s.meetingIDsWhere(ctx, func(m Meeting) bool {
		_, ok := s.emptyDue(m)
		return ok
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range due {
		ended, err := s.settled(ctx, id)
		if err != nil {
			return out, err
		}
		if ended {
			out = append(out, id)
		}
	}
	return out, nil
}

// RunningMeetings lists the IDs of the meetings running now, sorted: for
// the server to set its "meetings running" gauge at start.
func (s *Service) RunningMeetings(ctx context.Context) ([]string, error) {
	return s.meetingIDsWhere(ctx, func(m Meeting) bool { return m.State == StateRunning })
}

// meetingIDsWhere lists, sorted, the IDs of every group's meetings for
// which keep is true, read in one view.
func (s *Service) meetingIDsWhere(ctx context.Context, keep func(Meeting) bool) ([]string, error) {
	var out []string
	err := s.view(ctx, func(tx Tx) error {
		groups, err := tx.Groups()
		if err != nil {
			return err
		}
		for _, g := range groups {
			ms, err := tx.Meetings(g.ID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if keep(m) {
					out = append(out, m.ID)
				}
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}
