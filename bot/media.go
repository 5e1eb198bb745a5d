package bot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Synthetic media. The bot does not encode real audio or video; it sends
// payloads that are valid where it matters for an SFU and checkable at the
// far end: VP8 frames with real VP8 frame tags and keyframe headers (so the
// SFU's and the receiver's depacketizers treat them like a browser's), and
// a frame body that names its frame number and repeats a pattern, so a
// receiver can tell a complete, intact frame from a damaged one.

// opusSilence is a valid 20 ms Opus packet (CELT, silence).
var opusSilence = []byte{0xf8, 0xff, 0xfe}

const (
	frameWidth  = 320
	frameHeight = 180
	// Default sizes, chosen so a keyframe spans several RTP packets and
	// a delta frame fits in one, like a real low-resolution stream.
	keyframeSize   = 3000
	deltaFrameSize = 900
	// minFrameSize holds the VP8 header and the frame's own header.
	minFrameSize = 10 + frameHeaderSize
)

var frameMagic = [4]byte{'P', 'I', 'I', 'R'}

// The frame's own header after the VP8 header: magic, frame number, the
// frame's total size, and the time it was made (Unix nanoseconds, for the
// forwarding delay; 0 when not stamped).
const frameHeaderSize = 4 + 4 + 4 + 8

// vp8Frame builds frame number n of size bytes (at least minFrameSize).
// Layout after the VP8 header: the frame header, then bytes that are a
// function of n and their offset.
func vp8Frame(n uint32, keyframe bool, size int, made time.Time) []byte {
	size = max(size, minFrameSize)
	buf := make([]byte, size)
	body := buf[3:]
	// Frame tag: bit 0 is the inverse key frame flag, bits 1-3 the
	// version, bit 4 show_frame, bits 5-23 the first partition size.
	firstPart := uint32(size - 10)
	tag := firstPart<<5 | 1<<4
	if !keyframe {
		tag |= 1
	}
	buf[0], buf[1], buf[2] = byte(tag), byte(tag>>8), byte(tag>>16)
	if keyframe {
		buf[3], buf[4], buf[5] = 0x9d, 0x01, 0x2a // start code
		binary.LittleEndian.PutUint16(buf[6:], frameWidth)
		binary.LittleEndian.PutUint16(buf[8:], frameHeight)
		body = buf[10:]
	}
	copy(body, frameMagic[:])
	binary.BigEndian.PutUint32(body[4:], n)
	binary.BigEndian.PutUint32(body[8:], uint32(size))
	if !made.IsZero() {
		binary.BigEndian.PutUint64(body[12:], uint64(made.UnixNano()))
	}
	for i := frameHeaderSize; i < len(body); i++ {
		body[i] = byte(uint32(i) * (n + 7))
	}
	return buf
}

// frameInfo is what checking a received frame tells.
type frameInfo struct {
	number   uint32
	keyframe bool
	made     time.Time // zero when not stamped
}

var errDamagedFrame = errors.New("damaged frame")

// checkVP8Frame verifies a reassembled frame built by vp8Frame.
func checkVP8Frame(buf []byte) (frameInfo, error) {
	if len(buf) < 3 {
		return frameInfo{}, fmt.Errorf("%w: %d bytes", errDamagedFrame, len(buf))
	}
	keyframe := buf[0]&1 == 0
	body := buf[3:]
	if keyframe {
		if len(buf) < 10 || buf[3] != 0x9d || buf[4] != 0x01 || buf[5] != 0x2a {
			return frameInfo{}, fmt.Errorf("%w: keyframe without VP8 start code", errDamagedFrame)
		}
		if w, h := binary.LittleEndian.Uint16(buf[6:]), binary.LittleEndian.Uint16(buf[8:]); w != frameWidth || h != frameHeight {
			return frameInfo{}, fmt.Errorf("%w: keyframe size %dx%d", errDamagedFrame, w, h)
		}
		body = buf[10:]
	}
	if len(body) < frameHeaderSize || [4]byte(body[:4]) != frameMagic {
		return frameInfo{}, fmt.Errorf("%w: no frame marker", errDamagedFrame)
	}
	if want := binary.BigEndian.Uint32(body[8:]); uint32(len(buf)) != want {
		return frameInfo{}, fmt.Errorf("%w: %d bytes, want %d", errDamagedFrame, len(buf), want)
	}
	n := binary.BigEndian.Uint32(body[4:])
	for i := frameHeaderSize; i < len(body); i++ {
		if body[i] != byte(uint32(i)*(n+7)) {
			return frameInfo{}, fmt.Errorf("%w: frame %d corrupt at byte %d", errDamagedFrame, n, i)
		}
	}
	info := frameInfo{number: n, keyframe: keyframe}
	if ns := binary.BigEndian.Uint64(body[12:]); ns != 0 {
		info.made = time.Unix(0, int64(ns))
	}
	return info, nil
}

// stampedAudio is opusSilence followed by the time it was made (Unix
// nanoseconds): a payload an SFU forwards like any other, for bots only
// (a browser would decode the stamp as noise).
func stampedAudio(made time.Time) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), opusSilence...), uint64(made.UnixNano()))
}

// checkAudio reports whether an audio payload is one a bot sent, and the
// time in its stamp, if any.
func checkAudio(p []byte) (time.Time, bool) {
	switch {
	case string(p) == string(opusSilence):
		return time.Time{}, true
	case len(p) == len(opusSilence)+8 && string(p[:len(opusSilence)]) == string(opusSilence):
		return time.Unix(0, int64(binary.BigEndian.Uint64(p[len(opusSilence):]))), true
	}
	return time.Time{}, false
}
