// Package speech owns the one voice-activity rule of piiri: it turns a
// participant's stream of RFC 6464 audio levels
// (urn:ietf:params:rtp-hdrext:ssrc-audio-level: the level of each packet
// in -dBov, 0 the loudest and 127 silence, and the sender's voice-activity
// bit) into speaking events, start and stop. The SFU reads the extension
// byte from each audio packet without decoding and feeds it here; the
// events drive the speaking highlight and the speaking turns that control
// computes, so both see the same speech.
//
// The decision has hysteresis so that it follows speech, not syllables or
// noise: a participant starts speaking after Onset of voice at least as
// loud as StartLevel (gaps shorter than OnsetGap do not break the run),
// and while speaking, packets at least as loud as the lower StopLevel
// still count as voice; the participant stops after Hangover without
// voice. Time comes from the caller as RTP timestamps, so the detector
// reads no clock, does not depend on network jitter and behaves the same
// whatever the packet duration; ChangedAt dates each decision back to
// when the speech really began or ended.
package speech

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of Config. Levels are in -dBov, as RFC 6464 carries them:
// lower is louder.
const (
	// DefaultStartLevel: ITU-T P.56 (method B) measures active speech
	// against a threshold 15.9 dB below the speech level; at the nominal
	// active speech level of -26 dBov that is about -42 dBov. Browsers'
	// automatic gain control keeps speech near or above -26 dBov.
	DefaultStartLevel = 42
	// DefaultStopLevel is 8 dB below the start level: a speaker who trails
	// off or turns from the microphone is not cut at the end of a
	// sentence, while room noise (typically below -60 dBov with a
	// browser's noise suppression) never holds a turn open.
	DefaultStopLevel = 50
	// DefaultOnset: speech must last 200 ms (about one stressed syllable)
	// before it counts, so that clicks, coughs and a knock on the table do
	// not; a short "yes" still does. This is piiri's choice, not a
	// standard: Brady (1968) rejects only spurts under 15 ms, which with
	// 20 ms packets and no decoding would let every click through.
	DefaultOnset = 200 * time.Millisecond
	// DefaultOnsetGap: a gap under 150 ms between voiced packets (a stop
	// consonant, a lost packet) does not restart the onset.
	DefaultOnsetGap = 150 * time.Millisecond
	// DefaultHangover: speech ends 200 ms after the last voice. ITU-T P.56
	// uses a hangover of 0.2 s for active speech; Brady (1968, "A
	// statistical analysis of on-off patterns in 16 conversations", Bell
	// System Technical Journal 47) fills in silences under 200 ms within a
	// talkspurt. Longer pauses within a turn are joined later, by the turn
	// builder's merge threshold, not here.
	DefaultHangover = 200 * time.Millisecond
)

// VoiceBit says what the detector makes of RFC 6464's V bit, which a
// sender sets when its own voice-activity detector hears speech.
type VoiceBit int

const (
	// IgnoreVoiceBit decides from the level alone. The default: senders
	// that negotiate the extension without "vad=on" leave the bit unset,
	// and browsers set it from detectors of their own that differ.
	IgnoreVoiceBit VoiceBit = iota
	// RequireVoiceBit counts a packet as voice only when its V bit is set
	// and its level passes the threshold, for senders whose detector is
	// known to be good.
	RequireVoiceBit
)

// Config is the detector's thresholds. A zero field takes its default.
type Config struct {
	// StartLevel: to start speaking, a packet's level must be at most this
	// (-dBov; 0..127).
	StartLevel uint8
	// StopLevel: while speaking, a packet whose level is at most this
	// still counts as voice. At least StartLevel (127 at most).
	StopLevel uint8
	// Onset is how long voice must run before it counts as speaking.
	Onset time.Duration
	// OnsetGap: a gap shorter than this between voiced packets does not
	// restart the onset.
	OnsetGap time.Duration
	// Hangover is how long after the last voice speaking ends.
	Hangover time.Duration
	// VoiceBit says whether the V bit is required for voice.
	VoiceBit VoiceBit
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.StartLevel == 0 {
		c.StartLevel = DefaultStartLevel
	}
	if c.StopLevel == 0 {
		c.StopLevel = max(DefaultStopLevel, c.StartLevel)
	}
	if c.Onset == 0 {
		c.Onset = DefaultOnset
	}
	if c.OnsetGap == 0 {
		c.OnsetGap = DefaultOnsetGap
	}
	if c.Hangover == 0 {
		c.Hangover = DefaultHangover
	}
	return c
}

