package record

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"piiri/internal/clock"
)

// Recorder writes one person's tracks to WebM files in Config.Dir: one file
// per segment, with every track of the person that has media. A new
// segment starts when a track joins (a track added, or a video track that
// had no keyframe when the segment started) or when the VP8 resolution
// changes (a keyframe of another size), since a WebM file's tracks and
// their sizes are fixed in its header.
//
// Audio and video are aligned by the sender's clock: a publisher's RTCP
// sender reports say which RTP timestamp of each track belongs to which
// instant of the sender's wall clock, which its tracks share. The first
// track to have both media and a report fixes the offset from that clock
// to the recorder's timeline (so that its first packet is where it
// arrived), and every track with a report is placed by it: audio and video
// line up as they were captured, whatever their network and jitter-buffer
// delays, and follow a drift of the sender's RTP clocks over a long
// meeting. Until a track has a report, its frames are placed by the arrival
// of its first packet plus the RTP time elapsed since (see timeline);
// the sfu hands a sink the newest report as it is added, so that is only
// the case in a publisher's first seconds.
//
// All the work happens on the recorder's own goroutine: the sinks on the
// tracks only copy packets into a preallocated queue.
type Recorder struct {
	cfg   Config
	queue chan entry
	cmds  chan func()
	stop  chan struct{}
	done  chan struct{}
	ctx   context.Context

	stopOnce sync.Once

	mu     sync.Mutex // guards inputs (the list), files and err
	inputs []*input
	files  []File
	err    error

	// Owned by the writer goroutine.
	seg       *segment
	pending   []pendingFrame
	openBy    time.Time // when pending frames start a segment anyway
	timer     clock.Timer
	tick      chan struct{}
	failed    bool
	lastSeekQ time.Time
	sender    senderClock // the person's sender clock, shared by their tracks
}

// input is one recorded track.
type input struct {
	track    Track
	kind     string
	channels int
	sink     *sink
	state    *trackState
	removed  bool // writer goroutine only
}

type pendingFrame struct {
	in *input
	f  frame
}

// maxPending bounds the frames held while a segment waits for its tracks'
// first frames (StartWait): about 10 s of audio and video.
const maxPending = 1000

// Start starts recording the given tracks (more can be added with Add).
// Files appear once the tracks have media. The recorder stops, finalising
// its file, on Stop or when ctx ends.
func Start(ctx context.Context, cfg Config, tracks ...Track) (*Recorder, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	r := &Recorder{
		cfg:   cfg,
		queue: make(chan entry, 4*cfg.QueuePackets),
		cmds:  make(chan func()),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		tick:  make(chan struct{}, 1),
		ctx:   ctx,
	}
	var ins []*input
	for _, t := range tracks {
		in, err := r.newInput(t)
		if err != nil {
			return nil, err
		}
		ins = append(ins, in)
	}
	go r.run()
	for _, in := range ins {
		if err := r.attach(in); err != nil {
			_ = r.Stop()
			return nil, err
		}
	}
	return r, nil
}

func (r *Recorder) newInput(t Track) (*input, error) {
	c := t.Codec()
	in := &input{track: t, kind: t.Kind(), channels: int(c.Channels)}
	switch {
	case in.kind == KindAudio && strings.EqualFold(c.MimeType, webrtc.MimeTypeOpus):
		if in.channels == 0 {
			in.channels = 2
		}
	case in.kind == KindVideo && strings.EqualFold(c.MimeType, webrtc.MimeTypeVP8):
	default:
		return nil, fmt.Errorf("record: a %s track with codec %q: only audio/opus and video/VP8 can be recorded", in.kind, c.MimeType)
	}
	if c.ClockRate == 0 {
		return nil, fmt.Errorf("record: the %s track has clock rate 0", in.kind)
	}
	in.sink = newSink(in, in.kind, r.cfg.QueuePackets, r.cfg.Clock, r.cfg.Metrics, r.queue)
	in.state = newTrackState(in.kind == KindVideo, c.ClockRate, &r.sender, r.cfg.MaxLate, r.cfg.KeyframeRetry, r.cfg.Clock.Now, func() {
		r.cfg.Metrics.KeyframeRequested()
		t.RequestKeyframe()
	})
	return in, nil
}

// attach registers in with the writer goroutine and then adds its sink to
// the track.
func (r *Recorder) attach(in *input) error {
	if err := r.do(func() { r.mu.Lock(); r.inputs = append(r.inputs, in); r.mu.Unlock() }); err != nil {
		return err
	}
	if err := in.track.AddSink(in.sink); err != nil {
		r.Remove(in.track)
		return fmt.Errorf("record: %w", err)
	}
	if in.kind == KindVideo {
		_ = r.do(in.state.maybeAsk) // the first frame must be a keyframe
	}
	return nil
}

