package simulcast

import (
	"bytes"
	"slices"
	"testing"

	"github.com/pion/rtp"
)

const frameNs = int64(1e9) / 30

// layerSource plays one layer of a simulcast VP8 publisher: 30 frames per
// second of perFrame packets each, with its own random-looking starts for
// the sequence number, timestamp, picture ID and TL0PICIDX, as browsers
// give every encoding.
type layerSource struct {
	layer    int
	seq      uint16
	ts       uint32
	pic      uint16
	tl0      uint8
	perFrame int
	keyEvery int // a keyframe every keyEvery frames (0: only the first)
	frames   int
}

type sent struct {
	p       Packet
	h       rtp.Header
	payload []byte
}

// frame returns the next frame's packets, arriving at ns.
func (s *layerSource) frame(ns int64) []sent {
	key := s.frames == 0 || (s.keyEvery > 0 && s.frames%s.keyEvery == 0)
	out := make([]sent, s.perFrame)
	for i := range out {
		payload := []byte{0x80, 0xf0, 0x80 | byte(s.pic>>8), byte(s.pic), s.tl0, 0x40 | byte(s.frames)&0x1f, 0x00, 0x01, 0x02}
		if i == 0 {
			payload[0] |= 0x10 // S: start of partition 0
			if !key {
				payload[6] = 0x01 // inter frame
			}
		} else {
			payload[6] = 0xaa
		}
		out[i] = sent{
			p:       Packet{Layer: s.layer, Keyframe: key && i == 0, Arrival: ns},
			h:       rtp.Header{SequenceNumber: s.seq, Timestamp: s.ts, Marker: i == s.perFrame-1},
			payload: payload,
		}
		s.seq++
	}
	s.ts += 3000
	s.pic = (s.pic + 1) & 0x7fff
	s.tl0++
	s.frames++
	return out
}

// outPacket is what left the rewriter.
type outPacket struct {
	layer    int
	src      uint16 // the sequence number it came with
	seq      uint16
	ts       uint32
	pic      uint16
	tl0      uint8
	key      uint8
	first    bool // first packet of its frame
	keyframe bool
	at       int64
}

type recorder struct {
	t   *testing.T
	r   *Rewriter
	dst []byte
	out []outPacket
}

func (c *recorder) feed(pkts []sent) {
	c.t.Helper()
	for _, s := range pkts {
		h := s.h
		orig := bytes.Clone(s.payload)
		payload, ok := c.r.Rewrite(s.p, &h, s.payload, c.dst)
		if !bytes.Equal(orig, s.payload) {
			c.t.Fatalf("Rewrite wrote to the caller's payload: % x became % x", orig, s.payload)
		}
		if !ok {
			continue
		}
		d, ok := parseVP8(payload)
		if !ok || !d.hasPic || !d.hasTL0 || !d.hasKey {
			c.t.Fatalf("forwarded payload % x lost its descriptor", payload)
		}
		if !bytes.Equal(payload[6:], s.payload[6:]) || payload[0] != s.payload[0] || payload[1] != s.payload[1] {
			c.t.Fatalf("the rewrite changed more than the descriptor's numbers: % x from % x", payload, s.payload)
		}
		c.out = append(c.out, outPacket{
			layer: s.p.Layer, src: s.h.SequenceNumber, seq: h.SequenceNumber, ts: h.Timestamp, pic: d.pic, tl0: d.tl0, key: d.key,
			first: s.payload[0]&0x10 != 0, keyframe: s.p.Keyframe, at: s.p.Arrival,
		})
	}
}

