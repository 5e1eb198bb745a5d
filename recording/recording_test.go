package recording

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"piiri/internal/clock"
	"piiri/sfu"
	"piiri/sfu/record"
)

var t0 = time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)

// audioTrack is a fake published Opus track: what it is given goes to its
// sinks.
type audioTrack struct {
	mu    sync.Mutex
	sinks []sfu.Sink
	seq   uint16
	ts    uint32
}

func (a *audioTrack) Kind() string { return "audio" }
func (a *audioTrack) Codec() webrtc.RTPCodecCapability {
	return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
}
func (a *audioTrack) RequestKeyframe() {}
func (a *audioTrack) AddSink(s sfu.Sink) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sinks = append(a.sinks, s)
	return nil
}
func (a *audioTrack) RemoveSink(s sfu.Sink) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sinks = slices.DeleteFunc(a.sinks, func(x sfu.Sink) bool { return x == s })
}

// send sends one 20 ms Opus packet (silence).
func (a *audioTrack) send() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	a.ts += 960
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: a.seq, Timestamp: a.ts, SSRC: 1}, Payload: []byte{0xf8, 0xff, 0xfe}}
	for _, s := range a.sinks {
		s.WriteRTP(pkt)
	}
}

// talk sends d of audio on the tracks, moving the clock with it.
func talk(clk *clock.Fake, d time.Duration, tracks ...*audioTrack) {
	for range d / (20 * time.Millisecond) {
		for _, t := range tracks {
			t.send()
		}
		clk.Advance(20 * time.Millisecond)
	}
}

var versionCounter int64

// set calls SetRecorded with a rising version.
func set(s *Service, meetingID string, people []string) {
	versionCounter++
	s.SetRecorded(meetingID, versionCounter, false, people)
}

