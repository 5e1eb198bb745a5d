package record

import (
	"encoding/binary"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"
)

// frame is one rebuilt frame placed on the wall clock.
type frame struct {
	at            time.Time
	keyframe      bool
	width, height int // of a VP8 keyframe
	data          []byte
}

// timeline maps one track's RTP timestamps to the wall clock. Once the
// track has a sender report and the person's sender clock is fixed, a
// timestamp's time is its instant on the sender's clock (from the newest
// report) plus the clock's offset: the tracks of one person line up as
// they were captured. Before that, the first packet's arrival anchors it:
// a time is the anchor plus the RTP time elapsed since, so lost packets
// and waits for a keyframe shift nothing, and arrival jitter after the
// first packet does not show. The 32-bit timestamp is unwrapped against
// the newest one seen, so it may wrap and packets may arrive out of order.
type timeline struct {
	rate     int64
	sender   *senderClock
	anchored bool
	newest   uint32 // the newest RTP timestamp seen
	newestX  int64  // and its unwrapped value
	anchorX  int64  // unwrapped timestamp of the first packet
	anchorAt time.Time

	reported bool      // a sender report came
	srTS     uint32    // its RTP time
	srAt     time.Time // and its instant on the sender's clock
}

// senderClock is the offset from a publisher's sender clock (the NTP time
// of its sender reports) to the recorder's timeline. The first of the
// person's tracks to have both a first packet and a report fixes it, so
// that its own first packet stays where it arrived.
type senderClock struct {
	set    bool
	offset time.Duration
}

func (t *timeline) observe(ts uint32, arrival time.Time) {
	if !t.anchored {
		t.anchored, t.newest, t.newestX, t.anchorX, t.anchorAt = true, ts, int64(ts), int64(ts), arrival
		t.fixSender()
		return
	}
	if d := int32(ts - t.newest); d > 0 {
		t.newest, t.newestX = ts, t.newestX+int64(d)
	}
}

// senderReport takes a sender report of the track: RTP time ts is the
// instant ntp on the sender's clock.
func (t *timeline) senderReport(ntp time.Time, ts uint32) {
	t.reported, t.srTS, t.srAt = true, ts, ntp
	t.fixSender()
}

// fixSender fixes the person's sender clock by this track, when it is the
// first to have both its first packet and a report.
func (t *timeline) fixSender() {
	if t.sender == nil || t.sender.set || !t.reported || !t.anchored {
		return
	}
	t.sender.set = true
	t.sender.offset = t.anchorAt.Sub(t.senderAt(uint32(t.anchorX)))
}

// senderAt is ts's instant on the sender's clock. The newest report is at
// most seconds from any timestamp in use, well inside int32's range of
// ticks (6.6 hours at 90 kHz).
func (t *timeline) senderAt(ts uint32) time.Time {
	ticks := int64(int32(ts - t.srTS))
	return t.srAt.Add(time.Duration(ticks * int64(time.Second) / t.rate))
}

func (t *timeline) unwrap(ts uint32) int64 { return t.newestX + int64(int32(ts-t.newest)) }

// at is the wall time of RTP timestamp ts; observe must have been called.
func (t *timeline) at(ts uint32) time.Time {
	if t.reported && t.sender != nil && t.sender.set {
		return t.senderAt(ts).Add(t.sender.offset)
	}
	ticks := t.unwrap(ts) - t.anchorX
	return t.anchorAt.Add(time.Duration(ticks * int64(time.Second) / t.rate))
}

// trackState rebuilds one track's frames: pion's samplebuilder reorders
// packets and joins them into frames, waiting up to MaxLate for a missing
// packet and then skipping it; the timeline dates each frame. For video it
// also keeps the decoder's needs: the first frame is a keyframe, and after
// a frame was lost nothing is written until the next keyframe, which is
// requested (rate-limited). It is used by the writer goroutine only.
type trackState struct {
	video  bool
	sb     *samplebuilder.SampleBuilder
	tl     timeline
	now    func() time.Time
	retry  time.Duration
	askKey func()

	waiting   bool      // video: for a keyframe
	asked     time.Time // last keyframe request
	everAsked bool
	haveSeq   bool
	lastSeq   uint16       // last sequence number of the last frame
	padding   [1024]uint64 // bitmap of padding-only sequence numbers not yet passed
	lost      int          // frames lost or skipped (waiting for a keyframe)
}

