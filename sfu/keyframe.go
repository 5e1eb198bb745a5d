package sfu

import (
	"sync"
	"time"
)

// keyframeRequester rate-limits keyframe requests (PLI) to one publisher's
// video track. A request within the interval after the last one is not
// dropped but coalesced into one sent when the interval ends: a subscriber
// that joins just after another must still get its keyframe, or it shows a
// frozen tile until the browser's own retry.
type keyframeRequester struct {
	interval time.Duration
	send     func()

	mu      sync.Mutex
	last    time.Time
	pending *time.Timer
	stopped bool
}

func newKeyframeRequester(interval time.Duration, send func()) *keyframeRequester {
	return &keyframeRequester{interval: interval, send: send}
}

// request asks for a keyframe; it never blocks on the network.
func (k *keyframeRequester) request() {
	k.mu.Lock()
	if k.stopped || k.pending != nil {
		k.mu.Unlock()
		return
	}
	wait := k.interval - time.Since(k.last)
	if wait > 0 {
		k.pending = time.AfterFunc(wait, k.fire)
		k.mu.Unlock()
		return
	}
	k.last = time.Now()
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
	k.last = time.Now()
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
