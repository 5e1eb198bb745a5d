package record

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"

	"piiri/internal/clock"
	"piiri/internal/mediaprobe"
	"piiri/internal/testwait"
	"piiri/sfu"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	code := m.Run()
	if mediaDir != "" {
		_ = os.RemoveAll(mediaDir)
	}
	os.Exit(code)
}

// recordFrames records frames of two fake tracks into dir and returns the
// recorder after Stop.
func recordFrames(t *testing.T, dir string, frames []timedFrame, p *packetizer, lose func(*rtp.Packet) bool) (*Recorder, *fakeTrack, *fakeTrack) {
	t.Helper()
	audio, video := newFakeTrack(KindAudio), newFakeTrack(KindVideo)
	clk := clock.NewFake(t0)
	r, err := Start(context.Background(), Config{Dir: dir, Person: "p1", Clock: clk}, audio, video)
	if err != nil {
		t.Fatal(err)
	}
	feed(frames, p, audio, video, lose, clk)
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	return r, audio, video
}

// TestRecordPlaysAndSeeks: 5 s of Opus and VP8 become one WebM file that
// ffprobe reads as such, with the right duration, a seek index, and that
// ffmpeg decodes without an error, also after a seek.
func TestRecordPlaysAndSeeks(t *testing.T) {
	m := testMedia(t, 6, 320, 240, 30)
	dir := t.TempDir()
	frames := m.schedule(0, 5*time.Second)
	r, _, video := recordFrames(t, dir, frames, newPacketizer(100, 200, 1000, 2000), nil)
	files := r.Files()
	if len(files) != 1 || !files[0].Final {
		t.Fatalf("files %+v, want one final file", files)
	}
	f := files[0]
	if f.Name != "p1-001.webm" || len(f.Tracks) != 2 || f.Tracks[0].Codec != "opus" || f.Tracks[1].Codec != "vp8" || f.Tracks[1].Width != 320 || f.Tracks[1].Height != 240 {
		t.Errorf("file %+v", f)
	}
	path := filepath.Join(dir, f.Name)
	if _, err := os.Stat(path + PartSuffix); !os.IsNotExist(err) {
		t.Errorf("the .part file is still there: %v", err)
	}
	p := ffprobe(t, path)
	if got := p.codecs(); got != "audio/opus,video/vp8" {
		t.Errorf("streams %s, want audio/opus,video/vp8", got)
	}
	if d := p.duration(t); !within(d, 5*time.Second, 0.05) {
		t.Errorf("duration %v, want 5 s ± 5%%", d)
	}
	if a, v := packetCounts(t, path); a != 250 || v != 150 {
		t.Errorf("%d audio and %d video frames, want all 250 and 150", a, v)
	}
	if !f.Start.Equal(t0) {
		t.Errorf("file starts at %v, want the first packet's arrival", f.Start)
	}
	if n := cuePoints(t, path); n < 3 {
		t.Errorf("%d seek points, want one per keyframe (5)", n)
	}
	decodes(t, path, 2*time.Second)
	if os.Getenv("RECORD_KEEP") != "" {
		b, _ := os.ReadFile(path)
		_ = os.WriteFile(os.Getenv("RECORD_KEEP"), b, 0o644)
	}
	if video.keyframeRequests() == 0 {
		t.Error("no keyframe requested at the start")
	}
}

// TestRecordWithLoss: with 5% of packets lost for good (before the sink:
// no retransmission comes), the file is still valid, as long as recorded,
// and decodes without an error: lost audio frames are skipped, and after a
// lost video frame nothing is written until the next keyframe, which is
// requested.
func TestRecordWithLoss(t *testing.T) {
	m := testMedia(t, 6, 320, 240, 30)
	dir := t.TempDir()
	frames := m.schedule(0, 5*time.Second)
	r, _, video := recordFrames(t, dir, frames, newPacketizer(65000, 65300, 0xFFFF0000, 0xFFF00000), lossy(0.05, 7))
	files := r.Files()
	if len(files) != 1 {
		t.Fatalf("files %+v, want one", files)
	}
	path := filepath.Join(dir, files[0].Name)
	p := ffprobe(t, path)
	if got := p.codecs(); got != "audio/opus,video/vp8" {
		t.Errorf("streams %s, want audio/opus,video/vp8", got)
	}
	if d := p.duration(t); !within(d, 5*time.Second, 0.05) {
		t.Errorf("duration %v, want 5 s ± 5%%", d)
	}
	decodes(t, path, 2*time.Second)
	a, v := packetCounts(t, path)
	t.Logf("kept %d of 250 audio and %d of 150 video frames", a, v)
	if a < 225 || v < 5 {
		t.Errorf("%d audio and %d video frames kept, want at least 225 (all but the lost) and 5 (the keyframes)", a, v)
	}
	if video.keyframeRequests() < 2 {
		t.Errorf("%d keyframe requests, want more than the first after losing video", video.keyframeRequests())
	}
}

