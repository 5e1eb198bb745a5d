package sfu

import (
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"piiri/internal/clock"
	"piiri/metrics"
	"piiri/sfu/packetcache"
	"piiri/sfu/speech"
)

// receiveMTU bounds one RTP packet read from a publisher. pion's own
// default receive MTU is the same.
const receiveMTU = 1460

// videoCacheSize is how many of a video track's newest packets are kept to
// answer NACKs: at 600 kbit/s (about 75 packets/s) 7 s of video, at
// 2.5 Mbit/s 2 s, well beyond the round trip after which a retransmission
// is still of use. Audio is not retransmitted (Opus has its own FEC and
// a late audio packet is useless), as the SDP says: no "nack" for Opus.
const videoCacheSize = 512

// Track is one track a participant publishes. Its forwarding goroutine
// reads each RTP packet once and hands it to every sink: the subscribers'
// down-tracks and whatever else was added with AddSink. The sink list is
// copied on change and read with one atomic load per packet, so the hot
// path takes no lock and allocates nothing.
type Track struct {
	id        string // unique in the room: publisher ID and track ID
	trackID   string // the publisher's own track ID
	publisher *Participant
	pc        *webrtc.PeerConnection // the publisher connection it came on
	source    Source
	remote    *webrtc.TrackRemote
	receiver  *webrtc.RTPReceiver
	kind      webrtc.RTPCodecType
	codec     webrtc.RTPCodecCapability
	keyframes *keyframeRequester
	// cache keeps the newest video packets for retransmission to any
	// subscriber; nil for audio.
	cache  *packetcache.Cache
	clock  clock.Clock
	events *eventQueue
	log    *slog.Logger

	mu     sync.Mutex // serialises changes to sinks; guards ended and lastSR
	sinks  atomic.Pointer[[]sinkEntry]
	ended  bool          // unpublished: no sink may be added
	lastSR *SenderReport // the publisher's newest sender report of the track

	// For a microphone track with the audio level extension: the
	// extension's ID and the speaking detector; only the forwarding
	// goroutine uses them.
	levelID uint8
	speech  *speech.Detector
	// speakMu orders the speaking state the room was told against the
	// track's end, so that no Speaking(true) follows the track's end.
	// The forwarding goroutine takes it only when the decision changes.
	speakMu  sync.Mutex
	speaking bool // as reported to the room
	silenced bool // the track has ended: report nothing more

	packets  prometheus.Counter
	bytes    prometheus.Counter
	plisSent prometheus.Counter
}

// trackDeps is what a track is handed by its room when it is created.
type trackDeps struct {
	clock            clock.Clock
	keyframeInterval time.Duration
	speech           speech.Config
	events           *eventQueue
	metrics          *metrics.Metrics
}

func newTrack(p *Participant, deps trackDeps, pc *webrtc.PeerConnection, src Source, remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) *Track {
	t := newTrackOf(p, deps, remote.ID(), src, remote.Kind(), remote.Codec().RTPCodecCapability)
	t.pc, t.remote, t.receiver = pc, remote, receiver
	if src == SourceMic {
		for _, ext := range receiver.GetParameters().HeaderExtensions {
			if ext.URI == audioLevelURI {
				d, err := speech.New(remote.Codec().ClockRate, deps.speech)
				if err != nil {
					// The config was validated at start: only a
					// clock rate of 0 gets here.
					t.log.Warn("no speaking detection for the microphone", "err", err)
					break
				}
				t.levelID, t.speech = uint8(ext.ID), d
			}
		}
	}
	return t
}

// newTrackOf creates a track without its pion receiving side, which
// newTrack adds; tests and benchmarks use it alone and call writeToAll.
func newTrackOf(p *Participant, deps trackDeps, trackID string, src Source, kind webrtc.RTPCodecType, codec webrtc.RTPCodecCapability) *Track {
	kindLabel := kindLabelOf(kind)
	t := &Track{
		id:        p.id + "/" + trackID,
		trackID:   trackID,
		publisher: p,
		source:    src,
		kind:      kind,
		codec:     codec,
		clock:     deps.clock,
		events:    deps.events,
		log:       p.log.With("track", trackID, "kind", kindLabel),
		packets:   deps.metrics.ForwardedPackets.WithLabelValues(kindLabel),
		bytes:     deps.metrics.ForwardedBytes.WithLabelValues(kindLabel),
		plisSent:  deps.metrics.PLIsSent,
	}
	t.keyframes = newKeyframeRequester(deps.clock, deps.keyframeInterval, t.sendPLI)
	if kind == webrtc.RTPCodecTypeVideo {
		// The size is a constant power of two: New cannot fail.
		t.cache, _ = packetcache.New(videoCacheSize)
	}
	empty := []sinkEntry{}
	t.sinks.Store(&empty)
	return t
}

func kindLabelOf(kind webrtc.RTPCodecType) string {
	if kind == webrtc.RTPCodecTypeVideo {
		return metrics.KindVideo
	}
	return metrics.KindAudio
}

func (t *Track) kindLabel() string { return kindLabelOf(t.kind) }

// ParticipantID is the publisher's participant ID.
func (t *Track) ParticipantID() string { return t.publisher.id }

// ID is the publisher's own ID of the track (its MediaStreamTrack ID).
func (t *Track) ID() string { return t.trackID }

// Source is what the publisher said the track carries.
func (t *Track) Source() Source { return t.source }

