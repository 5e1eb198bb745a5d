package sfu

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"piiri/metrics"
)

// Events receives what happens in a room's media that the rest of the
// server acts on: tracks published and ended, and who is speaking.
//
// The contract:
//   - Each room calls its Events from one goroutine of its own, one call at
//     a time, never with an sfu lock held, and never from a forwarding
//     goroutine: forwarding only puts the event in the room's queue.
//   - Events arrive in the order the sfu observed them in the room (a
//     Speaking's time is dated back, so it can be earlier than that of the
//     event before it). Under overflow
//     (see below) some are left out, but never the latest state of each
//     track (published, then ended) nor of each participant's speaking:
//     the consumer always ends up knowing which tracks are published and
//     who is speaking. A track the consumer learns of ends with exactly one
//     TrackEnded; a track whose published and ended were both left out is
//     never reported at all. (This holds while fewer than 1024 speakers and
//     tracks have changes waiting, far more than a room has: only a
//     consumer that stopped returning loses more.)
//   - A method may take the consumer's own locks and may call into the
//     sfu (Room.Close included), but must not wait for Room.Done nor call
//     SFU.Close, which wait for this goroutine. It should return promptly:
//     while it runs the room's later events wait in a bounded queue, and
//     when that is full they are coalesced and counted in
//     piiri_media_events_dropped_total.
//   - Times come from the SFU's clock (Config.Clock).
type Events interface {
	// TrackPublished reports a track that every other participant is now
	// subscribed to, and that sinks may be added to.
	TrackPublished(ev TrackEvent)
	// TrackEnded reports that a track is no longer forwarded: the
	// publisher stopped it, renegotiated without it or left. Its sinks
	// get no more packets.
	TrackEnded(ev TrackEvent)
	// Speaking reports that a participant started (on) or stopped
	// speaking, judged from the audio levels of its microphone track. at
	// is when the speech started or its last voiced packet arrived (from
	// the packets' RTP time), not when the detector decided, which is
	// Config.Speech's Onset or Hangover later. A participant whose
	// microphone track ends while speaking gets Speaking(false) at the
	// track's end, before TrackEnded.
	Speaking(participantID string, on bool, at time.Time)
}

// TrackEvent describes a track that was published or ended.
type TrackEvent struct {
	ParticipantID string
	TrackID       string // the publisher's own ID of the track
	Source        Source
	Kind          string // "audio" or "video"
	// Track is the track itself, for adding sinks and asking for
	// keyframes. A consumer's tests may leave it nil.
	Track *Track
	At    time.Time
}

// Sizes of a room's event queue. 256 events is minutes of normal speaking
// changes in a full room; overflowKeys bounds the coalesced state kept for
// a consumer that stopped reading altogether.
const (
	eventQueueSize  = 256
	maxOverflowKeys = 1024
)

type eventKind uint8

const (
	evTrackPublished eventKind = iota + 1
	evTrackEnded
	evSpeaking
)

type event struct {
	seq         uint64
	kind        eventKind
	participant string
	on          bool
	at          time.Time
	track       *Track
}

// eventQueue is a room's media event queue and the goroutine that delivers
// it to the room's Events. Enqueueing takes only the queue's own lock, for a
// few instructions, and never allocates while the queue has room: it is
// called from forwarding goroutines.
//
// When the queue is full, an event goes to an overflow map keyed by what it
// is about (a speaker, a track), where a later event about the same thing
// replaces it; once something has an overflow entry, its later events go
// there too, so that each thing's events stay in order. The delivery
// goroutine merges queue and overflow by sequence number.
type eventQueue struct {
	events  Events
	dropped [evSpeaking + 1]prometheus.Counter

	mu        sync.Mutex
	seq       uint64
	buf       []event
	speakOver map[string]event
	trackOver map[*Track]event
	closed    bool

	wake chan struct{} // capacity 1: "there is something to deliver"
	done chan struct{} // closed when the goroutine has ended
}

