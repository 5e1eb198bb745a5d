package sfu

// isVP8KeyframeStart reports whether an RTP payload is the first packet of
// a VP8 keyframe (RFC 7741): the payload descriptor marks the start of
// partition 0, and the VP8 frame header's inverse key frame bit is 0. It
// reads a few bytes and never allocates.
func isVP8KeyframeStart(payload []byte) bool {
	if len(payload) < 1 {
		return false
	}
	d := payload[0]
	const (
		extended  = 0x80
		start     = 0x10
		partition = 0x07
	)
	if d&start == 0 || d&partition != 0 {
		return false
	}
	i := 1
	if d&extended != 0 {
		if len(payload) <= i {
			return false
		}
		x := payload[i]
		i++
		if x&0x80 != 0 { // I: picture ID, 7 or 15 bits
			if len(payload) <= i {
				return false
			}
			if payload[i]&0x80 != 0 {
				i += 2
			} else {
				i++
			}
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K: TID/Y/KEYIDX
			i++
		}
	}
	if len(payload) <= i {
		return false
	}
	return payload[i]&0x01 == 0
}
