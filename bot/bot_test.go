package bot

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// newTestBot is a bot that has "joined" without a server: it has a
// subscriber connection and no websocket, so what it would send is dropped.
func newTestBot(t *testing.T, cfg Config, servers []webrtc.ICEServer) (*Bot, error) {
	t.Helper()
	api, err := newAPI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := &Bot{
		cfg:          cfg,
		log:          slog.New(slog.DiscardHandler),
		api:          api,
		remote:       make(map[string]*remoteTrack),
		participants: make(map[string]string),
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	t.Cleanup(b.Close)
	return b, b.onJoined(inMsg{Type: "joined", Room: []byte(`{"name":"r","participants":[]}`), ICEServers: servers})
}

// serverOffer is an offer with one video track, as the server's subscriber
// offer would be, and its ICE username fragment.
func serverOffer(t *testing.T) (sdp, ufrag string) {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(offer.SDP, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-ufrag:"); ok {
			return offer.SDP, v
		}
	}
	t.Fatal("offer without ice-ufrag")
	return "", ""
}

func candidate(ufrag string) *webrtc.ICECandidateInit {
	c := "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host ufrag " + ufrag
	return &webrtc.ICECandidateInit{Candidate: c}
}

// TestOutOfOrderCandidates: every server candidate that arrives before its
// description is counted, the first generation's as well as a restart's,
// and one after its description is not.
func TestOutOfOrderCandidates(t *testing.T) {
	b, err := newTestBot(t, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sdp, ufrag := serverOffer(t)

	b.handle(inMsg{Type: "candidate", Target: "subscriber", Candidate: candidate(ufrag)})
	if n := b.OutOfOrderCandidates(); n != 1 {
		t.Fatalf("a candidate before any subscriber offer: OutOfOrderCandidates = %d, want 1", n)
	}
	b.handle(inMsg{Type: "offer", Target: "subscriber", SDP: sdp})
	b.mu.Lock()
	held := len(b.subRemoteHeld)
	b.mu.Unlock()
	if held != 0 {
		t.Errorf("%d candidates still held after the offer", held)
	}

	b.handle(inMsg{Type: "candidate", Target: "subscriber", Candidate: candidate(ufrag)})
	if n := b.OutOfOrderCandidates(); n != 1 {
		t.Errorf("a candidate after its offer was counted: OutOfOrderCandidates = %d, want 1", n)
	}
	b.handle(inMsg{Type: "candidate", Target: "subscriber", Candidate: candidate("nextgeneration")})
	if n := b.OutOfOrderCandidates(); n != 2 {
		t.Errorf("a candidate of the next ICE generation: OutOfOrderCandidates = %d, want 2", n)
	}
	// A publisher candidate before the bot has even offered.
	b.handle(inMsg{Type: "candidate", Target: "publisher", Candidate: candidate(ufrag)})
	if n := b.OutOfOrderCandidates(); n != 3 {
		t.Errorf("a publisher candidate without a publisher: OutOfOrderCandidates = %d, want 3", n)
	}
}
