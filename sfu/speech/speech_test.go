package speech

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// feed sends packets of 20 ms (960 ticks at 48 kHz) with the given
// extension bytes and returns the packet indexes at which the decision
// changed.
func feed(d *Detector, start uint32, levels []uint8) (changes []int, ts uint32) {
	ts = start
	for i, l := range levels {
		if _, changed := d.Update(l, ts); changed {
			changes = append(changes, i)
		}
		ts += 960
	}
	return changes, ts
}

func repeat(level uint8, n int) []uint8 {
	out := make([]uint8, n)
	for i := range out {
		out[i] = level
	}
	return out
}

func concat(parts ...[]uint8) []uint8 {
	var out []uint8
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func mustNew(t *testing.T, cfg Config) *Detector {
	t.Helper()
	d, err := New(48000, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// With the defaults and 20 ms packets, the onset and the hangover are 10
// packets each: speech starts at the first voiced packet 10 packets after
// the run began, and ends at the 10th packet after the last voiced one.
func TestDetector(t *testing.T) {
	const (
		loud   = 20  // -20 dBov: speech
		soft   = 48  // between the stop (50) and start (42) levels
		start  = 42  // exactly the start level
		quiet  = 70  // background noise
		silent = 127 // digital silence
		voiceV = 0x80
	)
	for _, tc := range []struct {
		name   string
		cfg    Config
		levels []uint8
		want   []int // packet indexes where the decision flips
	}{
		{"silence", Config{}, repeat(silent, 100), nil},
		{"background noise below both levels", Config{}, repeat(quiet, 100), nil},
		{"a click is not speech", Config{}, concat(repeat(silent, 10), repeat(loud, 3), repeat(silent, 50)), nil},
		{"speech starts after the 200 ms onset and ends 200 ms after the last voice",
			Config{}, concat(repeat(silent, 10), repeat(loud, 30), repeat(silent, 60)), []int{20, 39 + 10}},
		{"a gap under 150 ms within the onset keeps the run",
			Config{}, concat(repeat(loud, 6), repeat(silent, 5), repeat(loud, 6), repeat(silent, 60)), []int{11, 16 + 10}},
		{"a gap of 220 ms restarts the onset",
			Config{}, concat(repeat(loud, 6), repeat(silent, 10), repeat(loud, 6), repeat(silent, 60)), nil},
		{"a pause of 180 ms, under the hangover, keeps speaking",
			Config{}, concat(repeat(loud, 20), repeat(silent, 9), repeat(loud, 20), repeat(silent, 60)), []int{10, 48 + 10}},
		{"a pause of exactly the hangover ends speaking",
			Config{}, concat(repeat(loud, 20), repeat(silent, 10), repeat(loud, 20), repeat(silent, 60)), []int{10, 29, 40, 59}},
		{"a level exactly at the start level is voice",
			Config{}, concat(repeat(start, 30), repeat(silent, 20)), []int{10, 29 + 10}},
		{"a level just quieter than the start level is not",
			Config{}, repeat(start+1, 50), nil},
		{"a soft level between the thresholds does not start speech",
			Config{}, repeat(soft, 100), nil},
		{"hysteresis: trailing off softly keeps speaking",
			Config{}, concat(repeat(loud, 20), repeat(soft, 20), repeat(silent, 30)), []int{10, 39 + 10}},
		{"the V bit is ignored by default",
			Config{}, concat(repeat(voiceV|loud, 20), repeat(voiceV|silent, 20)), []int{10, 19 + 10}},
		{"V bit required: loud packets without it are not voice",
			Config{VoiceBit: RequireVoiceBit}, repeat(loud, 50), nil},
		{"V bit required: loud packets with it are",
			Config{VoiceBit: RequireVoiceBit}, concat(repeat(voiceV|loud, 20), repeat(loud, 20)), []int{10, 19 + 10}},
		{"V bit required: the bit on a quiet packet is not enough",
			Config{VoiceBit: RequireVoiceBit}, repeat(voiceV|quiet, 50), nil},
		{"a longer onset and hangover",
			Config{Onset: 400 * time.Millisecond, Hangover: 800 * time.Millisecond},
			concat(repeat(loud, 30), repeat(silent, 30), repeat(loud, 5), repeat(silent, 60)), []int{20, 64 + 40}},
	} {
		d := mustNew(t, tc.cfg)
		got, _ := feed(d, 1000, tc.levels)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: changes at %v, want %v", tc.name, got, tc.want)
		}
	}
}

// ChangedAt dates a decision back to the voice that caused it.
func TestDetectorChangedAt(t *testing.T) {
	d := mustNew(t, Config{})
	var on, off uint32
	for i, l := range concat(repeat(127, 5), repeat(20, 30), repeat(127, 20)) {
		ts := uint32(i * 960)
		if speaking, changed := d.Update(l, ts); changed {
			if speaking {
				on = d.ChangedAt()
			} else {
				off = d.ChangedAt()
			}
		}
	}
	if on != 5*960 || off != 34*960 {
		t.Errorf("speech dated %d..%d, want %d..%d (first and last voiced packet)", on, off, 5*960, 34*960)
	}
}

func TestDetectorTimestampWrap(t *testing.T) {
	d := mustNew(t, Config{})
	start := uint32(1<<32 - 960*15) // wraps after 15 packets
	got, _ := feed(d, start, concat(repeat(127, 5), repeat(20, 30), repeat(127, 60)))
	if want := []int{15, 34 + 10}; !slices.Equal(got, want) {
		t.Errorf("across the wrap: changes at %v, want %v", got, want)
	}
}

func TestDetectorReorderedPacket(t *testing.T) {
	d := mustNew(t, Config{})
	feed(d, 0, repeat(20, 30))
	if !d.Speaking() {
		t.Fatal("not speaking after 600 ms of voice")
	}
	// A late silent packet from the past must not end the turn.
	if _, changed := d.Update(127, 0); changed {
		t.Error("a reordered packet changed the decision")
	}
}

// The detector works in RTP ticks: at a 16 kHz clock with 10 ms packets
// the same speech gives the same decisions in time.
func TestDetectorClockRate(t *testing.T) {
	d, err := New(16000, Config{})
	if err != nil {
		t.Fatal(err)
	}
	var changes []int
	for i, l := range concat(repeat(20, 60), repeat(127, 40)) {
		if _, changed := d.Update(l, uint32(i*160)); changed {
			changes = append(changes, i)
		}
	}
	if want := []int{20, 59 + 20}; !slices.Equal(changes, want) {
		t.Errorf("changes at %v, want %v", changes, want)
	}
}

func TestConfigProblems(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string // in the error
	}{
		{Config{StartLevel: 128}, "start level 128"},
		{Config{StartLevel: 40, StopLevel: 30}, "stop level 30 is louder than start level 40"},
		{Config{StopLevel: 200}, "stop level 200"},
		{Config{Onset: -time.Second}, "onset -1s"},
		{Config{OnsetGap: -time.Second}, "onset gap -1s"},
		{Config{Hangover: time.Hour}, "hangover 1h0m0s"},
		{Config{VoiceBit: 7}, "voice bit mode 7"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one with %q", tc.cfg, err, tc.want)
		}
		if _, err := New(48000, tc.cfg); err == nil {
			t.Errorf("%+v: New accepted it", tc.cfg)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("the defaults: %v", err)
	}
	// A start level quieter than the default stop level raises the stop
	// level with it.
	if c := (Config{StartLevel: 60}).WithDefaults(); c.StopLevel != 60 {
		t.Errorf("start level 60: stop level %d, want 60", c.StopLevel)
	}
	if _, err := New(0, Config{}); err == nil {
		t.Error("clock rate 0 accepted")
	}
}

// The hot path allocates nothing (a property, not a timing).
func TestUpdateDoesNotAllocate(t *testing.T) {
	d := mustNew(t, Config{})
	var ts uint32
	allocs := testing.AllocsPerRun(1000, func() {
		ts += 960
		d.Update(uint8(ts/960%128), ts)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet, want 0", allocs)
	}
}

// BenchmarkUpdate: one packet, levels alternating between speech and
// silence every second so that both branches and the changes run.
func BenchmarkUpdate(b *testing.B) {
	d, err := New(48000, Config{})
	if err != nil {
		b.Fatal(err)
	}
	var ts uint32
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ts += 960
		level := uint8(127)
		if i/50%2 == 0 {
			level = 20
		}
		d.Update(level, ts)
	}
}
