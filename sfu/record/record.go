// Package record owns the recording writer: it takes the RTP packets of
// one person's published tracks as an sfu.Sink, rebuilds the frames off the
// forwarding path, and writes them to WebM files (Opus audio and VP8 video
// in one file per segment) with at-wat/ebml-go. It owns the file layout of
// a recording directory: the segment files of each person, the ".part"
// suffix of a file still being written, the repair of partial files after
// a crash (Repair), and the meeting's manifest.json (WriteManifest).
//
// Who may be recorded, and when, is not decided here: control decides
// (consent), and the caller starts and stops a Recorder accordingly.
package record

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/pion/webrtc/v4"

	"piiri/internal/clock"
	"piiri/sfu"
)

// Track is what a Recorder needs of a published track; *sfu.Track has it.
type Track interface {
	// Kind is "audio" or "video".
	Kind() string
	// Codec is the negotiated codec: audio/opus or video/VP8.
	Codec() webrtc.RTPCodecCapability
	// RequestKeyframe asks the publisher for a keyframe, rate-limited by
	// the track; it never blocks.
	RequestKeyframe()
	AddSink(sfu.Sink) error
	RemoveSink(sfu.Sink)
}

// Metrics counts what the recorder does. All methods must be cheap and
// safe for concurrent use: PacketDropped is called on the forwarding
// goroutine. PromMetrics implements it with Prometheus counters.
type Metrics interface {
	// BlockWritten counts a frame written to a file, by kind.
	BlockWritten(kind string)
	// PacketDropped counts a packet the recorder could not take (its
	// queue was full, or the packet too large), by kind.
	PacketDropped(kind string)
	// KeyframeRequested counts a keyframe request the recorder made.
	KeyframeRequested()
}

// Config configures one person's Recorder.
type Config struct {
	// Dir is the directory the files go to (the meeting's recording
	// directory); it must exist.
	Dir string
	// Person names the files: Person-NNN.webm. Letters, digits, '_' and
	// '-', at most 64.
	Person string

	Clock   clock.Clock  // nil: the real clock
	Logger  *slog.Logger // nil: discard
	Metrics Metrics      // nil: count nothing

	// QueuePackets is how many packets per track may wait for the writer
	// goroutine; beyond that packets are dropped and counted. Default
	// 512 (about 5 s of a 1 Mbit/s video track).
	QueuePackets int
	// FlushInterval is how often the file is flushed and synced to disk,
	// which bounds what a crash loses. Default 1 s.
	FlushInterval time.Duration
	// MaxLate is how long a missing packet is waited for (NACK
	// retransmissions arrive late) before it is given up and the frame
	// skipped. Default 500 ms.
	MaxLate time.Duration
	// KeyframeRetry is how often a keyframe is requested again while
	// video waits for one. Default 1 s.
	KeyframeRetry time.Duration
	// StartWait is how long the first frames are held, when a segment
	// starts, for every track to have its first frame (video: a
	// keyframe); a track that has none by then joins in a new segment
	// when it does. Default 3 s.
	StartWait time.Duration
	// OnFiles, if set, is called on the recorder's goroutine each time a
	// file is opened or finalised, so the caller can keep the meeting's
	// manifest current (Files has the new list). It must return quickly
	// and must not call the Recorder's Stop, Add or Remove.
	OnFiles func()
	// SeekKeyframeInterval: when no video keyframe has been written for
	// this long, one is requested, so that the file's seek points (its
	// clusters start at keyframes) are at most this far apart. Browsers
	// send keyframes rarely otherwise. Default 20 s; negative: never.
	SeekKeyframeInterval time.Duration
}

var personPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ErrStopped is returned for changes to a Recorder that has stopped.
var ErrStopped = errors.New("record: the recorder has stopped")

func (c *Config) setDefaults() error {
	if c.Dir == "" {
		return errors.New("record: Config.Dir is empty: give the meeting's recording directory")
	}
	if !personPattern.MatchString(c.Person) {
		return fmt.Errorf("record: Config.Person %q: use 1 to 64 letters, digits, '_' or '-' (it names the files)", c.Person)
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = nopMetrics{}
	}
	if c.QueuePackets <= 0 {
		c.QueuePackets = 512
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = time.Second
	}
	if c.MaxLate <= 0 {
		c.MaxLate = 500 * time.Millisecond
	}
	if c.KeyframeRetry <= 0 {
		c.KeyframeRetry = time.Second
	}
	if c.StartWait <= 0 {
		c.StartWait = 3 * time.Second
	}
	if c.SeekKeyframeInterval == 0 {
		c.SeekKeyframeInterval = 20 * time.Second
	}
	return nil
}

type nopMetrics struct{}

func (nopMetrics) BlockWritten(string)  {}
func (nopMetrics) PacketDropped(string) {}
func (nopMetrics) KeyframeRequested()   {}

// Kinds of track, as sfu.Track.Kind says.
const (
	KindAudio = "audio"
	KindVideo = "video"
)
