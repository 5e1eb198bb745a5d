package sfu

import (
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"
)

// publisher is the client-offering peer connection through which one
// participant sends its tracks.
//
// A rejected offer resets it: the peer connection is closed (its tracks are
// unpublished) and a fresh one waits for the client's next offer. Pion
// cannot roll back a remote offer, and it may take an offer as the remote
// description and only then fail on it, which would leave the connection
// refusing every later offer. The reset makes the rule for clients simple:
// after a rejected offer, start a new publisher connection.
type publisher struct {
	p *Participant

	mu     sync.Mutex // serialises negotiations; guards the fields below
	pc     *webrtc.PeerConnection
	local  *localCandidates
	remote remoteCandidates
	// sources is what the client said each media section (by mid)
	// carries, as of its latest offer.
	sources map[string]Source
	closed  bool
}

func newPublisher(p *Participant) (*publisher, error) {
	pub := &publisher{p: p}
	if err := pub.openLocked(); err != nil {
		return nil, err
	}
	return pub, nil
}

// openLocked creates the peer connection. Each one has its own candidate
// gate, so a late candidate of a closed connection cannot reach the client
// as if it belonged to the new one.
func (pub *publisher) openLocked() error {
	p := pub.p
	pc, err := p.env.api.NewPeerConnection(p.env.pcConf)
	if err != nil {
		return fmt.Errorf("sfu: create publisher peer connection: %w", err)
	}
	local := &localCandidates{target: Publisher, sig: p.sig}
	pc.OnICECandidate(local.onCandidate)
	pc.OnTrack(func(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
		p.onTrack(pc, pub.sourceOf(pc, remote.Kind(), receiver), remote, receiver)
	})
	path := p.newPathRecorder(Publisher)
	pc.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(path.selected)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		p.log.Debug("publisher connection state", "state", s)
		if s == webrtc.PeerConnectionStateConnected {
			path.connected(pc)
		}
	})
	pub.pc, pub.local, pub.remote = pc, local, remoteCandidates{}
	return nil
}

// handleOffer applies an offer and hands the answer to deliver before any
// of the answer's candidates go out.
func (pub *publisher) handleOffer(offer string, sources map[string]Source, deliver func(answer string)) error {
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if pub.closed {
		return ErrClosed
	}
	pub.sources = sources
	if err := validateDescription(offer, maxPublishSections); err != nil {
		pub.resetLocked()
		return err
	}
	// Hold candidates from before SetRemoteDescription: a client's ICE
	// restart makes pion restart and gather inside it.
	local := pub.local
	local.hold()
	defer local.release()
	pc := pub.pc
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		pub.resetLocked()
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		pub.resetLocked()
		return fmt.Errorf("%w: create answer: %w", ErrInvalidSDP, err)
	}
	if err := pc.SetLocalDescription(answer); err != nil {
		pub.resetLocked()
		return fmt.Errorf("%w: set answer: %w", ErrInvalidSDP, err)
	}
	if err := pub.remote.flush(pc); err != nil {
		pub.p.log.Debug("queued publisher candidate rejected", "err", err)
	}
	deliver(answer.SDP)
	return nil
}

// sourceOf looks up what the client said the receiver's media section
// carries.
func (pub *publisher) sourceOf(pc *webrtc.PeerConnection, kind webrtc.RTPCodecType, receiver *webrtc.RTPReceiver) Source {
	var mid string
	for _, tr := range pc.GetTransceivers() {
		if tr.Receiver() == receiver {
			mid = tr.Mid()
			break
		}
	}
	pub.mu.Lock()
	src, ok := pub.sources[mid]
	pub.mu.Unlock()
	if !ok {
		return defaultSource(kind)
	}
	return src
}

// resetLocked replaces the peer connection after a rejected offer.
func (pub *publisher) resetLocked() {
	old := pub.pc
	if err := pub.openLocked(); err != nil {
		logFailure(pub.p.log, "reset publisher", err)
		return // keep the old one; the next offer will fail again, visibly
	}
	if err := old.GracefulClose(); err != nil {
		pub.p.log.Debug("close rejected publisher", "err", err)
	}
	pub.p.log.Info("publisher offer rejected; publisher connection reset")
}

func (pub *publisher) addCandidate(c webrtc.ICECandidateInit) error {
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if pub.closed {
		return ErrClosed
	}
	return pub.remote.add(pub.pc, c)
}

func (pub *publisher) close() {
	pub.mu.Lock()
	defer pub.mu.Unlock()
	pub.closed = true
	if err := pub.pc.GracefulClose(); err != nil {
		pub.p.log.Debug("close publisher", "err", err)
	}
}
