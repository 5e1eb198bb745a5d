// Package pionclient builds the webrtc API of piiri's own pion clients: the
// bot, and the in-process clients of tests. It is one builder so that every
// such client behaves alike, and like a browser: pion's default codecs,
// the RFC 6464 audio level header extension, and pion's default
// interceptors (NACK, RTCP reports, TWCC). It gathers only IPv4 UDP
// candidates, loopback included and without mDNS, so that it reaches a
// server on the same host; pion's own logs are off.
package pionclient

import (
	"fmt"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"
)

// AudioLevelURI is the RFC 6464 header extension browsers send with audio.
const AudioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

// NewAPI returns a client API. configure, if not nil, changes the setting
// engine after the defaults above are set (to restrict networks, add a
// proxy dialer, or turn pion's logs back on).
func NewAPI(configure func(*webrtc.SettingEngine)) (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("pionclient: codecs: %w", err)
	}
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("pionclient: audio level extension: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		return nil, fmt.Errorf("pionclient: interceptors: %w", err)
	}
	se := webrtc.SettingEngine{LoggerFactory: &logging.DefaultLoggerFactory{DefaultLogLevel: logging.LogLevelDisabled}}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if configure != nil {
		configure(&se)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}
