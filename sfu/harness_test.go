package sfu

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"piiri/internal/pionclient"
	"piiri/internal/testwait"
	"piiri/metrics"
)

// This file is an in-process client for testing the sfu package without
// signalling: a testPeer is a Signaller that applies the SFU's offers and
// candidates to a pion client connection directly.

func newTestSFU(t testing.TB) *SFU {
	t.Helper()
	return newTestSFUWith(t, Config{})
}

// newTestSFUWith starts an SFU on loopback with cfg's clock and keyframe
// interval.
func newTestSFUWith(t testing.TB, cfg Config) *SFU {
	t.Helper()
	level := slog.LevelWarn
	if os.Getenv("TEST_LOG") == "debug" {
		level = slog.LevelDebug
	}
	cfg.UDPListen = "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg.Metrics = metrics.New()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newClientAPI is the API of the tests' pion clients, which behave like
// browsers (they offer the audio level extension, for one).
func newClientAPI(t testing.TB) *webrtc.API {
	t.Helper()
	api, err := pionclient.NewAPI(nil)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// testPeer is a participant's client side: a subscriber connection that
// receives, and optionally a publisher connection. Offers and candidates
// from the SFU are applied on one worker goroutine, in order, because the
// SFU calls the Signaller with its locks held.
type testPeer struct {
	t       testing.TB
	part    *Participant
	sub     *webrtc.PeerConnection
	pub     *webrtc.PeerConnection
	work    chan func()
	done    chan struct{}
	closing atomic.Bool // errors after this are teardown races, not failures

	// holdOffers makes the peer record offers without answering them,
	// like a client whose signalling is gone.
	holdOffers atomic.Bool
	offers     chan string // every offer received, answered or not
	tracksMu   sync.Mutex
	tracks     []TrackInfo // with the latest offer
	// heldCandidates wait for the subscriber offer they belong to; the
	// worker goroutine owns them.
	heldCandidates []webrtc.ICECandidateInit

	mu       sync.Mutex
	received map[string]int // packets per track stream ID/kind
	// With recordSeqs set, the sequence numbers of video packets
	// received (retransmissions included) are counted in videoSeqs.
	recordSeqs atomic.Bool
	videoSeqs  map[uint16]int
}

func joinPeer(t testing.TB, api *webrtc.API, r *Room, id string) *testPeer {
	t.Helper()
	sub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	tp := &testPeer{t: t, sub: sub, work: make(chan func(), 1024), done: make(chan struct{}), offers: make(chan string, 64), received: map[string]int{}, videoSeqs: map[uint16]int{}}
	sub.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		key := track.StreamID() + "/" + track.Kind().String()
		buf := make([]byte, 1500)
		for {
			n, _, err := track.Read(buf)
			if err != nil {
				return
			}
			tp.mu.Lock()
			tp.received[key]++
			if n >= 4 && track.Kind() == webrtc.RTPCodecTypeVideo && tp.recordSeqs.Load() {
				tp.videoSeqs[binary.BigEndian.Uint16(buf[2:4])]++
			}
			tp.mu.Unlock()
		}
	})
	sub.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			tp.do(func() { _ = tp.part.AddCandidate(Subscriber, c.ToJSON()) })
		}
	})
	tp.part, err = r.Join(id, tp)
	if err != nil {
		t.Fatal(err)
	}
	// The worker starts only now: Join may already have sent an offer,
	// whose answer needs tp.part. Until then the work waits in the
	// channel.
	go tp.run()
	return tp
}

func (tp *testPeer) run() {
	for {
		select {
		case f := <-tp.work:
			f()
		case <-tp.done:
			return
		}
	}
}

func (tp *testPeer) do(f func()) {
	select {
	case tp.work <- f:
	case <-tp.done:
	}
}

func (tp *testPeer) errorf(format string, args ...any) {
	if !tp.closing.Load() {
		tp.t.Errorf(format, args...)
	}
}

// SendOffer implements Signaller.
func (tp *testPeer) SendOffer(sdp string, tracks []TrackInfo) {
	tp.tracksMu.Lock()
	tp.tracks = tracks
	tp.tracksMu.Unlock()
	select {
	case tp.offers <- sdp:
	default: // a test that does not read offers must not block the SFU
	}
	if tp.holdOffers.Load() {
		return
	}
	tp.answer(sdp)
}

// answer applies an offer and answers it, on the worker goroutine.
func (tp *testPeer) answer(sdp string) {
	tp.do(func() {
		if err := tp.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
			tp.errorf("client: set offer: %v", err)
			return
		}
		for _, c := range tp.heldCandidates {
			_ = tp.sub.AddICECandidate(c)
		}
		tp.heldCandidates = nil
		answer, err := tp.sub.CreateAnswer(nil)
		if err != nil {
			tp.errorf("client: create answer: %v", err)
			return
		}
		if err := tp.sub.SetLocalDescription(answer); err != nil {
			tp.errorf("client: set answer: %v", err)
			return
		}
		if err := tp.part.HandleAnswer(answer.SDP); err != nil {
			tp.errorf("sfu: handle answer: %v", err)
		}
	})
}

// SendCandidate implements Signaller.
func (tp *testPeer) SendCandidate(target Target, c webrtc.ICECandidateInit) {
	tp.do(func() {
		pc := tp.sub
		if target == Publisher {
			pc = tp.pub
		}
		if pc.RemoteDescription() == nil {
			// An offer being held: keep the candidate for it, as a
			// browser client queues them.
			tp.heldCandidates = append(tp.heldCandidates, c)
			return
		}
		if err := pc.AddICECandidate(c); err != nil {
			tp.errorf("client: add %s candidate: %v", target, err)
		}
	})
}

// publish adds an Opus and a VP8 track (mids 0 and 1) and negotiates the
// publisher.
func (tp *testPeer) publish(api *webrtc.API) (audio, video *webrtc.TrackLocalStaticRTP) {
	return tp.publishWith(api, nil)
}

func (tp *testPeer) publishWith(api *webrtc.API, sources map[string]Source) (audio, video *webrtc.TrackLocalStaticRTP) {
	t := tp.t
	t.Helper()
	pub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	tp.pub = pub
	audio, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "s")
	video, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "v", "s")
	for _, tr := range []webrtc.TrackLocal{audio, video} {
		if _, err := pub.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	pub.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			_ = tp.part.AddCandidate(Publisher, c.ToJSON())
		}
	})
	offer, err := pub.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	err = tp.part.HandleOffer(offer.SDP, sources, func(answer string) {
		tp.do(func() {
			defer close(done)
			if err := pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
				t.Errorf("client: set publisher answer: %v", err)
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	<-done
	return audio, video
}

func (tp *testPeer) count(key string) int {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.received[key]
}

// close leaves the room and closes the client side.
func (tp *testPeer) close() {
	tp.closing.Store(true)
	tp.part.Close()
	close(tp.done)
	_ = tp.sub.GracefulClose()
	if tp.pub != nil {
		_ = tp.pub.GracefulClose()
	}
}

// waitFor waits until cond holds; see testwait.Until.
var waitFor = testwait.Until

func errIf(cond bool, format string, args ...any) error {
	if cond {
		return fmt.Errorf(format, args...)
	}
	return nil
}

// nopEvents ignores room events.
type nopEvents struct{}

func (nopEvents) TrackPublished(TrackEvent)        {}
func (nopEvents) TrackEnded(TrackEvent)            {}
func (nopEvents) Speaking(string, bool, time.Time) {}
