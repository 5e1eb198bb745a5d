package record

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"piiri/internal/clock"
	"piiri/internal/mediaprobe"
	"piiri/internal/testwait"
)

var waitFor = testwait.Until

func errIf(cond bool, format string, args ...any) error {
	if cond {
		return fmt.Errorf(format, args...)
	}
	return nil
}

const crashChildEnv = "PIIRI_RECORD_CRASH_CHILD"

// crashChild is the child of TestRepairAfterSIGKILL: it records media
// paced as a browser sends it and prints, after each frame, the media time
// handed to the recorder, until it is killed.
func crashChild(dir string) {
	m, err := makeMedia(20, 320, 240, 30)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	audio, video := newFakeTrack(KindAudio), newFakeTrack(KindVideo)
	if _, err := Start(context.Background(), Config{Dir: dir, Person: "p1"}, audio, video); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	p := newPacketizer(1, 1, 0, 0)
	start := time.Now()
	for _, tf := range m.schedule(0, 20*time.Second) {
		time.Sleep(time.Until(start.Add(tf.at)))
		feed([]timedFrame{tf}, p, audio, video, nil, nil)
		// One write(2) per line: a line on the pipe is whole or absent.
		if _, err := os.Stdout.WriteString(strconv.FormatInt(tf.at.Milliseconds(), 10) + "\n"); err != nil {
			os.Exit(4)
		}
	}
	os.Exit(3) // not killed
}

// TestRepairAfterSIGKILL kills a process while it records; Repair then
// makes the partial file valid WebM that plays and seeks to near the point
// of the crash.
func TestRepairAfterSIGKILL(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	const killAt = 4000 // ms of media handed to the recorder
	var fed int64
	killed := false
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if fed, err = strconv.ParseInt(strings.TrimSpace(line), 10, 64); err != nil {
			t.Fatal(err)
		}
		if fed >= killAt && !killed {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
		}
	}
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("the child ended before it was killed: %v\n%s", werr, stderr.String())
	}
	crashAt := time.Duration(fed) * time.Millisecond
	t.Logf("killed after %v of media", crashAt)

	part := filepath.Join(dir, "p1-001.webm"+PartSuffix)
	if _, err := os.Stat(part); err != nil {
		t.Fatalf("no partial file after the crash: %v", err)
	}
	res, err := Repair(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Err != nil || res[0].Removed || res[0].Name != "p1-001.webm" {
		t.Fatalf("repair: %+v", res)
	}
	if _, err := os.Stat(part); !os.IsNotExist(err) {
		t.Errorf("the .part file is still there after repair: %v", err)
	}
	path := filepath.Join(dir, "p1-001.webm")
	p := ffprobe(t, path)
	if got := p.codecs(); got != "audio/opus,video/vp8" {
		t.Errorf("streams %s, want audio/opus,video/vp8", got)
	}
	// What a crash may lose: the last second not yet flushed, and what
	// the muxer held back to interleave the tracks.
	d := p.duration(t)
	t.Logf("repaired file plays %v (repair says %v, %d frames)", d, res[0].Duration, res[0].Blocks)
	if d < crashAt-2500*time.Millisecond || d > crashAt+500*time.Millisecond {
		t.Errorf("repaired duration %v, want near the crash at %v", d, crashAt)
	}
	if n := cuePoints(t, path); n < 2 {
		t.Errorf("%d seek points after repair, want one per keyframe", n)
	}
	decodes(t, path, time.Second)

	// Repair is done: a second run finds nothing.
	if res, err := Repair(dir); err != nil || len(res) != 0 {
		t.Errorf("second repair: %+v, %v", res, err)
	}
}

// TestRepairCutAnywhere: a partial file cut off at any point (as a crash
// can leave it: in a block, a cluster's header, the file's header) is
// repaired into a valid file with what was complete, or removed when that
// is nothing.
func TestRepairCutAnywhere(t *testing.T) {
	m := testMedia(t, 6, 320, 240, 30)
	dir := t.TempDir()
	audio, video := newFakeTrack(KindAudio), newFakeTrack(KindVideo)
	clk := clock.NewFake(t0)
	r, err := Start(context.Background(), Config{Dir: dir, Person: "p1", Clock: clk}, audio, video)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	feed(m.schedule(0, 4*time.Second), newPacketizer(1, 1, 0, 0), audio, video, nil, clk)
	part := filepath.Join(dir, "p1-001.webm"+PartSuffix)
	// The flush every second has written most of it.
	waitFor(t, 10*time.Second, "the partial file has 3 s", func() error {
		clk.Advance(time.Second)
		f, err := os.Open(part)
		if err != nil {
			return err
		}
		defer f.Close()
		l, err := scanWebM(f)
		if err != nil {
			return err
		}
		return errIf(l.maxTime < 3000, "%d ms", l.maxTime)
	})
	whole, err := os.ReadFile(part)
	if err != nil {
		t.Fatal(err)
	}
	cuts := []int{0, 10, 100, cuesReserve / 2, cuesReserve + 200}
	for i := 1; i <= 12; i++ {
		cuts = append(cuts, len(whole)*i/13+i*7) // anywhere, not aligned
	}
	cuts = append(cuts, len(whole))
	for _, cut := range cuts {
		if cut > len(whole) {
			continue
		}
		sub := filepath.Join(t.TempDir())
		if err := os.WriteFile(filepath.Join(sub, "p1-001.webm"+PartSuffix), whole[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Repair(sub)
		if err != nil || len(res) != 1 || res[0].Err != nil {
			t.Errorf("cut at %d of %d: %+v %v", cut, len(whole), res, err)
			continue
		}
		if res[0].Removed {
			if cut > cuesReserve+4096 {
				t.Errorf("cut at %d of %d: removed", cut, len(whole))
			}
			continue
		}
		path := filepath.Join(sub, "p1-001.webm")
		p := ffprobe(t, path)
		// A cut inside the first video frame leaves one audio frame at
		// time 0: a duration of 0, which ffprobe does not report. (Where
		// the cuts fall depends on how much the flush had written.)
		if res[0].Duration == 0 && p.Format.Duration == "" {
			if res[0].Blocks != 1 {
				t.Errorf("cut at %d: duration 0 with %d blocks", cut, res[0].Blocks)
			}
		} else if d := p.duration(t); d != res[0].Duration {
			t.Errorf("cut at %d: ffprobe says %v, repair %v", cut, d, res[0].Duration)
		}
		out, err := exec.Command("ffmpeg", mediaprobe.DecodeArgs(path)...).CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("cut at %d: decoding: %v\n%s", cut, err, out)
		}
	}
}
