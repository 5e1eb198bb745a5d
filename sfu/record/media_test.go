package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"piiri/internal/clock"
	"piiri/internal/mediaprobe"
	"piiri/sfu"
)

// This file makes real media for the tests: ffmpeg encodes a test picture
// (libvpx VP8) and a tone (libopus), which are packetized with pion's
// payloaders into the RTP packets a browser would send. So the files the
// recorder writes can be decoded, and a decoding error is a real defect.

var opusCodec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
var vp8Codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}

// needFFmpeg skips the test without ffmpeg, except in CI, where it fails.
func needFFmpeg(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is missing (install the Debian ffmpeg package: scripts/test-deps.sh)", tool)
			}
			t.Skipf("skipped: %s is not installed (apt-get install ffmpeg); CI runs this test", tool)
		}
	}
}

// mediaFrame is one encoded frame with its RTP time.
type mediaFrame struct {
	data  []byte
	ts    uint32 // RTP ticks since the start
	video bool
	key   bool
}

type mediaSet struct {
	audio, video []mediaFrame
}

var (
	mediaMu    sync.Mutex
	mediaCache = map[string]*mediaSet{}
	mediaDir   string
)

// testMedia is seconds of 30 fps VP8 (a keyframe every gop frames) of the
// given size and of 20 ms Opus frames, made once per process.
func testMedia(t testing.TB, seconds, width, height, gop int) *mediaSet {
	t.Helper()
	needFFmpeg(t)
	m, err := makeMedia(seconds, width, height, gop)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func makeMedia(seconds, width, height, gop int) (*mediaSet, error) {
	mediaMu.Lock()
	defer mediaMu.Unlock()
	key := fmt.Sprint(seconds, "-", width, "x", height, "-", gop)
	if m, ok := mediaCache[key]; ok {
		return m, nil
	}
	if mediaDir == "" {
		d, err := os.MkdirTemp("", "piiri-record-media")
		if err != nil {
			return nil, err
		}
		mediaDir = d
	}
	ivf := filepath.Join(mediaDir, key+".ivf")
	ogg := filepath.Join(mediaDir, key+".ogg")
	dur := strconv.Itoa(seconds)
	if err := runErr("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", fmt.Sprintf("testsrc=size=%dx%d:rate=30", width, height), "-t", dur,
		"-c:v", "libvpx", "-g", strconv.Itoa(gop), "-keyint_min", strconv.Itoa(gop), "-b:v", "400k", "-deadline", "realtime", "-cpu-used", "8", "-f", "ivf", ivf); err != nil {
		return nil, err
	}
	if err := runErr("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", dur, "-ac", "2",
		"-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-page_duration", "20000", "-f", "ogg", ogg); err != nil {
		return nil, err
	}
	m := &mediaSet{}
	f, err := os.Open(ivf)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vr, _, err := ivfreader.NewWith(f)
	if err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		b, _, err := vr.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		_, _, k := vp8Keyframe(b)
		m.video = append(m.video, mediaFrame{data: b, ts: uint32(i * 3000), video: true, key: k})
	}
	g, err := os.Open(ogg)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	or, _, err := oggreader.NewWith(g)
	if err != nil {
		return nil, err
	}
	for i := 0; ; {
		b, hdr, err := or.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if hdr.GranulePosition == 0 || bytes.HasPrefix(b, []byte("OpusHead")) || bytes.HasPrefix(b, []byte("OpusTags")) {
			continue
		}
		m.audio = append(m.audio, mediaFrame{data: b, ts: uint32(i * 960)})
		i++
	}
	if len(m.video) < seconds*25 || len(m.audio) < seconds*45 {
		return nil, fmt.Errorf("test media: %d video and %d audio frames for %d s", len(m.video), len(m.audio), seconds)
	}
	mediaCache[key] = m
	return m, nil
}

