package sfu

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// recordedEvents records room events.
type recordedEvents struct {
	mu       sync.Mutex
	speaking []string // "id:true" / "id:false"
}

func (e *recordedEvents) Speaking(id string, speaking bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if speaking {
		e.speaking = append(e.speaking, id+":true")
	} else {
		e.speaking = append(e.speaking, id+":false")
	}
}

func (e *recordedEvents) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.speaking...)
}

// audioLevelID is the ID the client's publisher negotiated for the audio
// level extension.
func audioLevelID(t *testing.T, pc *webrtc.PeerConnection) uint8 {
	t.Helper()
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() != webrtc.RTPCodecTypeAudio {
			continue
		}
		for _, ext := range tr.Sender().GetParameters().HeaderExtensions {
			if ext.URI == audioLevelURI {
				return uint8(ext.ID)
			}
		}
	}
	t.Fatal("audio level extension not negotiated")
	return 0
}

// TestSpeakingFromAudioLevels: loud audio levels in the publisher's
// packets make the room report the participant speaking, and silence
// afterwards makes it report the end.
func TestSpeakingFromAudioLevels(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	events := &recordedEvents{}
	room, _ := s.NewRoom("r", events)
	p0 := joinPeer(t, api, room, "p0")
	defer p0.close()
	audio, _ := p0.publish(api)
	waitFor(t, 10*time.Second, "publisher connected", func() error {
		return errIf(p0.pub.ConnectionState() != webrtc.PeerConnectionStateConnected, "state %s", p0.pub.ConnectionState())
	})
	id := audioLevelID(t, p0.pub)
	send := func(seq uint16, level uint8) {
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: []byte{0xf8, 0xff, 0xfe}}
		if err := pkt.Header.SetExtension(id, []byte{level}); err != nil {
			t.Fatal(err)
		}
		if err := audio.WriteRTP(&pkt); err != nil {
			t.Fatal(err)
		}
	}
	var seq uint16
	for range 30 { // 600 ms of RTP time at -20 dBov
		seq++
		send(seq, 20)
		time.Sleep(2 * time.Millisecond) // keep order; RTP time, not wall time, drives the detector
	}
	waitFor(t, 10*time.Second, "speaking reported", func() error {
		return errIf(len(events.list()) != 1 || events.list()[0] != "p0:true", "events %v", events.list())
	})
	for range 60 { // 1.2 s of silence
		seq++
		send(seq, 127)
		time.Sleep(2 * time.Millisecond)
	}
	waitFor(t, 10*time.Second, "end of speaking reported", func() error {
		got := events.list()
		return errIf(len(got) != 2 || got[1] != "p0:false", "events %v", got)
	})
}

// TestOffersDescribeTracks: a subscriber's offers say whose track, and
// which source, each media section carries, as the publisher named them.
func TestOffersDescribeTracks(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	room, _ := s.NewRoom("r", nopEvents{})
	p1 := joinPeer(t, api, room, "p1")
	defer p1.close()
	p0 := joinPeer(t, api, room, "p0")
	defer p0.close()
	audio, video := p0.publishWith(api, map[string]Source{"0": SourceMic, "1": SourceScreen})
	var seq uint16
	waitFor(t, 20*time.Second, "both tracks described", func() error {
		sendSome(t, audio, video, &seq, 1)
		p1.tracksMu.Lock()
		defer p1.tracksMu.Unlock()
		got := map[string]TrackInfo{}
		for _, ti := range p1.tracks {
			got[ti.Kind] = ti
		}
		if a, v := got["audio"], got["video"]; a.ParticipantID != "p0" || a.Source != SourceMic || v.ParticipantID != "p0" || v.Source != SourceScreen || a.Mid == "" || v.Mid == a.Mid {
			return errIf(true, "tracks %+v", p1.tracks)
		}
		return nil
	})
	// The screen is its own stream, apart from the microphone.
	waitFor(t, 10*time.Second, "media arrives", func() error {
		sendSome(t, audio, video, &seq, 1)
		return errIf(p1.count("p0-screen/video") == 0 || p1.count("p0/audio") == 0, "no screen video or microphone audio yet")
	})
}
