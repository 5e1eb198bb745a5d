package sfu

import (
	"sync"
	"time"

	"piiri/internal/clock"
)

// keyframeRequester rate-limits keyframe requests (PLI) to one publisher's
// video track. A request within the interval after the last one is not
// dropped but coalesced into one sent when the interval ends: a subscriber
// that joins just after another must still get its keyframe, or it shows a
// frozen tile until the browser's own retry.
type keyframeRequester struct {
	clock    clock.Clock
	interval time.Duration
	send     func()

	mu      sync.Mutex
	last    time.Time
	pending clock.Timer
	stopped bool
}

func newKeyframeRequester(c clock.Clock, interval time.Duration, send func()) *keyframeRequester {
	return &keyframeRequester{clock: c, interval: interval, send: send}
}

// request asks for a keyframe; it never blocks on the network.
func (k *keyframeRequester) request() {
	k.mu.Lock()
	if k.stopped || k.pending != nil {
		k.mu.Unlock()
		return
	}
	now := k.clock.Now()
	if wait := k.interval - now.Sub(k.last); wait > 0 {
		k.pending = k.clock.AfterFunc(wait, k.fire)
		k.mu.Unlock()
		return
	}
	k.last = now
	k.mu.Unlock()
	k.send() // outside the lock: it writes RTCP to the network
}

func (k *keyframeRequester) fire() {
	k.mu.Lock()
	k.pending = nil
	if k.stopped {
		k.mu.Unlock()
		return
	}
	k.last = k.clock.Now()
	k.mu.Unlock()
	k.send()
}

// stop cancels a pending request; later requests do nothing.
func (k *keyframeRequester) stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stopped = true
	if k.pending != nil {
		k.pending.Stop()
		k.pending = nil
	}
}
