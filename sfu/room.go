package sfu

import (
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"piiri/internal/clock"
	"piiri/metrics"
	"piiri/sfu/speech"
)

// Room is a set of participants who all receive each other's tracks.
type Room struct {
	name     string
	log      *slog.Logger
	env      *roomEnv
	onClosed func(*Room) // tells the SFU to forget the room

	mu           sync.Mutex
	participants map[string]*Participant
	tracks       map[*Track]struct{}
	closed       bool
}

// roomEnv is what a room's participants, their connections and their
// tracks are handed when they are created: the shared webrtc API, the
// clock, the collectors and the room's event queue. None of them reaches
// through its parents for these.
type roomEnv struct {
	api              *webrtc.API
	pcConf           webrtc.Configuration
	clock            clock.Clock
	keyframeInterval time.Duration
	speech           speech.Config
	relayPath        func(netip.AddrPort) (path string, ok bool)
	metrics          *metrics.Metrics
	events           *eventQueue
}

func (e *roomEnv) trackDeps() trackDeps {
	return trackDeps{clock: e.clock, keyframeInterval: e.keyframeInterval, speech: e.speech, events: e.events, metrics: e.metrics}
}

func newRoom(name string, log *slog.Logger, env *roomEnv, onClosed func(*Room)) *Room {
	return &Room{
		name:         name,
		env:          env,
		onClosed:     onClosed,
		log:          log.With("room", name),
		participants: make(map[string]*Participant),
		tracks:       make(map[*Track]struct{}),
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
func (r *Room) addTrack(t *Track) bool {
	r.mu.Lock()
	if r.closed || r.participants[t.publisher.id] != t.publisher {
		r.mu.Unlock()
		return false
	}
	r.tracks[t] = struct{}{}
	// Queued under the room lock, like the end in removeTrack, so the
	// two are in order.
	r.env.events.trackPublished(t, r.env.clock.Now())
	var changed []*subscriber
	for _, p := range r.participants {
		if p != t.publisher {
			p.sub.addTrack(t)
			changed = append(changed, p.sub)
		}
	}
	r.mu.Unlock()
	r.env.metrics.PublishedTracks.WithLabelValues(t.kindLabel()).Inc()
	for _, s := range changed {
		s.negotiate(false)
	}
	return true
}

// removeTrack unpublishes t from every subscriber.
func (r *Room) removeTrack(t *Track) {
	r.mu.Lock()
	if _, ok := r.tracks[t]; !ok {
		r.mu.Unlock()
		return
	}
	delete(r.tracks, t)
	t.end()
	var changed []*subscriber
	for _, p := range r.participants {
		if p.sub.removeTrack(t) {
			changed = append(changed, p.sub)
		}
	}
	r.mu.Unlock()
	r.env.metrics.PublishedTracks.WithLabelValues(t.kindLabel()).Dec()
	for _, s := range changed {
		s.negotiate(false)
	}
}

// leave removes p from the room and unpublishes its tracks. It reports the
// tracks p published so the caller can wait for their goroutines.
func (r *Room) leave(p *Participant) []*Track {
	r.mu.Lock()
	if r.participants[p.id] != p {
		r.mu.Unlock()
		return nil
	}
	delete(r.participants, p.id)
	var gone []*Track
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

// load is the room's size and fan-out, for the per-room load metrics.
func (r *Room) load() metrics.RoomLoad {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := metrics.RoomLoad{Participants: len(r.participants)}
	for t := range r.tracks {
		l.DownTracks += t.downTracks()
	}
	return l
}

// Len is the number of participants in the room.
func (r *Room) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.participants)
}

// tracksOf lists the tracks p publishes.
func (r *Room) tracksOf(p *Participant) []*Track {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Track
	for t := range r.tracks {
		if t.publisher == p {
			out = append(out, t)
		}
	}
	return out
}

// Close removes every participant and forgets the room. It does not wait
// for the room's events: those still queued (the ends of the participants'
// tracks among them) are delivered after it returns, and then the room's
// event goroutine ends (see Done). So it may be called from an Events
// method, or with a lock held that an Events method takes.
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
	r.env.events.close()
	r.onClosed(r)
}

// Done is closed once the room is closed and its last event has been
// delivered.
func (r *Room) Done() <-chan struct{} { return r.env.events.done }
