package speech_test

import (
	"fmt"

	"piiri/sfu/speech"
)

// A detector fed with 20 ms Opus packets (960 ticks at 48 kHz): half a
// second of silence, a second of speech at -30 dBov with a short pause
// between words, then silence. The decision comes Onset after the
// voice began and Hangover after it ended; ChangedAt gives the RTP time
// when each really happened.
func Example() {
	const ticksPerPacket = 960
	d, err := speech.New(48000, speech.Config{}) // the defaults
	if err != nil {
		panic(err)
	}
	levels := make([]uint8, 0, 150)
	for i := range 150 {
		level := uint8(127) // silence
		if i >= 25 && i < 75 && (i < 40 || i > 43) {
			level = 30 // speech, with an 80 ms pause at 800 ms
		}
		levels = append(levels, level)
	}
	for i, level := range levels {
		ts := uint32(i * ticksPerPacket)
		if speaking, changed := d.Update(level, ts); changed {
			fmt.Printf("at %4d ms: speaking=%v (since %d ms)\n",
				ts/48, speaking, d.ChangedAt()/48)
		}
	}
	// Output:
	// at  700 ms: speaking=true (since 500 ms)
	// at 1680 ms: speaking=false (since 1480 ms)
}
