// Package speech decides from RFC 6464 audio levels whether a participant
// is speaking. The SFU reads the level from each audio packet's header
// extension, without decoding, and feeds it here; the result drives the
// speaking highlight and, later, speaking-turn statistics.
//
// The decision has hysteresis so that it follows speech, not syllables: a
// participant starts speaking after MinSpeech of continuous voice (gaps
// shorter than MaxGap do not break it) and stops after Hangover without
// voice. Time comes from RTP timestamps, so the detector needs no clock and
// behaves the same whatever the packet duration.
package speech

// Defaults, in milliseconds. Chosen to ignore coughs and clicks but not a
// short "yes", and to keep a speaker highlighted across normal pauses
// between words.
const (
	DefaultThreshold = 50 // level in -dBov; lower is louder: 50 means louder than -50 dBov
	DefaultMinSpeech = 200
	DefaultMaxGap    = 150
	DefaultHangover  = 800
)

// Detector tracks one audio stream. The zero value is not usable; call New.
type Detector struct {
	threshold uint8
	minSpeech uint32 // in RTP ticks
	maxGap    uint32
	hangover  uint32

	speaking    bool
	burstStart  uint32 // RTP time the current run of voice began
	lastVoice   uint32 // RTP time of the latest voiced packet
	sawAnyVoice bool
}

// New returns a detector with the default thresholds for a stream with the
// given RTP clock rate (48000 for Opus).
func New(clockRate uint32) *Detector {
	ms := clockRate / 1000
	return &Detector{
		threshold: DefaultThreshold,
		minSpeech: DefaultMinSpeech * ms,
		maxGap:    DefaultMaxGap * ms,
		hangover:  DefaultHangover * ms,
	}
}

// Update takes one packet's audio level (0 is the loudest, 127 silence)
// and RTP timestamp, and reports whether the participant is speaking and
// whether that changed with this packet. It never allocates.
func (d *Detector) Update(level uint8, ts uint32) (speaking, changed bool) {
	voiced := level <= d.threshold
	if voiced {
		if !d.sawAnyVoice || since(ts, d.lastVoice) > d.maxGap {
			d.burstStart = ts
		}
		d.lastVoice = ts
		d.sawAnyVoice = true
		if !d.speaking && since(ts, d.burstStart) >= d.minSpeech {
			d.speaking = true
			return true, true
		}
		return d.speaking, false
	}
	if d.speaking && since(ts, d.lastVoice) >= d.hangover {
		d.speaking = false
		return false, true
	}
	return d.speaking, false
}

// Speaking reports the current decision.
func (d *Detector) Speaking() bool { return d.speaking }

// ChangedAt is the RTP time at which the current decision took effect,
// which is earlier than the packet that made it: while speaking, the first
// voiced packet of the burst (MinSpeech before the decision); once stopped,
// the last voiced packet (Hangover before it). A caller that maps RTP time
// to wall-clock time uses it to timestamp speaking turns without the
// detector's delay. It is zero before any voice.
func (d *Detector) ChangedAt() uint32 {
	if d.speaking {
		return d.burstStart
	}
	return d.lastVoice
}

// since is the RTP time from earlier to now, modulo 2^32; a packet from the
// past (reordered) counts as no time.
func since(now, earlier uint32) uint32 {
	if d := now - earlier; d < 1<<31 {
		return d
	}
	return 0
}
