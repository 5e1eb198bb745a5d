package sfu

import (
	"strings"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// downTrack is one published track as one subscriber receives it. It
// implements webrtc.TrackLocal, so pion binds it to the subscriber's RTP
// sender once negotiation is done; from then on writeRTP rewrites each
// forwarded packet's header for that binding (SSRC, payload type, no
// publisher-side header extensions) and hands it to pion. It is the Sink
// through which a subscriber takes a published track.
//
// A video down-track starts each binding by waiting for a keyframe: it
// drops packets the subscriber could not decode and keeps asking the
// publisher for a keyframe until one has really gone out. "Really" matters:
// pion binds the track when the answer arrives, before DTLS is up, and
// silently drops what is written until then, so a keyframe requested at
// bind time alone is often lost and the tile would stay black.
//
// WriteRTP is called only from the published track's forwarding goroutine,
// so the scratch header and waitKeyframe need no lock; the binding changes
// under pion's goroutines and is an atomic pointer.
type downTrack struct {
	id       string
	streamID string
	kind     webrtc.RTPCodecType
	codec    webrtc.RTPCodecCapability

	// requestKeyframe asks the publisher for a keyframe, rate-limited.
	// Nil for audio.
	requestKeyframe func()

	bound   atomic.Pointer[downTrackBinding]
	rebound atomic.Bool // set by Bind: wait for a keyframe again

	hdr          rtp.Header // scratch header, reused for every packet
	waitKeyframe bool
}

type downTrackBinding struct {
	ssrc        uint32
	payloadType uint8
	writer      webrtc.TrackLocalWriter
}

func newDownTrack(id, streamID string, kind webrtc.RTPCodecType, codec webrtc.RTPCodecCapability, requestKeyframe func()) *downTrack {
	return &downTrack{id: id, streamID: streamID, kind: kind, codec: codec, requestKeyframe: requestKeyframe}
}

// Bind implements webrtc.TrackLocal.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, d.codec.MimeType) {
			d.rebound.Store(true)
			d.bound.Store(&downTrackBinding{
				ssrc:        uint32(ctx.SSRC()),
				payloadType: uint8(c.PayloadType),
				writer:      ctx.WriteStream(),
			})
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

// Unbind implements webrtc.TrackLocal.
func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.bound.Store(nil)
	return nil
}

// ID implements webrtc.TrackLocal.
func (d *downTrack) ID() string { return d.id }

// RID implements webrtc.TrackLocal; simulcast layers are not forwarded as
// separate RIDs, so it is empty.
func (d *downTrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal. It is the publishing participant's
// ID, which is how a client knows whose track arrived.
func (d *downTrack) StreamID() string { return d.streamID }

// Kind implements webrtc.TrackLocal.
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.kind }

// WriteRTP implements Sink: it forwards one packet. It reports whether the
// packet was written; before the subscriber's negotiation binds the track
// packets are dropped. Errors from pion are dropped too: a subscriber whose transport failed is
// cleaned up by its own connection state, not by the publisher's loop.
func (d *downTrack) WriteRTP(pkt *rtp.Packet) bool {
	b := d.bound.Load()
	if b == nil {
		return false
	}
	if d.requestKeyframe != nil {
		if d.rebound.Load() && d.rebound.Swap(false) {
			d.waitKeyframe = true
		}
		if d.waitKeyframe && !isVP8KeyframeStart(pkt.Payload) {
			d.requestKeyframe()
			return false
		}
	}
	h := &d.hdr
	h.Version = 2
	h.Padding = false
	h.PaddingSize = 0
	h.Marker = pkt.Marker
	h.PayloadType = b.payloadType
	h.SequenceNumber = pkt.SequenceNumber
	h.Timestamp = pkt.Timestamp
	h.SSRC = b.ssrc
	h.CSRC = pkt.CSRC
	// Header extension IDs were negotiated with the publisher, not with
	// this subscriber, so none are forwarded; pion's interceptors add
	// their own.
	h.Extension = false
	h.ExtensionProfile = 0
	h.Extensions = h.Extensions[:0]
	n, err := b.writer.WriteRTP(h, pkt.Payload)
	if d.waitKeyframe {
		// Pion reports 0 bytes while SRTP is not up yet.
		d.waitKeyframe = n == 0 || err != nil
	}
	return n > 0 && err == nil
}

// retransmit writes a packet from the track's cache again, for this
// subscriber's NACK, with the binding's SSRC and payload type (sequence
// numbers and timestamps are the publisher's, as in WriteRTP). It runs on
// the subscriber's RTCP goroutine, beside WriteRTP on the forwarding one:
// it has its own header, and pion's writer is safe for concurrent use (its
// own NACK responder writes from a goroutine per NACK). Nothing is resent
// while the subscriber still waits for its first keyframe.
func (d *downTrack) retransmit(h *rtp.Header, payload []byte) bool {
	b := d.bound.Load()
	if b == nil || d.rebound.Load() {
		return false
	}
	h.Version = 2
	h.PayloadType = b.payloadType
	h.SSRC = b.ssrc
	n, err := b.writer.WriteRTP(h, payload)
	return n > 0 && err == nil
}
