package record

import (
	"testing"

	"github.com/pion/rtp"

	"piiri/internal/clock"
)

// drainedSink is a sink whose queue is emptied by a goroutine that only
// frees the buffers, so WriteRTP always finds room: its cost alone.
func drainedSink(tb testing.TB) *sink {
	queue := make(chan entry, 512)
	s := newSink(&input{}, KindVideo, 512, clock.Real{}, nopMetrics{}, queue)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case e := <-queue:
				e.s.free <- e.slot
			case <-done:
				return
			}
		}
	}()
	tb.Cleanup(func() { close(done) })
	return s
}

func benchPacket() *rtp.Packet {
	pkts := vp8Pkts(1, 0, true, 640, 480, 1)
	pkts[0].Payload = append(pkts[0].Payload, make([]byte, 1000)...)
	return pkts[0]
}

// TestSinkDoesNotAllocate: taking a packet on the forwarding goroutine
// allocates nothing, whether it is queued or dropped.
func TestSinkDoesNotAllocate(t *testing.T) {
	s := drainedSink(t)
	pkt := benchPacket()
	if a := testing.AllocsPerRun(1000, func() { pkt.SequenceNumber++; s.WriteRTP(pkt) }); a != 0 {
		t.Errorf("queueing a packet: %v allocations, want 0", a)
	}
	full := newSink(&input{}, KindVideo, 4, clock.Real{}, nopMetrics{}, make(chan entry, 4))
	if a := testing.AllocsPerRun(1000, func() { full.WriteRTP(pkt) }); a != 0 {
		t.Errorf("dropping a packet: %v allocations, want 0", a)
	}
	if full.dropped.Load() < 1001-4 { // AllocsPerRun calls once more to warm up
		t.Errorf("%d drops counted, want every packet after the first 4", full.dropped.Load())
	}
}

// BenchmarkSinkWriteRTP is the recorder's cost on the forwarding goroutine
// per packet of about 1000 bytes it keeps: take a buffer, copy, queue. The
// loop also takes the packet off the queue and frees its buffer (the
// writer goroutine's two channel operations), so that every packet takes
// the queueing path: an upper bound.
func BenchmarkSinkWriteRTP(b *testing.B) {
	queue := make(chan entry, 4)
	s := newSink(&input{}, KindVideo, 4, clock.Real{}, nopMetrics{}, queue)
	pkt := benchPacket()
	b.ReportAllocs()
	for b.Loop() {
		pkt.SequenceNumber++
		if !s.WriteRTP(pkt) {
			b.Fatal("dropped")
		}
		e := <-queue
		s.free <- e.slot
	}
}

// BenchmarkSinkWriteRTPFull is the cost of a drop (the queue full).
func BenchmarkSinkWriteRTPFull(b *testing.B) {
	s := newSink(&input{}, KindVideo, 4, clock.Real{}, nopMetrics{}, make(chan entry, 4))
	pkt := benchPacket()
	b.ReportAllocs()
	for b.Loop() {
		s.WriteRTP(pkt)
	}
}
