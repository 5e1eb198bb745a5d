package sfu

import (
	"slices"
	"time"

	"github.com/pion/rtp"
)

// Sink takes the RTP packets of one published track: each subscriber's
// down-track is one, and so is anything else that wants a track's media
// (a recording writer, later a simulcast forwarder).
//
// WriteRTP is called for every packet the publisher sends, in the order
// they arrive, from the track's forwarding goroutine, which calls the
// track's sinks one after another. So it must not block or wait for
// anything (the network, a disk, a lock another goroutine may hold long):
// it hands the packet on or queues it, and when it cannot it drops it and
// counts the drop. A sink that blocks delays every other sink of the track;
// it never delays other tracks, and the forwarding goroutine holds no lock
// while calling it, so nothing else in the sfu waits for it either.
//
// pkt and its payload belong to the caller and are reused for the next
// packet: a sink must not modify them nor keep them after WriteRTP returns
// (it copies what it keeps, e.g. with pkt.Clone or pkt.MarshalTo into its
// own buffer).
//
// The result reports whether the sink delivered the packet. For
// subscribers' down-tracks it is counted in piiri_forwarded_packets_total;
// for other sinks it is ignored, and the sink counts its own.
type Sink interface {
	WriteRTP(pkt *rtp.Packet) bool
}

// SenderReport is what the publisher's RTCP sender report says of the
// track: RTPTime is the RTP timestamp of the instant NTPTime on the
// sender's wall clock. A publisher's tracks share that clock, so the
// reports tell how their timestamps line up (a recorder aligns audio and
// video by them).
type SenderReport struct {
	NTPTime time.Time
	RTPTime uint32
}

// SenderReportSink is a Sink that also takes the track's sender reports:
// the newest one already received as it is added (so it need not wait for
// the next, which may be seconds away), then each as it comes.
// WriteSenderReport is called with the track's sink lock held: like
// WriteRTP it must not block.
type SenderReportSink interface {
	Sink
	WriteSenderReport(SenderReport)
}

// sinkEntry is one sink in a track's forwarding list.
type sinkEntry struct {
	sink Sink
	// forwarded counts the sink's deliveries as forwarded packets: set
	// for subscribers' down-tracks.
	forwarded bool
}

// AddSink starts handing every packet of the track to s (see Sink), from
// the next packet on; a video sink that needs to start at a keyframe calls
// RequestKeyframe as well. s must be comparable (a pointer, typically):
// RemoveSink finds it by ==. Adding a sink that is already added does
// nothing. After the track has ended it returns ErrClosed.
func (t *Track) AddSink(s Sink) error {
	return t.addSink(sinkEntry{sink: s})
}

// RemoveSink stops handing packets to s. It does not wait for the
// forwarding goroutine: the packet being forwarded as it returns may still
// reach s (one WriteRTP call at most), no later one does. It does nothing
// when s is not a sink of the track; a track's sinks are dropped anyway
// when it ends.
func (t *Track) RemoveSink(s Sink) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := *t.sinks.Load()
	i := slices.IndexFunc(cur, func(e sinkEntry) bool { return e.sink == s })
	if i < 0 {
		return
	}
	next := slices.Delete(slices.Clone(cur), i, i+1)
	t.sinks.Store(&next)
}

// addSink adds e to the list, which is copied on every change so that the
// forwarding goroutine reads it with one atomic load and no lock.
func (t *Track) addSink(e sinkEntry) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return ErrClosed
	}
	cur := *t.sinks.Load()
	if slices.ContainsFunc(cur, func(x sinkEntry) bool { return x.sink == e.sink }) {
		return nil
	}
	next := append(slices.Clone(cur), e)
	t.sinks.Store(&next)
	if rs, ok := e.sink.(SenderReportSink); ok && t.lastSR != nil {
		rs.WriteSenderReport(*t.lastSR)
	}
	return nil
}

// senderReport keeps the track's newest sender report and hands it to the
// sinks that take them. The lock orders it against addSink, so that a
// sink added meanwhile gets no older report after a newer one.
func (t *Track) senderReport(sr SenderReport) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastSR = &sr
	for _, e := range *t.sinks.Load() {
		if rs, ok := e.sink.(SenderReportSink); ok {
			rs.WriteSenderReport(sr)
		}
	}
}

// writeToAll keeps a video packet in the track's cache for retransmission,
// hands it to every sink and counts what subscribers' sinks delivered. It
// allocates nothing; the only lock is the cache's, which a NACK takes
// rarely.
// downTracks is the number of subscribers the track is forwarded to now.
func (t *Track) downTracks() int {
	n := 0
	for _, e := range *t.sinks.Load() {
		if e.forwarded {
			n++
		}
	}
	return n
}

func (t *Track) writeToAll(pkt *rtp.Packet) {
	if t.cache != nil {
		t.cache.Add(pkt)
	}
	var written int
	for _, e := range *t.sinks.Load() {
		if e.sink.WriteRTP(pkt) && e.forwarded {
			written++
		}
	}
	if written > 0 {
		t.packets.Add(float64(written))
		t.bytes.Add(float64(written * len(pkt.Payload)))
	}
}
