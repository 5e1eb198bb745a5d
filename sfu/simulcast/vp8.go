package simulcast

// vp8Descriptor is where the fields a switch renumbers sit in a VP8
// payload descriptor (RFC 7741 section 4.2), and their values.
type vp8Descriptor struct {
	hasPic, hasTL0, hasKey bool
	picLen                 int // 1 (7-bit picture ID) or 2 (15-bit)
	picAt, tl0At, keyAt    int // byte offsets in the payload
	pic                    uint16
	tl0                    uint8
	key                    uint8
}

// parseVP8 reads the descriptor at the start of a VP8 RTP payload. It
// reports false for a payload too short for the descriptor it announces,
// which is then forwarded untouched.
//
//	 0 1 2 3 4 5 6 7
//	|X|R|N|S|R| PID |  required
//	|I|L|T|K| RSV   |  if X
//	|M| PictureID   |  if I (M: a second byte follows, 15 bits)
//	|   PictureID   |  if M
//	|   TL0PICIDX   |  if L
//	|TID|Y| KEYIDX  |  if T or K
func parseVP8(b []byte) (d vp8Descriptor, ok bool) {
	if len(b) < 1 {
		return d, false
	}
	if b[0]&0x80 == 0 {
		return d, true // no extension: nothing to renumber
	}
	if len(b) < 2 {
		return d, false
	}
	x := b[1]
	i := 2
	if x&0x80 != 0 {
		if len(b) < i+1 {
			return d, false
		}
		d.hasPic, d.picAt = true, i
		if b[i]&0x80 != 0 {
			if len(b) < i+2 {
				return d, false
			}
			d.picLen, d.pic = 2, uint16(b[i]&0x7f)<<8|uint16(b[i+1])
			i += 2
		} else {
			d.picLen, d.pic = 1, uint16(b[i]&0x7f)
			i++
		}
	}
	if x&0x40 != 0 {
		if len(b) < i+1 {
			return d, false
		}
		d.hasTL0, d.tl0At, d.tl0 = true, i, b[i]
		i++
	}
	if x&0x30 != 0 {
		if len(b) < i+1 {
			return d, false
		}
		d.keyAt = i
		if x&0x10 != 0 {
			d.hasKey, d.key = true, b[i]&0x1f
		}
	}
	return d, true
}
