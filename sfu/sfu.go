// Package sfu owns piiri's media plane: rooms of participants, each with a
// publisher peer connection (the client offers, the server receives) and a
// subscriber peer connection (the server offers, the client receives), and the
// forwarding of every published RTP stream to every other participant.
//
// The package knows nothing about websockets or the mentoring rules. It talks
// to its callers through narrow interfaces: Signaller, through which a
// participant's peer connections send offers and ICE candidates to the
// client; Events, through which a room reports tracks published and ended and
// who is speaking (from a queue of its own, never from the forwarding path);
// and Sink, through which anything besides subscribers (a recording writer)
// takes a published track's packets. Callers drive it through the methods of
// Room, Participant and Track.
package sfu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"

	"piiri/internal/clock"
	"piiri/internal/pionlog"
	"piiri/internal/udpstat"
	"piiri/metrics"
	"piiri/sfu/speech"
)

// Config is what the SFU needs from the server configuration.
type Config struct {
	// UDPListen is the host:port of the one UDP socket that carries ICE-UDP
	// for every peer connection.
	UDPListen string
	// UDPBufferBytes is the receive and send buffer size asked for that
	// socket; 0 keeps the kernel's default. All media shares the socket,
	// so its receive buffer is what absorbs a moment the forwarding loop
	// falls behind; the kernel drops what does not fit.
	UDPBufferBytes int
	// PublicIPs, when set, replace the socket's own address in host
	// candidates (1:1 NAT).
	PublicIPs []string
	// KeyframeMinInterval is the least time between two keyframe requests to
	// one publisher's track.
	KeyframeMinInterval time.Duration
	// ICETCP, if set, yields the ICE-TCP connections of the shared port:
	// the SFU then also offers passive TCP candidates on that port.
	ICETCP net.Listener
	// RelayPath, if set, names the path (metrics.PathTURNUDP, …TCP, …TLS)
	// of the client behind a TURN relay socket, so the SFU can count the
	// paths connections take; ok is false for other addresses.
	RelayPath func(relay netip.AddrPort) (path string, ok bool)
	// Speech is the voice-activity detector's thresholds for the speaking
	// events (the highlight and speaking turns); zero fields take
	// speech's defaults.
	Speech speech.Config
	// Clock gives the time of media events and runs the keyframe
	// requests' timers; nil means the system clock.
	Clock clock.Clock

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
	tcpMux  *ice.TCPMuxDefault // nil without ICE-TCP
	pcConf  webrtc.Configuration

	mu     sync.Mutex
	rooms  map[*Room]struct{}
	closed bool
	// events counts the rooms' event goroutines, which outlive
	// Room.Close until they have delivered the last event.
	events sync.WaitGroup
}

// New opens the UDP socket and prepares the webrtc API.
func New(cfg Config) (_ *SFU, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		return nil, errors.New("sfu: Config.Metrics is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if err := cfg.Speech.Validate(); err != nil {
		return nil, fmt.Errorf("sfu: speech detector: %w", err)
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
	// Before any peer can send to it. A buffer the kernel will not
	// grant is no reason not to serve: Tune warns, and the drops show.
	bufs, err := udpstat.Tune(cfg.Logger, metrics.SocketMedia, conn, cfg.UDPBufferBytes)
	if err != nil {
		cfg.Logger.Warn("sfu: the media UDP socket keeps the buffers it has", "err", err)
	}
	cfg.Metrics.WatchUDPSocket(metrics.SocketMedia, bufs.Receive, bufs.Send, udpstat.DropsOf(conn))
	s := &SFU{
		cfg:     cfg,
		log:     cfg.Logger,
		metrics: cfg.Metrics,
		udpConn: conn,
		rooms:   make(map[*Room]struct{}),
	}
	pionLog := pionlog.Factory(cfg.Logger)
	s.udpMux = ice.NewUDPMuxDefault(ice.UDPMuxParams{
		UDPConn: conn,
		Logger:  pionLog.NewLogger("udpmux"),
	})
	if cfg.ICETCP != nil {
		s.tcpMux = ice.NewTCPMuxDefault(ice.TCPMuxParams{
			Listener:       cfg.ICETCP,
			Logger:         pionLog.NewLogger("tcpmux"),
			ReadBufferSize: 32,
			// Writes to a slow TCP client are buffered and, beyond
			// this, dropped: they must never block the forwarding
			// loop that serves every other subscriber of a track.
			WriteBufferSize: 4 << 20,
		})
	}

	defer func() {
		if err != nil {
			_ = s.closeSockets()
		}
	}()

	api, err := s.newAPI(udpAddr, pionLog)
	if err != nil {
		return nil, err
	}
	s.api = api

	// One certificate for every peer connection: generating an ECDSA key per
	// connection costs CPU at every join for no gain in security, since
	// the certificate only identifies this server.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sfu: generate DTLS key: %w", err)
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return nil, fmt.Errorf("sfu: generate DTLS certificate: %w", err)
	}
	s.pcConf = webrtc.Configuration{
		Certificates:  []webrtc.Certificate{*cert},
		BundlePolicy:  webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
		SDPSemantics:  webrtc.SDPSemanticsUnifiedPlan,
	}
	cfg.Metrics.RoomLoads.Watch(s.roomLoads)
	return s, nil
}

// srtpProfiles are the SRTP protection profiles offered and accepted, most
// preferred first.
func srtpProfiles() []dtls.SRTPProtectionProfile {
	return []dtls.SRTPProtectionProfile{
		dtls.SRTP_AEAD_AES_128_GCM,
		dtls.SRTP_AEAD_AES_256_GCM,
		dtls.SRTP_AES128_CM_HMAC_SHA1_80,
	}
}