func newEventQueue(events Events, m *metrics.Metrics) *eventQueue {
	q := &eventQueue{
		events:    events,
		buf:       make([]event, 0, eventQueueSize),
		speakOver: make(map[string]event),
		trackOver: make(map[*Track]event),
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
	q.dropped[evTrackPublished] = m.MediaEventsDropped.WithLabelValues(metrics.EventTrackPublished)
	q.dropped[evTrackEnded] = m.MediaEventsDropped.WithLabelValues(metrics.EventTrackEnded)
	q.dropped[evSpeaking] = m.MediaEventsDropped.WithLabelValues(metrics.EventSpeaking)
	return q
}

func (q *eventQueue) speaking(participantID string, on bool, at time.Time) {
	q.put(event{kind: evSpeaking, participant: participantID, on: on, at: at})
}

func (q *eventQueue) trackPublished(t *Track, at time.Time) {
	q.put(event{kind: evTrackPublished, participant: t.publisher.id, track: t, at: at})
}

func (q *eventQueue) trackEnded(t *Track, at time.Time) {
	q.put(event{kind: evTrackEnded, participant: t.publisher.id, track: t, at: at})
}

// put enqueues e; it never blocks.
func (q *eventQueue) put(e event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.seq++
	e.seq = q.seq
	q.putLocked(e)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default: // the goroutine is already due to look
	}
}

func (q *eventQueue) putLocked(e event) {
	if e.kind == evSpeaking {
		_, over := q.speakOver[e.participant]
		switch {
		case over:
			q.dropped[evSpeaking].Inc() // superseded before delivery
			q.speakOver[e.participant] = e
		case len(q.buf) < cap(q.buf):
			q.buf = append(q.buf, e)
		case len(q.speakOver)+len(q.trackOver) < maxOverflowKeys:
			q.speakOver[e.participant] = e
		default:
			q.dropped[evSpeaking].Inc()
		}
		return
	}
	old, over := q.trackOver[e.track]
	switch {
	case over && old.kind == evTrackPublished && e.kind == evTrackEnded:
		// The consumer never heard of the track: it hears of
		// neither.
		delete(q.trackOver, e.track)
		q.dropped[evTrackPublished].Inc()
		q.dropped[evTrackEnded].Inc()
	case over:
		q.dropped[old.kind].Inc()
		q.trackOver[e.track] = e
	case len(q.buf) < cap(q.buf):
		q.buf = append(q.buf, e)
	case len(q.speakOver)+len(q.trackOver) < maxOverflowKeys:
		q.trackOver[e.track] = e
	default:
		q.dropped[e.kind].Inc()
	}
}

// close makes the goroutine deliver what is queued and end; later events
// are ignored.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run delivers events until the queue is closed and empty.
func (q *eventQueue) run() {
	defer close(q.done)
	batch := make([]event, 0, eventQueueSize)
	var over []event
	// speaking is who the consumer was last told is speaking, to leave
	// out coalesced events that would tell it what it knows. Only
	// speakers are kept, so it does not grow with departed participants.
	speaking := make(map[string]bool)
	for range q.wake {
		for {
			q.mu.Lock()
			batch, q.buf = q.buf, batch[:0]
			over = over[:0]
			for _, e := range q.speakOver {
				over = append(over, e)
			}
			for _, e := range q.trackOver {
				over = append(over, e)
			}
			clear(q.speakOver)
			clear(q.trackOver)
			closed := q.closed
			q.mu.Unlock()

			if len(batch) == 0 && len(over) == 0 {
				if closed {
					return
				}
				break
			}
			slices.SortFunc(over, func(a, b event) int { return cmp.Compare(a.seq, b.seq) })
			i, j := 0, 0
			for i < len(batch) || j < len(over) {
				if j == len(over) || i < len(batch) && batch[i].seq < over[j].seq {
					q.deliver(batch[i], speaking)
					i++
				} else {
					q.deliver(over[j], speaking)
					j++
				}
			}
			clear(batch) // drop references to tracks
		}
	}
}

func (q *eventQueue) deliver(e event, speaking map[string]bool) {
	switch e.kind {
	case evSpeaking:
		if speaking[e.participant] == e.on {
			q.dropped[evSpeaking].Inc() // what the consumer knows already
			return
		}
		if e.on {
			speaking[e.participant] = true
		} else {
			delete(speaking, e.participant)
		}
		q.events.Speaking(e.participant, e.on, e.at)
	case evTrackPublished:
		q.events.TrackPublished(e.track.event(e.at))
	case evTrackEnded:
		q.events.TrackEnded(e.track.event(e.at))
	}
}
