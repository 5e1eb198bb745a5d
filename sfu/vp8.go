package sfu

import "github.com/pion/rtp/codecs"

// isVP8KeyframeStart reports whether an RTP payload is the first packet of
// a VP8 keyframe (RFC 7741): pion's depacketizer reads the payload
// descriptor, which must mark the start of partition 0, and the VP8 frame
// header's inverse key frame bit must be 0. It does not allocate; it runs
// per packet only while a down-track waits for a keyframe.
func isVP8KeyframeStart(payload []byte) bool {
	var d codecs.VP8Packet
	rest, err := d.Unmarshal(payload)
	return err == nil && d.S == 1 && d.PID == 0 && len(rest) > 0 && rest[0]&0x01 == 0
}