func (s *SFU) newAPI(udpAddr *net.UDPAddr, pionLog logging.LoggerFactory) (*webrtc.API, error) {
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
	networks := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if s.tcpMux != nil {
		se.SetICETCPMux(s.tcpMux)
		networks = append(networks, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
		// TCP candidates come from the interface list; offer only the
		// addresses the shared port listens on.
		if tcpIP := tcpListenIP(s.cfg.ICETCP); tcpIP.IsValid() && !tcpIP.IsUnspecified() {
			se.SetIPFilter(func(ip net.IP) bool {
				a, ok := netip.AddrFromSlice(ip)
				return ok && (a.Unmap() == tcpIP || a.Unmap() == udpAddrIP(udpAddr))
			})
		}
	}
	se.SetNetworkTypes(networks)
	// mDNS would hide nothing on a server and costs a multicast socket per
	// peer connection.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// AES-GCM first: it authenticates as it encrypts, in one pass with
	// AES-NI, where AES-CM with HMAC-SHA1 takes two; and 128-bit keys
	// before 256 (fewer AES rounds, security to spare for a meeting's
	// media). The DTLS server's order decides, so piiri is the server on
	// the connections it answers (publishers') as well as on those it
	// offers: as the client there, Chromium chose AES-CM with SHA1, first
	// in its own order (TestThreeParticipants in e2e reads both).
	se.SetSRTPProtectionProfiles(srtpProfiles()...)
	if err := se.SetAnsweringDTLSRole(webrtc.DTLSRoleServer); err != nil {
		return nil, fmt.Errorf("sfu: answer as the DTLS server: %w", err)
	}
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

// MediaLocal is an address this host can send to to reach the media UDP
// socket: its own address, or loopback when it listens on all interfaces.
func (s *SFU) MediaLocal() netip.AddrPort {
	a := s.udpConn.LocalAddr().(*net.UDPAddr).AddrPort()
	ip := a.Addr().Unmap()
	if ip.IsUnspecified() {
		ip = netip.MustParseAddr("127.0.0.1")
		if a.Addr().Is6() && !a.Addr().Is4In6() {
			ip = netip.IPv6Loopback()
		}
	}
	return netip.AddrPortFrom(ip, a.Port())
}

// MediaAddresses are the addresses clients may send media to over UDP:
// the public addresses when configured, and every address the socket
// listens on. TURN allows relaying to these and nothing else.
func (s *SFU) MediaAddresses() []netip.AddrPort {
	port := s.udpConn.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	var out []netip.AddrPort
	for _, p := range s.cfg.PublicIPs {
		if ip, err := netip.ParseAddr(p); err == nil {
			out = append(out, netip.AddrPortFrom(ip.Unmap(), port))
		}
	}
	local := s.MediaLocal()
	out = append(out, local)
	if s.udpConn.LocalAddr().(*net.UDPAddr).IP.IsUnspecified() {
		addrs, _ := net.InterfaceAddrs()
		for _, a := range addrs {
			if pfx, err := netip.ParsePrefix(a.String()); err == nil && pfx.Addr().Unmap() != local.Addr() {
				out = append(out, netip.AddrPortFrom(pfx.Addr().Unmap(), port))
			}
		}
	}
	return out
}

func tcpListenIP(l net.Listener) netip.Addr {
	if a, ok := l.Addr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

func udpAddrIP(a *net.UDPAddr) netip.Addr { return a.AddrPort().Addr().Unmap() }

// NewRoom creates an empty media room that reports to events (see Events
// for when and how). The caller closes it when the last participant has
// left.
func (s *SFU) NewRoom(name string, events Events) (*Room, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	r := newRoom(name, s.log, &roomEnv{
		api:              s.api,
		pcConf:           s.pcConf,
		clock:            s.cfg.Clock,
		keyframeInterval: s.cfg.KeyframeMinInterval,
		speech:           s.cfg.Speech,
		relayPath:        s.cfg.RelayPath,
		metrics:          s.metrics,
		events:           newEventQueue(events, s.metrics),
	}, s.roomClosed)
	s.events.Go(r.env.events.run)
	s.rooms[r] = struct{}{}
	s.metrics.Rooms.Inc()
	return r, nil
}

// roomLoads is every room's size and fan-out, read when Prometheus
// scrapes.
func (s *SFU) roomLoads() []metrics.RoomLoad {
	s.mu.Lock()
	rooms := make([]*Room, 0, len(s.rooms))
	for r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	loads := make([]metrics.RoomLoad, len(rooms))
	for i, r := range rooms {
		loads[i] = r.load()
	}
	return loads
}

func (s *SFU) roomClosed(r *Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rooms[r]; ok {
		delete(s.rooms, r)
		s.metrics.Rooms.Dec()
	}
}

// Close closes every room, waits until every room (also those closed
// before) has delivered its last event, so it must not be called from an
// Events method, and closes the media socket.
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
	s.events.Wait()
	return s.closeSockets()
}

// closeSockets closes the ICE muxes (and with them the media socket).
func (s *SFU) closeSockets() error {
	var errs []error
	if s.tcpMux != nil {
		if err := s.tcpMux.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sfu: close ICE-TCP mux: %w", err))
		}
	}
	if err := s.udpMux.Close(); err != nil {
		errs = append(errs, fmt.Errorf("sfu: close UDP mux: %w", err))
	}
	return errors.Join(errs...)
}

// ErrClosed is returned by operations on a closed SFU, room or participant.
var ErrClosed = errors.New("sfu: closed")
