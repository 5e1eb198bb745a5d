package sfu

import (
	"sync/atomic"
	"testing"
	"time"

	"piiri/internal/clock"
)

func newFakeClock() *clock.Fake {
	c := clock.NewFake(time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC))
	c.Sync = true // a timer's send has happened when Advance returns
	return c
}

func TestKeyframeRequesterCoalesces(t *testing.T) {
	c := newFakeClock()
	var sent atomic.Int32
	k := newKeyframeRequester(c, time.Second, func() { sent.Add(1) })
	defer k.stop()
	for range 100 {
		k.request()
	}
	// The first request goes out at once; the other 99 fall inside the
	// interval and become one pending request, due in a second.
	if got := sent.Load(); got != 1 {
		t.Fatalf("sent %d keyframe requests, want 1", got)
	}
	if c.Pending() != 1 {
		t.Fatalf("%d timers pending: requests inside the interval were dropped instead of deferred", c.Pending())
	}
	c.Advance(999 * time.Millisecond)
	if got := sent.Load(); got != 1 {
		t.Fatalf("sent %d before the interval ended, want 1", got)
	}
	c.Advance(time.Millisecond)
	if got := sent.Load(); got != 2 {
		t.Fatalf("sent %d when the interval ended, want 2", got)
	}
	c.Advance(time.Hour)
	if got := sent.Load(); got != 2 {
		t.Fatalf("sent %d with no new request, want 2", got)
	}
}

func TestKeyframeRequesterSendsDeferred(t *testing.T) {
	c := newFakeClock()
	var sent atomic.Int32
	k := newKeyframeRequester(c, 500*time.Millisecond, func() { sent.Add(1) })
	defer k.stop()
	k.request()
	c.Advance(200 * time.Millisecond)
	k.request() // within the interval: deferred to 500 ms after the first, not dropped
	c.Advance(299 * time.Millisecond)
	if got := sent.Load(); got != 1 {
		t.Fatalf("sent %d, want 1 until the interval has passed", got)
	}
	c.Advance(time.Millisecond)
	if got := sent.Load(); got != 2 {
		t.Fatalf("sent %d, want the deferred request at 500 ms", got)
	}
	// The deferred send counts as the last one: a request right after it
	// waits a full interval again.
	k.request()
	if got := sent.Load(); got != 2 {
		t.Fatalf("sent %d right after the deferred one, want 2", got)
	}
	c.Advance(500 * time.Millisecond)
	if got := sent.Load(); got != 3 {
		t.Fatalf("sent %d, want 3", got)
	}
	// After a quiet interval, a request goes out at once.
	c.Advance(time.Second)
	k.request()
	if got := sent.Load(); got != 4 {
		t.Fatalf("sent %d after a quiet interval, want 4", got)
	}
}

func TestKeyframeRequesterStop(t *testing.T) {
	c := newFakeClock()
	var sent atomic.Int32
	k := newKeyframeRequester(c, time.Millisecond, func() { sent.Add(1) })
	k.request()
	k.request() // deferred
	k.stop()
	if c.Pending() != 0 {
		t.Error("stop left the deferred request's timer running")
	}
	c.Advance(time.Hour) // long past when the deferred one was due
	k.request()
	if got := sent.Load(); got != 1 {
		t.Fatalf("sent %d after stop, want only the first", got)
	}
}