// shift moves frames d later, in RTP time too.
func shift(frames []timedFrame, d time.Duration) []timedFrame {
	out := make([]timedFrame, len(frames))
	for i, tf := range frames {
		rate := int64(48000)
		if tf.f.video {
			rate = 90000
		}
		tf.at += d
		tf.f.ts += uint32(int64(d) * rate / int64(time.Second))
		out[i] = tf
	}
	return out
}

// TestResolutionChangeStartsSegment: when the camera's resolution changes
// (a keyframe of another size), the file ends and a new one starts there,
// with the new size in its header; both play, and together they cover the
// time without a gap.
func TestResolutionChangeStartsSegment(t *testing.T) {
	small := testMedia(t, 6, 320, 240, 30)
	large := testMedia(t, 6, 640, 360, 30)
	dir := t.TempDir()
	frames := append(small.schedule(0, 2*time.Second), shift(large.schedule(0, 2*time.Second), 2*time.Second)...)
	r, _, _ := recordFrames(t, dir, frames, newPacketizer(1, 1, 0, 0), nil)
	files := r.Files()
	if len(files) != 2 {
		t.Fatalf("files %+v, want two", files)
	}
	for i, want := range []struct {
		name          string
		width, height int
		start         time.Duration
	}{{"p1-001.webm", 320, 240, 0}, {"p1-002.webm", 640, 360, 2 * time.Second}} {
		f := files[i]
		if f.Name != want.name || !f.Final || len(f.Tracks) != 2 || f.Tracks[1].Width != want.width || f.Tracks[1].Height != want.height {
			t.Errorf("file %d: %+v, want %s with %dx%d", i, f, want.name, want.width, want.height)
		}
		if got := f.Start.Sub(t0); got != want.start {
			t.Errorf("%s starts at %v, want %v", f.Name, got, want.start)
		}
		path := filepath.Join(dir, f.Name)
		p := ffprobe(t, path)
		if len(p.Streams) != 2 || p.Streams[1].Width != want.width || p.Streams[1].Height != want.height {
			t.Errorf("%s: ffprobe streams %+v, want video %dx%d", f.Name, p.Streams, want.width, want.height)
		}
		if d := p.duration(t); !within(d, 2*time.Second, 0.05) {
			t.Errorf("%s: duration %v, want 2 s ± 5%%", f.Name, d)
		}
		decodes(t, path, time.Second)
	}
}

// TestTrackAddedLaterStartsSegment: a person recorded with the microphone
// only, who then turns the camera on, gets a new file with both tracks
// from the camera's first keyframe on.
func TestTrackAddedLaterStartsSegment(t *testing.T) {
	m := testMedia(t, 6, 320, 240, 30)
	dir := t.TempDir()
	audio, video := newFakeTrack(KindAudio), newFakeTrack(KindVideo)
	clk := clock.NewFake(t0)
	r, err := Start(context.Background(), Config{Dir: dir, Person: "p1", Clock: clk}, audio)
	if err != nil {
		t.Fatal(err)
	}
	p := newPacketizer(1, 1, 0, 0)
	feed(m.schedule(0, 2*time.Second), p, audio, nil, nil, clk)
	// The writer runs behind the feed: the camera comes on once the
	// microphone's file has started, as it would in a meeting (added
	// before, it would simply be in the first file).
	testwait.Until(t, 20*time.Second, "the audio file started", func() error {
		if n := len(r.Files()); n != 1 {
			return fmt.Errorf("%d files", n)
		}
		return nil
	})
	if err := r.Add(video); err != nil {
		t.Fatal(err)
	}
	feed(m.schedule(2*time.Second, 2*time.Second), p, audio, video, nil, clk)
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	files := r.Files()
	if len(files) != 2 || len(files[0].Tracks) != 1 || len(files[1].Tracks) != 2 {
		t.Fatalf("files %+v, want an audio file and then an audio and video file", files)
	}
	if got := files[1].Start.Sub(t0); got != 2*time.Second {
		t.Errorf("the second file starts at %v, want 2 s (the camera's first keyframe)", got)
	}
	if got := ffprobe(t, filepath.Join(dir, files[0].Name)).codecs(); got != "audio/opus" {
		t.Errorf("first file: %s", got)
	}
	p2 := ffprobe(t, filepath.Join(dir, files[1].Name))
	if got := p2.codecs(); got != "audio/opus,video/vp8" {
		t.Errorf("second file: %s", got)
	}
	if d := p2.duration(t); !within(d, 2*time.Second, 0.05) {
		t.Errorf("second file: duration %v, want 2 s", d)
	}
}

