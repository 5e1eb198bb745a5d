package sfu

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/internal/clock"
	"piiri/metrics"
	"piiri/sfu/speech"
)

// recordedEvents records room events.
type recordedEvents struct {
	mu       sync.Mutex
	speaking []string // "id:true" / "id:false"
	times    []time.Time
	all      []string // every event, in order, as text
	tracks   []TrackEvent
}

func (e *recordedEvents) Speaking(id string, speaking bool, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.speaking = append(e.speaking, fmt.Sprintf("%s:%v", id, speaking))
	e.times = append(e.times, at)
	e.all = append(e.all, fmt.Sprintf("speaking %s %v", id, speaking))
}

func (e *recordedEvents) TrackPublished(ev TrackEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tracks = append(e.tracks, ev)
	e.all = append(e.all, fmt.Sprintf("published %s %s %s", ev.ParticipantID, ev.Source, ev.Kind))
}

func (e *recordedEvents) TrackEnded(ev TrackEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, fmt.Sprintf("ended %s %s %s", ev.ParticipantID, ev.Source, ev.Kind))
}

func (e *recordedEvents) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.speaking...)
}

func (e *recordedEvents) events() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.all...)
}

// published is the latest published track of each kind.
func (e *recordedEvents) published() map[string]TrackEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]TrackEvent{}
	for _, ev := range e.tracks {
		out[ev.Kind] = ev
	}
	return out
}

// audioLevelID is the ID the client's publisher negotiated for the audio
// level extension.
func audioLevelID(t *testing.T, pc *webrtc.PeerConnection) uint8 {
	t.Helper()
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() != webrtc.RTPCodecTypeAudio {
			continue
		}
		for _, ext := range tr.Sender().GetParameters().HeaderExtensions {
			if ext.URI == audioLevelURI {
				return uint8(ext.ID)
			}
		}
	}
	t.Fatal("audio level extension not negotiated")
	return 0
}

// levelSender writes Opus packets with an audio level, 20 ms of RTP time
// apart.
type levelSender struct {
	t     *testing.T
	audio *webrtc.TrackLocalStaticRTP
	id    uint8
	seq   uint16
}

func (s *levelSender) send(n int, level uint8) {
	for range n {
		s.seq++
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: s.seq, Timestamp: uint32(s.seq) * 960}, Payload: []byte{0xf8, 0xff, 0xfe}}
		if err := pkt.Header.SetExtension(s.id, []byte{level}); err != nil {
			s.t.Fatal(err)
		}
		if err := s.audio.WriteRTP(&pkt); err != nil {
			s.t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // keep order; RTP time, not wall time, drives the detector
	}
}

// TestSpeakingFromAudioLevels: loud audio levels in the publisher's
// packets make the room report the participant speaking, and silence
// afterwards makes it report the end, each dated by the SFU's clock back
// to when the speech really began and ended.
func TestSpeakingFromAudioLevels(t *testing.T) {
	start := time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)
	// A hangover other than the default shows that Config.Speech reaches
	// the detector.
	s := newTestSFUWith(t, Config{Clock: clock.NewFake(start), Speech: speech.Config{Hangover: 600 * time.Millisecond}})
	api := newClientAPI(t)
	events := &recordedEvents{}
	room, _ := s.NewRoom("r", events)
	p0 := joinPeer(t, api, room, "p0")
	defer p0.close()
	audio, _ := p0.publish(api)
	waitFor(t, 10*time.Second, "publisher connected", func() error {
		return errIf(p0.pub.ConnectionState() != webrtc.PeerConnectionStateConnected, "state %s", p0.pub.ConnectionState())
	})
	src := &levelSender{t: t, audio: audio, id: audioLevelID(t, p0.pub)}
	src.send(30, 20) // 600 ms of RTP time at -20 dBov
	waitFor(t, 10*time.Second, "speaking reported", func() error {
		return errIf(len(events.list()) != 1 || events.list()[0] != "p0:true", "events %v", events.list())
	})
	src.send(60, 127) // 1.2 s of silence
	waitFor(t, 10*time.Second, "end of speaking reported", func() error {
		got := events.list()
		return errIf(len(got) != 2 || got[1] != "p0:false", "events %v", got)
	})
	// The fake clock stood still: the detector decided 200 ms (the onset)
	// after the first loud packet and 600 ms (the hangover) after the last
	// one.
	events.mu.Lock()
	on, off := events.times[0], events.times[1]
	events.mu.Unlock()
	if want := start.Add(-200 * time.Millisecond); !on.Equal(want) {
		t.Errorf("speaking since %v, want %v", on, want)
	}
	if want := start.Add(-600 * time.Millisecond); !off.Equal(want) {
		t.Errorf("speaking until %v, want %v", off, want)
	}
}