func newService(t *testing.T, clk *clock.Fake, retention time.Duration) *Service {
	t.Helper()
	s, err := New(context.Background(), Config{Dir: t.TempDir(), Clock: clk, Retention: retention})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func person(man record.Manifest, id string) *record.PersonRecords {
	for i := range man.People {
		if man.People[i].Person == id {
			return &man.People[i]
		}
	}
	return nil
}

// TestRecordedFollowsConsent: only the people control says are recorded
// get files, each recorded span is one consent interval, a person taken
// out of the list has their file end at that moment, and the manifest on
// disk says all that.
func TestRecordedFollowsConsent(t *testing.T) {
	clk := clock.NewFake(t0)
	s := newService(t, clk, 0)
	alice, bob := &audioTrack{}, &audioTrack{}
	s.Published("m1", "alice", alice)
	s.Published("m1", "bob", bob)
	set(s, "m1", []string{"alice"})
	if !s.Recording("m1", "alice") || s.Recording("m1", "bob") {
		t.Fatal("alice should be recorded and bob not")
	}
	talk(clk, 2*time.Second, alice, bob)
	set(s, "m1", nil) // alice withdraws
	talk(clk, time.Second, alice, bob)

	man, err := record.ReadManifest(filepath.Join(s.cfg.Dir, "m1"))
	if err != nil {
		t.Fatal(err)
	}
	a := person(man, "alice")
	if a == nil || person(man, "bob") != nil {
		t.Fatalf("manifest people %+v, want alice only", man.People)
	}
	if len(a.Consent) != 1 || !a.Consent[0].From.Equal(t0) || !a.Consent[0].To.Equal(t0.Add(2*time.Second)) {
		t.Errorf("alice's intervals %+v, want [t0, t0+2s]", a.Consent)
	}
	if len(a.Files) != 1 || !a.Files[0].Final || a.Files[0].Name != "alice-001.webm" {
		t.Fatalf("alice's files %+v, want one final file", a.Files)
	}
	if d := a.Files[0].Duration; d < 1900*time.Millisecond || d > 2*time.Second {
		t.Errorf("alice's file lasts %v, want the 2 s she was recorded", d)
	}
	entries, _ := os.ReadDir(filepath.Join(s.cfg.Dir, "m1"))
	var names []string
	for _, e := range entries {
		if !strings.Contains(e.Name(), ".tmp") { // a manifest being rewritten
			names = append(names, e.Name())
		}
	}
	if !slices.Equal(names, []string{"alice-001.webm", record.ManifestName}) {
		t.Errorf("files %v, want alice's file and the manifest only", names)
	}
	f, err := s.Open("m1", "alice-001.webm")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, name := range []string{"bob-001.webm", "../m1/alice-001.webm", record.ManifestName} {
		if _, err := s.Open("m1", name); !errors.Is(err, ErrNoFile) {
			t.Errorf("Open(%q) = %v, want ErrNoFile", name, err)
		}
	}
	if _, err := s.Manifest("nothing-here"); !errors.Is(err, ErrNoRecording) {
		t.Errorf("an unrecorded meeting's manifest: %v, want ErrNoRecording", err)
	}
}

// TestTracksFollowThePerson: a track published while its person is
// recorded joins the recording; one that ends leaves it; the meeting's
// state is forgotten once nothing of it is live.
func TestTracksFollowThePerson(t *testing.T) {
	clk := clock.NewFake(t0)
	s := newService(t, clk, 0)
	set(s, "m1", []string{"alice"}) // before she publishes anything
	talk(clk, 200*time.Millisecond)
	mic := &audioTrack{}
	s.Published("m1", "alice", mic)
	talk(clk, time.Second, mic)
	s.Unpublished("m1", "alice", mic)
	set(s, "m1", nil)
	man, err := s.Manifest("m1")
	if err != nil {
		t.Fatal(err)
	}
	a := person(man, "alice")
	if a == nil || len(a.Files) != 1 || a.Files[0].Duration < 900*time.Millisecond {
		t.Fatalf("alice's records %+v, want one file of about 1 s", a)
	}
	s.mu.Lock()
	left := len(s.meetings)
	s.mu.Unlock()
	if left != 0 {
		t.Errorf("%d meetings kept after their last track and writer ended", left)
	}
}

// TestErasePerson: a person's files go from every meeting and from the
// manifests, but not while they are being recorded.
func TestErasePerson(t *testing.T) {
	clk := clock.NewFake(t0)
	s := newService(t, clk, 0)
	alice, bob := &audioTrack{}, &audioTrack{}
	for _, m := range []string{"m1", "m2"} {
		s.Published(m, "alice", alice)
		s.Published(m, "bob", bob)
		set(s, m, []string{"alice", "bob"})
		talk(clk, time.Second, alice, bob)
		set(s, m, nil)
		s.Unpublished(m, "alice", alice)
		s.Unpublished(m, "bob", bob)
	}
	s.Published("m3", "alice", alice)
	set(s, "m3", []string{"alice"})
	if got, err := s.PersonMeetings("alice"); err != nil || !slices.Equal(got, []string{"m1", "m2", "m3"}) {
		t.Errorf("alice is in the recordings of %v (%v), want m1, m2, m3", got, err)
	}
	if got, err := s.PersonMeetings("bob"); err != nil || !slices.Equal(got, []string{"m1", "m2"}) {
		t.Errorf("bob is in the recordings of %v (%v), want m1, m2", got, err)
	}
	if _, err := s.ErasePerson("alice"); !errors.Is(err, ErrRecordingNow) {
		t.Fatalf("erase while recorded: %v, want ErrRecordingNow", err)
	}
	talk(clk, time.Second, alice)
	set(s, "m3", nil)
	n, err := s.ErasePerson("alice")
	if err != nil || n != 3 {
		t.Fatalf("erased %d files (%v), want 3", n, err)
	}
	for _, m := range []string{"m1", "m2", "m3"} {
		man, err := s.Manifest(m)
		if err != nil {
			t.Fatal(err)
		}
		if person(man, "alice") != nil {
			t.Errorf("%s's manifest still has alice", m)
		}
		if _, err := os.Stat(filepath.Join(s.cfg.Dir, m, "alice-001.webm")); !os.IsNotExist(err) {
			t.Errorf("%s: alice's file is still there", m)
		}
	}
	if man, _ := s.Manifest("m1"); person(man, "bob") == nil {
		t.Error("bob's records went with alice's")
	}
	if got, err := s.PersonMeetings("alice"); err != nil || len(got) != 0 {
		t.Errorf("after erasure alice is in the recordings of %v (%v)", got, err)
	}
}

// TestDeleteExpired: a recording goes when its last media is older than
// the retention period, not before, and never while it is being written.
func TestDeleteExpired(t *testing.T) {
	clk := clock.NewFake(t0)
	s := newService(t, clk, 24*time.Hour)
	old, live := &audioTrack{}, &audioTrack{}
	s.Published("old", "alice", old)
	set(s, "old", []string{"alice"})
	talk(clk, time.Second, old)
	set(s, "old", nil)
	s.Unpublished("old", "alice", old)
	clk.Advance(23 * time.Hour)
	if n, err := s.DeleteExpired(); n != 0 || err != nil {
		t.Fatalf("deleted %d (%v) before the retention period was over", n, err)
	}
	s.Published("live", "bob", live)
	set(s, "live", []string{"bob"})
	talk(clk, time.Second, live)
	clk.Advance(2 * time.Hour)
	if n, err := s.DeleteExpired(); n != 1 || err != nil {
		t.Fatalf("deleted %d (%v), want the expired one", n, err)
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Dir, "old")); !os.IsNotExist(err) {
		t.Error("the expired recording's directory is still there")
	}
	clk.Advance(48 * time.Hour)
	if n, _ := s.DeleteExpired(); n != 0 || !s.Recording("live", "bob") {
		t.Error("a recording being written was deleted")
	}
}