// checkContinuous asserts what a decoder needs of one stream: sequence
// numbers consecutive, timestamps rising by about the time between frames,
// picture IDs and TL0PICIDX one up per frame, and a keyframe wherever the
// layer changes.
func checkContinuous(t *testing.T, out []outPacket) {
	t.Helper()
	if len(out) == 0 {
		t.Fatal("nothing was forwarded")
	}
	if !out[0].keyframe {
		t.Fatalf("the stream starts with a packet that is not a keyframe's first: %+v", out[0])
	}
	for i := 1; i < len(out); i++ {
		a, b := out[i-1], out[i]
		if b.seq != a.seq+1 {
			t.Fatalf("packet %d: sequence number %d after %d", i, b.seq, a.seq)
		}
		if b.layer != a.layer && !b.keyframe {
			t.Fatalf("packet %d: layer %d→%d without a keyframe", i, a.layer, b.layer)
		}
		if !b.first {
			if b.ts != a.ts || b.pic != a.pic || b.tl0 != a.tl0 {
				t.Fatalf("packet %d: inside a frame the numbers changed: %+v after %+v", i, b, a)
			}
			continue
		}
		elapsed := uint32((b.at - a.at) * 90000 / 1e9)
		if d := b.ts - a.ts; int32(d-elapsed) < -1 || int32(d-elapsed) > 1 {
			t.Fatalf("packet %d: timestamp moved by %d for %d ticks between frames (%+v after %+v)", i, int32(d), elapsed, b, a)
		}
		if b.pic != (a.pic+1)&0x7fff || b.tl0 != a.tl0+1 {
			t.Fatalf("packet %d: picture ID %d after %d, TL0PICIDX %d after %d", i, b.pic, a.pic, b.tl0, a.tl0)
		}
		if b.key != (a.key+1)&0x1f && b.layer == a.layer {
			t.Fatalf("packet %d: KEYIDX %d after %d", i, b.key, a.key)
		}
	}
}

// TestFirstLayerPassesThrough: with no switch, packets leave as they came
// (no copy of the payload, numbers untouched).
func TestFirstLayerPassesThrough(t *testing.T) {
	r := NewRewriter(90000)
	r.SetTarget(0)
	src := &layerSource{layer: 0, seq: 100, ts: 5000, pic: 7, tl0: 3, perFrame: 3}
	for f := 0; f < 10; f++ {
		for _, s := range src.frame(int64(f) * frameNs) {
			h := s.h
			payload, ok := r.Rewrite(s.p, &h, s.payload, make([]byte, 1500))
			if !ok || h.SequenceNumber != s.h.SequenceNumber || h.Timestamp != s.h.Timestamp || &payload[0] != &s.payload[0] {
				t.Fatalf("frame %d: ok=%v header %+v from %+v, payload copied=%v", f, ok, h, s.h, &payload[0] != &s.payload[0])
			}
		}
	}
}

// TestSwitchesAreSeamless runs three layers with unrelated numbering
// (two of them wrapping their sequence numbers, timestamps, picture IDs
// and TL0PICIDX during the run) and switches up, down, pauses and
// resumes; the subscriber's stream stays one continuous stream.
func TestSwitchesAreSeamless(t *testing.T) {
	layers := []*layerSource{
		{layer: 0, seq: 65500, ts: 4294960000, pic: 32760, tl0: 250, perFrame: 1, keyEvery: 30},
		{layer: 1, seq: 12000, ts: 77777, pic: 100, tl0: 9, perFrame: 2, keyEvery: 45},
		{layer: 2, seq: 65530, ts: 1 << 31, pic: 32700, tl0: 200, perFrame: 4, keyEvery: 60},
	}
	r := NewRewriter(90000)
	c := &recorder{t: t, r: r, dst: make([]byte, 1500)}
	r.SetTarget(0)
	plan := map[int]int{40: 2, 100: 1, 150: 0, 200: NoLayer, 230: 2, 300: 1}
	var paused int
	for f := 0; f < 400; f++ {
		if l, ok := plan[f]; ok {
			r.SetTarget(l)
		}
		before := len(c.out)
		for _, s := range layers {
			c.feed(s.frame(int64(f) * frameNs))
		}
		if r.Target() == NoLayer {
			if len(c.out) != before {
				t.Fatalf("frame %d: paused, yet %d packets went out", f, len(c.out)-before)
			}
			paused++
		}
	}
	checkContinuous(t, c.out)
	if paused != 30 {
		t.Fatalf("paused for %d frames, want 30", paused)
	}
	var switches []int
	for i, p := range c.out {
		if i == 0 || p.layer != c.out[i-1].layer {
			switches = append(switches, p.layer)
		}
	}
	if want := []int{0, 2, 1, 0, 2, 1}; !slices.Equal(switches, want) {
		t.Fatalf("layers in the stream: %v, want %v", switches, want)
	}
	if r.Current() != 1 || r.NeedsKeyframe() {
		t.Fatalf("at the end: current %d, needs keyframe %v", r.Current(), r.NeedsKeyframe())
	}
}