// TestTrackEvents: the room reports each published track, and when its
// publisher leaves while speaking, the end of speech before the end of the
// microphone track.
func TestTrackEvents(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	events := &recordedEvents{}
	room, _ := s.NewRoom("r", events)
	p0 := joinPeer(t, api, room, "p0")
	audio, video := p0.publish(api)
	var seq uint16
	waitFor(t, 20*time.Second, "both tracks published", func() error {
		sendSome(t, audio, video, &seq, 1)
		return errIf(len(events.published()) != 2, "events %v", events.events())
	})
	src := &levelSender{t: t, audio: audio, id: audioLevelID(t, p0.pub), seq: seq}
	src.send(30, 20)
	waitFor(t, 10*time.Second, "speaking reported", func() error {
		return errIf(!slices.Contains(events.events(), "speaking p0 true"), "events %v", events.events())
	})
	p0.close()
	waitFor(t, 10*time.Second, "both tracks ended", func() error {
		got := events.events()
		return errIf(!slices.Contains(got, "ended p0 mic audio") || !slices.Contains(got, "ended p0 camera video"), "events %v", got)
	})
	got := events.events()
	silent := slices.Index(got, "speaking p0 false")
	if silent < 0 || silent > slices.Index(got, "ended p0 mic audio") {
		t.Errorf("events %v: want the end of speech before the microphone's end", got)
	}
	if n := len(got); n != 6 {
		t.Errorf("events %v: want 2 published, speaking on and off, 2 ended", got)
	}
}

// queueTrack is a track for queue tests: only its identity matters.
func queueTrack(p *Participant, m *metrics.Metrics, id string, src Source) *Track {
	return newTrackOf(p, standaloneDeps(m), id, src, webrtc.RTPCodecTypeAudio, opusCodec)
}

// stallingEvents blocks in its first call until released, then records.
type stallingEvents struct {
	recordedEvents
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func newStallingEvents() *stallingEvents {
	return &stallingEvents{entered: make(chan struct{}), release: make(chan struct{})}
}

func (e *stallingEvents) stall() {
	e.once.Do(func() {
		close(e.entered)
		<-e.release
	})
}

func (e *stallingEvents) Speaking(id string, on bool, at time.Time) {
	e.stall()
	e.recordedEvents.Speaking(id, on, at)
}

func (e *stallingEvents) TrackPublished(ev TrackEvent) {
	e.stall()
	e.recordedEvents.TrackPublished(ev)
}

func (e *stallingEvents) TrackEnded(ev TrackEvent) {
	e.stall()
	e.recordedEvents.TrackEnded(ev)
}

// within fails the test when f does not return in time: used where f must
// not wait for anything.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}

// TestEventQueueOverflow: while the consumer is stuck, queueing never
// blocks; what does not fit is coalesced, so that once the consumer goes
// on it learns every participant's latest speaking state and every
// track's latest state, in order, and the rest is counted as dropped.
func TestEventQueueOverflow(t *testing.T) {
	m := metrics.New()
	ev := newStallingEvents()
	q := newEventQueue(ev, m)
	go q.run()
	p := standaloneParticipant("p")
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

	q.speaking("first", true, at) // the consumer stalls on this one
	<-ev.entered
	early := queueTrack(p, m, "early", SourceCamera) // published in the queue, ended in overflow
	brief := queueTrack(p, m, "brief", SourceScreen) // published and ended in overflow
	late := queueTrack(p, m, "late", SourceMic)      // published in overflow
	within(t, "queueing while the consumer is stuck", func() {
		q.trackPublished(early, at)
		for i := range 3 * eventQueueSize {
			q.speaking(fmt.Sprintf("p%d", i%4), i%2 == 0, at.Add(time.Duration(i)*time.Millisecond))
		}
		q.trackEnded(early, at)
		q.trackPublished(brief, at)
		q.trackPublished(late, at)
		q.trackEnded(brief, at)
		q.speaking("p1", true, at) // p1's last of the loop was off
	})
	close(ev.release)
	q.close()
	select {
	case <-q.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the queue's goroutine did not end after close")
	}

	// In order: what was queued before the overflow, then the latest
	// state of each thing that overflowed, less what the consumer knew
	// already (p1 was never on before its last event, p0 and p2 were
	// told on, p3 never spoke), and nothing of the brief track.
	got := ev.events()
	want := []string{
		"speaking first true",
		"published p camera audio",
		"speaking p0 true",
		"speaking p2 true",
		"ended p camera audio",
		"published p mic audio",
		"speaking p1 true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events\n%v\nwant\n%v", got, want)
	}
	delivered := len(got)
	queued := 1 + 1 + 3*eventQueueSize + 5
	dropped := 0.0
	for _, typ := range []string{metrics.EventSpeaking, metrics.EventTrackPublished, metrics.EventTrackEnded} {
		dropped += testutil.ToFloat64(m.MediaEventsDropped.WithLabelValues(typ))
	}
	if int(dropped)+delivered != queued {
		t.Errorf("%d delivered + %v dropped, want the %d queued", delivered, dropped, queued)
	}
	if dropped == 0 {
		t.Error("nothing counted as dropped")
	}
}

