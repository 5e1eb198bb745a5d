// Package server assembles a running piiri from a validated config: the
// logger, metrics, SFU, signalling, the embedded web client, the public
// HTTP listener and the admin listener, and their graceful shutdown. It
// holds wiring only; every behaviour lives in the packages it wires.
package server

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"piiri/config"
	"piiri/metrics"
	"piiri/sfu"
	"piiri/signaling"
	"piiri/web"
)

// Server is a piiri server with its listeners open.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	metrics *metrics.Metrics
	media   *sfu.SFU
	signal  *signaling.Server

	httpLn  net.Listener
	http    *http.Server
	adminLn net.Listener // nil when the admin listener is off
	admin   *http.Server
}

// New opens the listeners and builds the server; Run serves. Opening early
// lets callers (and tests using port 0) learn the real addresses first.
func New(cfg config.Config, log *slog.Logger) (*Server, error) {
	s := &Server{cfg: cfg, log: log, metrics: metrics.New()}
	media, err := sfu.New(sfu.Config{
		UDPListen:           cfg.Media.UDPListen,
		PublicIPs:           cfg.Media.PublicIPs,
		KeyframeMinInterval: cfg.Media.KeyframeMinInterval,
		Logger:              log.With("component", "sfu"),
		Metrics:             s.metrics,
	})
	if err != nil {
		return nil, err
	}
	s.media = media
	s.signal = signaling.New(signaling.Config{
		RoomKey:            cfg.Rooms.Key,
		MaxParticipants:    cfg.Rooms.MaxParticipants,
		MaxMessageBytes:    cfg.Signaling.MaxMessageBytes,
		MessagesPerSecond:  cfg.Signaling.MessagesPerSecond,
		MessageBurst:       cfg.Signaling.MessageBurst,
		MaxInvalidMessages: cfg.Signaling.MaxInvalidMessages,
		ResumeGrace:        cfg.Signaling.ResumeGrace,
		Logger:             log.With("component", "signaling"),
		Metrics:            s.metrics,
	}, media)

	s.httpLn, err = net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		_ = media.Close()
		return nil, fmt.Errorf("server: listen on %s (server.listen): %w", cfg.Server.Listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", s.signal)
	mux.Handle("/", web.Handler())
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}

	if cfg.Admin.Listen != "off" {
		s.adminLn, err = net.Listen("tcp", cfg.Admin.Listen)
		if err != nil {
			_ = s.httpLn.Close()
			_ = media.Close()
			return nil, fmt.Errorf("server: listen on %s (admin.listen): %w", cfg.Admin.Listen, err)
		}
		admin := http.NewServeMux()
		admin.Handle("/metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
		admin.HandleFunc("/healthz", s.healthz)
		s.admin = &http.Server{Handler: admin, ReadHeaderTimeout: 10 * time.Second}
	}
	return s, nil
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
	errc := make(chan error, 2)
	go func() { errc <- serve(s.http, s.httpLn) }()
	if s.admin != nil {
		go func() { errc <- serve(s.admin, s.adminLn) }()
	}
	s.log.Info("piiri is serving", "url", s.BaseURL(), "media_udp", s.media.UDPAddr().String(), "admin", s.AdminAddr(), "dev_mode", s.cfg.DevMode())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		s.log.Error("listener failed; shutting down", "err", serveErr)
	}
	return errors.Join(serveErr, s.shutdown())
}

func serve(srv *http.Server, ln net.Listener) error {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) shutdown() error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout)
	defer cancel()
	var errs []error
	// Stop accepting first; http.Server.Shutdown does not wait for
	// hijacked websocket connections, which signalling closes itself.
	if err := s.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("server: stop HTTP: %w", err))
	}
	if err := s.signal.Shutdown(ctx); err != nil {
		errs = append(errs, err)
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
func (s *Server) BaseURL() string { return s.cfg.Server.BaseURL(s.httpLn.Addr().String()) }

// WebsocketURL is the signalling endpoint.
func (s *Server) WebsocketURL() string {
	u := s.BaseURL()
	u = strings.Replace(u, "https://", "wss://", 1)
	u = strings.Replace(u, "http://", "ws://", 1)
	return u + "/ws"
}

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
