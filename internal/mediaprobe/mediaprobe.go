// Package mediaprobe reads media files with ffprobe (Debian's ffmpeg
// package), for tests that check what piiri recorded: the container, the
// streams' codecs and the duration. piiri itself never runs ffmpeg.
package mediaprobe

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Result is what ffprobe says of a file.
type Result struct {
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

// Need skips the test when ffprobe is missing, except in CI, where it
// fails: `make test` installs it.
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ffprobe is missing (install the Debian ffmpeg package: scripts/test-deps.sh)")
		}
		t.Skip("skipped: ffprobe is not installed (apt-get install ffmpeg); CI runs this test")
	}
}

// Probe runs ffprobe on file.
func Probe(file string) (Result, error) {
	var r Result
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=format_name,duration:stream=codec_name,codec_type,width,height", "-of", "json", file).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return r, fmt.Errorf("ffprobe %s: %w: %s", file, err, ee.Stderr)
		}
		return r, fmt.Errorf("ffprobe %s: %w", file, err)
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("ffprobe %s: %w: %s", file, err, out)
	}
	return r, nil
}

// WebM probes file, failing the test unless it is WebM.
func WebM(t testing.TB, file string) Result {
	t.Helper()
	r, err := Probe(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Format.FormatName, "webm") {
		t.Errorf("%s: format %q, want webm", file, r.Format.FormatName)
	}
	return r
}

// Codecs lists the streams as kind/codec: "audio/opus,video/vp8".
func (r Result) Codecs() string {
	var c []string
	for _, s := range r.Streams {
		c = append(c, s.CodecType+"/"+s.CodecName)
	}
	return strings.Join(c, ",")
}

// Duration is the container's duration; 0 when ffprobe gave none.
func (r Result) Duration() time.Duration {
	s, err := strconv.ParseFloat(r.Format.Duration, 64)
	if err != nil {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// Decodes runs ffmpeg over the whole file and reports any decoding error.
// The decoded frames keep the container's millisecond times: by default
// ffmpeg would re-time them at the frame rate it guesses, and then report
// two frames of a camera's irregular capture (a few milliseconds apart,
// as Chromium's are at start-up) as equal times, an error of its own
// pipeline and not of the file.
func Decodes(file string) error {
	out, err := exec.Command("ffmpeg", DecodeArgs(file)...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		return fmt.Errorf("ffmpeg decodes %s: %v: %s", file, err, out)
	}
	return nil
}

// DecodeArgs are ffmpeg's arguments to decode file (after any input
// options such as a seek) without writing anything; see Decodes.
func DecodeArgs(file string, inputOptions ...string) []string {
	args := append([]string{"-v", "error", "-xerror"}, inputOptions...)
	return append(args, "-i", file, "-enc_time_base:v", "1:1000", "-f", "null", "-")
}
