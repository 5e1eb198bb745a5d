// Package server assembles a running piiri from a validated config: the
// logger, metrics, the shared TCP port and its classifier, TLS, the SFU,
// the embedded TURN server, signalling, the embedded web client, the admin
// listener, and their graceful shutdown. It holds wiring only; every
// behaviour lives in the packages it wires.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"piiri/config"
	"piiri/metrics"
	"piiri/sfu"
	"piiri/sfu/portmux"
	"piiri/sfu/turn"
	"piiri/signaling"
	"piiri/tlsconf"
	"piiri/web"
)

// Server is a piiri server with its listeners open.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	metrics *metrics.Metrics
	tls     *tls.Config // nil when TLS is off
	mux     *portmux.Mux
	media   *sfu.SFU
	turn    *turn.Server   // nil when TURN is off
	turnUDP net.PacketConn // nil when TURN over UDP is off
	signal  *signaling.Server

	app      *http.Server // the web client, REST and websocket
	redirect *http.Server // plain HTTP to HTTPS; nil when TLS is off
	adminLn  net.Listener // nil when the admin listener is off
	admin    *http.Server
}

// New opens the listeners and builds the server; Run serves. Opening early
// lets callers (and tests using port 0) learn the real addresses first.
func New(cfg config.Config, log *slog.Logger) (_ *Server, err error) {
	s := &Server{cfg: cfg, log: log, metrics: metrics.New()}
	var cleanup []func()
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()

	if cfg.TLS.Mode != config.TLSOff {
		source := map[string]tlsconf.Source{
			config.TLSFiles:      tlsconf.SourceFiles,
			config.TLSACME:       tlsconf.SourceACME,
			config.TLSSelfSigned: tlsconf.SourceSelfSigned,
		}[cfg.TLS.Mode]
		s.tls, err = tlsconf.New(tlsconf.Config{
			Source:        source,
			Host:          cfg.Server.PublicHost(cfg.Server.Listen),
			CertFile:      cfg.TLS.CertFile,
			KeyFile:       cfg.TLS.KeyFile,
			ACMEEmail:     cfg.TLS.ACMEEmail,
			ACMECacheDir:  cfg.TLS.ACMECacheDir,
			ACMEDirectory: cfg.TLS.ACMEDirectory,
		})
		if err != nil {
			return nil, fmt.Errorf("server: tls: %w", err)
		}
	}

	tcp, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return nil, fmt.Errorf("server: listen on TCP %s (server.listen): %w", cfg.Server.Listen, err)
	}
	cleanup = append(cleanup, func() { _ = tcp.Close() })
	s.mux, err = portmux.New(tcp, portmux.Config{
		TLS:            s.tls,
		TrustedProxies: cfg.Server.TrustedProxies,
		OnClassified:   func(o string) { s.metrics.SharedPortConnections.WithLabelValues(o).Inc() },
		Logger:         log.With("component", "portmux"),
	})
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { _ = s.mux.Close() })

	var iceTCP net.Listener
	if cfg.Media.ICETCP {
		iceTCP = s.mux.ICETCP
	} else {
		_ = s.mux.ICETCP.Close() // refuse ICE-TCP at once; nobody accepts it
	}
	s.media, err = sfu.New(sfu.Config{
		UDPListen:           cfg.Media.UDPListen,
		PublicIPs:           cfg.Media.PublicIPs,
		KeyframeMinInterval: cfg.Media.KeyframeMinInterval,
		ICETCP:              iceTCP,
		RelayPath:           s.relayPath,
		Logger:              log.With("component", "sfu"),
		Metrics:             s.metrics,
	})
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { _ = s.media.Close() })

	if cfg.TURN.Enabled {
		if err := s.startTURN(); err != nil {
			return nil, err
		}
		cleanup = append(cleanup, func() { _ = s.turn.Close() })
	} else {
		_ = s.mux.TURNTCP.Close()
		_ = s.mux.TURNTLS.Close()
	}

	s.signal = signaling.New(signaling.Config{
		RoomKey:            cfg.Rooms.Key,
		MaxParticipants:    cfg.Rooms.MaxParticipants,
		MaxMessageBytes:    cfg.Signaling.MaxMessageBytes,
		MessagesPerSecond:  cfg.Signaling.MessagesPerSecond,
		MessageBurst:       cfg.Signaling.MessageBurst,
		MaxInvalidMessages: cfg.Signaling.MaxInvalidMessages,
		ResumeGrace:        cfg.Signaling.ResumeGrace,
		ICEServers:         s.iceServers,
		Gone:               s.participantGone,
		Logger:             log.With("component", "signaling"),
		Metrics:            s.metrics,
	}, signaling.SFU(s.media))

	mux := http.NewServeMux()
	mux.Handle("/ws", s.signal)
	mux.HandleFunc("GET /api/netcheck", s.netcheck)
	mux.Handle("/", web.Handler())
	s.app = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	if s.tls != nil {
		s.redirect = &http.Server{
			Handler:           http.HandlerFunc(s.redirectToHTTPS),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		}
	}

	if cfg.Admin.Listen != config.AdminOff {
		s.adminLn, err = net.Listen("tcp", cfg.Admin.Listen)
		if err != nil {
			return nil, fmt.Errorf("server: listen on %s (admin.listen): %w", cfg.Admin.Listen, err)
		}
		admin := http.NewServeMux()
		admin.Handle("/metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
		admin.HandleFunc("/healthz", s.healthz)
		// Profiles for finding where the CPU goes under real load; the
		// admin listener is private.
		admin.HandleFunc("/debug/pprof/", pprof.Index)
		admin.HandleFunc("/debug/pprof/profile", pprof.Profile)
		admin.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		s.admin = &http.Server{Handler: admin, ReadHeaderTimeout: 10 * time.Second}
	}
	return s, nil
}

