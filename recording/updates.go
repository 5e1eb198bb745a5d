package recording

import "sync"

// updates is the mailbox between Update and the worker that applies the
// states: the latest per meeting, and how far the worker has got.
type updates struct {
	mu      sync.Mutex
	cond    *sync.Cond // signalled when applied rises or the worker stops
	pending map[string]update
	queued  uint64 // Updates made
	applied uint64 // Updates applied (or superseded)
	stopped bool
}

// update is the latest recorded-people state of one meeting waiting to be
// applied.
type update struct {
	version int64
	ended   bool
	people  []string
}

func newUpdates() *updates {
	u := &updates{pending: make(map[string]update)}
	u.cond = sync.NewCond(&u.mu)
	return u
}

// Update is SetRecorded without the wait: it never blocks on a writer, so
// control's observer can call it in the goroutine that made the change.
// The states are applied in the background, in version order per meeting;
// when several wait for one meeting only the latest is applied (an older
// one would be undone at once anyway).
func (s *Service) Update(meetingID string, version int64, ended bool, people []string) {
	u := s.updates
	u.mu.Lock()
	if p, ok := u.pending[meetingID]; !ok || version >= p.version {
		u.pending[meetingID] = update{version: version, ended: ended, people: append([]string(nil), people...)}
	}
	u.queued++
	u.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // the worker is already due to look
	}
}

// applyUpdates is the worker that applies Update's states until Close.
func (s *Service) applyUpdates() {
	u := s.updates
	defer close(s.workerDone)
	defer func() {
		u.mu.Lock()
		u.stopped = true
		u.cond.Broadcast()
		u.mu.Unlock()
	}()
	for {
		select {
		case <-s.wake:
		case <-s.stopWorker:
			return
		}
		u.mu.Lock()
		batch, upTo := u.pending, u.queued
		u.pending = make(map[string]update)
		u.mu.Unlock()
		for id, p := range batch {
			s.SetRecorded(id, p.version, p.ended, p.people)
		}
		u.mu.Lock()
		u.applied = upTo
		u.cond.Broadcast()
		u.mu.Unlock()
	}
}

// Settled waits until every Update made before it has been applied.
func (s *Service) Settled() {
	u := s.updates
	u.mu.Lock()
	defer u.mu.Unlock()
	want := u.queued
	for u.applied < want && !u.stopped {
		u.cond.Wait()
	}
}
