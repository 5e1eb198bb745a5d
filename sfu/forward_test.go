package sfu

import (
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"piiri/internal/clock"
	"piiri/metrics"
)

// vp8KeyframePacket returns a packet whose payload starts a VP8 keyframe,
// so video down-tracks forward it even while waiting for a keyframe.
func vp8KeyframePacket(size int) rtp.Packet {
	payload := make([]byte, size)
	payload[0] = 0x10                                             // S=1, partition 0
	copy(payload[1:], []byte{0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a}) // VP8 keyframe header
	return rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, Timestamp: 1, SSRC: 1234},
		Payload: payload,
	}
}

// syntheticTrack is a published video track with no publisher connection
// behind it: benchmarks and tests call writeToAll directly. Its keyframe
// requests go nowhere.
func syntheticTrack(p *Participant, deps trackDeps) *Track {
	t := newTrackOf(p, deps, "video", SourceCamera, webrtc.RTPCodecTypeVideo, vp8Codec)
	t.keyframes = newKeyframeRequester(deps.clock, time.Hour, func() {})
	return t
}

// standaloneDeps are a track's dependencies outside any room: a real clock
// and an event queue nobody drains.
func standaloneDeps(m *metrics.Metrics) trackDeps {
	return trackDeps{clock: clock.Real{}, keyframeInterval: time.Hour, events: newEventQueue(nopEvents{}, m), metrics: m}
}

// standaloneParticipant is a publisher with no connections, for
// synthetic tracks.
func standaloneParticipant(id string) *Participant {
	return &Participant{id: id, log: slog.New(slog.DiscardHandler)}
}

// countingWriter is a TrackLocalWriter that only counts.
type countingWriter struct{ packets, bytes int }

func (w *countingWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.packets++
	w.bytes += len(payload)
	return h.MarshalSize() + len(payload), nil
}
func (w *countingWriter) Write(b []byte) (int, error) { return len(b), nil }

// fakeContext is a TrackLocalContext as pion passes to Bind.
type fakeContext struct {
	webrtc.TrackLocalContext
	ssrc   webrtc.SSRC
	writer webrtc.TrackLocalWriter
}

func (c fakeContext) CodecParameters() []webrtc.RTPCodecParameters {
	return []webrtc.RTPCodecParameters{{RTPCodecCapability: vp8Codec, PayloadType: 100}}
}
func (c fakeContext) SSRC() webrtc.SSRC                                      { return c.ssrc }
func (c fakeContext) WriteStream() webrtc.TrackLocalWriter                   { return c.writer }
func (c fakeContext) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter { return nil }

func TestDownTrackRewritesHeader(t *testing.T) {
	var requests int
	d := newDownTrack("v", "pub", webrtc.RTPCodecTypeVideo, vp8Codec, func() { requests++ })
	var got []rtp.Header
	w := writerFunc(func(h *rtp.Header, payload []byte) (int, error) {
		got = append(got, *h)
		return 12 + len(payload), nil
	})
	pkt := vp8KeyframePacket(100)
	if d.WriteRTP(&pkt) {
		t.Fatal("wrote before bind")
	}
	if _, err := d.Bind(fakeContext{ssrc: 777, writer: w}); err != nil {
		t.Fatal(err)
	}
	delta := pkt
	delta.Payload = []byte{0x10, 0x51, 0x02, 0x00} // a delta frame
	if d.WriteRTP(&delta) || requests != 1 {
		t.Fatalf("delta frame before the first keyframe: written, or %d keyframe requests (want 1)", requests)
	}
	if err := pkt.Header.SetExtension(3, []byte{1}); err != nil {
		t.Fatal(err)
	}
	pkt.Header.Padding = true
	pkt.Header.Marker = true
	if !d.WriteRTP(&pkt) {
		t.Fatal("keyframe not written")
	}
	if !d.WriteRTP(&delta) {
		t.Fatal("delta after keyframe not written")
	}
	h := got[0]
	if h.SSRC != 777 || h.PayloadType != 100 || h.SequenceNumber != pkt.SequenceNumber || h.Timestamp != pkt.Timestamp || !h.Marker {
		t.Errorf("rewritten header %+v: want SSRC 777, PT 100, seq/ts/marker kept", h)
	}
	if h.Extension || len(h.Extensions) != 0 || h.Padding {
		t.Errorf("publisher header extensions or padding forwarded: %+v", h)
	}
	if len(pkt.Header.Extensions) != 1 {
		t.Error("forwarding modified the publisher's packet")
	}

	// A new binding (e.g. after renegotiation) waits for a keyframe again.
	if _, err := d.Bind(fakeContext{ssrc: 778, writer: w}); err != nil {
		t.Fatal(err)
	}
	if d.WriteRTP(&delta) {
		t.Error("delta frame written right after a new bind")
	}
}

type writerFunc func(*rtp.Header, []byte) (int, error)

func (f writerFunc) WriteRTP(h *rtp.Header, p []byte) (int, error) { return f(h, p) }
func (f writerFunc) Write(b []byte) (int, error)                   { return len(b), nil }

