package sfu

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestKeyframeRequesterCoalesces(t *testing.T) {
	var sent atomic.Int32
	k := newKeyframeRequester(time.Hour, func() { sent.Add(1) })
	defer k.stop()
	for range 100 {
		k.request()
	}
	// The first request goes out at once; the other 99 fall inside the
	// interval and become one pending request, due in an hour.
	if got := sent.Load(); got != 1 {
		t.Fatalf("sent %d keyframe requests, want 1", got)
	}
	k.mu.Lock()
	pending := k.pending != nil
	k.mu.Unlock()
	if !pending {
		t.Fatal("requests inside the interval were dropped instead of deferred")
	}
}

func TestKeyframeRequesterSendsDeferred(t *testing.T) {
	sent := make(chan struct{}, 10)
	k := newKeyframeRequester(time.Millisecond, func() { sent <- struct{}{} })
	defer k.stop()
	k.request()
	k.request() // within the interval: deferred, not dropped
	for i := range 2 {
		select {
		case <-sent:
		case <-time.After(5 * time.Second):
			t.Fatalf("request %d never sent", i+1)
		}
	}
}

func TestKeyframeRequesterStop(t *testing.T) {
	var sent atomic.Int32
	k := newKeyframeRequester(time.Millisecond, func() { sent.Add(1) })
	k.request()
	k.request() // deferred
	k.stop()
	time.Sleep(20 * time.Millisecond) // would be long enough for the deferred one to fire
	k.request()
	if got := sent.Load(); got != 1 {
		t.Fatalf("sent %d after stop, want only the first", got)
	}
}