// TestPauseKeepsTime: after a pause, the timestamp moves on by the time
// paused, so the subscriber's jitter buffer does not play the resumed
// video as if no time had passed.
func TestPauseKeepsTime(t *testing.T) {
	src := &layerSource{layer: 0, seq: 1, ts: 1000, pic: 1, tl0: 1, perFrame: 1, keyEvery: 10}
	r := NewRewriter(90000)
	c := &recorder{t: t, r: r, dst: make([]byte, 1500)}
	r.SetTarget(0)
	for f := 0; f < 100; f++ {
		switch f {
		case 20:
			r.SetTarget(NoLayer)
		case 50:
			r.SetTarget(0)
		}
		c.feed(src.frame(int64(f) * frameNs))
	}
	checkContinuous(t, c.out)
	for i := 1; i < len(c.out); i++ {
		if gap := c.out[i].at - c.out[i-1].at; gap > frameNs {
			if d := c.out[i].ts - c.out[i-1].ts; d != uint32(gap*90000/1e9) {
				t.Fatalf("after a pause of %d ms the timestamp moved %d ticks, want %d", gap/1e6, d, gap*90000/1e9)
			}
			return
		}
	}
	t.Fatal("no pause in the stream")
}

// TestSwitchWaitsForKeyframe: a new target's inter frames are dropped and
// the current layer goes on until the target's keyframe.
func TestSwitchWaitsForKeyframe(t *testing.T) {
	low := &layerSource{layer: 0, seq: 10, ts: 10, pic: 10, tl0: 10, perFrame: 1, keyEvery: 0}
	high := &layerSource{layer: 1, seq: 900, ts: 900, pic: 900, tl0: 90, perFrame: 2, keyEvery: 0}
	r := NewRewriter(90000)
	c := &recorder{t: t, r: r, dst: make([]byte, 1500)}
	r.SetTarget(0)
	c.feed(low.frame(0))
	high.frame(0) // its keyframe, before the target changes: missed
	r.SetTarget(1)
	for f := 1; f < 5; f++ {
		c.feed(low.frame(int64(f) * frameNs))
		c.feed(high.frame(int64(f) * frameNs))
		if !r.NeedsKeyframe() || r.Current() != 0 {
			t.Fatalf("frame %d: current %d, needs keyframe %v", f, r.Current(), r.NeedsKeyframe())
		}
	}
	if len(c.out) != 5 {
		t.Fatalf("%d packets out, want the low layer's 5", len(c.out))
	}
	high.keyEvery = 1 // the keyframe that was asked for
	c.feed(low.frame(5 * frameNs))
	c.feed(high.frame(5 * frameNs))
	c.feed(low.frame(6 * frameNs))
	c.feed(high.frame(6 * frameNs))
	checkContinuous(t, c.out)
	if r.Current() != 1 || r.NeedsKeyframe() || c.out[len(c.out)-1].layer != 1 || len(c.out) != 10 {
		t.Fatalf("after the keyframe: current %d, %d out, last from layer %d", r.Current(), len(c.out), c.out[len(c.out)-1].layer)
	}
}

// TestReorderedPackets: a late packet of the current layer gets its own
// number (not the next one); a late packet of the new layer from before
// its keyframe is dropped, it cannot be decoded after the switch.
func TestReorderedPackets(t *testing.T) {
	low := &layerSource{layer: 0, seq: 500, ts: 0, pic: 0, tl0: 0, perFrame: 3}
	high := &layerSource{layer: 1, seq: 40000, ts: 3, pic: 3, tl0: 3, perFrame: 3, keyEvery: 2}
	r := NewRewriter(90000)
	c := &recorder{t: t, r: r, dst: make([]byte, 1500)}
	r.SetTarget(0)
	c.feed(low.frame(0))
	f1 := low.frame(frameNs)
	c.feed([]sent{f1[0], f1[2]})
	c.feed([]sent{f1[1]}) // late
	got := []uint16{c.out[3].seq, c.out[4].seq, c.out[5].seq}
	if want := []uint16{503, 505, 504}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("sequence numbers %v, want %v", got, want)
	}
	high.frame(0)
	high.frame(frameNs)
	key := high.frame(2 * frameNs) // frame 2: a keyframe
	r.SetTarget(1)
	c.feed(key)
	before := len(c.out)
	old := sent{p: Packet{Layer: 1, Arrival: 2 * frameNs}, h: rtp.Header{SequenceNumber: key[0].h.SequenceNumber - 1, Timestamp: key[0].h.Timestamp - 3000}, payload: []byte{0x80, 0xf0, 0x80, 4, 4, 0x41, 0xaa}}
	c.feed([]sent{old})
	if len(c.out) != before {
		t.Fatalf("a packet from before the new layer's keyframe went out: %+v", c.out[len(c.out)-1])
	}
	if c.out[before-3].seq != 506 {
		t.Fatalf("the new layer starts at %d, want 506", c.out[before-3].seq)
	}
}