func runErr(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// packetizer turns frames into RTP packets from given first sequence
// numbers and timestamps (to test their wraparound).
type packetizer struct {
	audio, video rtp.Packetizer
	audioTS0     uint32
	videoTS0     uint32
}

func newPacketizer(audioSeq, videoSeq uint16, audioTS0, videoTS0 uint32) *packetizer {
	return &packetizer{
		audio:    rtp.NewPacketizer(1200, 111, 1111, &codecs.OpusPayloader{}, rtp.NewFixedSequencer(audioSeq), 48000),
		video:    rtp.NewPacketizer(1200, 96, 2222, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewFixedSequencer(videoSeq), 90000),
		audioTS0: audioTS0, videoTS0: videoTS0,
	}
}

func (p *packetizer) packets(f mediaFrame) []*rtp.Packet {
	var pkts []*rtp.Packet
	if f.video {
		pkts = p.video.Packetize(f.data, 0)
		for _, q := range pkts {
			q.Timestamp = p.videoTS0 + f.ts
		}
	} else {
		pkts = p.audio.Packetize(f.data, 0)
		for _, q := range pkts {
			q.Timestamp = p.audioTS0 + f.ts
		}
	}
	return pkts
}

// schedule is the media of dur interleaved as it would be sent: each
// frame at its time.
func (m *mediaSet) schedule(from, dur time.Duration) []timedFrame {
	var out []timedFrame
	a, v := 0, 0
	for a < len(m.audio) || v < len(m.video) {
		var next timedFrame
		at := time.Duration(1<<62 - 1)
		if a < len(m.audio) {
			at = time.Duration(m.audio[a].ts) * time.Second / 48000
			next = timedFrame{at: at, f: m.audio[a]}
		}
		if v < len(m.video) {
			if vt := time.Duration(m.video[v].ts) * time.Second / 90000; vt < at {
				at = vt
				next = timedFrame{at: vt, f: m.video[v]}
			}
		}
		if next.f.video {
			v++
		} else {
			a++
		}
		if at < from {
			continue
		}
		if at >= from+dur {
			break
		}
		out = append(out, next)
	}
	return out
}

type timedFrame struct {
	at time.Duration
	f  mediaFrame
}

// fakeTrack is a published track without the sfu: the test hands packets
// to its sinks.
type fakeTrack struct {
	kind  string
	codec webrtc.RTPCodecCapability

	mu        sync.Mutex
	sinks     []sfu.Sink
	keyframes int
}

func newFakeTrack(kind string) *fakeTrack {
	if kind == KindVideo {
		return &fakeTrack{kind: kind, codec: vp8Codec}
	}
	return &fakeTrack{kind: kind, codec: opusCodec}
}

func (f *fakeTrack) Kind() string                     { return f.kind }
func (f *fakeTrack) Codec() webrtc.RTPCodecCapability { return f.codec }
func (f *fakeTrack) RequestKeyframe() {
	f.mu.Lock()
	f.keyframes++
	f.mu.Unlock()
}
func (f *fakeTrack) AddSink(s sfu.Sink) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sinks = append(f.sinks, s)
	return nil
}
func (f *fakeTrack) RemoveSink(s sfu.Sink) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.sinks {
		if x == s {
			f.sinks = append(f.sinks[:i], f.sinks[i+1:]...)
			return
		}
	}
}

func (f *fakeTrack) keyframeRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keyframes
}

// write hands pkt to the sinks, waiting for room in a recorder's queue
// rather than dropping (the tests feed faster than real time).
func (f *fakeTrack) write(pkt *rtp.Packet) {
	f.mu.Lock()
	sinks := append([]sfu.Sink(nil), f.sinks...)
	f.mu.Unlock()
	for _, s := range sinks {
		if rs, ok := s.(*sink); ok {
			for len(rs.free) == 0 {
				time.Sleep(100 * time.Microsecond)
			}
		}
		s.WriteRTP(pkt)
	}
}

// feed sends the frames to the two tracks through the packetizer, every
// packet but those lose says to drop, without pacing: clk (if not nil) is
// moved to each frame's time, counted from t0.
func feed(frames []timedFrame, p *packetizer, audio, video *fakeTrack, lose func(*rtp.Packet) bool, clk *clock.Fake) {
	for _, tf := range frames {
		if clk != nil {
			if d := t0.Add(tf.at).Sub(clk.Now()); d > 0 {
				clk.Advance(d)
			}
		}
		tr := audio
		if tf.f.video {
			tr = video
		}
		if tr == nil {
			p.packets(tf.f) // keep sequence numbers going
			continue
		}
		for _, pkt := range p.packets(tf.f) {
			if lose != nil && lose(pkt) {
				continue
			}
			tr.write(pkt)
		}
	}
}