// TestEventQueueKeepsOrder: without overflow every event arrives, in
// order, with its time.
func TestEventQueueKeepsOrder(t *testing.T) {
	m := metrics.New()
	ev := &recordedEvents{}
	q := newEventQueue(ev, m)
	go q.run()
	p := standaloneParticipant("p")
	tr := queueTrack(p, m, "a", SourceMic)
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	q.trackPublished(tr, at)
	for i := range 10 {
		q.speaking("p", i%2 == 0, at.Add(time.Duration(i)*time.Second))
	}
	q.trackEnded(tr, at)
	q.close()
	<-q.done
	want := []string{"published p mic audio"}
	for i := range 10 {
		want = append(want, fmt.Sprintf("speaking p %v", i%2 == 0))
	}
	want = append(want, "ended p mic audio")
	if got := ev.events(); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	for i, at2 := range ev.times {
		if !at2.Equal(at.Add(time.Duration(i) * time.Second)) {
			t.Errorf("speaking %d at %v", i, at2)
		}
	}
}

// TestRoomsDoNotWaitOnEachOther: a room whose consumer is stuck does not
// delay another room's events.
func TestRoomsDoNotWaitOnEachOther(t *testing.T) {
	s := newTestSFU(t)
	stuck := newStallingEvents()
	defer close(stuck.release)
	a, _ := s.NewRoom("a", stuck)
	other := &recordedEvents{}
	b, _ := s.NewRoom("b", other)
	a.env.events.speaking("x", true, time.Now())
	<-stuck.entered
	for range 2 * eventQueueSize {
		a.env.events.speaking("x", false, time.Now())
	}
	b.env.events.speaking("y", true, time.Now())
	waitFor(t, 10*time.Second, "room b's event", func() error {
		return errIf(len(other.list()) != 1, "room b got %v", other.list())
	})
}

// TestSpeakingQueueDoesNotAllocate: queueing a speaking change, which the
// forwarding goroutine does, allocates nothing.
func TestSpeakingQueueDoesNotAllocate(t *testing.T) {
	q := newEventQueue(nopEvents{}, metrics.New())
	at := time.Now()
	var on bool
	allocs := testing.AllocsPerRun(100, func() {
		on = !on
		q.speaking("p", on, at)
		q.mu.Lock()
		q.buf = q.buf[:0] // as the delivery goroutine takes them
		q.mu.Unlock()
	})
	if allocs != 0 {
		t.Errorf("queueing a speaking change: %v allocations, want 0", allocs)
	}
}

// TestSpeechConfigProblem: a bad detector setting stops the SFU at start,
// with the detector's own explanation, not at the first microphone.
func TestSpeechConfigProblem(t *testing.T) {
	_, err := New(Config{UDPListen: "127.0.0.1:0", Metrics: metrics.New(), Speech: speech.Config{StartLevel: 40, StopLevel: 30}})
	if err == nil || !strings.Contains(err.Error(), "stop level 30 is louder than start level 40") {
		t.Fatalf("New: %v, want the speech detector's problem", err)
	}
}
