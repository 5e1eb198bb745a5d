// Package simulcast owns the turning of a published video's several
// encodings (layers, e.g. a quarter, half and full resolution) into the one
// stream a subscriber receives. A Rewriter forwards one layer at a time,
// changes layer only at a keyframe of the layer asked for, and rewrites
// each forwarded packet's sequence number, RTP timestamp and VP8 payload
// descriptor (picture ID, TL0PICIDX, KEYIDX) so that the subscriber's
// jitter buffer and decoder see one unbroken stream across every switch.
//
// An Allocator decides which layer of each remote video a subscriber
// gets within its estimated bandwidth (audio first, then screen shares
// and the speaker, no more pixels than the tile shows, pausing below the
// floor); a Rewriter carries that out packet by packet. The package knows
// nothing of pion's tracks or of how the bandwidth is estimated. The
// Rewriter runs on the forwarding path, once per packet per subscriber,
// so it takes no lock and allocates nothing.
package simulcast

import (
	"github.com/pion/rtp"
)

// NoLayer as a target pauses the video: nothing is forwarded until a
// layer is asked for again (and its keyframe arrives).
const NoLayer = -1

// historySize is how many switches Source can map back: a NACK for a
// packet from before the last few switches is older than any packet
// cache holds anyway.
const historySize = 8

// Rewriter is one subscriber's view of one published video. It is used
// from one goroutine (the track's forwarding goroutine), except Target,
// Current and SetTarget's caller, which the caller orders.
type Rewriter struct {
	clockRate uint32

	target  int // the layer asked for, or NoLayer
	current int // the layer being forwarded, or NoLayer

	started bool // a packet has gone out

	// The current layer's offsets from its source numbering to the
	// outgoing one, and its first source sequence number (packets older
	// than it belong to before the switch and are dropped).
	seqOffset  uint16
	tsOffset   uint32
	picOffset  uint16 // modulo 2^15
	tl0Offset  uint8
	keyOffset  uint8 // modulo 2^5
	switchSeq  uint16
	lastOutSeq uint16 // the highest sequence number sent out
	lastOutTS  uint32 // the timestamp of the newest frame sent out
	lastPic    uint16 // the newest picture ID sent out (15 bits)
	lastTL0    uint8
	lastKey    uint8
	lastAt     int64 // when the frame with lastOutTS arrived, in ns

	history [historySize]switchPoint
	nhist   int // entries used, up to historySize; the newest is at (next-1)
	next    int
}

// switchPoint maps outgoing sequence numbers from first on to a layer.
type switchPoint struct {
	first     uint16 // the first outgoing sequence number of this stretch
	layer     int
	seqOffset uint16
}

// NewRewriter returns a Rewriter for a video with the given RTP clock rate
// (90,000 for VP8), paused until SetTarget names a layer.
func NewRewriter(clockRate uint32) *Rewriter {
	return &Rewriter{clockRate: clockRate, target: NoLayer, current: NoLayer}
}

// SetTarget asks for a layer (or NoLayer to pause). The switch happens at
// the next keyframe of that layer; until then the current layer goes on,
// so a subscriber never sees a gap while the keyframe is on its way.
func (r *Rewriter) SetTarget(layer int) {
	r.target = layer
	if layer == NoLayer {
		r.current = NoLayer
	}
}

// Target is the layer asked for.
func (r *Rewriter) Target() int { return r.target }

// Current is the layer being forwarded, NoLayer while paused or before the
// first keyframe.
func (r *Rewriter) Current() int { return r.current }

// NeedsKeyframe reports whether the target layer waits for a keyframe: the
// caller asks that layer's publisher for one (rate-limited).
func (r *Rewriter) NeedsKeyframe() bool { return r.target != NoLayer && r.target != r.current }

// Packet is what Rewrite needs to know of one received packet besides its
// header: its layer, whether it starts a keyframe, and when it arrived.
type Packet struct {
	Layer    int
	Keyframe bool  // the first packet of a keyframe (S=1, partition 0, key frame bit)
	Arrival  int64 // ns on any monotonic clock, the same for every packet
}

// Rewrite decides whether a received packet goes to this subscriber. If it
// does, it sets h's sequence number and timestamp to the outgoing ones and
// returns the payload to send: payload itself when the VP8 descriptor needs
// no change, otherwise a copy in dst (which must have room for the
// payload; its contents are overwritten) with the descriptor rewritten.
// The caller's payload is never written to: it is shared by every
// subscriber of the track.
func (r *Rewriter) Rewrite(p Packet, h *rtp.Header, payload, dst []byte) (out []byte, ok bool) {
	if p.Layer != r.current {
		if p.Layer != r.target || !p.Keyframe {
			return nil, false
		}
		r.switchTo(p, h, payload)
	} else if int16(h.SequenceNumber-r.switchSeq) < 0 {
		return nil, false // from before this layer's keyframe: undecodable here
	}

	outSeq := h.SequenceNumber + r.seqOffset
	outTS := h.Timestamp + r.tsOffset
	newest := !r.started || int16(outSeq-r.lastOutSeq) > 0
	if newest {
		r.lastOutSeq = outSeq
		r.keepWindow(h.SequenceNumber)
	}
	if !r.started || int32(outTS-r.lastOutTS) > 0 {
		r.lastOutTS = outTS
		r.lastAt = p.Arrival
	}
	r.started = true
	h.SequenceNumber, h.Timestamp = outSeq, outTS
	return r.rewriteVP8(payload, dst, newest), true
}