// TestRecordIrregularFrameTimes: a camera's frames need not be evenly
// spaced (Chromium's capture at start-up delivers some a few milliseconds
// apart). Their times are kept as they are, and the file still decodes
// without an error in ffmpeg's strictest check (mediaprobe.Decodes).
func TestRecordIrregularFrameTimes(t *testing.T) {
	m := testMedia(t, 6, 320, 240, 30)
	dir := t.TempDir()
	frames := m.schedule(0, 3*time.Second)
	// Every second video frame comes 4 ms after the one before it.
	n := 0
	for i := range frames {
		if f := &frames[i]; f.f.video {
			if n%2 == 1 {
				f.at -= 29 * time.Millisecond
				f.f.ts -= 29 * 90
			}
			n++
		}
	}
	slices.SortStableFunc(frames, func(a, b timedFrame) int { return cmp.Compare(a.at, b.at) })
	r, _, _ := recordFrames(t, dir, frames, newPacketizer(1, 1, 0, 0), nil)
	files := r.Files()
	if len(files) != 1 {
		t.Fatalf("files %+v, want one", files)
	}
	path := filepath.Join(dir, files[0].Name)
	if k := os.Getenv("RECORD_KEEP"); k != "" {
		b, _ := os.ReadFile(path)
		_ = os.WriteFile(k, b, 0o644)
	}
	if err := mediaprobe.Decodes(path); err != nil {
		t.Error(err)
	}
	if a, v := packetCounts(t, path); a != 150 || v != 90 {
		t.Errorf("%d audio and %d video frames, want all 150 and 90", a, v)
	}
}

// TestSenderReportsAlignAudioAndVideo: the camera's packets take 100 ms
// longer to arrive than the microphone's (another network path, a longer
// jitter buffer). Placed by arrival, the file's video lags its audio by
// those 100 ms; with the sender reports, which say both tracks began at
// the same instant of the sender's clock, they start together.
func TestSenderReportsAlignAudioAndVideo(t *testing.T) {
	m := testMedia(t, 6, 320, 240, 30)
	for _, c := range []struct {
		name    string
		reports bool
		lag     time.Duration
	}{{"by arrival", false, 100 * time.Millisecond}, {"by sender reports", true, 0}} {
		t.Run(c.name, func(t *testing.T) {
			frames := m.schedule(0, 2*time.Second)
			for i := range frames {
				if frames[i].f.video {
					frames[i].at += 100 * time.Millisecond // RTP times stay: only the arrival is later
				}
			}
			slices.SortStableFunc(frames, func(a, b timedFrame) int { return cmp.Compare(a.at, b.at) })
			dir := t.TempDir()
			audio, video := newFakeTrack(KindAudio), newFakeTrack(KindVideo)
			clk := clock.NewFake(t0)
			r, err := Start(context.Background(), Config{Dir: dir, Person: "p1", Clock: clk}, audio, video)
			if err != nil {
				t.Fatal(err)
			}
			p := newPacketizer(1, 1, 5000, 7000)
			if c.reports {
				// The sender's clock, an hour off this one: only its
				// differences count.
				sent := t0.Add(-time.Hour)
				audio.report(sfu.SenderReport{NTPTime: sent, RTPTime: p.audioTS0})
				video.report(sfu.SenderReport{NTPTime: sent, RTPTime: p.videoTS0})
			}
			feed(frames, p, audio, video, nil, clk)
			if err := r.Stop(); err != nil {
				t.Fatal(err)
			}
			files := r.Files()
			if len(files) != 1 {
				t.Fatalf("files %+v, want one", files)
			}
			a, v := firstTimes(t, filepath.Join(dir, files[0].Name))
			t.Logf("first audio at %v, first video at %v", a, v)
			if d := v - a - c.lag; d < -5*time.Millisecond || d > 5*time.Millisecond {
				t.Errorf("video starts %v after audio, want %v", v-a, c.lag)
			}
		})
	}
}
