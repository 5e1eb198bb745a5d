package bot

import (
	"cmp"
	"encoding/binary"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"piiri/internal/histogram"
)

const rtpMTU = 1200

// sendAudio sends one Opus packet every 20 ms while sending is on.
func (b *Bot) sendAudio() {
	defer b.wg.Done()
	p := rtp.NewPacketizer(rtpMTU, 0, 0, &codecs.OpusPayloader{}, rtp.NewRandomSequencer(), 48000)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	levelID := b.audioLevelID()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-tick.C:
		}
		if !b.sending.Load() {
			continue
		}
		level := b.nextLevel()
		payload := opusSilence
		if b.cfg.Stamp {
			payload = stampedAudio(time.Now())
		}
		for _, pkt := range p.Packetize(payload, 960) {
			if levelID != 0 {
				_ = pkt.Header.SetExtension(levelID, []byte{level})
			}
			if err := b.audio.WriteRTP(pkt); err == nil {
				b.sent.audioPackets.Add(1)
			}
		}
	}
}

// sendVideo sends synthetic VP8 frames at the configured rate. The first
// frame, and the first after each keyframe request, is a keyframe; there
// are no periodic keyframes, so a subscriber that joins later decodes
// only if the SFU asks the publisher for one.
func (b *Bot) sendVideo() {
	defer b.wg.Done()
	sizes := b.frameSizes()
	p := rtp.NewPacketizer(uint16(sizes.mtu), 0, 0, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	interval := time.Second / time.Duration(b.cfg.VideoFPS)
	samples := uint32(90000 / b.cfg.VideoFPS)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var n uint32
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-tick.C:
		}
		if !b.sending.Load() {
			continue
		}
		key := b.keyframe.Swap(false)
		size := sizes.delta
		if key {
			size = sizes.key
		}
		var made time.Time
		if b.cfg.Stamp {
			made = time.Now()
		}
		pkts := p.Packetize(vp8Frame(n, key, size, made), samples)
		n++
		for _, pkt := range pkts {
			if err := b.video.WriteRTP(pkt); err == nil {
				b.sent.videoPackets.Add(1)
			}
		}
		b.sent.videoFrames.Add(1)
		if key {
			b.sent.keyframes.Add(1)
		}
	}
}

// vp8DescriptorSize is the most the VP8 payload descriptor takes per
// packet with a 15-bit picture ID (RFC 7741 4.2).
const vp8DescriptorSize = 4

// frameSizes are the synthetic video's frame sizes and the packetizer's
// MTU that splits a frame into the configured number of packets.
type frameSizes struct{ key, delta, mtu int }

func (b *Bot) frameSizes() frameSizes {
	if b.cfg.VideoBitrate <= 0 {
		return frameSizes{key: keyframeSize, delta: deltaFrameSize, mtu: rtpMTU}
	}
	delta := max(b.cfg.VideoBitrate/8/b.cfg.VideoFPS, minFrameSize)
	ppf := cmp.Or(max(b.cfg.VideoPacketsPerFrame, 0), 3)
	mtu := min(rtpMTU, 12+vp8DescriptorSize+(delta+ppf-1)/ppf)
	return frameSizes{key: 2 * delta, delta: delta, mtu: mtu}
}

// readVideoRTCP turns keyframe requests from the SFU into a keyframe.
func (b *Bot) readVideoRTCP(sender *webrtc.RTPSender) {
	defer b.wg.Done()
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				b.keyframe.Store(true)
			}
		}
	}
}

// SentStats counts what the bot has sent.
type SentStats struct {
	AudioPackets int64
	VideoPackets int64
	VideoFrames  int64
	Keyframes    int64
}

// Sent returns the bot's send counters.
func (b *Bot) Sent() SentStats {
	return SentStats{
		AudioPackets: b.sent.audioPackets.Load(),
		VideoPackets: b.sent.videoPackets.Load(),
		VideoFrames:  b.sent.videoFrames.Load(),
		Keyframes:    b.sent.keyframes.Load(),
	}
}

// TrackStats is what arrived on one remote track.
type TrackStats struct {
	Participant string
	Kind        string // "audio" or "video"
	Packets     int64  // distinct RTP packets
	Bytes       int64
	Frames      int64 // video: complete frames that passed the check
	Keyframes   int64
	Damaged     int64 // video frames that failed the check
	Undecodable int64 // video frames before the first keyframe
	BadAudio    int64 // audio payloads that were not the sent ones
}

// Delays returns the forwarding delay of what arrived from bots that
// Stamp their media: audio per packet, video per frame (its first
// packet), from the stamp to the moment the packet was read. Sender and
// receiver must share a clock: bots on one machine do.
func (b *Bot) Delays() (audio, video histogram.H) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.remote {
		r.mu.Lock()
		if r.stats.Kind == "video" {
			video.Merge(&r.delay)
		} else {
			audio.Merge(&r.delay)
		}
		r.mu.Unlock()
	}
	return audio, video
}

