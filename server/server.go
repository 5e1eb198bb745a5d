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
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"piiri/api"
	"piiri/config"
	"piiri/control"
	"piiri/internal/buildinfo"
	"piiri/internal/logfilter"
	"piiri/internal/ratelimit"
	"piiri/internal/udpstat"
	"piiri/metrics"
	"piiri/notify"
	"piiri/recording"
	"piiri/sfu"
	"piiri/sfu/portmux"
	"piiri/sfu/turn"
	"piiri/signaling"
	"piiri/store"
	"piiri/tlsconf"
	"piiri/web"
)

// Server is a piiri server with its listeners open.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	metrics  *metrics.Metrics
	tls      *tls.Config // nil when TLS is off
	mux      *portmux.Mux
	media    *sfu.SFU
	turn     *turn.Server   // nil when TURN is off
	turnUDP  net.PacketConn // nil when TURN over UDP is off
	signal   *signaling.Server
	db       *store.DB
	control  *control.Service
	observer *meetingObserver
	// recordings writes meetings' recordings as control allows.
	recordings *recording.Service
	mailer     *notify.Mailer // nil without a relay
	// adminToken is the admin's token; adminTokenCreated is set when this
	// start generated it.
	adminToken        string
	adminTokenCreated bool
	devMode           bool // no room key; only ever true on a loopback socket

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

	if err := makeDataDir(cfg.Data.Dir, log); err != nil {
		return nil, err
	}
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
			Dir:           cfg.Data.Dir,
			Logger:        log.With("component", "tls"),
		})
		if err != nil {
			return nil, fmt.Errorf("server: tls: %w", err)
		}
	}

	tcp, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return nil, portHint(fmt.Errorf("server: listen on TCP %s (server.listen): %w", cfg.Server.Listen, err), cfg.Server.Listen)
	}
	cleanup = append(cleanup, func() { _ = tcp.Close() })
	if err := checkPublicBind(cfg, tcp.Addr()); err != nil {
		return nil, err
	}
	s.devMode = cfg.Rooms.Key == ""
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
		UDPBufferBytes:      cfg.Media.UDPBufferBytes,
		PublicIPs:           cfg.Media.PublicIPs,
		KeyframeMinInterval: cfg.Media.KeyframeMinInterval,
		ICETCP:              iceTCP,
		RelayPath:           s.relayPath,
		Logger:              log.With("component", "sfu"),
		Metrics:             s.metrics,
	})
	if err != nil {
		return nil, portHint(err, cfg.Media.UDPListen)
	}
	cleanup = append(cleanup, func() { _ = s.media.Close() })

	if cfg.TURN.Enabled {
		if err := s.startTURN(); err != nil {
			return nil, portHint(err, cfg.TURN.UDPListen)
		}
		cleanup = append(cleanup, func() { _ = s.turn.Close() })
	} else {
		_ = s.mux.TURNTCP.Close()
		_ = s.mux.TURNTLS.Close()
	}

	if err := s.openRecordings(); err != nil {
		return nil, err
	}
	cleanup = append(cleanup, s.recordings.Close)
	if err := s.openControl(); err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { _ = s.db.Close() }, func() { closeMailer(s.mailer) })
	// One limit on wrong secrets for every door: the websocket, the API
	// and the network check.
	failedAuth := ratelimit.NewFailedAuth(nil)
	roomKey := signaling.RoomKey(cfg.Rooms.Key)
	s.signal = signaling.New(signaling.Config{
		RoomKey: cfg.Rooms.Key,
		Admission: signaling.Links{
			Control: s.control,
			AdHoc:   roomKey,
			Logger:  log.With("component", "attendance"),
			Tracks:  meetingTracks{s.recordings},
		},
		MaxParticipants:    cfg.Rooms.MaxParticipants,
		MaxMessageBytes:    cfg.Signaling.MaxMessageBytes,
		MessagesPerSecond:  cfg.Signaling.MessagesPerSecond,
		MessageBurst:       cfg.Signaling.MessageBurst,
		MaxInvalidMessages: cfg.Signaling.MaxInvalidMessages,
		ResumeGrace:        cfg.Signaling.ResumeGrace,
		FailedAuth:         failedAuth,
		ICEServers:         s.iceServers,
		Gone:               s.participantGone,
		Logger:             log.With("component", "signaling"),
		Metrics:            s.metrics,
	}, signaling.SFU(s.media))
	toRooms := signaling.MeetingNotices(s.signal)
	s.observer.room.Store(&toRooms)

	apiHandler, err := api.New(api.Config{
		Control:    s.control,
		BaseURL:    s.BaseURL,
		FailedAuth: failedAuth,
		Recordings: apiRecordings{s.recordings},
		Logger:     log.With("component", "api"),
		Metrics:    s.metrics,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", s.signal)
	mux.Handle("/api/v1/", apiHandler.Handler())
	mux.Handle("/cal/", apiHandler.Handler())
	mux.Handle("GET /api/netcheck", api.Netcheck(api.NetcheckConfig{
		RoomKeyOK:  roomKey.KeyOK,
		Control:    s.control,
		ICEServers: s.netcheckServers,
		NewID:      newProbeID,
		FailedAuth: failedAuth,
		Rate:       ratelimit.New(ratelimit.Config{Every: netcheckEvery, Burst: netcheckBurst}, nil),
		Metrics:    s.metrics,
		Logger:     log.With("component", "api"),
	}))
	mux.Handle("/", web.Handler(web.Options{
		// Browsers reach the pages over HTTPS: piiri's own TLS, or a
		// TLS proxy in front.
		HSTS: s.tls != nil || strings.HasPrefix(s.BaseURL(), "https://"),
	}))
	s.app = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: httpReadHeaderTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    httpMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	if s.tls != nil {
		s.redirect = &http.Server{
			Handler:           http.HandlerFunc(s.redirectToHTTPS),
			ReadHeaderTimeout: httpReadHeaderTimeout,
			IdleTimeout:       httpIdleTimeout,
			MaxHeaderBytes:    httpMaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		}
	}

	if cfg.Admin.Listen != config.AdminOff {
		s.adminLn, err = net.Listen("tcp", cfg.Admin.Listen)
		if err != nil {
			return nil, portHint(fmt.Errorf("server: listen on %s (admin.listen): %w", cfg.Admin.Listen, err), cfg.Admin.Listen)
		}
		cleanup = append(cleanup, func() { _ = s.adminLn.Close() })
		// Decided on the bound socket: a name in the config (localhost)
		// can resolve to any address.
		if !cfg.Admin.AllowPublic && !loopbackOnly(s.adminLn.Addr()) {
			return nil, fmt.Errorf("server: admin.listen %q is bound to %s, which is not a loopback address; the admin listener serves /metrics and /debug/pprof without a password: listen on 127.0.0.1, or set admin.allow_public: true if a firewall keeps it private",
				cfg.Admin.Listen, s.adminLn.Addr())
		}
		admin := http.NewServeMux()
		admin.Handle("/metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
		admin.Handle("/healthz", api.Health(func() api.HealthCounts {
			c := s.signal.Counts()
			return api.HealthCounts{Rooms: c.Rooms, Participants: c.Participants}
		}))
		admin.Handle("/backup", api.Backup(s.db.Backup, log.With("component", "backup")))
		// Profiles for finding where the CPU goes under real load; the
		// admin listener is private.
		admin.HandleFunc("/debug/pprof/", pprof.Index)
		admin.HandleFunc("/debug/pprof/profile", pprof.Profile)
		admin.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		s.admin = &http.Server{Handler: admin, ReadHeaderTimeout: httpReadHeaderTimeout, IdleTimeout: httpIdleTimeout, MaxHeaderBytes: httpMaxHeaderBytes}
	}
	return s, nil
}

// Limits of the HTTP servers. A connection that is slow to send its
// headers, or idles between requests, holds a slot of its source's
// (portmux.Config.MaxConnsPerSource) and a file descriptor.
const (
	// A browser sends its request headers in one or two packets.
	httpReadHeaderTimeout = 5 * time.Second
	// The web client makes its HTTP requests when a page loads; after
	// that only the websocket (hijacked, so not idle here) is used. An
	// idle keep-alive connection is closed after this, which costs the
	// browser at most a new handshake later.
	httpIdleTimeout = 30 * time.Second
	// piiri sets no cookies; browsers send a few kilobytes of headers.
	httpMaxHeaderBytes = 16 << 10
)

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
		// Relayed media arrives here before it reaches the media
		// socket, so this buffer overflows under the same load.
		if uc, ok := pc.(*net.UDPConn); ok {
			bufs, err := udpstat.Tune(s.log, metrics.SocketTURN, uc, s.cfg.Media.UDPBufferBytes)
			if err != nil {
				s.log.Warn("server: the TURN UDP socket keeps the buffers it has", "err", err)
			}
			s.metrics.WatchUDPSocket(metrics.SocketTURN, bufs.Receive, bufs.Send, udpstat.DropsOf(uc))
		}
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
const NetcheckKeyHeader = api.NetcheckKeyHeader

// Each set of network-check credentials lets TURN allocations be made, so
// one address gets 20 at once (a few browsers' pre-join pages and a
// netcheck run), then one every 3 s.
const (
	netcheckBurst = 20
	netcheckEvery = 3 * time.Second
)

// iceServers are the TURN servers offered to one participant, with
// credentials of its own.
func (s *Server) iceServers(participantID string) []signaling.ICEServer {
	if s.turn == nil {
		return []signaling.ICEServer{}
	}
	t := s.turn.ICEServer(participantID, s.cfg.TURN.CredentialTTL, s.turnAdvertisement())
	return []signaling.ICEServer{{URLs: t.URLs, Username: t.Username, Credential: t.Credential}}
}

// netcheckServers are the TURN servers a network check tests.
func (s *Server) netcheckServers(probeID string, ttl time.Duration) []api.ICEServer {
	if s.turn == nil {
		return []api.ICEServer{}
	}
	t := s.turn.ICEServer(probeID, ttl, s.turnAdvertisement())
	return []api.ICEServer{{URLs: t.URLs, Username: t.Username, Credential: t.Credential}}
}

// turnAdvertisement says how clients reach TURN: under the public host
// name, UDP on the TURN port, TCP and TLS on the shared port.
func (s *Server) turnAdvertisement() turn.Advertisement {
	bound := s.mux.Addr().String()
	a := turn.Advertisement{
		Host:           s.cfg.Server.PublicHost(bound),
		SharedPort:     s.cfg.Server.PublicPort(bound),
		TLS:            s.tls != nil,
		BehindTLSProxy: s.tls == nil && strings.HasPrefix(s.BaseURL(), "https://"),
	}
	if s.turnUDP != nil {
		_, a.UDPPort, _ = net.SplitHostPort(s.turnUDP.LocalAddr().String())
	}
	return a
}

// newProbeID names a network check's TURN identity.
func newProbeID() string {
	var id [6]byte
	_, _ = rand.Read(id[:])
	return hex.EncodeToString(id[:])
}

func (s *Server) redirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.BaseURL()+r.URL.RequestURI(), http.StatusPermanentRedirect)
}

