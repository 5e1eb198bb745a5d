package sfu

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Target names one of a participant's two peer connections.
type Target string

// The two peer connections of a participant.
const (
	Publisher  Target = "publisher"  // the client sends media; the client offers
	Subscriber Target = "subscriber" // the client receives media; the server offers
)

// Signaller carries what a participant's peer connections need to tell the
// client. Implementations must not block: they queue the message or drop
// it when the client is not connected (a resume renegotiates anyway).
type Signaller interface {
	// SendOffer delivers an offer for the subscriber peer connection.
	SendOffer(sdp string)
	// SendCandidate delivers a local ICE candidate of one peer connection.
	SendCandidate(target Target, candidate webrtc.ICECandidateInit)
}

// Errors a client can cause; callers map them to protocol error codes.
var (
	ErrInvalidSDP     = errors.New("invalid session description")
	ErrNoOfferPending = errors.New("no subscriber offer is waiting for an answer")
	ErrTooManyTracks  = errors.New("too many media sections")
	ErrInvalidTarget  = errors.New("invalid target")
	ErrInvalidICE     = errors.New("invalid ICE candidate")
	errTooManyQueued  = fmt.Errorf("%w: too many ICE candidates before the session description", ErrInvalidICE)
)

// Limits on what a client may send.
const (
	// A publisher needs camera, microphone, screen and its audio; 8 leaves
	// room to spare. A subscriber's answer has a section per track it
	// receives, so its limit only stops absurd input.
	maxPublishSections   = 8
	maxSubscribeSections = 1000
	// Remote candidates held until the remote description arrives.
	maxQueuedCandidates = 64
)

// Participant is one person's media presence in a room.
type Participant struct {
	id   string
	room *Room
	sig  Signaller
	log  *slog.Logger

	pub       *webrtc.PeerConnection
	pubMu     sync.Mutex // serialises publisher negotiations
	pubRemote remoteCandidates
	pubLocal  localCandidates
	sub       *subscriber

	mu     sync.Mutex // guards closed and wg.Add against Close's wg.Wait
	closed bool
	wg     sync.WaitGroup // forwarding and RTCP goroutines
}

func newParticipant(r *Room, id string, sig Signaller) (*Participant, error) {
	p := &Participant{id: id, room: r, sig: sig, log: r.log.With("participant", id)}
	p.pubLocal = localCandidates{target: Publisher, sig: sig}
	var err error
	p.pub, err = r.sfu.api.NewPeerConnection(r.sfu.pcConf)
	if err != nil {
		return nil, fmt.Errorf("sfu: create publisher peer connection: %w", err)
	}
	subPC, err := r.sfu.api.NewPeerConnection(r.sfu.pcConf)
	if err != nil {
		_ = p.pub.Close()
		return nil, fmt.Errorf("sfu: create subscriber peer connection: %w", err)
	}
	p.sub = newSubscriber(p, subPC)

	p.pub.OnICECandidate(p.pubLocal.onCandidate)
	p.pub.OnTrack(p.onTrack)
	p.pub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		p.log.Debug("publisher connection state", "state", s)
	})
	return p, nil
}

// ID is the participant's ID, as given to Room.Join.
func (p *Participant) ID() string { return p.id }

// onTrack starts forwarding a track the client has begun to publish.
func (p *Participant) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	t := newPublishedTrack(p, remote, receiver)
	// wg.Add happens before the track joins the room, under the same lock
	// that Close takes to set closed, so Close never waits on a WaitGroup
	// that can still grow. p.mu is a leaf lock: it is not held across
	// addTrack, which takes the room's and other subscribers' locks.
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.wg.Add(2)
	p.mu.Unlock()
	if !p.room.addTrack(t) {
		p.wg.Add(-2)
		return
	}
	p.log.Info("track published", "track", remote.ID(), "kind", remote.Kind(), "codec", remote.Codec().MimeType)
	go func() {
		defer p.wg.Done()
		t.forward()
		// The track ended while the participant stays (for example the
		// client stopped screen sharing): unpublish it.
		p.room.removeTrack(t)
	}()
	go func() {
		defer p.wg.Done()
		t.readRTCP()
	}()
}

// HandleOffer applies the client's offer for the publisher peer connection
// and hands the answer to deliver. The answer's ICE candidates follow
// through the Signaller, never before deliver has returned.
func (p *Participant) HandleOffer(offer string, deliver func(answer string)) error {
	if err := checkSDP(offer, maxPublishSections); err != nil {
		return err
	}
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	// Hold candidates from before SetRemoteDescription: a client's ICE
	// restart makes pion restart and gather inside it.
	p.pubLocal.hold()
	defer p.pubLocal.release()
	if err := p.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	answer, err := p.pub.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("%w: create answer: %w", ErrInvalidSDP, err)
	}
	if err := p.pub.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("sfu: set publisher local description: %w", err)
	}
	if err := p.pubRemote.flush(p.pub); err != nil {
		p.log.Debug("queued publisher candidate rejected", "err", err)
	}
	deliver(answer.SDP)
	return nil
}

// HandleAnswer applies the client's answer to the last subscriber offer.
func (p *Participant) HandleAnswer(answer string) error {
	// An answer has one section per track received, so no tight limit.
	if err := checkSDP(answer, maxSubscribeSections); err != nil {
		return err
	}
	return p.sub.handleAnswer(answer)
}

// AddCandidate adds a remote ICE candidate to one of the peer connections.
// Candidates that arrive before the description they belong to are held.
func (p *Participant) AddCandidate(target Target, c webrtc.ICECandidateInit) error {
	switch target {
	case Publisher:
		p.pubMu.Lock()
		defer p.pubMu.Unlock()
		return p.pubRemote.add(p.pub, c)
	case Subscriber:
		return p.sub.addCandidate(c)
	default:
		return fmt.Errorf("%w %q: want %q or %q", ErrInvalidTarget, target, Publisher, Subscriber)
	}
}

// Resume is called when the client's signalling connection came back after
// a drop: the subscriber side restarts ICE with a fresh offer, since the
// client's network may have changed. The client restarts its publisher side
// itself with a new offer.
func (p *Participant) Resume() { p.sub.restart() }

// Close leaves the room and stops both peer connections and every goroutine
// of this participant. It is safe to call more than once.
func (p *Participant) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()

	p.room.leave(p)
	p.sub.close()
	p.closePeerConnections()
	p.wg.Wait()
	p.log.Debug("participant closed")
}

func (p *Participant) closePeerConnections() {
	if err := p.pub.GracefulClose(); err != nil {
		p.log.Debug("close publisher", "err", err)
	}
	if err := p.sub.pc.GracefulClose(); err != nil {
		p.log.Debug("close subscriber", "err", err)
	}
}

// checkSDP rejects descriptions that do not parse or that have more media
// sections than max, before pion sees them.
func checkSDP(s string, max int) error {
	var parsed sdp.SessionDescription
	if err := parsed.UnmarshalString(s); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if n := len(parsed.MediaDescriptions); n > max {
		return fmt.Errorf("%w: %d media sections, at most %d", ErrTooManyTracks, n, max)
	}
	return nil
}

// goRTCP runs f in a goroutine that Close waits for, unless the participant
// is already closing.
func (p *Participant) goRTCP(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f()
	}()
	return true
}
