package sfu

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"piiri/metrics"
	"piiri/sfu/speech"
)

// receiveMTU bounds one RTP packet read from a publisher. pion's own
// default receive MTU is the same.
const receiveMTU = 1460

// publishedTrack is one track a participant publishes. Its forwarding
// goroutine reads each RTP packet once and writes it to every subscriber's
// down-track. The list of down-tracks is copied on change and read with one
// atomic load per packet, so the hot path takes no lock and allocates
// nothing.
type publishedTrack struct {
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
	log       *slog.Logger

	mu    sync.Mutex // serialises changes to downs
	downs atomic.Pointer[[]*downTrack]

	// For a microphone track with the audio level extension: the
	// extension's ID and the speaking detector; only the forwarding
	// goroutine uses them.
	levelID uint8
	speech  *speech.Detector

	packets prometheus.Counter
	bytes   prometheus.Counter
}

func newPublishedTrack(p *Participant, pc *webrtc.PeerConnection, src Source, remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) *publishedTrack {
	kindLabel := metrics.KindAudio
	if remote.Kind() == webrtc.RTPCodecTypeVideo {
		kindLabel = metrics.KindVideo
	}
	t := &publishedTrack{
		id:        p.id + "/" + remote.ID(),
		trackID:   remote.ID(),
		publisher: p,
		pc:        pc,
		source:    src,
		remote:    remote,
		receiver:  receiver,
		kind:      remote.Kind(),
		codec:     remote.Codec().RTPCodecCapability,
		log:       p.log.With("track", remote.ID(), "kind", kindLabel),
		packets:   p.room.sfu.metrics.ForwardedPackets.WithLabelValues(kindLabel),
		bytes:     p.room.sfu.metrics.ForwardedBytes.WithLabelValues(kindLabel),
	}
	t.keyframes = newKeyframeRequester(p.room.sfu.cfg.KeyframeMinInterval, t.sendPLI)
	empty := []*downTrack{}
	t.downs.Store(&empty)
	if src == SourceMic {
		for _, ext := range receiver.GetParameters().HeaderExtensions {
			if ext.URI == audioLevelURI {
				t.levelID = uint8(ext.ID)
				t.speech = speech.New(remote.Codec().ClockRate)
			}
		}
	}
	return t
}

func (t *publishedTrack) kindLabel() string {
	if t.kind == webrtc.RTPCodecTypeVideo {
		return metrics.KindVideo
	}
	return metrics.KindAudio
}

// newDownTrack creates the down-track a subscriber will bind; it is added to
// the forwarding list by addDown.
func (t *publishedTrack) newDownTrack() *downTrack {
	var requestKeyframe func()
	if t.kind == webrtc.RTPCodecTypeVideo {
		requestKeyframe = t.keyframes.request
	}
	return newDownTrack(t.trackID, streamID(t.publisher.id, t.source), t.kind, t.codec, requestKeyframe)
}

func (t *publishedTrack) addDown(d *downTrack) {
	t.mu.Lock()
	defer t.mu.Unlock()
	next := append(slices.Clone(*t.downs.Load()), d)
	t.downs.Store(&next)
}

func (t *publishedTrack) removeDown(d *downTrack) {
	t.mu.Lock()
	defer t.mu.Unlock()
	next := slices.DeleteFunc(slices.Clone(*t.downs.Load()), func(x *downTrack) bool { return x == d })
	t.downs.Store(&next)
}

// requestKeyframe asks the publisher for a keyframe, rate-limited.
func (t *publishedTrack) requestKeyframe() {
	if t.kind == webrtc.RTPCodecTypeVideo {
		t.keyframes.request()
	}
}

func (t *publishedTrack) sendPLI() {
	err := t.pc.WriteRTCP([]rtcp.Packet{
		&rtcp.PictureLossIndication{MediaSSRC: uint32(t.remote.SSRC())},
	})
	if err != nil {
		t.log.Debug("send PLI", "err", err)
		return
	}
	t.publisher.room.sfu.metrics.PLIsSent.Inc()
}

// forward is the track's forwarding loop. It returns when the publisher's
// track ends (peer connection closed or the transceiver stopped).
func (t *publishedTrack) forward() {
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

// updateSpeaking feeds the packet's audio level to the speaking detector.
func (t *publishedTrack) updateSpeaking(pkt *rtp.Packet) {
	ext := pkt.GetExtension(t.levelID)
	if len(ext) == 0 {
		return
	}
	if speaking, changed := t.speech.Update(ext[0]&0x7f, pkt.Timestamp); changed {
		t.publisher.room.events.Speaking(t.publisher.id, speaking)
	}
}

// ended tells the room a speaker whose microphone track ended has stopped.
func (t *publishedTrack) ended() {
	if t.speech != nil && t.speech.Speaking() {
		t.publisher.room.events.Speaking(t.publisher.id, false)
	}
}

// writeToAll writes one packet to every bound down-track and counts it.
func (t *publishedTrack) writeToAll(pkt *rtp.Packet) {
	var written int
	for _, d := range *t.downs.Load() {
		if d.writeRTP(pkt) {
			written++
		}
	}
	if written > 0 {
		t.packets.Add(float64(written))
		t.bytes.Add(float64(written * len(pkt.Payload)))
	}
}

// readRTCP drains the publisher's RTCP (sender reports) so the interceptors
// see it; the SFU itself needs nothing from it.
func (t *publishedTrack) readRTCP() {
	buf := make([]byte, receiveMTU)
	for {
		if _, _, err := t.receiver.Read(buf); err != nil {
			return
		}
	}
}
