package sfu

import (
	"testing"

	"github.com/pion/rtp/codecs"
)

func TestIsVP8KeyframeStart(t *testing.T) {
	// VP8 frame tags: bit 0 is the inverse key frame flag.
	keyTag := []byte{0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a}
	deltaTag := []byte{0x51, 0x02, 0x00}
	cases := []struct {
		name    string
		payload []byte
		want    bool
	}{
		{"empty", nil, false},
		{"keyframe, short descriptor", append([]byte{0x10}, keyTag...), true},
		{"delta, short descriptor", append([]byte{0x10}, deltaTag...), false},
		{"keyframe, not start of partition", append([]byte{0x00}, keyTag...), false},
		{"keyframe, partition 1", append([]byte{0x11}, keyTag...), false},
		{"keyframe, 7-bit picture ID", append([]byte{0x90, 0x80, 0x05}, keyTag...), true},
		{"keyframe, 15-bit picture ID", append([]byte{0x90, 0x80, 0x85, 0x01}, keyTag...), true},
		{"delta, 15-bit picture ID", append([]byte{0x90, 0x80, 0x85, 0x01}, deltaTag...), false},
		{"keyframe, all extensions", append([]byte{0x90, 0xf0, 0x85, 0x01, 0x07, 0x20}, keyTag...), true},
		{"truncated after X", []byte{0x90}, false},
		{"truncated in picture ID", []byte{0x90, 0x80}, false},
		{"descriptor only", []byte{0x90, 0x80, 0x85, 0x01}, false},
	}
	for _, tc := range cases {
		if got := isVP8KeyframeStart(tc.payload); got != tc.want {
			t.Errorf("%s: isVP8KeyframeStart(% x) = %v, want %v", tc.name, tc.payload, got, tc.want)
		}
	}
}

// TestIsVP8KeyframeStartMatchesPayloader checks the detector against
// pion's own VP8 payloader and depacketizer, with picture IDs of both
// sizes.
func TestIsVP8KeyframeStartMatchesPayloader(t *testing.T) {
	frame := make([]byte, 3000)
	for _, keyframe := range []bool{true, false} {
		frame[0] = 0x50
		if !keyframe {
			frame[0] |= 1
		}
		p := &codecs.VP8Payloader{EnablePictureID: true}
		for range 200 { // walks the picture ID past 127 into 15 bits
			pkts := p.Payload(1200, frame)
			for i, pkt := range pkts {
				var d codecs.VP8Packet
				if _, err := d.Unmarshal(pkt); err != nil {
					t.Fatal(err)
				}
				want := keyframe && i == 0
				if got := isVP8KeyframeStart(pkt); got != want {
					t.Fatalf("keyframe=%v packet %d (picture ID %d): got %v, want %v", keyframe, i, d.PictureID, got, want)
				}
			}
		}
	}
}

func BenchmarkIsVP8KeyframeStart(b *testing.B) {
	payload := []byte{0x90, 0xf0, 0x85, 0x01, 0x07, 0x20, 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a}
	b.ReportAllocs()
	for b.Loop() {
		if !isVP8KeyframeStart(payload) {
			b.Fatal("not a keyframe start")
		}
	}
}
