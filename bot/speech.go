package bot

import (
	"github.com/pion/webrtc/v4"

	"piiri/internal/pionclient"
)

// Scripted speech: the bot's audio packets carry the RFC 6464 audio level
// that browsers send, so the server's speaking detection and speaking
// turns can be tested with exact, repeatable input. Without a script the
// bot is silent (level 127, the lowest).

// silentLevel is RFC 6464's -127 dBov: silence.
const silentLevel = 127

// Speech is a stretch of the script: Packets 20 ms audio packets at
// Level (RFC 6464: 0 is the loudest, 127 silence).
type Speech struct {
	Packets int
	Level   uint8
}

// Say queues stretches to send, after any still queued; the packets go at
// the bot's 20 ms pace, so a stretch of N packets is exactly N×20 ms of
// RTP time.
func (b *Bot) Say(script ...Speech) {
	b.speechMu.Lock()
	defer b.speechMu.Unlock()
	b.script = append(b.script, script...)
}

// ScriptDone reports whether everything Say queued has been sent.
func (b *Bot) ScriptDone() bool {
	b.speechMu.Lock()
	defer b.speechMu.Unlock()
	return len(b.script) == 0
}

// nextLevel is the audio level of the next packet: the script's, or
// silence.
func (b *Bot) nextLevel() uint8 {
	b.speechMu.Lock()
	defer b.speechMu.Unlock()
	for len(b.script) > 0 && b.script[0].Packets <= 0 {
		b.script = b.script[1:]
	}
	if len(b.script) == 0 {
		return silentLevel
	}
	b.script[0].Packets--
	level := b.script[0].Level
	if b.script[0].Packets == 0 {
		b.script = b.script[1:]
	}
	return level
}

// audioLevelID is the extension ID the publisher negotiated for the audio
// level, or 0 when it was not negotiated.
func (b *Bot) audioLevelID() uint8 {
	for _, tr := range b.pub.GetTransceivers() {
		if tr.Kind() != webrtc.RTPCodecTypeAudio || tr.Sender() == nil {
			continue
		}
		for _, ext := range tr.Sender().GetParameters().HeaderExtensions {
			if ext.URI == pionclient.AudioLevelURI {
				return uint8(ext.ID)
			}
		}
	}
	return 0
}
