package record

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"piiri/internal/clock"
)

// TestManifest: the manifest lists each person's files with their
// wall-clock start and tracks, and the consent intervals given; it is
// replaced atomically.
func TestManifest(t *testing.T) {
	m := testMedia(t, 6, 320, 240, 30)
	dir := t.TempDir()
	frames := m.schedule(0, 2*time.Second)
	r, _, _ := recordFrames(t, dir, frames, newPacketizer(1, 1, 0, 0), nil)
	consent := []Interval{{From: t0.Add(-time.Minute), To: t0.Add(2 * time.Second)}, {From: t0.Add(time.Hour)}}
	want := Manifest{Meeting: "m1", People: []PersonRecords{{Person: "p1", Consent: consent, Files: r.Files()}}}
	if err := WriteManifest(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.People) != 1 || len(got.People[0].Files) != 1 {
		t.Fatalf("manifest %+v", got)
	}
	f := got.People[0].Files[0]
	if f.Name != "p1-001.webm" || !f.Start.Equal(t0) || !f.Final || len(f.Tracks) != 2 || f.Tracks[0].Kind != "audio" || f.Tracks[1].Codec != "vp8" || f.Duration < 1900*time.Millisecond {
		t.Errorf("file in the manifest: %+v", f)
	}
	c := got.People[0].Consent
	if len(c) != 2 || !c[0].From.Equal(consent[0].From) || !c[0].To.Equal(consent[0].To) || !c[1].To.IsZero() {
		t.Errorf("consent in the manifest: %+v, want %+v", c, consent)
	}
	b, _ := os.ReadFile(filepath.Join(dir, ManifestName))
	if strings.Contains(string(b), `"to": "0001`) {
		t.Errorf("an open interval has a zero end in the JSON:\n%s", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestConfigErrors: bad configuration and codecs get errors that say what
// is wrong.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		cfg   Config
		track Track
		want  string
	}{
		{Config{Person: "p"}, newFakeTrack(KindAudio), "Config.Dir"},
		{Config{Dir: dir, Person: "../x"}, newFakeTrack(KindAudio), "Config.Person"},
		{Config{Dir: dir, Person: ""}, newFakeTrack(KindAudio), "Config.Person"},
		{Config{Dir: dir, Person: "p"}, &fakeTrack{kind: KindVideo, codec: opusCodec}, "only audio/opus and video/VP8"},
	} {
		_, err := Start(context.Background(), c.cfg, c.track)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error about %s", c.cfg, err, c.want)
		}
	}
}

// TestContextEndFinalises: when the recorder's context ends (the server
// shuts down), the file is finalised as on Stop.
func TestContextEndFinalises(t *testing.T) {
	m := testMedia(t, 6, 320, 240, 30)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	audio, video := newFakeTrack(KindAudio), newFakeTrack(KindVideo)
	clk := clock.NewFake(t0)
	r, err := Start(ctx, Config{Dir: dir, Person: "p1", Clock: clk}, audio, video)
	if err != nil {
		t.Fatal(err)
	}
	feed(m.schedule(0, 2*time.Second), newPacketizer(1, 1, 0, 0), audio, video, nil, clk)
	cancel()
	waitFor(t, 10*time.Second, "the file is final", func() error {
		_, err := os.Stat(filepath.Join(dir, "p1-001.webm"))
		return err
	})
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(newFakeTrack(KindAudio)); err != ErrStopped {
		t.Errorf("Add after the end: %v, want ErrStopped", err)
	}
	decodes(t, filepath.Join(dir, "p1-001.webm"), time.Second)
}