// Run serves until ctx ends, then shuts down: clients are told, their
// connections and media closed, and Run returns within the configured
// shutdown timeout.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 4)
	go func() { errc <- s.mux.Serve() }()
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go s.endEmptyMeetings(sweepCtx)
	go s.recordings.KeepDeleting(sweepCtx, retentionSweep)
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
		"tls", s.cfg.TLS.Mode, "admin", s.AdminAddr(), "dev_mode", s.devMode,
		"personal_data_in_logs", s.cfg.Log.PersonalData, "version", buildinfo.Get().Version)

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
	// After signalling, whose leaves stop the recording of each person;
	// before the media plane: every file is finalised while its tracks
	// still exist.
	s.recordings.Close()
	if s.turn != nil {
		if err := s.turn.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.media.Close(); err != nil {
		errs = append(errs, err)
	}
	// Before the store: a reminder sent while the queue drains is marked
	// in it.
	if s.mailer != nil {
		if err := s.mailer.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: stop mail: %w", err))
		}
	}
	// After signalling: removing the participants records their leaves.
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("server: close the store: %w", err))
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

// DevMode reports whether the server runs without a room key: any room
// name works, for whoever reaches it, which New allows only on a socket
// bound to a loopback address.
func (s *Server) DevMode() bool { return s.devMode }

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