// boundTrack is a synthetic video track with n subscribers' down-tracks,
// bound to writers that count.
func boundTrack(tb testing.TB, n int) (*Track, []*countingWriter) {
	tb.Helper()
	track := syntheticTrack(standaloneParticipant("pub"), standaloneDeps(metrics.New()))
	writers := make([]*countingWriter, n)
	for i := range writers {
		writers[i] = &countingWriter{}
		d := track.newDownTrack()
		if _, err := d.Bind(fakeContext{ssrc: webrtc.SSRC(i + 1), writer: writers[i]}); err != nil {
			tb.Fatal(err)
		}
		if err := track.addDown(d); err != nil {
			tb.Fatal(err)
		}
	}
	return track, writers
}

// TestForwardDoesNotAllocate: handing a packet to 10 subscribers and a
// further sink allocates nothing, so forwarding costs no garbage
// collection however many packets flow.
func TestForwardDoesNotAllocate(t *testing.T) {
	track, writers := boundTrack(t, 10)
	sink := &countingSink{}
	if err := track.AddSink(sink); err != nil {
		t.Fatal(err)
	}
	pkt := vp8KeyframePacket(1000)
	allocs := testing.AllocsPerRun(1000, func() {
		pkt.SequenceNumber++
		pkt.Timestamp += 3000
		track.writeToAll(&pkt)
	})
	if allocs != 0 {
		t.Errorf("forwarding one packet to 10 subscribers and a sink: %v allocations, want 0", allocs)
	}
	if writers[9].packets < 1000 || sink.packets.Load() < 1000 {
		t.Fatalf("forwarded %d packets to the last subscriber and %d to the sink, want at least 1000 each", writers[9].packets, sink.packets.Load())
	}
}

// BenchmarkForward measures the SFU's own forwarding code, one publisher
// track to 10 subscribers, with pion's writer replaced by a counter: the
// cost of reading the down-track list, rewriting the header per
// subscriber, and counting. It must not allocate.
func BenchmarkForward(b *testing.B) {
	const subscribers = 10
	track, writers := boundTrack(b, subscribers)
	pkt := vp8KeyframePacket(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		pkt.SequenceNumber++
		pkt.Timestamp += 3000
		track.writeToAll(&pkt)
	}
	b.StopTimer()
	if writers[0].packets == 0 {
		b.Fatal("nothing forwarded")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*subscribers), "ns/fwd-pkt")
}

// BenchmarkForwardPion measures forwarding through real pion subscriber
// connections: one synthetic publisher track to 10 subscribers connected
// over loopback UDP, including pion's interceptors (NACK buffer, RTCP
// reports), SRTP encryption and the UDP write. Per op: one incoming
// packet forwarded to all 10. cpu-ns/fwd-pkt is the process's CPU time
// per forwarded packet, which also includes the 10 in-process receivers
// decrypting, so it is an upper bound on the SFU's share.
func BenchmarkForwardPion(b *testing.B) {
	const subscribers = 10
	track, pkt, done := pionTrack(b, subscribers)
	defer done()
	var before syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		pkt.SequenceNumber++
		pkt.Timestamp += 3000
		track.writeToAll(&pkt)
	}
	b.StopTimer()
	var after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	forwarded := float64(b.N * subscribers)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/forwarded, "ns/fwd-pkt")
	b.ReportMetric(float64(cpu.Nanoseconds())/forwarded, "cpu-ns/fwd-pkt")
}

// pionTrack is a synthetic publisher track forwarded to n subscribers
// connected through real pion connections over loopback UDP, once every
// subscriber receives it, with the packet to go on from (the next
// sequence number and timestamp follow it); done closes them all.
func pionTrack(b testing.TB, subscribers int) (*Track, rtp.Packet, func()) {
	track, pkt, _, done := pionTrackPeers(b, subscribers)
	return track, pkt, done
}

// pionTrackPeers is pionTrack with the subscribers' client sides.
func pionTrackPeers(b testing.TB, subscribers int) (*Track, rtp.Packet, []*testPeer, func()) {
	s := newTestSFU(b)
	api := newClientAPI(b)
	room, err := s.NewRoom("bench", nopEvents{})
	if err != nil {
		b.Fatal(err)
	}
	pub := joinPeer(b, api, room, "pub")
	track := syntheticTrack(pub.part, pub.part.env.trackDeps())
	if !room.addTrack(track) {
		b.Fatal("track not added")
	}
	peers := make([]*testPeer, subscribers)
	for i := range peers {
		peers[i] = joinPeer(b, api, room, string(rune('a'+i)))
	}
	done := func() {
		for _, p := range append(peers, pub) {
			p.close()
		}
	}
	pkt := vp8KeyframePacket(1000)
	// Forward until every subscriber has received something: all are
	// bound, connected and past their keyframe wait.
	waitFor(b, 20*time.Second, "all subscribers receive", func() error {
		pkt.SequenceNumber++
		track.writeToAll(&pkt)
		for _, p := range peers {
			if p.count("pub/video") == 0 {
				return errIf(true, "subscriber %s has nothing yet", p.part.id)
			}
		}
		return nil
	})
	return track, pkt, peers, done
}