// startTURN opens TURN over UDP and takes TURN over TCP and TLS from the
// shared port. Relays may reach only the SFU's media socket.
func (s *Server) startTURN() error {
	cfg := s.cfg.TURN
	if cfg.UDPListen != config.TURNUDPOff {
		pc, err := net.ListenPacket("udp", cfg.UDPListen)
		if err != nil {
			return fmt.Errorf("server: listen for TURN on UDP %s (turn.udp_listen): %w", cfg.UDPListen, err)
		}
		s.turnUDP = pc
	}
	var tlsLn net.Listener
	if s.tls != nil {
		tlsLn = s.mux.TURNTLS
	}
	relayIP := net.IP(s.media.MediaLocal().Addr().AsSlice())
	if len(s.cfg.Media.PublicIPs) > 0 {
		relayIP = net.ParseIP(s.cfg.Media.PublicIPs[0])
	}
	t, err := turn.New(turn.Config{
		UDP:                   s.turnUDP,
		TCP:                   s.mux.TURNTCP,
		TLS:                   tlsLn,
		Peers:                 s.media.MediaAddresses(),
		Media:                 s.media.MediaLocal(),
		RelayIP:               relayIP,
		Secret:                []byte(cfg.Secret),
		CredentialTTL:         cfg.CredentialTTL,
		MaxAllocationsPerUser: cfg.MaxAllocations,
		Logger:                s.log.With("component", "turn"),
		Metrics:               s.metrics,
	})
	if err != nil {
		if s.turnUDP != nil {
			_ = s.turnUDP.Close()
		}
		return err
	}
	s.turn = t
	return nil
}

// participantGone lets go of the TURN relays of a participant who left.
func (s *Server) participantGone(id string) {
	if s.turn != nil {
		s.turn.Revoke(id)
	}
}

// relayPath tells the SFU the path of the client behind a TURN relay
// socket.
func (s *Server) relayPath(relay netip.AddrPort) (string, bool) {
	if s.turn == nil {
		return "", false
	}
	return s.turn.PathOf(relay)
}

// NetcheckKeyHeader carries the room key to /api/netcheck.
const NetcheckKeyHeader = "X-Piiri-Key"

// netcheck serves /api/netcheck: the ICE servers a network check (the
// pre-join page's, or piiri netcheck) tests, with credentials of their
// own that allow new relays for ten minutes. The room key is required,
// so that only people with a meeting link get TURN credentials.
func (s *Server) netcheck(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !s.signal.KeyOK(r.Header.Get(NetcheckKeyHeader)) {
		http.Error(w, "wrong or missing room key (header "+NetcheckKeyHeader+")", http.StatusForbidden)
		return
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	servers := s.iceServersFor("netcheck-"+hex.EncodeToString(id[:]), 10*time.Minute)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"iceServers": servers})
}

// iceServers are the TURN servers offered to one participant, with
// credentials of its own: UDP on the TURN port, TCP and (with TLS) TLS on
// the shared port, all under the public host name.
func (s *Server) iceServers(participantID string) []signaling.ICEServer {
	return s.iceServersFor(participantID, s.cfg.TURN.CredentialTTL)
}

