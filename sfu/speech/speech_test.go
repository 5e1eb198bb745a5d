package speech

import "testing"

// feed sends packets of 20 ms (960 ticks at 48 kHz) with the given levels
// and returns the packet indexes at which the decision changed.
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

func TestDetector(t *testing.T) {
	const loud, quiet, silent = 20, 70, 127
	for _, tc := range []struct {
		name   string
		levels []uint8
		want   []int // packet indexes where the decision flips
	}{
		{"silence", repeat(silent, 100), nil},
		{"background noise below the threshold", repeat(quiet, 100), nil},
		{"a click is not speech", concat(repeat(silent, 10), repeat(loud, 3), repeat(silent, 50)), nil},
		// 200 ms of voice = 10 packets after the first: on at index 10+10.
		{"speech starts after 200 ms, ends 800 ms after the last voice",
			concat(repeat(silent, 10), repeat(loud, 30), repeat(silent, 60)), []int{20, 39 + 40}},
		{"short gaps between words keep the burst",
			concat(repeat(loud, 6), repeat(silent, 5), repeat(loud, 6), repeat(silent, 60)), []int{11, 16 + 40}}, // 11: the first voiced packet 200 ms after the burst began
		{"a long gap starts a new burst",
			concat(repeat(loud, 6), repeat(silent, 10), repeat(loud, 6), repeat(silent, 60)), nil},
		{"pauses shorter than the hangover keep speaking",
			concat(repeat(loud, 20), repeat(silent, 30), repeat(loud, 20), repeat(silent, 60)), []int{10, 69 + 40}},
	} {
		d := New(48000)
		got, _ := feed(d, 1000, tc.levels)
		if !equal(got, tc.want) {
			t.Errorf("%s: changes at %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDetectorTimestampWrap(t *testing.T) {
	d := New(48000)
	start := uint32(1<<32 - 960*15) // wraps after 15 packets
	got, _ := feed(d, start, concat(repeat(127, 5), repeat(20, 30), repeat(127, 60)))
	if want := []int{15, 34 + 40}; !equal(got, want) {
		t.Errorf("across the wrap: changes at %v, want %v", got, want)
	}
}

func TestDetectorReorderedPacket(t *testing.T) {
	d := New(48000)
	feed(d, 0, repeat(20, 30))
	if !d.Speaking() {
		t.Fatal("not speaking after 600 ms of voice")
	}
	// A late silent packet from the past must not end the turn.
	if _, changed := d.Update(127, 0); changed {
		t.Error("a reordered packet changed the decision")
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func BenchmarkUpdate(b *testing.B) {
	d := New(48000)
	var ts uint32
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ts += 960
		d.Update(uint8(i%128), ts)
	}
}
