package sfu

import (
	"fmt"

	"github.com/pion/webrtc/v4"
)

// Source says what a published track carries. Clients name it per media
// section when they offer; subscribers learn it with every offer.
type Source string

// The sources a client may publish.
const (
	SourceMic         Source = "mic"
	SourceCamera      Source = "camera"
	SourceScreen      Source = "screen"
	SourceScreenAudio Source = "screen-audio"
)

// ParseSource checks a source name from a client.
func ParseSource(s string) (Source, error) {
	switch src := Source(s); src {
	case SourceMic, SourceCamera, SourceScreen, SourceScreenAudio:
		return src, nil
	}
	return "", fmt.Errorf("unknown source %q: want %q, %q, %q or %q", s, SourceMic, SourceCamera, SourceScreen, SourceScreenAudio)
}

// defaultSource is the source of a track whose offer named none.
func defaultSource(kind webrtc.RTPCodecType) Source {
	if kind == webrtc.RTPCodecTypeVideo {
		return SourceCamera
	}
	return SourceMic
}

// streamID groups a participant's tracks for the receiving browser, which
// keeps the tracks of one stream in sync: camera and microphone together,
// the screen and its audio apart, so a screen share does not wait for the
// camera (or the other way round).
func streamID(participantID string, src Source) string {
	if src == SourceScreen || src == SourceScreenAudio {
		return participantID + "-screen"
	}
	return participantID
}

// TrackInfo tells a client whose track arrives on one media section of its
// subscriber connection.
type TrackInfo struct {
	Mid           string
	ParticipantID string
	Source        Source
	Kind          string // "audio" or "video"
}
