package sfu

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// noCredentialsOffer parses but lacks ICE credentials and a fingerprint.
const noCredentialsOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\n" +
	"a=rtpmap:111 opus/48000/2\r\n"

func TestValidateDescription(t *testing.T) {
	good := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 00:11\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:u\r\na=ice-pwd:p\r\na=mid:0\r\n"
	rejected := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111\r\n"
	for _, tc := range []struct {
		name, sdp string
		max       int
		want      error
		mention   string
	}{
		{"good", good, 8, nil, ""},
		{"stopped section needs nothing", rejected, 8, nil, ""},
		{"garbage", "hello", 8, ErrInvalidSDP, ""},
		{"no credentials", noCredentialsOffer, 8, ErrInvalidSDP, "ice-ufrag"},
		{"too many sections", good, 0, ErrTooManyTracks, "1 media sections"},
	} {
		err := validateDescription(tc.sdp, tc.max)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: %q does not mention %q", tc.name, err, tc.mention)
		}
	}
}

// TestPublisherResetAfterRejectedOffer: a rejected offer unpublishes the
// participant's tracks and leaves a fresh publisher connection that takes
// the client's next offer, from a new client connection.
func TestPublisherResetAfterRejectedOffer(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	room, _ := s.NewRoom("r", nopEvents{})
	p0 := joinPeer(t, api, room, "p0")
	p1 := joinPeer(t, api, room, "p1")
	defer p1.close()
	defer p0.close()
	audio, video := p0.publish(api)
	var seq uint16
	waitFor(t, 20*time.Second, "p1 receives p0", func() error {
		sendSome(t, audio, video, &seq, 1)
		return errIf(p1.count("p0/video") == 0, "nothing yet")
	})

	for _, bad := range []string{noCredentialsOffer, "not sdp at all"} {
		err := p0.part.HandleOffer(bad, nil, func(string) { t.Error("answer delivered for a rejected offer") })
		if !errors.Is(err, ErrInvalidSDP) {
			t.Fatalf("bad offer: %v, want ErrInvalidSDP", err)
		}
	}
	waitFor(t, 10*time.Second, "p0's tracks unpublished", func() error {
		p1.part.sub.mu.Lock()
		n := len(p1.part.sub.subscriptions)
		p1.part.sub.mu.Unlock()
		return errIf(n != 0, "p1 still subscribed to %d tracks", n)
	})

	_ = p0.pub.Close()
	audio, video = p0.publish(api) // a new client connection, as the protocol asks
	before := p1.count("p0/video")
	waitFor(t, 20*time.Second, "p1 receives p0 again", func() error {
		sendSome(t, audio, video, &seq, 1)
		return errIf(p1.count("p0/video") <= before, "nothing new")
	})
}

// TestSubscriberRestartWithOfferOutstanding: a client whose signalling
// dropped while a subscriber offer was outstanding gets that offer again on
// resume, then the changes it missed; then media flows. (This client's ICE
// never connected, so there is no ICE restart; server.TestResume covers
// the restart of a connected client.)
func TestSubscriberRestartWithOfferOutstanding(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	room, _ := s.NewRoom("r", nopEvents{})
	p1 := joinPeer(t, api, room, "p1")
	defer p1.close()

	p1.holdOffers.Store(true) // p1's signalling is gone
	p2 := joinPeer(t, api, room, "p2")
	defer p2.close()
	audio, video := p2.publish(api)
	var seq uint16
	lost := nextOffer(t, p1, func() { sendSome(t, audio, video, &seq, 1) })
	if st := p1.part.sub.pc.SignalingState(); st != webrtc.SignalingStateHaveLocalOffer {
		t.Fatalf("subscriber state %s, want have-local-offer", st)
	}

	p1.part.Resume()
	again := nextOffer(t, p1, func() {})
	if iceUfrag(again) != iceUfrag(lost) || mids(again) != mids(lost) {
		t.Fatal("resume did not re-send the outstanding offer first")
	}
	p1.holdOffers.Store(false) // the client is back: answer this and later offers
	p1.answer(again)
	waitFor(t, 20*time.Second, "p1 receives p2", func() error {
		sendSome(t, audio, video, &seq, 1)
		return errIf(p1.count("p2/video") == 0 || p1.count("p2/audio") == 0, "nothing yet")
	})
}

// TestSubscriberBadAnswerResendsOffer: an answer that fails validation
// gets the offer sent again, so the client can answer it properly.
func TestSubscriberBadAnswerResendsOffer(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	room, _ := s.NewRoom("r", nopEvents{})
	p1 := joinPeer(t, api, room, "p1")
	defer p1.close()
	p1.holdOffers.Store(true)
	p2 := joinPeer(t, api, room, "p2")
	defer p2.close()
	audio, video := p2.publish(api)
	var seq uint16
	offer := nextOffer(t, p1, func() { sendSome(t, audio, video, &seq, 1) })
	if err := p1.part.HandleAnswer(noCredentialsOffer); !errors.Is(err, ErrInvalidSDP) {
		t.Fatalf("bad answer: %v", err)
	}
	if again := nextOffer(t, p1, func() {}); iceUfrag(again) != iceUfrag(offer) || mids(again) != mids(offer) {
		t.Fatal("offer not re-sent after a bad answer")
	}
}

func iceUfrag(sdp string) string {
	for _, line := range strings.Split(sdp, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-ufrag:"); ok {
			return v
		}
	}
	return ""
}

// nextOffer waits for p's next offer, calling tick meanwhile (pion reports
// a published track only when its first packet arrives).
func nextOffer(t *testing.T, p *testPeer, tick func()) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case o := <-p.offers:
			return o
		case <-deadline:
			t.Fatal("no offer")
		case <-time.After(20 * time.Millisecond):
			tick()
		}
	}
}

// mids lists an SDP's media section IDs.
func mids(sdp string) string {
	var out []string
	for _, line := range strings.Split(sdp, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=mid:"); ok {
			out = append(out, v)
		}
	}
	return strings.Join(out, ",")
}
