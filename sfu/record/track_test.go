package record

import (
	"testing"
	"time"

	"github.com/pion/rtp"

	"piiri/internal/clock"
)

var t0 = time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC)

func TestTimelineWrapsAndReorders(t *testing.T) {
	tl := timeline{rate: 90000}
	start := uint32(0xFFFFFFFF - 45000) // wraps half a second in
	tl.observe(start, t0)
	for i, c := range []struct {
		ts   uint32
		want time.Duration
	}{
		{start + 3000, 3000 * time.Second / 90000},
		{start + 90000, time.Second},      // past the wrap
		{start + 45000, time.Second / 2},  // late, from before the newest
		{start - 9000, -time.Second / 10}, // from before the first
		{start + 90000*100, 100 * time.Second},
	} {
		tl.observe(c.ts, t0.Add(time.Hour)) // arrival after the first counts for nothing
		if got := tl.at(c.ts).Sub(t0); got != c.want {
			t.Errorf("%d: ts %#x at %v, want %v", i, c.ts, got, c.want)
		}
	}
}

// TestSenderClockAlignsTracks: audio's first packet arrives at t0, the
// video captured at the same instant 80 ms later (a longer network and
// jitter-buffer path). By arrival alone video lags 80 ms; once both
// tracks have a sender report (the sender's clock says both timestamps
// are the same instant), video is placed where it was captured, while
// audio, which fixed the sender clock, stays where it arrived. The
// report's RTP time may wrap against the packets'.
func TestSenderClockAlignsTracks(t *testing.T) {
	var sender senderClock
	audio := timeline{rate: 48000, sender: &sender}
	video := timeline{rate: 90000, sender: &sender}
	ntp := time.Date(2026, 3, 2, 16, 59, 58, 0, time.UTC) // the sender's clock: 2 s behind this one
	var audioTS, videoTS = uint32(1000), uint32(0xFFFFFF00)

	audio.observe(audioTS, t0)
	video.observe(videoTS, t0.Add(80*time.Millisecond))
	if got := video.at(videoTS + 9000).Sub(t0); got != 180*time.Millisecond {
		t.Errorf("video before any report: %v, want 180 ms (by its arrival)", got)
	}
	// Reports from a second later: RTP time and the sender's instant.
	audio.senderReport(ntp.Add(time.Second), audioTS+48000)
	if !sender.set || sender.offset != 2*time.Second {
		t.Fatalf("sender clock %+v, want fixed by audio at +2 s", sender)
	}
	if got := audio.at(audioTS + 4800).Sub(t0); got != 100*time.Millisecond {
		t.Errorf("audio 100 ms in: %v, want 100 ms (audio fixed the clock by its first packet)", got)
	}
	if got := video.at(videoTS + 9000).Sub(t0); got != 180*time.Millisecond {
		t.Errorf("video without its own report: %v, want 180 ms (still by arrival)", got)
	}
	video.senderReport(ntp.Add(time.Second), videoTS+90000) // wraps past 2^32
	for _, c := range []struct {
		ts   uint32
		want time.Duration
	}{{videoTS, 0}, {videoTS + 9000, 100 * time.Millisecond}, {videoTS + 90000*3, 3 * time.Second}} {
		if got := video.at(c.ts).Sub(t0); got != c.want {
			t.Errorf("video ts %#x: %v, want %v (as captured, with audio)", c.ts, got, c.want)
		}
	}
}

// TestSenderReportBeforeMedia: a report that comes before the track's
// first packet (the sfu hands the newest to a sink as it is added) fixes
// the clock at that first packet.
func TestSenderReportBeforeMedia(t *testing.T) {
	var sender senderClock
	video := timeline{rate: 90000, sender: &sender}
	video.senderReport(t0.Add(-10*time.Second), 5000)
	if sender.set {
		t.Fatal("the clock was fixed before any packet")
	}
	video.observe(5000+90000, t0.Add(500*time.Millisecond))
	if got := video.at(5000 + 90000*2).Sub(t0); got != 1500*time.Millisecond {
		t.Errorf("a second after the first packet: %v, want 1.5 s", got)
	}
}

// opusPkt is one packet of a 20 ms Opus frame.
func opusPkt(seq uint16, ts uint32) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: ts, Marker: true}, Payload: []byte{0xfc, 0xff, 0xfe}}
}

// vp8Pkts are the packets of one synthetic VP8 frame (n packets).
func vp8Pkts(seq uint16, ts uint32, key bool, width, height, n int) []*rtp.Packet {
	var out []*rtp.Packet
	for i := range n {
		desc := byte(0x00)
		if i == 0 {
			desc = 0x10 // S: start of partition 0
		}
		var payload []byte
		switch {
		case i > 0:
			payload = []byte{desc, 0xaa, 0xbb}
		case key:
			payload = []byte{desc, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, byte(width), byte(width >> 8), byte(height), byte(height >> 8), 0x00}
		default:
			payload = []byte{desc, 0x01, 0x00, 0x00, 0x11, 0x22}
		}
		out = append(out, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq + uint16(i), Timestamp: ts, Marker: i == n-1}, Payload: payload})
	}
	return out
}

type emitted struct {
	frames []frame
}

func (e *emitted) emit(f frame) { e.frames = append(e.frames, f) }

