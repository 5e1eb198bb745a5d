package bot

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

func TestFrameRoundTrip(t *testing.T) {
	made := time.Unix(1_800_000_000, 123456789)
	for _, tc := range []struct {
		key  bool
		size int
		made time.Time
	}{{true, 3000, time.Time{}}, {false, 900, made}, {true, 5000, made}, {false, 1, made}} {
		f := vp8Frame(42, tc.key, tc.size, tc.made)
		if len(f) != max(tc.size, minFrameSize) {
			t.Errorf("size %d: frame of %d bytes", tc.size, len(f))
		}
		info, err := checkVP8Frame(f)
		if err != nil || info.number != 42 || info.keyframe != tc.key || !info.made.Equal(tc.made) {
			t.Errorf("%+v: %+v %v", tc, info, err)
		}
		f[len(f)-1]++
		if _, err := checkVP8Frame(f); !errors.Is(err, errDamagedFrame) {
			t.Errorf("%+v: a changed byte passed: %v", tc, err)
		}
		if _, err := checkVP8Frame(f[:len(f)-1]); !errors.Is(err, errDamagedFrame) {
			t.Errorf("%+v: a short frame passed: %v", tc, err)
		}
	}
}

// TestFramesSplitAsConfigured: 600 kbit/s at 25 fps is 3,000-byte frames
// in 3 packets, keyframes in 6, each frame stamped in its first packet.
func TestFramesSplitAsConfigured(t *testing.T) {
	b := &Bot{cfg: Config{VideoFPS: 25, VideoBitrate: 600_000, VideoPacketsPerFrame: 3}}
	s := b.frameSizes()
	if s.delta != 3000 || s.key != 6000 {
		t.Fatalf("sizes %+v", s)
	}
	p := rtp.NewPacketizer(uint16(s.mtu), 0, 0, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	made := time.Now()
	for _, tc := range []struct {
		key  bool
		size int
		want int
	}{{false, s.delta, 3}, {true, s.key, 6}} {
		pkts := p.Packetize(vp8Frame(1, tc.key, tc.size, made), 3600)
		if len(pkts) != tc.want {
			t.Errorf("keyframe %v: %d packets, want %d", tc.key, len(pkts), tc.want)
		}
		if got := frameStamp(pkts[0].Payload); !got.Equal(made) {
			t.Errorf("keyframe %v: stamp %v, want %v", tc.key, got, made)
		}
		for _, pkt := range pkts[1:] {
			if !frameStamp(pkt.Payload).IsZero() {
				t.Errorf("keyframe %v: a later packet read as a frame start", tc.key)
			}
		}
	}
	if d := (&Bot{cfg: Config{VideoFPS: 15}}).frameSizes(); d.delta != deltaFrameSize || d.mtu != rtpMTU {
		t.Errorf("default sizes %+v", d)
	}
}

func TestStampedAudio(t *testing.T) {
	made := time.Unix(1_800_000_000, 5)
	if got, ok := checkAudio(stampedAudio(made)); !ok || !got.Equal(made) {
		t.Errorf("stamped: %v %v", got, ok)
	}
	if got, ok := checkAudio(opusSilence); !ok || !got.IsZero() {
		t.Errorf("plain: %v %v", got, ok)
	}
	if _, ok := checkAudio([]byte{1, 2, 3}); ok {
		t.Error("foreign audio accepted")
	}
}
