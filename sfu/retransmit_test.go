package sfu

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/internal/clock"
	"piiri/metrics"
)

// recordingWriter keeps a copy of every packet written to it.
type recordingWriter struct{ packets []rtp.Packet }

func (w *recordingWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.packets = append(w.packets, rtp.Packet{Header: *h, Payload: bytes.Clone(payload)})
	return h.MarshalSize() + len(payload), nil
}
func (w *recordingWriter) Write(b []byte) (int, error) { return len(b), nil }

// retransmitSetup is a synthetic video track with two bound subscribers
// (SSRC 1 and 2) after packets 1 to sent were forwarded, and the
// retransmitter of subscriber 2.
func retransmitSetup(t *testing.T, clk clock.Clock, sent int) (*retransmitter, [2]*recordingWriter, *metrics.Metrics) {
	t.Helper()
	m := metrics.New()
	deps := standaloneDeps(m)
	deps.clock = clk
	track := syntheticTrack(standaloneParticipant("pub"), deps)
	var writers [2]*recordingWriter
	var downs [2]*downTrack
	for i := range writers {
		writers[i] = &recordingWriter{}
		downs[i] = track.newDownTrack()
		if _, err := downs[i].Bind(fakeContext{ssrc: webrtc.SSRC(i + 1), writer: writers[i]}); err != nil {
			t.Fatal(err)
		}
		if err := track.addDown(downs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for seq := 1; seq <= sent; seq++ {
		pkt := vp8KeyframePacket(100 + seq)
		pkt.SequenceNumber, pkt.Timestamp, pkt.Marker = uint16(seq), uint32(seq)*3000, seq%2 == 0
		track.writeToAll(&pkt)
	}
	for _, w := range writers {
		if len(w.packets) != sent {
			t.Fatalf("%d of %d packets forwarded", len(w.packets), sent)
		}
	}
	return newRetransmitter(track, downs[1], m), writers, m
}

func nackOf(ssrc uint32, seqs ...uint16) *rtcp.TransportLayerNack {
	return &rtcp.TransportLayerNack{SenderSSRC: 99, MediaSSRC: ssrc, Nacks: rtcp.NackPairsFromSequenceNumbers(seqs)}
}

func retransmissions(m *metrics.Metrics, outcome string) int {
	return int(testutil.ToFloat64(m.Retransmissions.WithLabelValues(outcome)))
}

// TestRetransmitFromTheSharedCache: a subscriber's NACK is answered from
// the track's one cache with that subscriber's SSRC and payload type and
// the original packet otherwise; a packet never held is counted missing;
// a NACK about another SSRC (a compound RTCP packet reaches every
// sender's reader) is not answered here.
func TestRetransmitFromTheSharedCache(t *testing.T) {
	rt, writers, m := retransmitSetup(t, clock.Real{}, 20)
	original := writers[1].packets
	writers[1].packets = nil

	rt.handle(nackOf(2, 5, 6, 7, 19, 300))
	got := writers[1].packets
	if len(got) != 4 {
		t.Fatalf("%d packets resent, want 4 (5, 6, 7, 19)", len(got))
	}
	for i, seq := range []uint16{5, 6, 7, 19} {
		want := original[seq-1]
		p := got[i]
		if p.SequenceNumber != seq || p.SSRC != 2 || p.PayloadType != 100 || p.Timestamp != want.Timestamp ||
			p.Marker != want.Marker || p.Version != 2 || !bytes.Equal(p.Payload, want.Payload) {
			t.Errorf("resent %d: seq %d ssrc %d pt %d ts %d marker %v, %d bytes; want ssrc 2 pt 100 ts %d marker %v, %d bytes",
				seq, p.SequenceNumber, p.SSRC, p.PayloadType, p.Timestamp, p.Marker, len(p.Payload), want.Timestamp, want.Marker, len(want.Payload))
		}
	}
	if len(writers[0].packets) != 20 {
		t.Errorf("the other subscriber got %d packets, want its 20 only", len(writers[0].packets))
	}
	if s, miss := retransmissions(m, metrics.RetransmitSent), retransmissions(m, metrics.RetransmitMissing); s != 4 || miss != 1 {
		t.Errorf("counted %d sent, %d missing; want 4, 1", s, miss)
	}

	writers[1].packets = nil
	rt.handle(nackOf(1, 5, 6))
	if len(writers[1].packets) != 0 || len(writers[0].packets) != 20 {
		t.Errorf("a NACK for SSRC 1 was answered by subscriber 2's retransmitter")
	}
}

// TestRetransmitBudget: a subscriber NACKing everything gets at most the
// burst at once and then the rate, measured on the injected clock.
func TestRetransmitBudget(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	rt, writers, m := retransmitSetup(t, clk, 400)
	writers[1].packets = nil
	all := make([]uint16, 0, 300)
	for seq := uint16(101); seq <= 400; seq++ {
		all = append(all, seq)
	}
	rt.handle(nackOf(2, all[:150]...))
	if n := len(writers[1].packets); n != retransmitBurst {
		t.Fatalf("%d resent at once, want the burst of %d", n, retransmitBurst)
	}
	clk.Advance(250 * time.Millisecond) // refills 50
	rt.handle(nackOf(2, all[150:]...))
	if n := len(writers[1].packets); n != retransmitBurst+retransmitRate/4 {
		t.Fatalf("%d resent in all, want %d", n, retransmitBurst+retransmitRate/4)
	}
	if l := retransmissions(m, metrics.RetransmitLimited); l != 300-retransmitBurst-retransmitRate/4 {
		t.Errorf("%d counted limited, want %d", l, 300-retransmitBurst-retransmitRate/4)
	}
	clk.Advance(time.Hour) // refills to the burst, no more
	writers[1].packets = nil
	rt.handle(nackOf(2, all...))
	if n := len(writers[1].packets); n != retransmitBurst {
		t.Errorf("after an hour %d resent, want the burst of %d", n, retransmitBurst)
	}
}

// TestRetransmitThroughPion: a real pion subscriber misses packets on
// their way from the SFU (kept in the track's cache but not forwarded to
// it); its NACK generator asks for them and they arrive, SRTP and all.
// A packet the SFU never had is asked for too and counted missing.
func TestRetransmitThroughPion(t *testing.T) {
	track, pkt, peers, done := pionTrackPeers(t, 1)
	defer done()
	m := track.publisher.env.metrics
	peer := peers[0]
	peer.recordSeqs.Store(true)
	first := pkt.SequenceNumber + 1
	lost := map[uint16]bool{first + 40: true, first + 41: true, first + 42: true}
	never := first + 60
	for i := range uint16(100) {
		pkt.SequenceNumber = first + i
		pkt.Timestamp += 3000
		switch {
		case pkt.SequenceNumber == never:
		case lost[pkt.SequenceNumber]:
			track.cache.Add(&pkt)
		default:
			track.writeToAll(&pkt)
		}
	}
	waitFor(t, 20*time.Second, "the lost packets are retransmitted", func() error {
		// Keep the stream going: pion's generator NACKs what is missing
		// behind the newest packet it has.
		pkt.SequenceNumber++
		pkt.Timestamp += 3000
		track.writeToAll(&pkt)
		peer.mu.Lock()
		defer peer.mu.Unlock()
		for seq := range lost {
			if peer.videoSeqs[seq] == 0 {
				return errIf(true, "packet %d not received", seq)
			}
		}
		return errIf(retransmissions(m, metrics.RetransmitMissing) == 0, "the never-held packet %d not asked for yet", never)
	})
	if s := retransmissions(m, metrics.RetransmitSent); s < len(lost) {
		t.Errorf("%d counted sent, want at least %d", s, len(lost))
	}
	peer.mu.Lock()
	defer peer.mu.Unlock()
	if peer.videoSeqs[never] != 0 {
		t.Errorf("packet %d, which the SFU never had, arrived", never)
	}
}
