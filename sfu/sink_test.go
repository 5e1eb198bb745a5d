package sfu

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/metrics"
)

// countingSink counts packets without keeping them, and never allocates.
type countingSink struct{ packets atomic.Int64 }

func (s *countingSink) WriteRTP(*rtp.Packet) bool {
	s.packets.Add(1)
	return true
}

// copyingSink keeps a copy of every packet, as a recording writer would.
type copyingSink struct {
	mu   sync.Mutex
	pkts []*rtp.Packet
}

func (s *copyingSink) WriteRTP(pkt *rtp.Packet) bool {
	c := pkt.Clone()
	s.mu.Lock()
	s.pkts = append(s.pkts, c)
	s.mu.Unlock()
	return true
}

func (s *copyingSink) seqs() map[uint16]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[uint16]bool, len(s.pkts))
	for _, p := range s.pkts {
		out[p.SequenceNumber] = true
	}
	return out
}

// blockingSink blocks in WriteRTP until released: a sink that breaks the
// contract, to show what it can and cannot hold up.
type blockingSink struct {
	entered chan struct{} // closed when the first call blocks
	release chan struct{}
	once    sync.Once
	packets atomic.Int64
}

func newBlockingSink() *blockingSink {
	return &blockingSink{entered: make(chan struct{}), release: make(chan struct{})}
}

func (s *blockingSink) WriteRTP(*rtp.Packet) bool {
	s.once.Do(func() { close(s.entered) })
	<-s.release
	s.packets.Add(1)
	return true
}

// TestSinkReceivesEveryPacket: a sink beside subscribers gets every packet,
// in order and unchanged, and is not counted as forwarding; removing it,
// and the track's end, stop it.
func TestSinkReceivesEveryPacket(t *testing.T) {
	m := metrics.New()
	track := syntheticTrack(standaloneParticipant("pub"), standaloneDeps(m))
	writer := &countingWriter{}
	d := track.newDownTrack()
	if _, err := d.Bind(fakeContext{ssrc: 1, writer: writer}); err != nil {
		t.Fatal(err)
	}
	if err := track.addDown(d); err != nil {
		t.Fatal(err)
	}
	sink := &copyingSink{}
	if err := track.AddSink(sink); err != nil {
		t.Fatal(err)
	}
	if err := track.AddSink(sink); err != nil { // twice is once
		t.Fatal(err)
	}
	// One packet buffer for all, as the forwarding loop reuses it.
	pkt := vp8KeyframePacket(200)
	const n = 500
	for i := range n {
		pkt.SequenceNumber = uint16(65000 + i) // wraps
		pkt.Timestamp = uint32(i) * 3000
		pkt.Marker = i%3 == 2
		for j := range pkt.Payload[7:] {
			pkt.Payload[7+j] = byte(i + j)
		}
		track.writeToAll(&pkt)
	}
	if len(sink.pkts) != n {
		t.Fatalf("sink got %d packets, want %d", len(sink.pkts), n)
	}
	for i, got := range sink.pkts {
		if got.SequenceNumber != uint16(65000+i) || got.Timestamp != uint32(i)*3000 || got.Marker != (i%3 == 2) ||
			got.Payload[7] != byte(i) || got.Payload[len(got.Payload)-1] != byte(i+len(got.Payload)-8) {
			t.Fatalf("packet %d: seq %d ts %d marker %v payload %x…%x", i, got.SequenceNumber, got.Timestamp, got.Marker, got.Payload[7], got.Payload[len(got.Payload)-1])
		}
	}
	if writer.packets != n {
		t.Errorf("subscriber got %d packets, want %d", writer.packets, n)
	}
	if got := testutil.ToFloat64(m.ForwardedPackets.WithLabelValues(metrics.KindVideo)); got != n {
		t.Errorf("forwarded packets %v, want %d: the subscriber's, not the sink's", got, n)
	}

	track.RemoveSink(sink)
	track.writeToAll(&pkt)
	if len(sink.pkts) != n {
		t.Error("a removed sink got a packet")
	}
	if err := track.AddSink(sink); err != nil {
		t.Fatal(err)
	}
	written := writer.packets
	track.end()
	track.writeToAll(&pkt)
	if len(sink.pkts) != n || writer.packets != written {
		t.Error("sinks got a packet after the track ended")
	}
	if err := track.AddSink(&copyingSink{}); !errors.Is(err, ErrClosed) {
		t.Errorf("adding a sink to an ended track: %v, want ErrClosed", err)
	}
}

