package signaling

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// fakeMedia is a media plane without pion: rooms and participants that
// record what signalling asks of them, answer offers with a fixed SDP, and
// let a test raise media events and hold a join in the middle.
type fakeMedia struct {
	mu    sync.Mutex
	rooms map[string]*fakeRoom
	// joinGate, when set, makes Join wait until it is closed, as a slow
	// media join would.
	joinGate chan struct{}
	joining  chan string // participant IDs whose Join has started
}

func newFakeMedia() *fakeMedia {
	return &fakeMedia{rooms: make(map[string]*fakeRoom), joining: make(chan string, 1024)}
}

type fakeRoom struct {
	media  *fakeMedia
	name   string
	events MediaEvents

	mu           sync.Mutex
	participants map[string]*fakeParticipant
	closed       bool
}

type fakeParticipant struct {
	room *fakeRoom
	id   string
	sig  MediaSignaller

	mu      sync.Mutex
	offers  int
	resumes int
	closes  int
}

func (f *fakeMedia) NewRoom(name string, events MediaEvents) (MediaRoom, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &fakeRoom{media: f, name: name, events: events, participants: make(map[string]*fakeParticipant)}
	f.rooms[name] = r
	return r, nil
}

// room returns the media room of that name (the last one made).
func (f *fakeMedia) room(name string) *fakeRoom {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rooms[name]
}

// open counts participants whose media exists and has not been closed.
func (f *fakeMedia) open() int {
	f.mu.Lock()
	rooms := make([]*fakeRoom, 0, len(f.rooms))
	for _, r := range f.rooms {
		rooms = append(rooms, r)
	}
	f.mu.Unlock()
	n := 0
	for _, r := range rooms {
		r.mu.Lock()
		for _, p := range r.participants {
			p.mu.Lock()
			if p.closes == 0 {
				n++
			}
			p.mu.Unlock()
		}
		r.mu.Unlock()
	}
	return n
}

func (r *fakeRoom) Join(id string, sig MediaSignaller) (MediaParticipant, error) {
	r.media.mu.Lock()
	gate := r.media.joinGate
	r.media.mu.Unlock()
	r.media.joining <- id
	if gate != nil {
		<-gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errors.New("fake media: room closed")
	}
	p := &fakeParticipant{room: r, id: id, sig: sig}
	r.participants[id] = p
	return p, nil
}

func (r *fakeRoom) Close() {
	r.mu.Lock()
	r.closed = true
	ps := make([]*fakeParticipant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.Close()
	}
}

// speaking raises a speaking event as the media plane's event goroutine
// would.
func (r *fakeRoom) speaking(id string, on bool) { r.events.Speaking(id, on, time.Now()) }

func (p *fakeParticipant) HandleOffer(sdp string, sources map[string]string, deliver func(string)) error {
	p.mu.Lock()
	p.offers++
	n := p.offers
	p.mu.Unlock()
	deliver(fmt.Sprintf("fake answer %d to %q", n, sdp))
	mid := "0"
	p.sig.SendCandidate(TargetPublisher, CandidateInit{Candidate: "candidate:1 1 udp 1 192.0.2.1 9 typ host", SDPMid: &mid})
	return nil
}

func (p *fakeParticipant) HandleAnswer(string) error { return nil }

func (p *fakeParticipant) AddCandidate(string, CandidateInit) error { return nil }

func (p *fakeParticipant) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resumes++
}

func (p *fakeParticipant) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closes++
}