func (s *Server) iceServersFor(participantID string, ttl time.Duration) []signaling.ICEServer {
	if s.turn == nil {
		return []signaling.ICEServer{}
	}
	bound := s.mux.Addr().String()
	host := s.cfg.Server.PublicHost(bound)
	port := s.cfg.Server.PublicPort(bound)
	var urls []string
	if s.turnUDP != nil {
		_, udpPort, _ := net.SplitHostPort(s.turnUDP.LocalAddr().String())
		urls = append(urls, "turn:"+net.JoinHostPort(host, udpPort)+"?transport=udp")
	}
	shared := net.JoinHostPort(host, port)
	switch {
	case s.tls != nil:
		urls = append(urls, "turn:"+shared+"?transport=tcp", "turns:"+shared+"?transport=tcp")
	case strings.HasPrefix(s.BaseURL(), "https://"):
		// TLS is terminated by a proxy in front, on the public port: plain
		// TURN over TCP cannot pass it, TURN over TLS can (through a
		// TCP-level TLS terminator, which hands piiri the decrypted STUN).
		urls = append(urls, "turns:"+shared+"?transport=tcp")
	default:
		urls = append(urls, "turn:"+shared+"?transport=tcp")
	}
	user, pass := s.turn.CredentialsFor(participantID, ttl)
	return []signaling.ICEServer{{URLs: urls, Username: user, Credential: pass}}
}

func (s *Server) redirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.BaseURL()+r.URL.RequestURI(), http.StatusPermanentRedirect)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	c := s.signal.Counts()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "ok\nrooms %d\nparticipants %d\n", c.Rooms, c.Participants)
}

// Run serves until ctx ends, then shuts down: clients are told, their
// connections and media closed, and Run returns within the configured
// shutdown timeout.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 4)
	go func() { errc <- s.mux.Serve() }()
	go func() { errc <- serve(s.app, s.mux.HTTPS) }()
	if s.redirect != nil {
		go func() { errc <- serve(s.redirect, s.mux.HTTP) }()
	} else {
		go func() { errc <- serve(s.app, s.mux.HTTP) }()
	}
	if s.admin != nil {
		go func() { errc <- serve(s.admin, s.adminLn) }()
	}
	s.log.Info("piiri is serving", "url", s.BaseURL(), "shared_port", s.mux.Addr().String(),
		"media_udp", s.media.UDPAddr().String(), "turn_udp", addrOrOff(s.turnUDP),
		"tls", s.cfg.TLS.Mode, "admin", s.AdminAddr(), "dev_mode", s.cfg.DevMode())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		if serveErr == nil {
			serveErr = errors.New("server: a listener stopped")
		}
		s.log.Error("listener failed; shutting down", "err", serveErr)
	}
	return errors.Join(serveErr, s.shutdown())
}

func addrOrOff(pc net.PacketConn) string {
	if pc == nil {
		return "off"
	}
	return pc.LocalAddr().String()
}

func serve(srv *http.Server, ln net.Listener) error {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

func (s *Server) shutdown() error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout)
	defer cancel()
	var errs []error
	// Stop accepting first. http.Server.Shutdown does not wait for
	// hijacked websocket connections, which signalling closes itself.
	if err := s.mux.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		errs = append(errs, fmt.Errorf("server: close the shared port: %w", err))
	}
	for _, srv := range []*http.Server{s.app, s.redirect} {
		if srv != nil {
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("server: stop HTTP: %w", err))
			}
		}
	}
	if err := s.signal.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	if s.turn != nil {
		if err := s.turn.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.media.Close(); err != nil {
		errs = append(errs, err)
	}
	if s.admin != nil {
		if err := s.admin.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: stop admin: %w", err))
		}
	}
	s.log.Info("piiri stopped", "took", time.Since(start).Round(time.Millisecond))
	return errors.Join(errs...)
}

// BaseURL is the URL people open: server.public_url, or derived from the
// listening address.
func (s *Server) BaseURL() string { return s.cfg.Server.BaseURL(s.mux.Addr().String()) }

// WebsocketURL is the signalling endpoint.
func (s *Server) WebsocketURL() string {
	u := s.BaseURL()
	u = strings.Replace(u, "https://", "wss://", 1)
	u = strings.Replace(u, "http://", "ws://", 1)
	return u + "/ws"
}

// SharedAddr is the address of the shared TCP port.
func (s *Server) SharedAddr() string { return s.mux.Addr().String() }

// AdminAddr is the admin listener's address, or "off".
func (s *Server) AdminAddr() string {
	if s.adminLn == nil {
		return "off"
	}
	return s.adminLn.Addr().String()
}

// Signaling gives tests access to the signalling server.
func (s *Server) Signaling() *signaling.Server { return s.signal }

// Metrics gives tests access to the metrics.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// RoomLink returns a link that joins a new room with a random,
// unguessable name. The room key, if any, goes in the fragment, which
// browsers never send to the server, so it stays out of access logs.
func (s *Server) RoomLink() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	room := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	link := s.BaseURL() + "/?room=" + url.QueryEscape(room)
	if s.cfg.Rooms.Key != "" {
		link += "#key=" + url.QueryEscape(s.cfg.Rooms.Key)
	}
	return link
}

// NewLogger builds the slog logger the config asks for.
func NewLogger(cfg config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