// ResetDelays forgets the forwarding delays measured so far, so that
// Delays covers only what arrives from now on (a load test's measuring
// window, after the warm-up).
func (b *Bot) ResetDelays() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.remote {
		r.mu.Lock()
		r.delay = histogram.H{}
		r.mu.Unlock()
	}
}

// Received returns per remote track what has arrived, keyed by
// participant ID and kind ("id/audio").
func (b *Bot) Received() map[string]TrackStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]TrackStats, len(b.remote))
	for k, r := range b.remote {
		r.mu.Lock()
		out[k] = r.stats
		r.mu.Unlock()
	}
	return out
}

func (b *Bot) onTrack(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	kind := track.Kind().String()
	key := track.StreamID() + "/" + kind
	b.mu.Lock()
	r := b.remote[key]
	if r == nil {
		r = &remoteTrack{stats: TrackStats{Participant: track.StreamID(), Kind: kind}}
		b.remote[key] = r
	}
	b.mu.Unlock()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		r.read(track)
	}()
}

// remoteTrack accumulates the stats of one remote track. A participant's
// track that is renegotiated keeps its stats.
type remoteTrack struct {
	mu    sync.Mutex
	stats TrackStats
	delay histogram.H // forwarding delay of stamped packets (video: of each frame's first)
}

// frameStamp is the time stamped in a video frame, read from the packet
// that starts the frame (the frame header is in its first bytes), or zero
// for any other packet and for frames not stamped. Measuring at the first
// packet rather than when the frame is complete leaves out the wait for
// the next frame that tells a depacketizer a frame has ended.
func frameStamp(payload []byte) time.Time {
	var vp codecs.VP8Packet
	body, err := vp.Unmarshal(payload)
	if err != nil || vp.S != 1 || vp.PID != 0 || len(body) < 3 {
		return time.Time{}
	}
	off := 3
	if body[0]&1 == 0 {
		off = 10 // keyframe
	}
	if len(body) < off+frameHeaderSize || [4]byte(body[off:off+4]) != frameMagic {
		return time.Time{}
	}
	ns := binary.BigEndian.Uint64(body[off+12:])
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(ns))
}

func (r *remoteTrack) read(track *webrtc.TrackRemote) {
	video := track.Kind() == webrtc.RTPCodecTypeVideo
	var sb *samplebuilder.SampleBuilder
	if video {
		sb = samplebuilder.New(128, &codecs.VP8Packet{}, 90000)
	}
	var seen seqWindow
	gotKeyframe := false
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		if !seen.add(pkt.SequenceNumber) {
			continue // a retransmission of a packet already counted
		}
		r.mu.Lock()
		r.stats.Packets++
		r.stats.Bytes += int64(len(pkt.Payload))
		if video {
			if made := frameStamp(pkt.Payload); !made.IsZero() {
				r.delay.Add(time.Since(made))
			}
		} else if made, ok := checkAudio(pkt.Payload); !ok {
			r.stats.BadAudio++
		} else if !made.IsZero() {
			r.delay.Add(time.Since(made))
		}
		r.mu.Unlock()
		if !video {
			continue
		}
		sb.Push(pkt)
		for s := sb.Pop(); s != nil; s = sb.Pop() {
			info, err := checkVP8Frame(s.Data)
			r.mu.Lock()
			switch {
			case err != nil:
				r.stats.Damaged++
			case info.keyframe:
				gotKeyframe = true
				r.stats.Frames++
				r.stats.Keyframes++
			case gotKeyframe:
				r.stats.Frames++
			default:
				r.stats.Undecodable++
			}
			r.mu.Unlock()
		}
	}
}

// seqWindow recognises RTP sequence numbers already seen among the last
// 1024, so NACK retransmissions are not counted twice.
type seqWindow struct {
	started bool
	highest uint64 // extended sequence number
	slots   [1024]uint64
}

func (w *seqWindow) add(seq uint16) bool {
	ext := uint64(seq)
	if w.started {
		// Extend to the value nearest the highest seen.
		base := w.highest &^ 0xffff
		ext = base | uint64(seq)
		switch {
		case ext+0x8000 < w.highest:
			ext += 0x10000
		case ext > w.highest+0x8000 && ext >= 0x10000:
			ext -= 0x10000
		}
	}
	if !w.started || ext > w.highest {
		w.highest = ext
		w.started = true
	}
	slot := &w.slots[ext%uint64(len(w.slots))]
	if *slot == ext+1 {
		return false
	}
	*slot = ext + 1
	return true
}
