// Package packetcache owns the recent packets of one published RTP stream,
// kept once for all of its subscribers so that a retransmission any of
// them asks for (a generic NACK, RFC 4585 6.2.1) is answered from the one
// copy.
//
// Why not pion's NACK responder: it keeps its own copy of every packet per
// subscriber (1,024 packets per video track per subscriber), so an SFU room
// of 11 holds 110 copies of each video packet; that was most of the heap
// and a good part of the allocation per forwarded packet. The forwarding
// path here rewrites only the SSRC and payload type per subscriber, so
// every subscriber's retransmission can be rebuilt from the publisher's
// packet.
package packetcache

import (
	"errors"
	"fmt"
	"sync"

	"github.com/pion/rtp"
)

// MaxPayload is the largest payload a slot holds; a larger one is not
// cached (pion reads at most 1,460 bytes of packet, so none is).
const MaxPayload = 1460

// ErrCapacity is returned by New for a capacity that is not a power of two
// between 2 and 32,768: a slot is chosen by the low bits of the sequence
// number, and a window of more than half the sequence space could not tell
// an old packet from a new one.
var ErrCapacity = errors.New("packetcache: capacity must be a power of two from 2 to 32768")

// Cache holds the last Capacity sequence numbers of one stream. Add is
// called by the stream's forwarding goroutine, Get by any subscriber's
// feedback goroutine; a mutex orders them (uncontended almost always: NACKs
// are rare). The payload storage is allocated once, at the first Add, so a
// stream that never sends costs nothing and one that does allocates
// nothing per packet.
type Cache struct {
	mu       sync.Mutex
	mask     uint16
	slots    []slot
	payloads []byte // len(slots) * MaxPayload, allocated at the first Add
	newest   uint16 // highest sequence number added (in RFC 3550 order)
	started  bool
}

type slot struct {
	seq       uint16
	timestamp uint32
	marker    bool
	valid     bool
	size      uint16
}

// New returns a cache for the last capacity packets of a stream.
func New(capacity int) (*Cache, error) {
	if capacity < 2 || capacity > 1<<15 || capacity&(capacity-1) != 0 {
		return nil, fmt.Errorf("%w (got %d)", ErrCapacity, capacity)
	}
	return &Cache{mask: uint16(capacity - 1), slots: make([]slot, capacity)}, nil
}

// Capacity is how many sequence numbers back the cache answers for.
func (c *Cache) Capacity() int { return len(c.slots) }

// Add keeps a copy of pkt's payload and of the header fields a
// retransmission repeats (sequence number, timestamp, marker). A packet
// arriving late (older than the newest) is kept if it is still inside the
// window; one older than that, or with a payload over MaxPayload, is not.
func (c *Cache) Add(pkt *rtp.Packet) {
	if len(pkt.Payload) > MaxPayload {
		return
	}
	seq := pkt.SequenceNumber
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.payloads == nil {
		c.payloads = make([]byte, len(c.slots)*MaxPayload)
	}
	switch {
	case !c.started:
		c.started, c.newest = true, seq
	case newer(seq, c.newest):
		c.forget(c.newest+1, seq)
		c.newest = seq
	case c.newest-seq > c.mask:
		return // too old for the window
	}
	i := int(seq & c.mask)
	s := &c.slots[i]
	s.seq, s.timestamp, s.marker, s.valid = seq, pkt.Timestamp, pkt.Marker, true
	s.size = uint16(copy(c.payloads[i*MaxPayload:(i+1)*MaxPayload], pkt.Payload))
}

// Get copies the packet with sequence number seq into pkt: the three
// header fields Add kept, and the payload into buf (which must hold
// MaxPayload bytes), so pkt.Payload aliases buf. It reports false if the
// packet was never added or has left the window; the caller's other header
// fields are left as they are, for it to fill per subscriber.
func (c *Cache) Get(seq uint16, pkt *rtp.Packet, buf []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started || c.newest-seq > c.mask {
		return false
	}
	i := int(seq & c.mask)
	s := &c.slots[i]
	if !s.valid || s.seq != seq {
		return false
	}
	n := copy(buf, c.payloads[i*MaxPayload:i*MaxPayload+int(s.size)])
	pkt.SequenceNumber, pkt.Timestamp, pkt.Marker = seq, s.timestamp, s.marker
	pkt.Payload = buf[:n]
	return n == int(s.size)
}

// forget empties the slots of the sequence numbers from first up to (not
// including) end, which were lost: otherwise such a slot would still hold
// a packet of the same low bits from a cycle of the sequence space before
// and answer for a packet it does not have.
func (c *Cache) forget(first, end uint16) {
	for n := 0; first != end && n < len(c.slots); n++ {
		c.slots[first&c.mask].valid = false
		first++
	}
}

// newer reports whether a follows b in RFC 3550 sequence order (within half
// the sequence space, across wraparound).
func newer(a, b uint16) bool { return a != b && a-b < 1<<15 }