// switchTo starts forwarding p's layer from this keyframe on, choosing the
// offsets that make its numbering continue the stream sent so far.
func (r *Rewriter) switchTo(p Packet, h *rtp.Header, payload []byte) {
	d, _ := parseVP8(payload)
	if !r.started {
		// The first layer ever keeps its own numbering.
		r.seqOffset, r.tsOffset, r.picOffset, r.tl0Offset, r.keyOffset = 0, 0, 0, 0, 0
	} else {
		r.seqOffset = r.lastOutSeq + 1 - h.SequenceNumber
		// The new frame is as far after the last one sent as it arrived
		// after it, at least one tick: the layers' timestamps have
		// unrelated random starts, but their frames are captured together.
		elapsed := p.Arrival - r.lastAt
		ticks := uint32(1)
		if elapsed > 0 {
			if t := uint64(elapsed) * uint64(r.clockRate) / 1e9; t > 1 {
				ticks = uint32(min(t, 1<<31-1))
			}
		}
		r.tsOffset = r.lastOutTS + ticks - h.Timestamp
		if d.hasPic {
			r.picOffset = (r.lastPic + 1 - d.pic) & 0x7fff
		}
		if d.hasTL0 {
			r.tl0Offset = r.lastTL0 + 1 - d.tl0
		}
		if d.hasKey {
			r.keyOffset = (r.lastKey + 1 - d.key) & 0x1f
		}
	}
	r.current = p.Layer
	r.switchSeq = h.SequenceNumber
	r.history[r.next] = switchPoint{first: h.SequenceNumber + r.seqOffset, layer: p.Layer, seqOffset: r.seqOffset}
	r.next = (r.next + 1) % historySize
	r.nhist = min(r.nhist+1, historySize)
}

// keepWindow keeps the layer's first source sequence number and the
// newest switch point at most window packets behind the newest packet:
// sequence numbers compare by their distance modulo 2^16, and a layer
// forwarded for more than 32,768 packets would otherwise find its own new
// packets "older" than the keyframe it started at.
func (r *Rewriter) keepWindow(srcSeq uint16) {
	if srcSeq-r.switchSeq > window {
		r.switchSeq = srcSeq - window
	}
	if r.nhist > 0 {
		s := &r.history[(r.next-1+historySize)%historySize]
		if r.lastOutSeq-s.first > window {
			s.first = r.lastOutSeq - window
		}
	}
}

// window is how far back, in packets, a late packet is still forwarded
// and a NACK still mapped: far more than any jitter or packet cache.
const window = 1 << 14

// Source maps an outgoing sequence number (from a subscriber's NACK) back
// to the layer and the source sequence number it was sent from, for the
// cache of that layer to answer. It knows the last historySize switches.
func (r *Rewriter) Source(outSeq uint16) (layer int, seq uint16, ok bool) {
	back := r.lastOutSeq - outSeq // how many packets before the newest
	if !r.started || int16(outSeq-r.lastOutSeq) > 0 || back > window {
		return NoLayer, 0, false
	}
	for i := 1; i <= r.nhist; i++ {
		s := r.history[(r.next-i+historySize)%historySize]
		since := r.lastOutSeq - s.first // this stretch began since packets ago
		if back <= since {
			return s.layer, outSeq - s.seqOffset, true
		}
		if since >= window {
			break // older stretches are beyond the window
		}
	}
	return NoLayer, 0, false
}

// rewriteVP8 returns payload with its picture ID, TL0PICIDX and KEYIDX
// moved by the current offsets (copied into dst), or payload itself when
// nothing moves or it carries no descriptor fields to move. For the newest
// packet sent it remembers the values, for the next switch to continue
// from (a late packet's are older).
func (r *Rewriter) rewriteVP8(payload, dst []byte, newest bool) []byte {
	d, ok := parseVP8(payload)
	if !ok {
		return payload
	}
	pic := (d.pic + r.picOffset) & 0x7fff
	tl0 := d.tl0 + r.tl0Offset
	key := (d.key + r.keyOffset) & 0x1f
	if newest {
		if d.hasPic {
			r.lastPic = pic
		}
		if d.hasTL0 {
			r.lastTL0 = tl0
		}
		if d.hasKey {
			r.lastKey = key
		}
	}
	if r.picOffset == 0 && r.tl0Offset == 0 && r.keyOffset == 0 {
		return payload
	}
	if len(dst) < len(payload) {
		return payload // the caller's scratch is too small: better unmoved than lost
	}
	out := dst[:len(payload)]
	copy(out, payload)
	if d.hasPic {
		if d.picLen == 2 {
			out[d.picAt] = 0x80 | byte(pic>>8)
			out[d.picAt+1] = byte(pic)
		} else {
			out[d.picAt] = byte(pic) & 0x7f
		}
	}
	if d.hasTL0 {
		out[d.tl0At] = tl0
	}
	if d.hasKey {
		out[d.keyAt] = out[d.keyAt]&0xe0 | key
	}
	return out
}