// TestRepairManifest: after a crash the manifest's unfinished files are
// made final with the duration repair found, and its open intervals are
// closed where the person's media ends.
func TestRepairManifest(t *testing.T) {
	clk := clock.NewFake(t0)
	s := newService(t, clk, 0)
	dir := filepath.Join(s.cfg.Dir, "m1")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	man := record.Manifest{Meeting: "m1", People: []record.PersonRecords{{
		Person:  "alice",
		Consent: []record.Interval{{From: t0}},
		Files:   []record.File{{Name: "alice-001.webm", Person: "alice", Start: t0}},
	}}}
	if err := record.WriteManifest(dir, man); err != nil {
		t.Fatal(err)
	}
	err := s.repairManifest(dir, "m1", []record.Repaired{
		{Name: "alice-001.webm", Duration: 90 * time.Second},
		{Name: "bob-001.webm", Duration: 10 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := record.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := person(got, "alice")
	if a == nil || !a.Files[0].Final || a.Files[0].Duration != 90*time.Second || !a.Consent[0].To.Equal(t0.Add(90*time.Second)) {
		t.Errorf("alice after repair: %+v", a)
	}
	if b := person(got, "bob"); b == nil || len(b.Files) != 1 || !b.Files[0].Final {
		t.Errorf("a repaired file the manifest did not list is missing: %+v", got.People)
	}
}

func TestIsPersonFile(t *testing.T) {
	for name, want := range map[string]bool{
		"alice-001.webm": true, "alice-012.webm.part": true, "alice-1-001.webm": false,
		"alice-.webm": false, "alice-001.mkv": false, "bob-001.webm": false, "alice-0a1.webm": false,
	} {
		if got := isPersonFile(name, "alice"); got != want {
			t.Errorf("isPersonFile(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestOlderStateIgnored: a state older than one already applied (control
// reports concurrent changes in either order) does not restart a
// recording that a later state stopped.
func TestOlderStateIgnored(t *testing.T) {
	clk := clock.NewFake(t0)
	s := newService(t, clk, 0)
	s.Published("m1", "alice", &audioTrack{})
	s.SetRecorded("m1", 5, false, nil)
	s.SetRecorded("m1", 4, false, []string{"alice"})
	if s.Recording("m1", "alice") {
		t.Fatal("an older state restarted the recording")
	}
	s.SetRecorded("m1", 6, false, []string{"alice"})
	if !s.Recording("m1", "alice") {
		t.Fatal("a newer state did not start it")
	}
	s.SetRecorded("m1", 7, true, []string{"alice"})
	if s.Recording("m1", "alice") {
		t.Fatal("the end of the meeting did not stop it")
	}
}

// TestUpdateInBackground: Update returns at once and its latest state per
// meeting is applied by the time Settled returns.
func TestUpdateInBackground(t *testing.T) {
	clk := clock.NewFake(t0)
	s := newService(t, clk, 0)
	s.Published("m1", "alice", &audioTrack{})
	s.Published("m1", "bob", &audioTrack{})
	s.Update("m1", 1, false, []string{"alice"})
	s.Update("m1", 3, false, []string{"bob"})
	s.Update("m1", 2, false, []string{"alice", "bob"}) // older than 3: ignored
	s.Settled()
	if s.Recording("m1", "alice") || !s.Recording("m1", "bob") {
		t.Fatalf("alice recorded %v, bob %v; want bob only (version 3)", s.Recording("m1", "alice"), s.Recording("m1", "bob"))
	}
	s.Close()
	s.Update("m1", 4, false, nil) // after Close: nothing, no hang
	s.Settled()
}
