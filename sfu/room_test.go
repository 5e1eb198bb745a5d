package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
)

// sendSome writes n VP8 keyframe-start packets and n Opus packets.
func sendSome(t *testing.T, audio, video *webrtc.TrackLocalStaticRTP, seq *uint16, n int) {
	t.Helper()
	v := vp8KeyframePacket(500)
	for range n {
		*seq++
		v.SequenceNumber = *seq
		v.Timestamp = uint32(*seq) * 3000
		if err := video.WriteRTP(&v); err != nil {
			t.Fatal(err)
		}
		a := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: *seq, Timestamp: uint32(*seq) * 960}, Payload: []byte{0xf8, 0xff, 0xfe}}
		if err := audio.WriteRTP(&a); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRoomForwardsAndCleansUp: three participants publish, everyone
// receives everyone else; then a participant leaves, the others stop
// receiving its tracks, and when all have left no goroutine of the room,
// its peer connections or its forwarding remains.
func TestRoomForwardsAndCleansUp(t *testing.T) {
	s := newTestSFU(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	api := newClientAPI(t)
	room, err := s.NewRoom("r", nopEvents{})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"p0", "p1", "p2"}
	peers := make([]*testPeer, len(ids))
	audio := make([]*webrtc.TrackLocalStaticRTP, len(ids))
	video := make([]*webrtc.TrackLocalStaticRTP, len(ids))
	for i, id := range ids {
		peers[i] = joinPeer(t, api, room, id)
		audio[i], video[i] = peers[i].publish(api)
	}
	var seq uint16
	waitFor(t, 20*time.Second, "everyone receives everyone", func() error {
		for i := range peers {
			sendSome(t, audio[i], video[i], &seq, 1)
		}
		for i, rx := range peers {
			for j := range peers {
				if i == j {
					continue
				}
				for _, kind := range []string{"audio", "video"} {
					if rx.count(ids[j]+"/"+kind) == 0 {
						return errIf(true, "%s has no %s from %s", ids[i], kind, ids[j])
					}
				}
			}
		}
		return nil
	})
	m := s.metrics
	if got := testutil.ToFloat64(m.PublishedTracks.WithLabelValues("video")); got != 3 {
		t.Errorf("published video tracks gauge %v, want 3", got)
	}
	if testutil.ToFloat64(m.ForwardedPackets.WithLabelValues("audio")) == 0 {
		t.Error("forwarded audio packets not counted")
	}

	// p2 leaves: its tracks are unpublished from p0 and p1.
	peers[2].close()
	if room.Len() != 2 {
		t.Errorf("room has %d participants after a leave, want 2", room.Len())
	}
	waitFor(t, 10*time.Second, "p2's tracks removed from the others", func() error {
		for _, p := range peers[:2] {
			p.part.sub.mu.Lock()
			n := len(p.part.sub.subscriptions)
			p.part.sub.mu.Unlock()
			if n != 2 {
				return errIf(true, "%s still has %d subscriptions, want 2", p.part.id, n)
			}
		}
		return nil
	})
	if got := testutil.ToFloat64(m.PublishedTracks.WithLabelValues("video")); got != 2 {
		t.Errorf("published video tracks gauge %v after a leave, want 2", got)
	}
	for _, p := range peers[:2] {
		p.close()
	}
	room.Close()
	select {
	case <-room.Done(): // the room's event goroutine has ended
	case <-time.After(10 * time.Second):
		t.Fatal("the room's events were not all delivered after Close")
	}
	if got := testutil.ToFloat64(m.Rooms); got != 0 {
		t.Errorf("rooms gauge %v after close, want 0", got)
	}
}