func (e *emitted) times() []time.Duration {
	var out []time.Duration
	for _, f := range e.frames {
		out = append(out, f.at.Sub(t0))
	}
	return out
}

// TestAudioLossAndWraparound: Opus frames across the wrap of both the
// 16-bit sequence number and the 32-bit timestamp, one packet lost for
// good: every other frame is written at its exact time (nothing shifts
// across the gap), and the gap is given up after MaxLate instead of
// stalling what follows.
func TestAudioLossAndWraparound(t *testing.T) {
	clk := clock.NewFake(t0)
	s := newTrackState(false, 48000, nil, 500*time.Millisecond, time.Second, clk.Now, func() { t.Error("keyframe requested for audio") })
	var e emitted
	seq, ts := uint16(65530), uint32(0xFFFFFFFF-960*3+1)
	const lost = 5
	for i := range 60 { // 1.2 s
		if i != lost {
			s.push(opusPkt(seq+uint16(i), ts+uint32(i*960)), t0.Add(time.Duration(i)*20*time.Millisecond), e.emit)
		}
	}
	// Before any flush: the frames after the gap are out (the gap was
	// given up once it was 500 ms old), except the newest, which waits
	// for its successor to show it is complete.
	got := e.times()
	if len(got) != 58 {
		t.Fatalf("%d frames emitted before the end, want 58 (60, one lost, the newest held): %v", len(got), got)
	}
	for i, at := range got {
		n := i
		if i >= lost {
			n++
		}
		if want := time.Duration(n) * 20 * time.Millisecond; at != want {
			t.Fatalf("frame %d at %v, want %v", i, at, want)
		}
	}
	s.flush(e.emit)
	if len(e.frames) != 59 {
		t.Errorf("%d frames after flush, want 59", len(e.frames))
	}
}

// TestVideoKeyframeWait: video starts at a keyframe (requested); the
// frames before it are not written, and the keyframe is at its own time,
// not at the time writing began. After a lost packet nothing is written
// until the next keyframe, which is requested again, rate-limited.
func TestVideoKeyframeWait(t *testing.T) {
	clk := clock.NewFake(t0)
	requests := 0
	s := newTrackState(true, 90000, nil, 500*time.Millisecond, time.Second, clk.Now, func() { requests++ })
	s.maybeAsk() // as the recorder does on start
	var e emitted
	seq := uint16(65500)
	var ts uint32 = 0xFFFF0000
	frameNo := 0
	send := func(key bool, lose int) {
		pkts := vp8Pkts(seq, ts+uint32(frameNo*3000), key, 640, 480, 3)
		for i, p := range pkts {
			if i != lose {
				s.push(p, clk.Now(), e.emit)
			}
		}
		seq += uint16(len(pkts))
		frameNo++
		clk.Advance(33 * time.Millisecond)
	}
	for range 10 {
		send(false, -1) // delta frames before any keyframe
	}
	if requests != 1 {
		t.Errorf("%d keyframe requests while waiting 330 ms, want 1 (1 s apart)", requests)
	}
	for range 25 {
		send(false, -1)
	}
	if requests != 2 {
		t.Errorf("%d keyframe requests after 1.1 s of waiting, want 2", requests)
	}
	send(true, -1) // frame 35
	for range 5 {
		send(false, -1)
	}
	send(false, 1) // frame 41: a packet lost for good
	for range 20 {
		send(false, -1) // frames 42..61: refer to the lost one
	}
	send(true, -1) // frame 62
	send(false, -1)
	send(false, -1)
	s.flush(e.emit)

	want := []int{35, 36, 37, 38, 39, 40, 62, 63, 64}
	if len(e.frames) != len(want) {
		t.Fatalf("emitted %d frames %v, want frames %v", len(e.frames), e.times(), want)
	}
	for i, f := range e.frames {
		if at := time.Duration(want[i]) * 3000 * time.Second / 90000; f.at.Sub(t0) != at {
			t.Errorf("frame %d at %v, want %v", want[i], f.at.Sub(t0), at)
		}
	}
	if f := e.frames[0]; !f.keyframe || f.width != 640 || f.height != 480 {
		t.Errorf("first frame: keyframe %v %dx%d, want a 640x480 keyframe", f.keyframe, f.width, f.height)
	}
	if requests != 3 {
		t.Errorf("%d keyframe requests, want 3 (start, a second later, after the loss)", requests)
	}
}

// TestPaddingIsNoLoss: padding-only packets (bandwidth probes) between
// frames are skipped without making video wait for a keyframe.
func TestPaddingIsNoLoss(t *testing.T) {
	clk := clock.NewFake(t0)
	s := newTrackState(true, 90000, nil, 500*time.Millisecond, time.Second, clk.Now, func() {})
	var e emitted
	seq := uint16(100)
	for i := range 10 {
		for _, p := range vp8Pkts(seq, uint32(i*3000), i == 0, 320, 240, 2) {
			s.push(p, clk.Now(), e.emit)
		}
		seq += 2
		if i%3 == 1 {
			s.push(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(i * 3000), Padding: true}}, clk.Now(), e.emit)
			seq++
		}
	}
	s.flush(e.emit)
	if len(e.frames) != 10 {
		t.Errorf("%d frames, want all 10", len(e.frames))
	}
}
