package sfu

import (
	"fmt"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"piiri/metrics"
)

// subscriber is the server-offering peer connection through which one
// participant receives everybody else's tracks. Negotiation runs one offer
// at a time: a change while an offer is outstanding is remembered and
// offered as soon as the answer arrives, so the client never sees glare.
type subscriber struct {
	p  *Participant
	pc *webrtc.PeerConnection

	metrics       *metrics.Metrics
	plisReceived  prometheus.Counter
	nacksReceived prometheus.Counter

	mu            sync.Mutex
	subscriptions map[*Track]subscription
	offerTracks   []TrackInfo // what the outstanding offer carries
	remote        remoteCandidates
	local         localCandidates
	offerPending  bool // something changed while an offer was outstanding
	restartICE    bool // the next offer restarts ICE
	closed        bool
}

type subscription struct {
	down   *downTrack
	sender *webrtc.RTPSender
}

func newSubscriber(p *Participant, pc *webrtc.PeerConnection, m *metrics.Metrics) *subscriber {
	s := &subscriber{
		p: p, pc: pc,
		metrics:       m,
		plisReceived:  m.PLIsReceived,
		nacksReceived: m.NACKsReceived,
		subscriptions: make(map[*Track]subscription),
	}
	s.local = localCandidates{target: Subscriber, sig: p.sig}
	pc.OnICECandidate(s.local.onCandidate)
	pc.OnICEConnectionStateChange(s.onICEState)
	path := p.newPathRecorder(Subscriber)
	pc.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(path.selected)
	pc.OnConnectionStateChange(func(state webrtc.PeerConnectionState) {
		if state == webrtc.PeerConnectionStateConnected {
			path.connected(pc)
		}
	})
	return s
}

// onICEState sends an offer that waited for ICE to start, and restarts ICE
// when it failed: the server offers on this connection, so it is the one
// that must restart.
func (s *subscriber) onICEState(state webrtc.ICEConnectionState) {
	s.p.log.Debug("subscriber ICE state", "state", state)
	switch state {
	case webrtc.ICEConnectionStateFailed:
		s.negotiate(true)
	case webrtc.ICEConnectionStateChecking, webrtc.ICEConnectionStateConnected, webrtc.ICEConnectionStateCompleted, webrtc.ICEConnectionStateDisconnected:
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.offerPending {
			s.offerLocked()
		}
	}
}

// addTrack subscribes to t. The caller holds the room lock and calls
// negotiate afterwards.
func (s *subscriber) addTrack(t *Track) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if _, ok := s.subscriptions[t]; ok {
		return
	}
	d := t.newDownTrack()
	sender, err := s.pc.AddTrack(d)
	if err != nil {
		logFailure(s.p.log, "subscribe to track", err, "track", t.id)
		return
	}
	if err := t.addDown(d); err != nil {
		// Cannot happen while the room lock is held (tracks end under
		// it), but a track that ended must not keep a sender.
		_ = s.pc.RemoveTrack(sender)
		return
	}
	s.subscriptions[t] = subscription{down: d, sender: sender}
	rt := newRetransmitter(t, d, s.metrics)
	s.p.goRTCP(func() { s.readRTCP(t, rt, sender) })
}

// removeTrack unsubscribes from t and reports whether anything changed.
func (s *subscriber) removeTrack(t *Track) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subscriptions[t]
	if !ok {
		return false
	}
	delete(s.subscriptions, t)
	t.RemoveSink(sub.down)
	if s.closed {
		return false
	}
	if err := s.pc.RemoveTrack(sub.sender); err != nil {
		s.p.log.Debug("remove track", "track", t.id, "err", err)
	}
	return true
}

// negotiate sends a new offer if the connection is idle, or remembers that
// one is needed. restartICE asks for fresh ICE credentials.
func (s *subscriber) negotiate(restartICE bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restartICE = s.restartICE || restartICE
	s.offerLocked()
}

