package sfu

import (
	"fmt"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/logging"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Payload types offered by the server. Browsers may pick their own in their
// offers; the forwarding path rewrites the payload type per subscriber.
const (
	payloadTypeOpus = 111
	payloadTypeVP8  = 96
)

// audioLevelURI is the RFC 6464 header extension: the publisher's audio level
// per packet, readable without decoding.
const audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

var (
	opusCodec = webrtc.RTPCodecCapability{
		MimeType:    webrtc.MimeTypeOpus,
		ClockRate:   48000,
		Channels:    2,
		SDPFmtpLine: "minptime=10;useinbandfec=1",
	}
	vp8Codec = webrtc.RTPCodecCapability{
		MimeType:  webrtc.MimeTypeVP8,
		ClockRate: 90000,
		// "nack" and "nack pli" are added by the NACK interceptor setup.
		RTCPFeedback: []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"}},
	}
)

// newMediaEngine registers exactly Opus and VP8: every current browser,
// Safari included, encodes and decodes both, so the SFU never transcodes and
// never has to choose between codecs per subscriber.
func newMediaEngine() (*webrtc.MediaEngine, error) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: opusCodec, PayloadType: payloadTypeOpus,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("sfu: register Opus: %w", err)
	}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: vp8Codec, PayloadType: payloadTypeVP8,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("sfu: register VP8: %w", err)
	}
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: audioLevelURI},
		webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("sfu: register audio level extension: %w", err)
	}
	for _, uri := range []string{sdp.SDESMidURI} {
		for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: uri}, kind); err != nil {
				return nil, fmt.Errorf("sfu: register %s: %w", uri, err)
			}
		}
	}
	return me, nil
}

// registerInterceptors installs the RTCP machinery: NACK generation towards
// publishers, sender and receiver reports, and transport-wide congestion
// control feedback to publishers so that browsers' send-side bandwidth
// estimation works.
//
// NACKs from subscribers are answered by the SFU itself, from one packet
// cache per published track (see retransmit), not by pion's NACK
// responder, which would keep a copy of every video packet per subscriber.
func registerInterceptors(me *webrtc.MediaEngine, ir *interceptor.Registry, lf logging.LoggerFactory) error {
	// First, so it is the innermost on received streams: see headerOnce.
	ir.Add(headerOnceFactory{})
	generator, err := nack.NewGeneratorInterceptor(nack.WithGeneratorLoggerFactory(lf))
	if err != nil {
		return fmt.Errorf("sfu: configure NACK: %w", err)
	}
	ir.Add(generator)
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBNACK}, webrtc.RTPCodecTypeVideo)
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"}, webrtc.RTPCodecTypeVideo)
	if err := webrtc.ConfigureRTCPReportsWithOptions(ir,
		[]report.ReceiverOption{report.WithReceiverLoggerFactory(lf)},
		report.WithSenderLoggerFactory(lf)); err != nil {
		return fmt.Errorf("sfu: configure RTCP reports: %w", err)
	}
	if err := webrtc.ConfigureTWCCSenderWithOptions(me, ir, twcc.WithLoggerFactory(lf)); err != nil {
		return fmt.Errorf("sfu: configure TWCC: %w", err)
	}
	return nil
}
