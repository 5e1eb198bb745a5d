package sfu

import (
	"fmt"
	"log/slog"
	"sync"
)

// Room is a set of participants who all receive each other's tracks.
type Room struct {
	sfu    *SFU
	name   string
	log    *slog.Logger
	events Events

	mu           sync.Mutex
	participants map[string]*Participant
	tracks       map[*publishedTrack]struct{}
	closed       bool
}

func newRoom(s *SFU, name string, events Events) *Room {
	return &Room{
		sfu:          s,
		name:         name,
		events:       events,
		log:          s.log.With("room", name),
		participants: make(map[string]*Participant),
		tracks:       make(map[*publishedTrack]struct{}),
	}
}

// Name is the room's name.
func (r *Room) Name() string { return r.name }

// Join adds a participant with the given ID, creating both of its peer
// connections and subscribing it to every track already published. The
// participant's first subscriber offer, if there is anything to receive,
// goes out through sig before Join returns.
func (r *Room) Join(id string, sig Signaller) (*Participant, error) {
	p, err := newParticipant(r, id, sig)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		p.closePeerConnections()
		return nil, ErrClosed
	}
	if _, dup := r.participants[id]; dup {
		r.mu.Unlock()
		p.closePeerConnections()
		return nil, fmt.Errorf("sfu: participant %q is already in room %q", id, r.name)
	}
	r.participants[id] = p
	for t := range r.tracks {
		p.sub.addTrack(t)
	}
	r.mu.Unlock()
	p.sub.negotiate(false)
	return p, nil
}

// addTrack publishes t to every other participant. It reports false when
// the room or the publisher is already gone, in which case t must not be
// forwarded.
func (r *Room) addTrack(t *publishedTrack) bool {
	r.mu.Lock()
	if r.closed || r.participants[t.publisher.id] != t.publisher {
		r.mu.Unlock()
		return false
	}
	r.tracks[t] = struct{}{}
	var changed []*subscriber
	for _, p := range r.participants {
		if p != t.publisher {
			p.sub.addTrack(t)
			changed = append(changed, p.sub)
		}
	}
	r.mu.Unlock()
	r.sfu.metrics.PublishedTracks.WithLabelValues(t.kindLabel()).Inc()
	for _, s := range changed {
		s.negotiate(false)
	}
	return true
}

// removeTrack unpublishes t from every subscriber.
func (r *Room) removeTrack(t *publishedTrack) {
	r.mu.Lock()
	if _, ok := r.tracks[t]; !ok {
		r.mu.Unlock()
		return
	}
	delete(r.tracks, t)
	var changed []*subscriber
	for _, p := range r.participants {
		if p.sub.removeTrack(t) {
			changed = append(changed, p.sub)
		}
	}
	r.mu.Unlock()
	t.keyframes.stop()
	r.sfu.metrics.PublishedTracks.WithLabelValues(t.kindLabel()).Dec()
	for _, s := range changed {
		s.negotiate(false)
	}
}

// leave removes p from the room and unpublishes its tracks. It reports the
// tracks p published so the caller can wait for their goroutines.
func (r *Room) leave(p *Participant) []*publishedTrack {
	r.mu.Lock()
	if r.participants[p.id] != p {
		r.mu.Unlock()
		return nil
	}
	delete(r.participants, p.id)
	var gone []*publishedTrack
	for t := range r.tracks {
		if t.publisher == p {
			gone = append(gone, t)
		}
	}
	r.mu.Unlock()
	for _, t := range gone {
		r.removeTrack(t)
	}
	return gone
}

// Len is the number of participants in the room.
func (r *Room) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.participants)
}

// Close removes every participant and forgets the room.
func (r *Room) Close() {
	r.mu.Lock()
	r.closed = true
	ps := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.Close()
	}
	r.sfu.roomClosed(r)
}
