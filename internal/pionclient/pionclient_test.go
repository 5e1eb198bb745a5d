package pionclient

import (
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// TestOfferIsBrowserLike: an offer from a client of this API carries what
// piiri's SFU relies on from browsers: Opus with the audio level
// extension, VP8 with NACK and PLI feedback, and TWCC.
func TestOfferIsBrowserLike(t *testing.T) {
	configured := false
	api, err := NewAPI(func(*webrtc.SettingEngine) { configured = true })
	if err != nil {
		t.Fatal(err)
	}
	if !configured {
		t.Error("configure was not called")
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"opus/48000/2", "VP8/90000", AudioLevelURI, "nack pli", "transport-cc"} {
		if !strings.Contains(offer.SDP, want) {
			t.Errorf("offer lacks %q", want)
		}
	}
}