// Add records another track of the person (it starts a new segment when
// its media comes). Adding a track already recorded does nothing.
func (r *Recorder) Add(t Track) error {
	r.mu.Lock()
	dup := slices.ContainsFunc(r.inputs, func(in *input) bool { return in.track == t })
	r.mu.Unlock()
	if dup {
		return nil
	}
	in, err := r.newInput(t)
	if err != nil {
		return err
	}
	return r.attach(in)
}

// Remove stops recording a track (unpublished, say); the segment goes on
// with the person's other tracks.
func (r *Recorder) Remove(t Track) {
	r.mu.Lock()
	i := slices.IndexFunc(r.inputs, func(in *input) bool { return in.track == t })
	var in *input
	if i >= 0 {
		in = r.inputs[i]
		r.inputs = slices.Delete(r.inputs, i, i+1)
	}
	r.mu.Unlock()
	if in == nil {
		return
	}
	t.RemoveSink(in.sink)
	in.sink.closed.Store(true)
	_ = r.do(func() {
		// The packets already queued are the track's last; without
		// this, the command could run ahead of them and lose them.
		r.drain()
		in.state.flush(func(f frame) { r.place(in, f) })
		in.removed = true
	})
}

// do runs f on the writer goroutine and waits for it.
func (r *Recorder) do(f func()) error {
	ran := make(chan struct{})
	select {
	case r.cmds <- func() { f(); close(ran) }:
		<-ran
		return nil
	case <-r.done:
		return ErrStopped
	}
}

// Stop stops recording and finalises the current file (Duration and Cues
// written, renamed from .part). It returns the first error writing any
// file of the recorder. Calling it again returns the same.
func (r *Recorder) Stop() error {
	r.stopOnce.Do(func() {
		r.mu.Lock()
		ins := slices.Clone(r.inputs)
		r.mu.Unlock()
		for _, in := range ins {
			in.track.RemoveSink(in.sink)
			in.sink.closed.Store(true)
		}
		close(r.stop)
	})
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Sync waits until the writer goroutine has handled every packet queued
// before the call (benchmarks and tests pace their feed by it).
func (r *Recorder) Sync() error { return r.do(r.drain) }

// Files lists the recorder's files so far, the current one last (not yet
// Final while it is written).
func (r *Recorder) Files() []File {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.files)
	for i := range out {
		out[i].Tracks = slices.Clone(out[i].Tracks)
	}
	return out
}

// Dropped is how many packets the recorder's queues dropped.
func (r *Recorder) Dropped() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	for _, in := range r.inputs {
		n += in.sink.dropped.Load()
	}
	return n
}

func (r *Recorder) run() {
	defer close(r.done)
	r.schedule()
	var ctxDone <-chan struct{}
	if r.ctx != nil {
		ctxDone = r.ctx.Done()
	}
	for {
		select {
		case e := <-r.queue:
			r.handle(e)
		case <-r.tick:
			r.onTick()
			r.schedule()
		case f := <-r.cmds:
			f()
		case <-r.stop:
			r.finish()
			return
		case <-ctxDone:
			r.mu.Lock()
			ins := slices.Clone(r.inputs)
			r.mu.Unlock()
			for _, in := range ins {
				in.track.RemoveSink(in.sink)
				in.sink.closed.Store(true)
			}
			r.finish()
			return
		}
	}
}

func (r *Recorder) schedule() {
	r.timer = r.cfg.Clock.AfterFunc(r.cfg.FlushInterval, func() {
		select {
		case r.tick <- struct{}{}:
		default:
		}
	})
}

func (r *Recorder) handle(e entry) {
	in := e.s.in
	if e.slot == senderReport {
		if !in.removed {
			in.state.tl.senderReport(e.at, e.ts)
		}
		return
	}
	p, err := e.s.take(e)
	if err != nil || in.removed {
		return
	}
	in.state.push(p, e.at, func(f frame) { r.place(in, f) })
}

// place puts a frame into the current segment, or holds it until one
// starts, or starts a new one.
func (r *Recorder) place(in *input, f frame) {
	if r.failed {
		return
	}
	if r.seg == nil {
		r.hold(in, f)
		r.tryOpen(false)
		return
	}
	i := r.seg.index(in)
	if i < 0 || (in.kind == KindVideo && f.keyframe && (f.width != r.seg.info.Tracks[i].Width || f.height != r.seg.info.Tracks[i].Height)) {
		r.rotate(in, f)
		return
	}
	if r.seg.write(i, f, r.cfg.Clock.Now()) {
		r.cfg.Metrics.BlockWritten(in.kind)
	}
	if err := r.seg.file.Err(); err != nil {
		r.fail(err)
	}
}

func (r *Recorder) hold(in *input, f frame) {
	if len(r.pending) == 0 {
		r.openBy = r.cfg.Clock.Now().Add(r.cfg.StartWait)
	}
	if len(r.pending) >= maxPending {
		r.pending = r.pending[1:]
	}
	r.pending = append(r.pending, pendingFrame{in, f})
}

