package packetcache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/pion/rtp"
)

func packet(seq uint16) *rtp.Packet {
	p := &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: uint32(seq) * 3000, Marker: seq%3 == 0}}
	p.Payload = binary.BigEndian.AppendUint16(bytes.Repeat([]byte{byte(seq)}, int(seq%50)), seq)
	return p
}

func mustNew(t testing.TB, capacity int) *Cache {
	t.Helper()
	c, err := New(capacity)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// get returns the cached packet or nil.
func get(c *Cache, seq uint16) *rtp.Packet {
	var p rtp.Packet
	buf := make([]byte, MaxPayload)
	if !c.Get(seq, &p, buf) {
		return nil
	}
	return &p
}

func checkHit(t *testing.T, c *Cache, seq uint16) {
	t.Helper()
	got := get(c, seq)
	if got == nil {
		t.Fatalf("seq %d: not in the cache", seq)
	}
	want := packet(seq)
	if got.SequenceNumber != seq || got.Timestamp != want.Timestamp || got.Marker != want.Marker || !bytes.Equal(got.Payload, want.Payload) {
		t.Fatalf("seq %d: got seq %d ts %d marker %v payload %x, want ts %d marker %v payload %x",
			seq, got.SequenceNumber, got.Timestamp, got.Marker, got.Payload, want.Timestamp, want.Marker, want.Payload)
	}
}

func checkMiss(t *testing.T, c *Cache, seq uint16) {
	t.Helper()
	if got := get(c, seq); got != nil {
		t.Fatalf("seq %d: got a packet (seq %d), want none", seq, got.SequenceNumber)
	}
}

func TestNewRejectsBadCapacity(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 3, 1000, 1 << 16} {
		if _, err := New(n); !errors.Is(err, ErrCapacity) {
			t.Errorf("New(%d): err %v, want ErrCapacity", n, err)
		}
	}
	for _, n := range []int{2, 512, 1 << 15} {
		if c, err := New(n); err != nil || c.Capacity() != n {
			t.Errorf("New(%d): %v", n, err)
		}
	}
}

func TestEmptyCacheMisses(t *testing.T) {
	c := mustNew(t, 8)
	checkMiss(t, c, 0)
	checkMiss(t, c, 65535)
}

func TestKeepsTheWindowAndEvictsOlder(t *testing.T) {
	c := mustNew(t, 8)
	for seq := uint16(100); seq < 120; seq++ {
		c.Add(packet(seq))
	}
	for seq := uint16(112); seq < 120; seq++ {
		checkHit(t, c, seq)
	}
	// 111 shares its slot with 119, which replaced it; 100 is long gone.
	checkMiss(t, c, 111)
	checkMiss(t, c, 100)
	checkMiss(t, c, 120) // not sent yet
}

func TestWraparound(t *testing.T) {
	c := mustNew(t, 16)
	for seq := uint16(65530); seq != 10; seq++ {
		c.Add(packet(seq))
	}
	for seq := uint16(65530); seq != 10; seq++ {
		checkHit(t, c, seq)
	}
	checkMiss(t, c, 65529)
	checkMiss(t, c, 10)
}

// A packet no longer held: after a jump of more than the window, a slot
// still holds its old packet, but it is older than the window and must not
// be answered (it would be 65,536 packets old after a wrap).
func TestJumpLeavesNothingStale(t *testing.T) {
	c := mustNew(t, 8)
	for seq := uint16(0); seq < 8; seq++ {
		c.Add(packet(seq))
	}
	c.Add(packet(1000))
	for seq := uint16(0); seq < 8; seq++ {
		checkMiss(t, c, seq)
	}
	checkHit(t, c, 1000)
	// A full cycle of the sequence space later, with the packets in
	// between lost but for one in every 1,000 (all in one other slot),
	// 5 is again just behind the newest, and its slot must not answer.
	c2 := mustNew(t, 8)
	c2.Add(packet(5))
	seq := uint16(6)
	for range 65 {
		c2.Add(packet(seq))
		seq += 1000
	}
	c2.Add(packet(8))
	checkMiss(t, c2, 5)
	checkHit(t, c2, 8)
}

func TestLateArrivalInsideTheWindow(t *testing.T) {
	c := mustNew(t, 8)
	for _, seq := range []uint16{10, 12, 13, 11, 14} {
		c.Add(packet(seq))
	}
	for seq := uint16(10); seq <= 14; seq++ {
		checkHit(t, c, seq)
	}
	// Too late: 8 behind the newest (14) is outside a window of 8.
	c.Add(packet(6))
	checkMiss(t, c, 6)
	checkHit(t, c, 14)
}

func TestOversizePayloadIsNotKept(t *testing.T) {
	c := mustNew(t, 8)
	p := packet(1)
	p.Payload = make([]byte, MaxPayload+1)
	c.Add(p)
	checkMiss(t, c, 1)
	p.Payload = p.Payload[:MaxPayload]
	c.Add(p)
	if got := get(c, 1); got == nil || len(got.Payload) != MaxPayload {
		t.Fatalf("a payload of MaxPayload bytes was not kept whole: %v", got)
	}
}