// Kind is "audio" or "video".
func (t *Track) Kind() string { return t.kindLabel() }

// Codec is the track's codec as negotiated with the publisher: MimeType
// (audio/opus or video/VP8), ClockRate (the RTP clock: 48000 for Opus,
// 90000 for VP8), Channels and the fmtp line.
func (t *Track) Codec() webrtc.RTPCodecCapability { return t.codec }

// RequestKeyframe asks the publisher for a keyframe (a PLI), rate-limited
// per track (Config.KeyframeMinInterval) together with the subscribers'
// requests: a request within the interval is not lost but sent when it
// ends. It never blocks on the network. It does nothing for audio.
func (t *Track) RequestKeyframe() {
	if t.kind == webrtc.RTPCodecTypeVideo {
		t.keyframes.request()
	}
}

func (t *Track) event(at time.Time) TrackEvent {
	return TrackEvent{
		ParticipantID: t.publisher.id,
		TrackID:       t.trackID,
		Source:        t.source,
		Kind:          t.kindLabel(),
		Track:         t,
		At:            at,
	}
}

// newDownTrack creates the down-track a subscriber will bind; it is added to
// the sinks by addDown.
func (t *Track) newDownTrack() *downTrack {
	var requestKeyframe func()
	if t.kind == webrtc.RTPCodecTypeVideo {
		requestKeyframe = t.keyframes.request
	}
	return newDownTrack(t.trackID, streamID(t.publisher.id, t.source), t.kind, t.codec, requestKeyframe)
}

func (t *Track) addDown(d *downTrack) error {
	return t.addSink(sinkEntry{sink: d, forwarded: true})
}

func (t *Track) sendPLI() {
	err := t.pc.WriteRTCP([]rtcp.Packet{
		&rtcp.PictureLossIndication{MediaSSRC: uint32(t.remote.SSRC())},
	})
	if err != nil {
		t.log.Debug("send PLI", "err", err)
		return
	}
	t.plisSent.Inc()
}

// forward is the track's forwarding loop. It returns when the publisher's
// track ends (peer connection closed or the transceiver stopped).
func (t *Track) forward() {
	buf := make([]byte, receiveMTU)
	var pkt rtp.Packet
	for {
		n, _, err := t.remote.Read(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.log.Debug("publisher track read ended", "err", err)
			}
			return
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			continue // not RTP we can forward; pion already counted it for RTCP
		}
		if t.speech != nil {
			t.updateSpeaking(&pkt)
		}
		t.writeToAll(&pkt)
	}
}

// updateSpeaking feeds the packet's audio level to the speaking detector
// and queues a change for the room.
func (t *Track) updateSpeaking(pkt *rtp.Packet) {
	ext := pkt.GetExtension(t.levelID)
	if len(ext) == 0 {
		return
	}
	speaking, changed := t.speech.Update(ext[0], pkt.Timestamp)
	if !changed {
		return
	}
	// The detector decides some time after the speech began or ended;
	// date the change back by that much RTP time.
	lag := time.Duration(pkt.Timestamp-t.speech.ChangedAt()) * time.Second / time.Duration(t.codec.ClockRate)
	at := t.clock.Now().Add(-lag)
	t.speakMu.Lock()
	if !t.silenced && t.speaking != speaking {
		t.speaking = speaking
		t.events.speaking(t.publisher.id, speaking, at)
	}
	t.speakMu.Unlock()
}

// end marks the track unpublished: its sinks are dropped, a speaker whose
// microphone this was is reported silent, and the room hears of the end.
// The room calls it once, with its lock held, so that the end cannot
// overtake the track's publication in the room's events.
func (t *Track) end() {
	now := t.clock.Now()
	t.mu.Lock()
	t.ended = true
	empty := []sinkEntry{}
	t.sinks.Store(&empty)
	t.mu.Unlock()
	t.speakMu.Lock()
	t.silenced = true
	if t.speaking {
		t.speaking = false
		t.events.speaking(t.publisher.id, false, now)
	}
	t.speakMu.Unlock()
	t.keyframes.stop()
	t.events.trackEnded(t, now)
}

// readRTCP drains the publisher's RTCP so the interceptors see it, and
// hands the track's sender reports to the sinks that take them (see
// SenderReportSink). A publisher sends a few per second at most, so
// parsing them costs nothing worth saving.
func (t *Track) readRTCP() {
	buf := make([]byte, receiveMTU)
	ssrc := uint32(t.remote.SSRC())
	for {
		n, attr, err := t.receiver.Read(buf)
		if err != nil {
			return
		}
		pkts, err := attr.GetRTCPPackets(buf[:n]) // parsed by the interceptors
		if err != nil {
			continue // the interceptors have seen it; nothing here needs it
		}
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == ssrc {
				t.senderReport(SenderReport{NTPTime: ntpTime(sr.NTPTime), RTPTime: sr.RTPTime})
			}
		}
	}
}

// ntpEpochOffset is the time from the NTP epoch (1900) to the Unix epoch.
const ntpEpochOffset = 2208988800

// ntpTime is a 64-bit NTP timestamp (RFC 3550 4: seconds since 1900 in
// the upper half, the fraction of a second in the lower) as a time.
func ntpTime(ntp uint64) time.Time {
	secs := int64(ntp>>32) - ntpEpochOffset
	frac := int64((ntp & 0xFFFFFFFF) * uint64(time.Second) >> 32)
	return time.Unix(secs, frac)
}