// TestSinkOnPublishedTrack: a sink added through the track a room
// reports gets the publisher's packets from the real forwarding loop, and
// the track tells what a recorder needs.
func TestSinkOnPublishedTrack(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	events := &recordedEvents{}
	room, _ := s.NewRoom("r", events)
	p0 := joinPeer(t, api, room, "p0")
	defer p0.close()
	audio, video := p0.publish(api)
	var seq uint16
	var published map[string]TrackEvent
	waitFor(t, 20*time.Second, "both tracks published", func() error {
		sendSome(t, audio, video, &seq, 1)
		published = events.published()
		return errIf(len(published) != 2, "published %v", published)
	})
	v, a := published["video"], published["audio"]
	if v.ParticipantID != "p0" || v.Source != SourceCamera || v.Track == nil || a.Source != SourceMic || a.Track == nil {
		t.Fatalf("published %+v", published)
	}
	if c := v.Track.Codec(); c.MimeType != webrtc.MimeTypeVP8 || c.ClockRate != 90000 {
		t.Errorf("video codec %+v", c)
	}
	if c := a.Track.Codec(); c.MimeType != webrtc.MimeTypeOpus || c.ClockRate != 48000 {
		t.Errorf("audio codec %+v", c)
	}
	if got := p0.part.Tracks(); len(got) != 2 || !slices.Contains(got, v.Track) || !slices.Contains(got, a.Track) {
		t.Errorf("Tracks() = %v, want the two published", got)
	}

	sink := &copyingSink{}
	if err := v.Track.AddSink(sink); err != nil {
		t.Fatal(err)
	}
	plis := testutil.ToFloat64(s.metrics.PLIsSent)
	v.Track.RequestKeyframe()
	waitFor(t, 10*time.Second, "keyframe requested", func() error {
		return errIf(testutil.ToFloat64(s.metrics.PLIsSent) <= plis, "no PLI sent")
	})
	first := seq + 1
	sendSome(t, audio, video, &seq, 100)
	waitFor(t, 10*time.Second, "the sink has every packet", func() error {
		got := sink.seqs()
		for q := first; q != seq+1; q++ {
			if !got[q] {
				return errIf(true, "packet %d missing (%d of 100)", q, len(got))
			}
		}
		return nil
	})
	want := vp8KeyframePacket(500).Payload
	sink.mu.Lock()
	if !bytes.Equal(sink.pkts[len(sink.pkts)-1].Payload, want) {
		t.Error("payload changed on the way")
	}
	sink.mu.Unlock()
}

