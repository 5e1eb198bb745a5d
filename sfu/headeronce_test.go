package sfu

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtp"
)

// packetSource is a remote stream's raw reader: it returns the packet
// set last, with no attributes, as pion's SRTP session does.
type packetSource struct{ raw []byte }

func (s *packetSource) Read(b []byte, _ interceptor.Attributes) (int, interceptor.Attributes, error) {
	return copy(b, s.raw), nil, nil
}

func (s *packetSource) set(tb testing.TB, seq uint16, ts uint32, level byte) {
	tb.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, SSRC: 1234}, Payload: make([]byte, 1000)}
	if err := p.Header.SetExtension(1, []byte{level}); err != nil {
		tb.Fatal(err)
	}
	raw, err := p.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	s.raw = raw
}

// headerReader is an interceptor after headerOnce that records what it
// reads from the attributes, as pion's receiving interceptors do.
type headerReader struct {
	interceptor.NoOp
	seqs   []uint16
	ts     []uint32
	levels []byte
}

func (h *headerReader) BindRemoteStream(_ *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := r.Read(b, a)
		if err != nil {
			return n, a, err
		}
		if a == nil {
			a = interceptor.Attributes{}
		}
		hdr, err := a.GetRTPHeader(b[:n])
		if err != nil {
			return n, a, err
		}
		h.seqs = append(h.seqs, hdr.SequenceNumber)
		h.ts = append(h.ts, hdr.Timestamp)
		h.levels = append(h.levels, hdr.GetExtension(1)[0])
		return n, a, nil
	})
}

// TestHeaderOnceHandsOnEachPacketsHeader: every packet's own header
// reaches the interceptors after it, although the header and the map are
// reused.
func TestHeaderOnceHandsOnEachPacketsHeader(t *testing.T) {
	src := &packetSource{}
	rec := &headerReader{}
	r := rec.BindRemoteStream(nil, (&headerOnce{}).BindRemoteStream(nil, src))
	buf := make([]byte, 1500)
	for i := range 100 {
		src.set(t, uint16(65500+i), uint32(i*3000), byte(i))
		if _, _, err := r.Read(buf, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		if rec.seqs[i] != uint16(65500+i) || rec.ts[i] != uint32(i*3000) || rec.levels[i] != byte(i) {
			t.Fatalf("packet %d read as seq %d ts %d level %d", i, rec.seqs[i], rec.ts[i], rec.levels[i])
		}
	}
}

// TestHeaderOnceLeavesOthersAttributes: attributes a reader below returns
// are kept and get the header too.
func TestHeaderOnceLeavesOthersAttributes(t *testing.T) {
	src := &packetSource{}
	src.set(t, 7, 0, 0)
	withAttrs := interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, _, err := src.Read(b, nil)
		return n, interceptor.Attributes{"mine": 1}, err
	})
	r := (&headerOnce{}).BindRemoteStream(nil, withAttrs)
	buf := make([]byte, 1500)
	for seq := range uint16(3) {
		src.set(t, seq, 0, 0)
		_, a, err := r.Read(buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := a.GetRTPHeader(nil) // from the attributes, not parsed again
		if err != nil || h.SequenceNumber != seq || a.Get("mine") != 1 {
			t.Errorf("attributes %v, header %v, %v", a, h, err)
		}
	}
}

// TestReceivedPacketAllocatesNothingInInterceptors: pion's receiving
// interceptors as the SFU registers them (NACK generator, receiver
// reports, TWCC feedback) read a packet without allocating behind
// headerOnce; without it each packet costs allocations.
func TestReceivedPacketAllocatesNothingInInterceptors(t *testing.T) {
	info := &interceptor.StreamInfo{
		SSRC: 1234, ClockRate: 90000, MimeType: "video/VP8",
		RTCPFeedback:        []interceptor.RTCPFeedback{{Type: "nack"}, {Type: "transport-cc"}},
		RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", ID: 1}},
	}
	perPacket := func(withHeaderOnce bool) float64 {
		var ir interceptor.Registry
		if withHeaderOnce {
			ir.Add(headerOnceFactory{})
		}
		gen, err := nack.NewGeneratorInterceptor()
		if err != nil {
			t.Fatal(err)
		}
		ir.Add(gen)
		rr, err := report.NewReceiverInterceptor()
		if err != nil {
			t.Fatal(err)
		}
		ir.Add(rr)
		tw, err := twcc.NewSenderInterceptor()
		if err != nil {
			t.Fatal(err)
		}
		ir.Add(tw)
		chain, err := ir.Build("")
		if err != nil {
			t.Fatal(err)
		}
		defer chain.Close()
		src := &packetSource{}
		r := chain.BindRemoteStream(info, src)
		buf := make([]byte, 1500)
		seq := uint16(0)
		src.set(t, seq, 0, 0)
		for range 100 { // the streams' first-packet set-up
			_, _, _ = r.Read(buf, nil)
		}
		return testing.AllocsPerRun(1000, func() {
			seq++
			// The same bytes with the next sequence number, set in
			// place so the test itself allocates nothing.
			src.raw[2], src.raw[3] = byte(seq>>8), byte(seq)
			_, _, _ = r.Read(buf, nil)
		})
	}
	without, with := perPacket(false), perPacket(true)
	t.Logf("allocations per received packet in the interceptors: %.2f without headerOnce, %.2f with it", without, with)
	if with > 0.05 || without < 1 {
		t.Errorf("%.2f allocations per packet with headerOnce (want none), %.2f without (want some: else this test measures nothing)", with, without)
	}
}
