package portmux

import "encoding/binary"

// Kind is what a connection's first bytes say it is.
type Kind int

// The kinds of connection the shared port tells apart.
const (
	KindUnknown Kind = iota
	KindTLS          // a TLS record carrying a handshake
	KindSTUN         // a STUN message: TURN over TCP
	KindRFC4571      // a 2-byte length, then a STUN message: ICE-TCP
	KindHTTP         // an HTTP/1 request line
)

func (k Kind) String() string {
	return [...]string{"unknown", "tls", "stun", "rfc4571", "http"}[k]
}

const (
	stunMagicCookie  = 0x2112A442
	stunHeaderPrefix = 8  // message type, length, magic cookie
	peekLen          = 10 // enough for every rule below
)

// Classify tells what a connection is from its first bytes; it needs at
// least peekLen (10) of them and returns KindUnknown for fewer.
func Classify(b []byte) Kind {
	if len(b) < peekLen {
		return KindUnknown
	}
	switch {
	case b[0] == 0x16 && b[1] == 0x03:
		// TLS handshake record, versions 3.x (SSL 3.0 to TLS 1.3).
		return KindTLS
	case isSTUN(b):
		return KindSTUN
	case isSTUN(b[2:]):
		return KindRFC4571
	case isHTTP(b):
		return KindHTTP
	}
	return KindUnknown
}

// isSTUN reports whether b starts with a STUN header: the two top bits of
// the message type are zero and the magic cookie follows the length.
func isSTUN(b []byte) bool {
	return len(b) >= stunHeaderPrefix && b[0]&0xc0 == 0 && binary.BigEndian.Uint32(b[4:8]) == stunMagicCookie
}

// isHTTP reports whether b starts with an HTTP/1 method (upper-case
// letters) and a space within the first peekLen bytes, so the answer does
// not depend on how many bytes the caller happened to read. Every method a
// browser sends (the longest is OPTIONS) fits.
func isHTTP(b []byte) bool {
	for i, c := range b[:min(len(b), peekLen)] {
		switch {
		case c == ' ':
			return i >= 3
		case c < 'A' || c > 'Z':
			return false
		}
	}
	return false
}