// The caller's buffer is the retransmission's: a later Add must not change
// a packet already got.
func TestGetCopies(t *testing.T) {
	c := mustNew(t, 2)
	c.Add(packet(1))
	got := get(c, 1)
	c.Add(packet(3)) // same slot
	if want := packet(1); !bytes.Equal(got.Payload, want.Payload) {
		t.Fatalf("payload changed under the caller: %x, want %x", got.Payload, want.Payload)
	}
}

func TestAddAndGetAllocateNothing(t *testing.T) {
	c := mustNew(t, 512)
	c.Add(packet(0)) // the one allocation: the payload storage
	p := packet(1)
	var out rtp.Packet
	buf := make([]byte, MaxPayload)
	allocs := testing.AllocsPerRun(1000, func() {
		p.SequenceNumber++
		c.Add(p)
		c.Get(p.SequenceNumber-1, &out, buf)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Add+Get, want 0", allocs)
	}
}

// TestMatchesModel drives the cache with random sequences (in order, lost,
// reordered, jumps, wraparound) and checks every answer against a
// straightforward model: a packet is answered iff it was the last packet
// kept in its slot and lies within the window behind the newest.
func TestMatchesModel(t *testing.T) {
	for run := range 50 {
		r := rand.New(rand.NewPCG(uint64(run), 7))
		capacity := 1 << (1 + r.IntN(8))
		c := mustNew(t, capacity)
		m := newModel(capacity)
		seq := uint16(r.Uint32())
		for range 3000 {
			switch x := r.IntN(100); {
			case x < 80:
				seq++
			case x < 90:
				seq += uint16(2 + r.IntN(5)) // loss
			case x < 97:
				seq -= uint16(1 + r.IntN(capacity+3)) // late packet
			default:
				seq += uint16(r.IntN(1 << 15)) // jump
			}
			c.Add(packet(seq))
			m.add(seq)
			for range 4 {
				q := m.newest - uint16(r.IntN(2*capacity)) + 2
				want := m.has(q)
				if got := get(c, q) != nil; got != want {
					t.Fatalf("run %d cap %d: after adding %d (newest %d), Get(%d) = %v, model says %v",
						run, capacity, seq, m.newest, q, got, want)
				}
				if want {
					checkHit(t, c, q)
				}
			}
		}
	}
}

type model struct {
	mask    uint16
	newest  uint16
	started bool
	slot    map[uint16]uint16 // slot -> seq held
}

func newModel(capacity int) *model {
	return &model{mask: uint16(capacity - 1), slot: map[uint16]uint16{}}
}

func (m *model) add(seq uint16) {
	if !m.started {
		m.started, m.newest = true, seq
	} else if d := int16(seq - m.newest); d > 0 {
		for s := m.newest + 1; s != seq; s++ {
			delete(m.slot, s&m.mask) // lost: its slot holds nothing
		}
		m.newest = seq
	} else if uint16(-d) > m.mask {
		return
	}
	m.slot[seq&m.mask] = seq
}

func (m *model) has(seq uint16) bool {
	held, ok := m.slot[seq&m.mask]
	return ok && held == seq && m.newest-seq <= m.mask
}

func TestConcurrentAddAndGet(t *testing.T) {
	c := mustNew(t, 64)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			var p rtp.Packet
			buf := make([]byte, MaxPayload)
			for {
				select {
				case <-stop:
					return
				default:
				}
				for seq := range uint16(200) {
					if c.Get(seq, &p, buf) {
						want := packet(seq)
						if !bytes.Equal(p.Payload, want.Payload) || p.Timestamp != want.Timestamp {
							t.Errorf("seq %d: torn packet", seq)
							return
						}
					}
				}
			}
		})
	}
	for round := range 50 {
		for seq := range uint16(200) {
			c.Add(packet(seq + uint16(round)*200))
		}
	}
	close(stop)
	wg.Wait()
}

func FuzzCache(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 200, 4, 255})
	f.Fuzz(func(t *testing.T, steps []byte) {
		c := mustNew(t, 16)
		m := newModel(16)
		seq := uint16(65500)
		for _, s := range steps {
			seq += uint16(int8(s))
			c.Add(packet(seq))
			m.add(seq)
			for q := m.newest - 20; q != m.newest+2; q++ {
				if got, want := get(c, q) != nil, m.has(q); got != want {
					t.Fatalf("Get(%d) = %v, model %v", q, got, want)
				}
			}
		}
	})
}

func BenchmarkAdd(b *testing.B) {
	c := mustNew(b, 512)
	p := packet(0)
	p.Payload = make([]byte, 1100)
	b.ReportAllocs()
	b.SetBytes(int64(len(p.Payload)))
	for b.Loop() {
		p.SequenceNumber++
		c.Add(p)
	}
}

func BenchmarkGet(b *testing.B) {
	c := mustNew(b, 512)
	p := packet(0)
	p.Payload = make([]byte, 1100)
	for range 512 {
		p.SequenceNumber++
		c.Add(p)
	}
	var out rtp.Packet
	buf := make([]byte, MaxPayload)
	b.ReportAllocs()
	seq := p.SequenceNumber
	for b.Loop() {
		c.Get(seq, &out, buf)
		seq--
		if p.SequenceNumber-seq > 500 {
			seq = p.SequenceNumber
		}
	}
}
