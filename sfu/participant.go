package sfu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

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
	// SendOffer delivers an offer for the subscriber peer connection, and
	// which participant and source each of its media sections carries.
	SendOffer(sdp string, tracks []TrackInfo)
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
	env  *roomEnv
	sig  Signaller
	log  *slog.Logger

	pub *publisher
	sub *subscriber

	mu     sync.Mutex // guards closed and wg.Add against Close's wg.Wait
	closed bool
	wg     sync.WaitGroup // forwarding and RTCP goroutines
}

func newParticipant(r *Room, id string, sig Signaller) (*Participant, error) {
	p := &Participant{id: id, room: r, env: r.env, sig: sig, log: r.log.With("participant", id)}
	var err error
	p.pub, err = newPublisher(p)
	if err != nil {
		return nil, err
	}
	subPC, err := p.env.api.NewPeerConnection(p.env.pcConf)
	if err != nil {
		p.pub.close()
		return nil, fmt.Errorf("sfu: create subscriber peer connection: %w", err)
	}
	p.sub = newSubscriber(p, subPC, p.env.metrics)
	return p, nil
}

// ID is the participant's ID, as given to Room.Join.
func (p *Participant) ID() string { return p.id }

// Tracks lists the tracks the participant publishes now. A track published
// later, or ended, is reported through the room's Events.
func (p *Participant) Tracks() []*Track { return p.room.tracksOf(p) }

// onTrack starts forwarding a track the client has begun to publish on pc.
func (p *Participant) onTrack(pc *webrtc.PeerConnection, src Source, remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	t := newTrack(p, p.env.trackDeps(), pc, src, remote, receiver)
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
	p.log.Info("track published", "track", remote.ID(), "source", src, "codec", remote.Codec().MimeType)
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
// and hands the answer to deliver. sources names the source of media
// sections by mid; sections it does not name are the microphone (audio) or
// the camera (video). The answer's ICE candidates follow through the
// Signaller, never before deliver has returned. A rejected offer resets
// the publisher connection (see publisher).
func (p *Participant) HandleOffer(offer string, sources map[string]Source, deliver func(answer string)) error {
	return p.pub.handleOffer(offer, sources, deliver)
}

// HandleAnswer applies the client's answer to the last subscriber offer.
func (p *Participant) HandleAnswer(answer string) error {
	return p.sub.handleAnswer(answer)
}

// AddCandidate adds a remote ICE candidate to one of the peer connections.
// Candidates that arrive before the description they belong to are held.
func (p *Participant) AddCandidate(target Target, c webrtc.ICECandidateInit) error {
	switch target {
	case Publisher:
		return p.pub.addCandidate(c)
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
	p.pub.close()
	if err := p.sub.pc.GracefulClose(); err != nil {
		p.log.Debug("close subscriber", "err", err)
	}
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

// logFailure logs a failed step at warn, or at debug when the error only
// says that a connection is closing: a participant who leaves while an
// offer or a subscription is under way is expected, not a problem.
func logFailure(log *slog.Logger, msg string, err error, args ...any) {
	level := slog.LevelWarn
	if errors.Is(err, webrtc.ErrConnectionClosed) || errors.Is(err, ErrClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed) {
		level = slog.LevelDebug
	}
	log.Log(context.Background(), level, msg, append(args, "err", err)...)
}