func (s *subscriber) offerLocked() {
	if s.closed {
		return
	}
	if s.pc.SignalingState() != webrtc.SignalingStateStable {
		s.offerPending = true
		return
	}
	ice := s.pc.ICEConnectionState()
	if s.pc.CurrentRemoteDescription() != nil && ice == webrtc.ICEConnectionStateNew {
		// A renegotiation while ICE is still starting from the last
		// answer makes pion (on either side) mistake it for an ICE
		// restart: it looks at remote credentials its agent has not
		// received yet, restarts, and the two sides end up with
		// different credentials and never connect. So the offer waits
		// until the agent has started; onICEState sends it.
		s.offerPending = true
		return
	}
	if len(s.pc.GetTransceivers()) == 0 {
		return // nothing to receive yet; offering an empty session helps no one
	}
	if s.restartICE && ice == webrtc.ICEConnectionStateNew {
		s.restartICE = false // ICE never ran: there is nothing to restart
	}
	// Hold candidates from before CreateOffer: with an ICE restart, pion
	// starts gathering the new generation inside CreateOffer.
	s.local.hold()
	defer s.local.release()
	offer, err := s.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: s.restartICE})
	if err != nil {
		logFailure(s.p.log, "create subscriber offer", err)
		return
	}
	if err := s.pc.SetLocalDescription(offer); err != nil {
		logFailure(s.p.log, "set subscriber offer", err)
		return
	}
	s.offerPending = false
	s.restartICE = false
	s.offerTracks = s.trackInfosLocked()
	s.p.sig.SendOffer(offer.SDP, s.offerTracks)
}

func (s *subscriber) handleAnswer(answer string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	// An answer has a section per track received, so its limit only
	// stops absurd input.
	if err := validateDescription(answer, maxSubscribeSections); err != nil {
		s.resendOfferLocked()
		return err
	}
	if s.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		return ErrNoOfferPending
	}
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		// Pion cannot roll back an offer. If it did not take the
		// answer, the same offer is still pending: send it again. If it
		// took the answer and then failed, the connection is stable
		// but unusable: offer afresh with an ICE restart. A client
		// that keeps answering badly is disconnected by signalling's
		// error limit.
		if s.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
			s.resendOfferLocked()
		} else {
			s.restartICE = true
			s.offerLocked()
		}
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if err := s.remote.flush(s.pc); err != nil {
		s.p.log.Debug("queued subscriber candidate rejected", "err", err)
	}
	if s.offerPending {
		s.offerLocked()
	}
	return nil
}

// trackInfosLocked describes every subscribed track by the mid of its
// media section; call it after SetLocalDescription, which assigns mids.
func (s *subscriber) trackInfosLocked() []TrackInfo {
	bySender := make(map[*webrtc.RTPSender]*Track, len(s.subscriptions))
	for t, sub := range s.subscriptions {
		bySender[sub.sender] = t
	}
	out := make([]TrackInfo, 0, len(s.subscriptions))
	for _, tr := range s.pc.GetTransceivers() {
		t, ok := bySender[tr.Sender()]
		if !ok || tr.Mid() == "" {
			continue
		}
		out = append(out, TrackInfo{Mid: tr.Mid(), ParticipantID: t.publisher.id, Source: t.source, Kind: t.kind.String()})
	}
	return out
}

// resendOfferLocked sends the outstanding offer again, for a client that
// lost it or answered it badly.
func (s *subscriber) resendOfferLocked() {
	if desc := s.pc.LocalDescription(); desc != nil && s.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		s.p.sig.SendOffer(desc.SDP, s.offerTracks)
	}
}

func (s *subscriber) addCandidate(c webrtc.ICECandidateInit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	// While an offer is outstanding the candidates belong to the coming
	// answer, so they wait for it.
	if s.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		return s.remote.hold(c)
	}
	return s.remote.add(s.pc, c)
}

// restart offers again with an ICE restart, for a client whose signalling
// connection came back. An offer still outstanding (its answer was lost
// with the old connection) is sent again first, since pion cannot roll it
// back; the restart follows its answer.
func (s *subscriber) restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.restartICE = true
	if s.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		s.offerPending = true
		s.resendOfferLocked()
		return
	}
	s.offerLocked()
}

// close stops forwarding to this subscriber. The peer connection itself is
// closed by the participant.
func (s *subscriber) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for t, sub := range s.subscriptions {
		t.RemoveSink(sub.down)
	}
	clear(s.subscriptions)
}

// readRTCP handles feedback from the subscriber about one track: keyframe
// requests go to the publisher (rate-limited); NACKs are answered from the
// track's packet cache (rt, nil for audio, which is not retransmitted).
func (s *subscriber) readRTCP(t *Track, rt *retransmitter, sender *webrtc.RTPSender) {
	buf := make([]byte, receiveMTU)
	for {
		n, attr, err := sender.Read(buf)
		if err != nil {
			return
		}
		// The report interceptors have parsed the packets already and
		// left them in the attributes: parsed again, each subscriber's
		// RTCP would cost twice the allocations.
		pkts, err := attr.GetRTCPPackets(buf[:n])
		if err != nil {
			continue
		}
		for _, pkt := range pkts {
			switch pkt := pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.plisReceived.Inc()
				t.RequestKeyframe()
			case *rtcp.TransportLayerNack:
				s.nacksReceived.Inc()
				if rt != nil {
					rt.handle(pkt)
				}
			}
		}
	}
}
