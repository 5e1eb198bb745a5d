package record

import (
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"piiri/sfu"
)

// maxPacket bounds one queued RTP packet: the sfu reads at most 1460 bytes.
const maxPacket = 1500

// sink is the sfu.Sink of one recorded track: a preallocated ring of packet
// buffers between the forwarding goroutine and the recorder's writer
// goroutine. WriteRTP takes a free buffer, copies the packet into it and
// queues its index; the writer gives the buffer back once it has copied
// the packet out. Nothing is allocated per packet and nothing blocks: with
// no free buffer, or the queue full, the packet is dropped and counted.
type sink struct {
	in      *input
	kind    string
	clock   interface{ Now() time.Time }
	metrics Metrics
	bufs    [][]byte
	free    chan int32
	queue   chan<- entry
	closed  atomic.Bool
	dropped atomic.Int64
}

// entry is one queued packet: which sink's buffer holds it, its length, and
// when it arrived. A sender report is queued as an entry too (slot -1, at
// its NTP time, ts its RTP time), so that it takes its place among the
// packets.
type entry struct {
	s    *sink
	slot int32
	n    int32
	ts   uint32
	at   time.Time
}

// The sfu hands the sink its track's sender reports.
var _ sfu.SenderReportSink = (*sink)(nil)

// senderReport marks an entry as a sender report.
const senderReport = -1

func newSink(in *input, kind string, n int, clk interface{ Now() time.Time }, m Metrics, queue chan<- entry) *sink {
	s := &sink{in: in, kind: kind, clock: clk, metrics: m, bufs: make([][]byte, n), free: make(chan int32, n), queue: queue}
	backing := make([]byte, n*maxPacket)
	for i := range s.bufs {
		s.bufs[i] = backing[i*maxPacket : (i+1)*maxPacket : (i+1)*maxPacket]
		s.free <- int32(i)
	}
	return s
}

// WriteRTP implements sfu.Sink.
func (s *sink) WriteRTP(pkt *rtp.Packet) bool {
	if s.closed.Load() {
		return false
	}
	var slot int32
	select {
	case slot = <-s.free:
	default:
		s.drop()
		return false
	}
	n, err := pkt.MarshalTo(s.bufs[slot])
	if err != nil { // larger than any packet the sfu reads
		s.free <- slot
		s.drop()
		return false
	}
	select {
	case s.queue <- entry{s: s, slot: slot, n: int32(n), at: s.clock.Now()}:
		return true
	default:
		s.free <- slot
		s.drop()
		return false
	}
}

// WriteSenderReport implements sfu.SenderReportSink: the report goes into
// the queue, or is dropped when it is full (the next comes in seconds).
func (s *sink) WriteSenderReport(sr sfu.SenderReport) {
	if s.closed.Load() {
		return
	}
	select {
	case s.queue <- entry{s: s, slot: senderReport, ts: sr.RTPTime, at: sr.NTPTime}:
	default:
	}
}

func (s *sink) drop() {
	s.dropped.Add(1)
	s.metrics.PacketDropped(s.kind)
}

// take copies the queued packet out of its buffer and frees the buffer.
func (s *sink) take(e entry) (*rtp.Packet, error) {
	var p rtp.Packet
	err := p.Unmarshal(s.bufs[e.slot][:e.n])
	var c *rtp.Packet
	if err == nil {
		c = p.Clone()
	}
	s.free <- e.slot
	return c, err
}
