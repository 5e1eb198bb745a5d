package sfu

import (
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/prometheus/client_golang/prometheus"

	"piiri/internal/clock"
	"piiri/metrics"
	"piiri/sfu/packetcache"
)

// Retransmission budget of one subscriber for one track. A NACK costs the
// subscriber a few bytes and the server a packet per sequence number it
// lists (up to 17 per pair, any number of pairs), so without a budget one
// client could make the server send far more than the stream itself.
// 200 packets/s is over twice a 600 kbit/s video stream's own rate and
// covers heavy loss on a 1.5 Mbit/s one; the burst covers a lost frame or
// two at once.
const (
	retransmitRate  = 200 // packets per second
	retransmitBurst = 100 // packets
)

// retransmitter answers one subscriber's NACKs for one video track from the
// track's packet cache. It lives on the subscriber's RTCP goroutine for
// that track, so it needs no lock; its buffer is allocated once.
type retransmitter struct {
	cache *packetcache.Cache
	down  *downTrack
	clock clock.Clock

	tokens float64
	last   time.Time

	pkt rtp.Packet
	buf []byte

	sent, missing, limited prometheus.Counter
}

func newRetransmitter(t *Track, d *downTrack, m *metrics.Metrics) *retransmitter {
	if t.cache == nil {
		return nil
	}
	return &retransmitter{
		cache:   t.cache,
		down:    d,
		clock:   t.clock,
		tokens:  retransmitBurst,
		sent:    m.Retransmissions.WithLabelValues(metrics.RetransmitSent),
		missing: m.Retransmissions.WithLabelValues(metrics.RetransmitMissing),
		limited: m.Retransmissions.WithLabelValues(metrics.RetransmitLimited),
	}
}

// handle resends every packet the NACK lists that the cache still holds,
// within the budget. A compound RTCP packet reaches the reader of every
// SSRC it names, so a NACK about another of the subscriber's tracks is
// ignored here.
func (r *retransmitter) handle(nack *rtcp.TransportLayerNack) {
	if b := r.down.bound.Load(); b == nil || b.ssrc != nack.MediaSSRC {
		return
	}
	r.refill()
	if r.buf == nil {
		r.buf = make([]byte, packetcache.MaxPayload)
	}
	for _, pair := range nack.Nacks {
		pair.Range(func(seq uint16) bool {
			if r.tokens < 1 {
				r.limited.Inc()
				return true
			}
			if !r.cache.Get(seq, &r.pkt, r.buf) {
				r.missing.Inc()
				return true
			}
			r.tokens--
			h := rtp.Header{SequenceNumber: r.pkt.SequenceNumber, Timestamp: r.pkt.Timestamp, Marker: r.pkt.Marker}
			if r.down.retransmit(&h, r.pkt.Payload) {
				r.sent.Inc()
			}
			return true
		})
	}
}

func (r *retransmitter) refill() {
	now := r.clock.Now()
	if !r.last.IsZero() {
		r.tokens = min(retransmitBurst, r.tokens+now.Sub(r.last).Seconds()*retransmitRate)
	}
	r.last = now
}