// TestSourceMapsNACKs: a NACKed outgoing sequence number names the layer
// and source number it was sent from, across switches and wraparound.
func TestSourceMapsNACKs(t *testing.T) {
	layers := []*layerSource{
		{layer: 0, seq: 65534, ts: 0, pic: 0, tl0: 0, perFrame: 1, keyEvery: 5},
		{layer: 1, seq: 30000, ts: 0, pic: 0, tl0: 0, perFrame: 2, keyEvery: 5},
	}
	r := NewRewriter(90000)
	r.SetTarget(0)
	type origin struct {
		layer int
		seq   uint16
	}
	want := map[uint16]origin{}
	for f := 0; f < 60; f++ {
		if f%10 == 3 {
			r.SetTarget(1 - r.Target())
		}
		for _, s := range layers {
			for _, p := range s.frame(int64(f) * frameNs) {
				h := p.h
				if _, ok := r.Rewrite(p.p, &h, p.payload, make([]byte, 64)); ok {
					want[h.SequenceNumber] = origin{p.p.Layer, p.h.SequenceNumber}
				}
			}
		}
	}
	for out, o := range want {
		layer, seq, ok := r.Source(out)
		if int16(r.lastOutSeq-out) > 30 { // older than the last few switches may be forgotten
			continue
		}
		if !ok || layer != o.layer || seq != o.seq {
			t.Fatalf("Source(%d) = %d, %d, %v; want %d, %d", out, layer, seq, ok, o.layer, o.seq)
		}
	}
	if _, _, ok := r.Source(r.lastOutSeq + 1); ok {
		t.Fatal("Source knows a packet not yet sent")
	}
}

// TestTruncatedDescriptors: a payload too short for the descriptor it
// announces is forwarded untouched, never read past its end.
func TestTruncatedDescriptors(t *testing.T) {
	full := []byte{0x90, 0xf0, 0x81, 0x02, 0x03, 0x44, 0x00}
	for n := 0; n < 6; n++ {
		if _, ok := parseVP8(full[:n]); ok && n > 0 && n < 6 && full[0]&0x80 != 0 {
			t.Errorf("parseVP8 of %d bytes: ok, want not ok", n)
		}
	}
	d, ok := parseVP8(full)
	if !ok || d.pic != 0x102 || d.tl0 != 3 || d.key != 4 || d.picLen != 2 {
		t.Fatalf("parseVP8 = %+v, %v", d, ok)
	}
	if d, ok := parseVP8([]byte{0x90, 0x80, 0x05, 0x00}); !ok || d.picLen != 1 || d.pic != 5 || d.hasTL0 || d.hasKey {
		t.Fatalf("7-bit picture ID: %+v, %v", d, ok)
	}
}

// FuzzRewrite feeds random packets of random layers with random targets:
// Rewrite never panics, never writes to the caller's payload, never
// returns more bytes than it was given, and the forwarded sequence
// numbers of in-order input never go backwards.
func FuzzRewrite(f *testing.F) {
	f.Add([]byte{0, 1, 0x90, 0xe0, 0x80, 1, 2, 3, 1, 0, 0x80, 0xe0, 0x81, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewRewriter(90000)
		dst := make([]byte, 32)
		var seq [3]uint16
		var lastOut uint16
		var sentAny bool
		for len(data) >= 2 {
			op, n := data[0], int(data[1]%12)
			data = data[2:]
			n = min(n, len(data))
			payload := data[:n]
			data = data[n:]
			layer := int(op % 3)
			if op&0x80 != 0 {
				r.SetTarget(int(op>>4&3) - 1)
				continue
			}
			seq[layer]++
			h := rtp.Header{SequenceNumber: seq[layer], Timestamp: uint32(seq[layer]) * 3000}
			orig := bytes.Clone(payload)
			out, ok := r.Rewrite(Packet{Layer: layer, Keyframe: op&0x40 != 0, Arrival: int64(seq[layer]) * frameNs}, &h, payload, dst)
			if !bytes.Equal(orig, payload) {
				t.Fatal("wrote to the caller's payload")
			}
			if !ok {
				continue
			}
			if len(out) != len(payload) {
				t.Fatalf("%d bytes out of %d", len(out), len(payload))
			}
			if sentAny && int16(h.SequenceNumber-lastOut) <= 0 {
				t.Fatalf("sequence number %d after %d", h.SequenceNumber, lastOut)
			}
			lastOut, sentAny = h.SequenceNumber, true
		}
	})
}

