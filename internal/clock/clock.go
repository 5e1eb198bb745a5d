// Package clock is the seam through which piiri's timers and "now" are
// injected: the real clock in production, a fake one in tests, so that
// rules about time (resume grace periods, keyframe rate limits, meeting
// timeboxes) are tested by moving time instead of sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and starts timers.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a timer started by AfterFunc.
type Timer interface {
	// Stop prevents the timer from firing; it reports false when the
	// timer had already fired or been stopped.
	Stop() bool
}

// Real is the system clock.
type Real struct{}

// Now implements Clock.
func (Real) Now() time.Time { return time.Now() }

// AfterFunc implements Clock.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Fake is a clock that moves only when told to. Timers fire, in order of
// their deadlines, during Advance (each in its own goroutine, as real timers
// do, unless Sync is set). The zero value starts at the zero time; use
// NewFake for a readable start.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	seq    uint64
	// Sync makes timers fire in the goroutine that calls Advance, one
	// after another, so a test sees their effects when Advance returns.
	Sync bool
}

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

type fakeTimer struct {
	c       *Fake
	at      time.Time
	seq     uint64 // creation order, to break ties
	f       func()
	stopped bool
	fired   bool
}

// Now implements Clock.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc implements Clock.
func (c *Fake) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return t
}

// Stop implements Timer.
func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.stopped || t.fired {
		return false
	}
	t.stopped = true
	return true
}

// Advance moves the clock forward by d, firing every timer whose deadline
// is reached, each at its own deadline (Now, seen from a timer's function,
// is at least that deadline).
func (c *Fake) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		next := c.nextDueLocked(end)
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		if next.at.After(c.now) {
			c.now = next.at
		}
		next.fired = true
		sync := c.Sync
		c.mu.Unlock()
		if sync {
			next.f()
		} else {
			go next.f()
		}
	}
}

// Pending is the number of timers that have neither fired nor been stopped.
func (c *Fake) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped && !t.fired {
			n++
		}
	}
	return n
}

// nextDueLocked removes finished timers and returns the earliest live one
// due by end, or nil.
func (c *Fake) nextDueLocked(end time.Time) *fakeTimer {
	live := c.timers[:0]
	var next *fakeTimer
	for _, t := range c.timers {
		if t.stopped || t.fired {
			continue
		}
		live = append(live, t)
		if t.at.After(end) {
			continue
		}
		if next == nil || t.at.Before(next.at) || t.at.Equal(next.at) && t.seq < next.seq {
			next = t
		}
	}
	clear(c.timers[len(live):])
	c.timers = live
	return next
}