func newTrackState(video bool, clockRate uint32, sender *senderClock, maxLate, retry time.Duration, now func() time.Time, askKey func()) *trackState {
	var dep rtp.Depacketizer = &codecs.OpusPacket{}
	if video {
		dep = &codecs.VP8Packet{}
	}
	// The packet bound is far beyond MaxLate at any sensible rate: the
	// time bound decides.
	sb := samplebuilder.New(4096, dep, clockRate, samplebuilder.WithMaxTimeDelay(maxLate), samplebuilder.WithRTPHeaders(true))
	return &trackState{video: video, sb: sb, tl: timeline{rate: int64(clockRate), sender: sender}, now: now, retry: retry, askKey: askKey, waiting: video}
}

// push takes one packet (which it keeps) and emits the frames it completes.
func (s *trackState) push(p *rtp.Packet, arrival time.Time, emit func(frame)) {
	s.tl.observe(p.Timestamp, arrival)
	if len(p.Payload) == 0 {
		// Padding only (bandwidth probes): its sequence number is no loss.
		s.padding[p.SequenceNumber/64] |= 1 << (p.SequenceNumber % 64)
	}
	s.sb.Push(p)
	s.pop(emit)
	if s.waiting {
		s.maybeAsk()
	}
}

// flush emits whatever frames the samplebuilder can still complete.
func (s *trackState) flush(emit func(frame)) {
	s.sb.Flush()
	s.pop(emit)
}

func (s *trackState) pop(emit func(frame)) {
	for smp := s.sb.Pop(); smp != nil; smp = s.sb.Pop() {
		if f, ok := s.frame(smp); ok {
			emit(f)
		}
	}
}

// frame turns a sample into a frame, or drops it (video: not decodable).
func (s *trackState) frame(smp *media.Sample) (frame, bool) {
	gap := s.gap(smp)
	f := frame{at: s.tl.at(smp.PacketTimestamp), keyframe: true, data: smp.Data}
	if !s.video {
		if len(smp.Data) == 0 {
			return frame{}, false
		}
		return f, true
	}
	f.width, f.height, f.keyframe = vp8Keyframe(smp.Data)
	if f.keyframe {
		s.waiting = false
		return f, true
	}
	if gap && !s.waiting {
		// A frame is missing: what follows refers to it.
		s.waiting = true
		s.maybeAsk()
	}
	if s.waiting || len(smp.Data) == 0 {
		s.lost++
		return frame{}, false
	}
	return f, true
}

// gap reports whether packets other than padding are missing between the
// previous frame and this one.
func (s *trackState) gap(smp *media.Sample) bool {
	if len(smp.RTPHeaders) == 0 {
		return false
	}
	first := smp.RTPHeaders[0].SequenceNumber
	last := smp.RTPHeaders[len(smp.RTPHeaders)-1].SequenceNumber
	gap := false // before the first frame nothing counts: video waits for a keyframe anyway
	if s.haveSeq {
		for q := s.lastSeq + 1; q != first; q++ {
			bit := uint64(1) << (q % 64)
			if s.padding[q/64]&bit == 0 {
				gap = true
			}
			s.padding[q/64] &^= bit
		}
	}
	s.haveSeq, s.lastSeq = true, last
	return gap
}

// needKeyframe makes video wait for (and ask for) a keyframe, as a new
// segment must start with one.
func (s *trackState) needKeyframe() {
	if s.video && !s.waiting {
		s.waiting = true
		s.maybeAsk()
	}
}

// tick asks again for a keyframe still awaited.
func (s *trackState) tick() {
	if s.waiting {
		s.maybeAsk()
	}
}

func (s *trackState) maybeAsk() {
	now := s.now()
	if s.everAsked && now.Sub(s.asked) < s.retry {
		return
	}
	s.everAsked, s.asked = true, now
	s.askKey()
}

// askNow requests a keyframe regardless of the retry interval (used for
// seek points, which have their own, longer interval).
func (s *trackState) askNow() {
	s.everAsked, s.asked = true, s.now()
	s.askKey()
}

// vp8Keyframe reads a VP8 frame's header (RFC 6386 9.1): the inverse key
// frame bit, and for a keyframe its start code and size.
func vp8Keyframe(b []byte) (width, height int, key bool) {
	if len(b) < 10 || b[0]&0x01 != 0 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		return 0, 0, false
	}
	w := int(binary.LittleEndian.Uint16(b[6:8]) & 0x3fff)
	h := int(binary.LittleEndian.Uint16(b[8:10]) & 0x3fff)
	return w, h, true
}