// lossy drops a fraction of packets, the same ones on every run.
func lossy(fraction float64, seed uint64) func(*rtp.Packet) bool {
	r := rand.New(rand.NewPCG(seed, seed))
	return func(*rtp.Packet) bool { return r.Float64() < fraction }
}

// probe is what ffprobe says of a file.
type probe struct {
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
	Streams []struct {
		CodecName string `json:"codec_name"`
		CodecType string `json:"codec_type"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
}

func (p probe) duration(t testing.TB) time.Duration {
	t.Helper()
	s, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil {
		t.Fatalf("ffprobe duration %q: %v", p.Format.Duration, err)
	}
	return time.Duration(s * float64(time.Second))
}

func (p probe) codecs() string {
	var c []string
	for _, s := range p.Streams {
		c = append(c, s.CodecType+"/"+s.CodecName)
	}
	return strings.Join(c, ",")
}

func ffprobe(t testing.TB, file string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=format_name,duration:stream=codec_name,codec_type,width,height", "-of", "json", file).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("ffprobe %s: %v\n%s", file, err, ee.Stderr)
		}
		t.Fatalf("ffprobe %s: %v", file, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe output: %v\n%s", err, out)
	}
	if !strings.Contains(p.Format.FormatName, "webm") {
		t.Errorf("%s: format %q, want webm", file, p.Format.FormatName)
	}
	return p
}

// decodes checks that ffmpeg decodes the whole file, and from a seek to
// from, without a single error.
func decodes(t testing.TB, file string, from time.Duration) {
	t.Helper()
	for _, args := range [][]string{
		mediaprobe.DecodeArgs(file),
		mediaprobe.DecodeArgs(file, "-ss", fmt.Sprintf("%.3f", from.Seconds())),
	} {
		out, err := exec.Command("ffmpeg", args...).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// cuePoints is how many seek points the finalised file has.
func cuePoints(t testing.TB, file string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := scanWebM(f)
	if err != nil {
		t.Fatal(err)
	}
	return l.cuePoints
}

func within(got, want time.Duration, frac float64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	return float64(d) <= frac*float64(want)
}

// packetCounts is how many audio and video frames ffprobe finds.
func packetCounts(t testing.TB, file string) (audio, video int) {
	t.Helper()
	out := run(t, "ffprobe", "-v", "error", "-show_entries", "packet=stream_index", "-of", "csv=p=0", file)
	for _, l := range strings.Fields(out) {
		switch strings.TrimSuffix(l, ",") {
		case "0":
			audio++
		case "1":
			video++
		}
	}
	return audio, video
}

// report hands a sender report to the sinks that take them.
func (f *fakeTrack) report(sr sfu.SenderReport) {
	f.mu.Lock()
	sinks := append([]sfu.Sink(nil), f.sinks...)
	f.mu.Unlock()
	for _, s := range sinks {
		if rs, ok := s.(sfu.SenderReportSink); ok {
			rs.WriteSenderReport(sr)
		}
	}
}

// firstTimes is the time of the first audio and the first video frame in
// a file, as ffprobe reads them.
func firstTimes(t testing.TB, file string) (audio, video time.Duration) {
	t.Helper()
	audio, video = -1, -1
	out := run(t, "ffprobe", "-v", "error", "-show_entries", "packet=stream_index,pts_time", "-of", "csv=p=0", file)
	for _, l := range strings.Fields(out) {
		idx, ts, ok := strings.Cut(strings.TrimSuffix(l, ","), ",")
		if !ok {
			continue
		}
		s, err := strconv.ParseFloat(ts, 64)
		if err != nil {
			t.Fatalf("ffprobe packet time %q: %v", ts, err)
		}
		d := time.Duration(s * float64(time.Second))
		switch {
		case idx == "0" && audio < 0:
			audio = d
		case idx == "1" && video < 0:
			video = d
		}
	}
	return audio, video
}