// TestPictureIDAlreadyInLine: a switch where the new layer's picture ID
// happens to continue the stream still renumbers TL0PICIDX and KEYIDX.
func TestPictureIDAlreadyInLine(t *testing.T) {
	low := &layerSource{layer: 0, seq: 1, ts: 0, pic: 50, tl0: 0, perFrame: 1, keyEvery: 4}
	high := &layerSource{layer: 1, seq: 1, ts: 0, pic: 51, tl0: 100, perFrame: 1, keyEvery: 4}
	r := NewRewriter(90000)
	c := &recorder{t: t, r: r, dst: make([]byte, 1500)}
	r.SetTarget(0)
	for f := 0; f < 12; f++ {
		if f == 3 {
			r.SetTarget(1)
		}
		c.feed(low.frame(int64(f) * frameNs))
		c.feed(high.frame(int64(f) * frameNs))
	}
	checkContinuous(t, c.out)
}

// BenchmarkRewrite is the per-packet cost on the forwarding path: one
// subscriber's rewrite of a packet of the layer it receives, after a switch
// (so the descriptor is rewritten into the scratch buffer, the costlier
// case), with 1,100-byte payloads.
func BenchmarkRewrite(b *testing.B) {
	for _, bc := range []struct {
		name     string
		switched bool
	}{{"unswitched", false}, {"switched", true}} {
		b.Run(bc.name, func(b *testing.B) {
			r := NewRewriter(90000)
			r.SetTarget(0)
			payload := make([]byte, 1100)
			copy(payload, []byte{0x90, 0xf0, 0x80 | 1, 2, 3, 0x44})
			dst := make([]byte, 1500)
			h := rtp.Header{SequenceNumber: 1, Timestamp: 1}
			r.Rewrite(Packet{Layer: 0, Keyframe: true}, &h, payload, dst)
			layer, base := 0, uint16(2)
			if bc.switched {
				r.SetTarget(1)
				h = rtp.Header{SequenceNumber: 5000, Timestamp: 9000}
				r.Rewrite(Packet{Layer: 1, Keyframe: true, Arrival: frameNs}, &h, payload, dst)
				layer, base = 1, 5001
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				h.SequenceNumber, h.Timestamp = base+uint16(i), uint32(i/3)*3000 // wraps: still in order
				if _, ok := r.Rewrite(Packet{Layer: layer, Arrival: int64(i) * frameNs / 3}, &h, payload, dst); !ok {
					b.Fatal("dropped")
				}
			}
		})
	}
}

// TestLongRun: a layer forwarded for longer than half the sequence space
// (an hour of video is far more) keeps going, and a switch after it and
// the NACK mapping still work.
func TestLongRun(t *testing.T) {
	low := &layerSource{layer: 0, seq: 7, ts: 0, pic: 0, tl0: 0, perFrame: 3, keyEvery: 0}
	high := &layerSource{layer: 1, seq: 60000, ts: 0, pic: 0, tl0: 0, perFrame: 3, keyEvery: 0}
	r := NewRewriter(90000)
	c := &recorder{t: t, r: r, dst: make([]byte, 1500)}
	r.SetTarget(0)
	const frames = 50000 // 150,000 packets: the sequence numbers wrap twice
	for f := 0; f < frames; f++ {
		c.feed(low.frame(int64(f) * frameNs))
		if f == frames-10 {
			high.keyEvery = 1
			r.SetTarget(1)
		}
		c.feed(high.frame(int64(f) * frameNs))
	}
	checkContinuous(t, c.out)
	if n := len(c.out); n != 3*frames+3 { // at the switch both layers' frame went out
		t.Fatalf("%d packets forwarded, want %d", n, 3*frames+3)
	}
	for _, back := range []int{1, 29, 30, 31, 100, 5000} {
		p := c.out[len(c.out)-back]
		layer, seq, ok := r.Source(p.seq)
		wantLayer := 1
		if back > 30 {
			wantLayer = 0
		}
		if !ok || layer != wantLayer || layer != p.layer || seq != p.src {
			t.Fatalf("Source(%d), %d back: layer %d seq %d (ok %v); the packet came from layer %d as %d", p.seq, back, layer, seq, ok, p.layer, p.src)
		}
	}
}