// RoomLink returns a link that joins a new ad-hoc room (see
// signaling.RoomKey.NewRoomLink).
func (s *Server) RoomLink() string {
	return signaling.RoomKey(s.cfg.Rooms.Key).NewRoomLink(s.BaseURL())
}

// NewLogger builds the slog logger the config asks for. Unless
// log.personal_data is true, display names and client addresses are
// redacted (see internal/logfilter).
func NewLogger(cfg config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	if !cfg.PersonalData {
		h = logfilter.Redact(h)
	}
	return slog.New(h)
}

// makeDataDir creates the data directory, readable by piiri's user only.
// An existing directory is left as it is, with a warning if others may
// read it: the admin may have had reasons.
func makeDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("server: create the data directory %s (data.dir): %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("server: data directory %s (data.dir): %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("server: data directory %s (data.dir) is not a directory", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the data directory is readable by other users; chmod 700 it", "dir", dir, "mode", fi.Mode().Perm().String())
	}
	return nil
}

// checkPublicBind refuses what is only safe on loopback when the shared
// port is bound elsewhere: no room key (dev mode), or plain HTTP with no
// TLS proxy in front. The config allows both for a listen host that is the
// name localhost, which a hosts file can point anywhere; the bound address
// is what decides.
func checkPublicBind(cfg config.Config, bound net.Addr) error {
	if loopbackOnly(bound) {
		return nil
	}
	if cfg.Rooms.Key == "" {
		return fmt.Errorf("server: server.listen %q is bound to %s, which is not a loopback address, and rooms.key is empty: anyone who reaches it could join any room; set rooms.key, or listen on 127.0.0.1",
			cfg.Server.Listen, bound)
	}
	if cfg.TLS.Mode == config.TLSOff && !strings.HasPrefix(strings.ToLower(cfg.Server.PublicURL), "https://") {
		return fmt.Errorf("server: server.listen %q is bound to %s, which is not a loopback address, and tls.mode is \"off\": the room key would cross the network in clear text; set tls.mode, or put a TLS proxy in front and set server.public_url to its https:// URL",
			cfg.Server.Listen, bound)
	}
	return nil
}

// loopbackOnly reports whether a socket bound to addr accepts connections
// from this machine only.
func loopbackOnly(addr net.Addr) bool {
	ap, err := netip.ParseAddrPort(addr.String())
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// portHint adds, to an error binding addr, what it takes to bind a port
// below 1024 without root: the kernel refuses those (EACCES) to processes
// without CAP_NET_BIND_SERVICE.
func portHint(err error, addr string) error {
	if !errors.Is(err, syscall.EACCES) {
		return err
	}
	_, p, splitErr := net.SplitHostPort(addr)
	port, atoiErr := strconv.Atoi(p)
	if splitErr != nil || atoiErr != nil || port == 0 || port >= 1024 {
		return err
	}
	exe, exeErr := os.Executable()
	if exeErr != nil {
		exe = "/usr/local/bin/piiri"
	}
	return fmt.Errorf("%w\nPort %d is below 1024, which needs the CAP_NET_BIND_SERVICE capability: give it to the binary with `setcap cap_net_bind_service=+ep %s`, or under systemd with AmbientCapabilities=CAP_NET_BIND_SERVICE (scripts/piiri.service has it)", err, port, exe)
}
