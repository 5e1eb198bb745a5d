// Package sfu owns piiri's media plane: rooms of participants, each with a
// publisher peer connection (the client offers, the server receives) and a
// subscriber peer connection (the server offers, the client receives), and the
// forwarding of every published RTP stream to every other participant.
//
// The package knows nothing about websockets or the mentoring rules. It talks
// to its callers through two narrow interfaces: Signaller, through which a
// participant's peer connections send offers and ICE candidates to the client,
// and the methods on Participant that take the client's answers and candidates.
package sfu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"piiri/metrics"
)

// Config is what the SFU needs from the server configuration.
type Config struct {
	// UDPListen is the host:port of the one UDP socket that carries ICE-UDP
	// for every peer connection.
	UDPListen string
	// PublicIPs, when set, replace the socket's own address in host
	// candidates (1:1 NAT).
	PublicIPs []string
	// KeyframeMinInterval is the least time between two keyframe requests to
	// one publisher's track.
	KeyframeMinInterval time.Duration

	Logger  *slog.Logger
	Metrics *metrics.Metrics
}

// SFU creates media rooms and owns what they share: the webrtc API with its
// codecs and interceptors, the UDP socket and the DTLS certificate.
type SFU struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics.Metrics
	api     *webrtc.API
	udpConn net.PacketConn
	udpMux  *ice.UDPMuxDefault
	pcConf  webrtc.Configuration

	mu     sync.Mutex
	rooms  map[*Room]struct{}
	closed bool
}

// New opens the UDP socket and prepares the webrtc API.
func New(cfg Config) (*SFU, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		return nil, errors.New("sfu: Config.Metrics is required")
	}
	if cfg.KeyframeMinInterval <= 0 {
		cfg.KeyframeMinInterval = 500 * time.Millisecond
	}
	udpAddr, err := net.ResolveUDPAddr("udp", cfg.UDPListen)
	if err != nil {
		return nil, fmt.Errorf("sfu: media UDP address %q: %w", cfg.UDPListen, err)
	}
	conn, err := net.ListenUDP("udp", udpAddr)
	if err != nil {
		return nil, fmt.Errorf("sfu: listen for media on UDP %s: %w", cfg.UDPListen, err)
	}
	s := &SFU{
		cfg:     cfg,
		log:     cfg.Logger,
		metrics: cfg.Metrics,
		udpConn: conn,
		rooms:   make(map[*Room]struct{}),
	}
	pionLog := slogFactory{log: cfg.Logger}
	s.udpMux = ice.NewUDPMuxDefault(ice.UDPMuxParams{
		UDPConn: conn,
		Logger:  pionLog.NewLogger("udpmux"),
	})

	api, err := s.newAPI(udpAddr, pionLog)
	if err != nil {
		_ = s.udpMux.Close()
		return nil, err
	}
	s.api = api

	// One certificate for every peer connection: generating an ECDSA key per
	// connection costs CPU at every join for no gain in security, since
	// the certificate only identifies this server.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		_ = s.udpMux.Close()
		return nil, fmt.Errorf("sfu: generate DTLS key: %w", err)
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		_ = s.udpMux.Close()
		return nil, fmt.Errorf("sfu: generate DTLS certificate: %w", err)
	}
	s.pcConf = webrtc.Configuration{
		Certificates:  []webrtc.Certificate{*cert},
		BundlePolicy:  webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
		SDPSemantics:  webrtc.SDPSemanticsUnifiedPlan,
	}
	return s, nil
}

func (s *SFU) newAPI(udpAddr *net.UDPAddr, pionLog slogFactory) (*webrtc.API, error) {
	me, err := newMediaEngine()
	if err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := registerInterceptors(me, ir, pionLog); err != nil {
		return nil, err
	}

	se := webrtc.SettingEngine{LoggerFactory: pionLog}
	se.SetICEUDPMux(s.udpMux)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	// mDNS would hide nothing on a server and costs a multicast socket per
	// peer connection.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(udpAddr.IP.IsLoopback())
	if len(s.cfg.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        s.cfg.PublicIPs,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		}); err != nil {
			return nil, fmt.Errorf("sfu: public IPs %v: %w", s.cfg.PublicIPs, err)
		}
	}
	return webrtc.NewAPI(
		webrtc.WithMediaEngine(me),
		webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se),
	), nil
}

// UDPAddr is the local address of the media UDP socket.
func (s *SFU) UDPAddr() net.Addr { return s.udpConn.LocalAddr() }

// NewRoom creates an empty media room that reports to events. The caller
// closes it when the last participant has left.
func (s *SFU) NewRoom(name string, events Events) (*Room, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	r := newRoom(s, name, events)
	s.rooms[r] = struct{}{}
	s.metrics.Rooms.Inc()
	return r, nil
}

func (s *SFU) roomClosed(r *Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rooms[r]; ok {
		delete(s.rooms, r)
		s.metrics.Rooms.Dec()
	}
}

// Close closes every room and the media socket.
func (s *SFU) Close() error {
	s.mu.Lock()
	s.closed = true
	rooms := make([]*Room, 0, len(s.rooms))
	for r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	for _, r := range rooms {
		r.Close()
	}
	if err := s.udpMux.Close(); err != nil {
		return fmt.Errorf("sfu: close UDP mux: %w", err)
	}
	return nil
}

// ErrClosed is returned by operations on a closed SFU, room or participant.
var ErrClosed = errors.New("sfu: closed")