// rotate ends the current segment and starts the next with f.
func (r *Recorder) rotate(in *input, f frame) {
	r.closeSegment()
	r.hold(in, f)
	for _, x := range r.active() {
		if x != in {
			x.state.needKeyframe()
		}
	}
	r.tryOpen(false)
}

func (r *Recorder) active() []*input {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(r.inputs), func(in *input) bool { return in.removed })
}

// tryOpen starts a segment with the held frames once every active track
// has one (force: whatever tracks have).
func (r *Recorder) tryOpen(force bool) {
	if len(r.pending) == 0 {
		return
	}
	var tracks []segTrack
	has := func(in *input) bool {
		return slices.ContainsFunc(tracks, func(t segTrack) bool { return t.in == in })
	}
	start := r.pending[0].f.at
	for _, p := range r.pending {
		if !has(p.in) {
			tracks = append(tracks, segTrack{in: p.in, width: p.f.width, height: p.f.height})
		}
		if p.f.at.Before(start) {
			start = p.f.at
		}
	}
	if !force {
		for _, in := range r.active() {
			if !has(in) {
				return
			}
		}
	}
	// Audio first, as WebM's muxing guidelines ask.
	slices.SortStableFunc(tracks, func(a, b segTrack) int {
		return strings.Compare(a.in.kind, b.in.kind)
	})
	seg, err := openSegment(r.cfg.Dir, r.cfg.Person, start, tracks, r.cfg.Logger)
	if err != nil {
		r.fail(err)
		return
	}
	r.seg = seg
	r.lastSeekQ = r.cfg.Clock.Now()
	seg.lastKey = r.lastSeekQ
	r.mu.Lock()
	r.files = append(r.files, seg.info)
	r.mu.Unlock()
	r.cfg.Logger.Info("recording: file started", "file", seg.info.Name, "tracks", len(tracks))
	r.filesChanged()
	held := r.pending
	r.pending = nil
	slices.SortStableFunc(held, func(a, b pendingFrame) int { return a.f.at.Compare(b.f.at) })
	for _, p := range held {
		r.place(p.in, p.f)
	}
}

func (r *Recorder) closeSegment() {
	if r.seg == nil {
		return
	}
	seg := r.seg
	r.seg = nil
	err := seg.close()
	r.mu.Lock()
	for i := range r.files {
		if r.files[i].Name == seg.info.Name {
			r.files[i] = seg.info
			if seg.blocks == 0 {
				r.files = slices.Delete(r.files, i, i+1)
			}
			break
		}
	}
	r.mu.Unlock()
	if err != nil {
		r.fail(err)
		return
	}
	r.cfg.Logger.Info("recording: file finalised", "file", seg.info.Name, "duration", seg.info.Duration, "blocks", seg.blocks)
	r.filesChanged()
}

// filesChanged tells Config.OnFiles.
func (r *Recorder) filesChanged() {
	if r.cfg.OnFiles != nil {
		r.cfg.OnFiles()
	}
}

func (r *Recorder) fail(err error) {
	r.cfg.Logger.Error("recording stopped: cannot write", "err", err)
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	if r.seg != nil && !r.failed {
		r.failed = true
		seg := r.seg
		r.seg = nil
		_ = seg.close()
	}
	r.failed = true
	r.pending = nil
}

func (r *Recorder) onTick() {
	now := r.cfg.Clock.Now()
	for _, in := range r.active() {
		in.state.tick()
	}
	if r.seg == nil {
		if len(r.pending) > 0 && !now.Before(r.openBy) {
			r.tryOpen(true)
		}
		return
	}
	if err := r.seg.file.Flush(); err != nil {
		r.fail(err)
		return
	}
	if r.cfg.SeekKeyframeInterval > 0 && now.Sub(r.seg.lastKey) >= r.cfg.SeekKeyframeInterval && now.Sub(r.lastSeekQ) >= r.cfg.SeekKeyframeInterval {
		r.lastSeekQ = now
		for _, in := range r.seg.inputs {
			if in.kind == KindVideo && !in.removed {
				in.state.askNow()
			}
		}
	}
}

// drain handles every packet queued so far.
func (r *Recorder) drain() {
	for {
		select {
		case e := <-r.queue:
			r.handle(e)
		default:
			return
		}
	}
}

// finish drains the queue, completes what frames it can and finalises the
// file.
func (r *Recorder) finish() {
	if r.timer != nil {
		r.timer.Stop()
	}
	r.drain()
	for _, in := range r.active() {
		in.state.flush(func(f frame) { r.place(in, f) })
	}
	if r.seg == nil {
		r.tryOpen(true)
	}
	r.closeSegment()
}