// TestBlockedSinkHoldsNoLock: a sink that blocks (against the contract)
// holds up only its own track's sinks: no lock another path needs is held
// while it runs, so joins, subscriptions, keyframe requests and other
// tracks' forwarding go on.
func TestBlockedSinkHoldsNoLock(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	events := &recordedEvents{}
	room, _ := s.NewRoom("r", events)
	p1 := joinPeer(t, api, room, "p1")
	defer p1.close()
	p0 := joinPeer(t, api, room, "p0")
	defer p0.close()
	audio, video := p0.publish(api)
	var seq uint16
	waitFor(t, 20*time.Second, "p1 receives p0", func() error {
		sendSome(t, audio, video, &seq, 1)
		return errIf(p1.count("p0/video") == 0 || p1.count("p0/audio") == 0, "nothing yet")
	})
	published := events.published()
	vt, at := published["video"].Track, published["audio"].Track

	blocked := newBlockingSink()
	if err := vt.AddSink(blocked); err != nil {
		t.Fatal(err)
	}
	audioSink := &countingSink{}
	if err := at.AddSink(audioSink); err != nil {
		t.Fatal(err)
	}
	defer close(blocked.release) // before p0.close, which waits for forwarding
	sendSome(t, audio, video, &seq, 1)
	select {
	case <-blocked.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the blocking sink never got a packet")
	}

	// Each of these must finish while the video forwarding goroutine is
	// stuck in the sink.
	within(t, "adding and removing another sink", func() {
		other := &countingSink{}
		if err := vt.AddSink(other); err != nil {
			t.Error(err)
		}
		vt.RemoveSink(other)
	})
	within(t, "a keyframe request", vt.RequestKeyframe)
	within(t, "listing tracks", func() { p0.part.Tracks() })
	within(t, "a room's size", func() { room.Len() })
	var p2 *testPeer
	within(t, "a join that subscribes to the track", func() { p2 = joinPeer(t, api, room, "p2") })
	if p2 == nil {
		t.Fatal("p2 did not join")
	}
	defer p2.close()

	audioBefore, p1AudioBefore := audioSink.packets.Load(), p1.count("p0/audio")
	waitFor(t, 10*time.Second, "audio goes on", func() error {
		sendSome(t, audio, video, &seq, 1)
		return errIf(audioSink.packets.Load() <= audioBefore || p1.count("p0/audio") <= p1AudioBefore || p2.count("p0/audio") == 0,
			"audio sink %d, p1 %d, p2 %d", audioSink.packets.Load(), p1.count("p0/audio"), p2.count("p0/audio"))
	})
}

// reportSink keeps the sender reports it is given.
type reportSink struct {
	countingSink
	mu      sync.Mutex
	reports []SenderReport
}

func (s *reportSink) WriteSenderReport(sr SenderReport) {
	s.mu.Lock()
	s.reports = append(s.reports, sr)
	s.mu.Unlock()
}

func (s *reportSink) got() []SenderReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reports)
}

// TestSinkGetsSenderReports: a sink that takes sender reports gets the
// publisher's (pion's sender report interceptor sends one a second), with
// the sender's wall clock and an RTP time of the track; a sink added later
// gets the newest one at once, without waiting for the next.
func TestSinkGetsSenderReports(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	events := &recordedEvents{}
	room, _ := s.NewRoom("r", events)
	p0 := joinPeer(t, api, room, "p0")
	defer p0.close()
	audio, video := p0.publish(api)
	var seq uint16
	var published map[string]TrackEvent
	waitFor(t, 20*time.Second, "both tracks published", func() error {
		sendSome(t, audio, video, &seq, 1)
		published = events.published()
		return errIf(len(published) != 2, "published %v", published)
	})
	track := published["video"].Track
	first := &reportSink{}
	if err := track.AddSink(first); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "a sender report", func() error {
		sendSome(t, audio, video, &seq, 1)
		return errIf(len(first.got()) == 0, "none yet")
	})
	sr := first.got()[0]
	if d := time.Since(sr.NTPTime); d < -5*time.Second || d > 5*time.Second {
		t.Errorf("the report's NTP time %v is %v from now; want the sender's clock, which is this machine's", sr.NTPTime, d)
	}
	// sendSome's video timestamps are 3000 per packet from 3000: the
	// report's RTP time is one the track has used, give or take a
	// second's worth of the sender's advance.
	if sr.RTPTime > uint32(seq+100)*3000 {
		t.Errorf("the report's RTP time %d is beyond the track's %d", sr.RTPTime, uint32(seq)*3000)
	}
	before := first.got()
	later := &reportSink{}
	if err := track.AddSink(later); err != nil {
		t.Fatal(err)
	}
	// The newest report as it was added: the last the first sink had
	// then, or one that came meanwhile.
	got, after := later.got(), first.got()
	if len(got) == 0 || !slices.Contains(after[len(before)-1:], got[0]) {
		t.Errorf("a sink added later got %v at once, want the newest report of %v", got, after)
	}
}