// maxDuration keeps every duration far below half the RTP timestamp space
// at any clock rate WebRTC uses (2^31 ticks at 48 kHz is 12 hours).
const maxDuration = time.Minute

// Validate reports the first problem with c (after defaults), naming the
// field.
func (c Config) Validate() error {
	c = c.WithDefaults()
	var errs []error
	if c.StartLevel > 127 {
		errs = append(errs, fmt.Errorf("start level %d: the audio level is 0..127 (-dBov)", c.StartLevel))
	}
	if c.StopLevel > 127 {
		errs = append(errs, fmt.Errorf("stop level %d: the audio level is 0..127 (-dBov)", c.StopLevel))
	}
	if c.StopLevel < c.StartLevel {
		errs = append(errs, fmt.Errorf("stop level %d is louder than start level %d: the stop level must be quieter (a larger number) or equal", c.StopLevel, c.StartLevel))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"onset", c.Onset}, {"onset gap", c.OnsetGap}, {"hangover", c.Hangover}} {
		if d.v < 0 || d.v > maxDuration {
			errs = append(errs, fmt.Errorf("%s %v: must be between 0 and %v", d.name, d.v, maxDuration))
		}
	}
	if c.VoiceBit != IgnoreVoiceBit && c.VoiceBit != RequireVoiceBit {
		errs = append(errs, fmt.Errorf("voice bit mode %d: unknown", c.VoiceBit))
	}
	return errors.Join(errs...)
}

// Detector tracks one audio stream. Only one goroutine may use it. The zero
// value is not usable; call New.
type Detector struct {
	startLevel, stopLevel uint8
	requireV              bool
	onset                 uint32 // in RTP ticks
	onsetGap              uint32
	hangover              uint32

	speaking    bool
	burstStart  uint32 // RTP time the current run of voice began
	lastVoice   uint32 // RTP time of the latest voiced packet
	sawAnyVoice bool
}

// New returns a detector with cfg's thresholds (zero fields take the
// defaults) for a stream with the given RTP clock rate (48000 for Opus).
func New(clockRate uint32, cfg Config) (*Detector, error) {
	if clockRate == 0 {
		return nil, errors.New("speech: RTP clock rate 0")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("speech: %w", err)
	}
	cfg = cfg.WithDefaults()
	ticks := func(d time.Duration) uint32 {
		return uint32(d * time.Duration(clockRate) / time.Second)
	}
	return &Detector{
		startLevel: cfg.StartLevel,
		stopLevel:  cfg.StopLevel,
		requireV:   cfg.VoiceBit == RequireVoiceBit,
		onset:      ticks(cfg.Onset),
		onsetGap:   ticks(cfg.OnsetGap),
		hangover:   ticks(cfg.Hangover),
	}, nil
}

// Update takes one packet's audio level extension byte as RFC 6464 sends
// it (the V bit, then the level in -dBov) and RTP timestamp, and reports
// whether the participant is speaking and whether that changed with this
// packet. It never allocates.
func (d *Detector) Update(ext byte, ts uint32) (speaking, changed bool) {
	level := ext & 0x7f
	threshold := d.startLevel
	if d.speaking {
		threshold = d.stopLevel
	}
	voiced := level <= threshold && (!d.requireV || ext&0x80 != 0)
	if voiced {
		if !d.sawAnyVoice || since(ts, d.lastVoice) >= d.onsetGap {
			if !d.speaking {
				d.burstStart = ts
			}
		}
		d.lastVoice = ts
		d.sawAnyVoice = true
		if !d.speaking && since(ts, d.burstStart) >= d.onset {
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
// voiced packet of the burst (Onset before the decision); once stopped,
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
