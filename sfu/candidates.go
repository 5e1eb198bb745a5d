package sfu

import (
	"errors"
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"
)

// localCandidates sends a peer connection's own ICE candidates to the
// client, but only after the description they belong to. Pion starts
// gathering inside SetLocalDescription, so without this a candidate could
// overtake its offer or answer, and a browser rejects a candidate that
// arrives before the remote description.
type localCandidates struct {
	target Target
	sig    Signaller

	mu   sync.Mutex // a leaf lock; sending never blocks
	open bool
	held []webrtc.ICECandidateInit
}

// hold makes candidates wait; call it before SetLocalDescription.
func (l *localCandidates) hold() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open = false
}

// release sends the held candidates and lets later ones through; call it
// once the description has been handed to the Signaller.
func (l *localCandidates) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open = true
	for _, c := range l.held {
		l.sig.SendCandidate(l.target, c)
	}
	l.held = nil
}

// onCandidate is the peer connection's OnICECandidate callback.
func (l *localCandidates) onCandidate(c *webrtc.ICECandidate) {
	if c == nil {
		return // end of gathering; trickle ICE needs no marker
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.open {
		l.held = append(l.held, c.ToJSON())
		return
	}
	l.sig.SendCandidate(l.target, c.ToJSON())
}

// remoteCandidates holds the client's ICE candidates that arrive before the
// remote description, which trickle ICE allows. The caller serialises access.
type remoteCandidates struct{ held []webrtc.ICECandidateInit }

func (q *remoteCandidates) add(pc *webrtc.PeerConnection, c webrtc.ICECandidateInit) error {
	if pc.RemoteDescription() == nil {
		return q.hold(c)
	}
	if err := pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidICE, err)
	}
	return nil
}

func (q *remoteCandidates) hold(c webrtc.ICECandidateInit) error {
	if len(q.held) >= maxQueuedCandidates {
		return errTooManyQueued
	}
	q.held = append(q.held, c)
	return nil
}

func (q *remoteCandidates) flush(pc *webrtc.PeerConnection) error {
	held := q.held
	q.held = nil
	var errs []error
	for _, c := range held {
		if err := pc.AddICECandidate(c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
