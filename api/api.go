package api

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"

	"piiri/control"
	"piiri/internal/clock"
	"piiri/internal/ratelimit"
	"piiri/metrics"
)

// DefaultMaxBodyBytes is the largest request body accepted by default.
const DefaultMaxBodyBytes = 64 << 10

// Config is what the API needs. Control and BaseURL are required.
type Config struct {
	Control *control.Service
	// BaseURL returns the server's public URL without a trailing slash
	// (https://piiri.example.fi): personal links are BaseURL/g/TOKEN and
	// feeds BaseURL/cal/TOKEN.ics; its host names calendar UIDs.
	BaseURL func() string
	// FailedAuth limits wrong tokens per source address; nil means
	// ratelimit.NewFailedAuth. The server shares one limiter with
	// signalling.
	FailedAuth *ratelimit.PerSource
	Clock      clock.Clock // nil: the real clock
	Logger     *slog.Logger
	Metrics    *metrics.Metrics // optional
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int
	// Recordings are the meetings' recordings; nil: none are kept.
	Recordings Recordings
}

// API is the HTTP API over one control.Service.
type API struct {
	svc     *control.Service
	baseURL func() string
	limiter *ratelimit.PerSource
	clock   clock.Clock
	log     *slog.Logger
	metrics *metrics.Metrics
	maxBody int64
	mux     *http.ServeMux
	// recordings may be nil: the meetings have no recordings.
	recordings Recordings
}

// New builds the API.
func New(cfg Config) (*API, error) {
	if cfg.Control == nil {
		return nil, errors.New("api: Config.Control is required")
	}
	if cfg.BaseURL == nil {
		return nil, errors.New("api: Config.BaseURL is required")
	}
	a := &API{
		svc: cfg.Control, baseURL: cfg.BaseURL, limiter: cfg.FailedAuth, clock: cfg.Clock,
		log: cfg.Logger, metrics: cfg.Metrics, maxBody: int64(cfg.MaxBodyBytes),
		recordings: cfg.Recordings,
	}
	if a.clock == nil {
		a.clock = clock.Real{}
	}
	if a.limiter == nil {
		a.limiter = ratelimit.NewFailedAuth(a.clock)
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	a.mux = http.NewServeMux()
	for _, rt := range a.routes() {
		a.mux.Handle(rt.pattern, a.serve(rt))
	}
	return a, nil
}

// Handler serves /api/v1/... and /cal/...; mount it at both prefixes.
func (a *API) Handler() http.Handler { return http.HandlerFunc(a.ServeHTTP) }

// ServeHTTP routes a request. Requests that match no route get a JSON
// 404 or 405 (with Allow) rather than the mux's plain text, and so do
// unclean paths (//, /../), which the mux would redirect.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := a.mux.Handler(r)
	if pattern != "" && path.Clean(r.URL.Path) == r.URL.Path {
		a.mux.ServeHTTP(w, r) // sets the path values
		return
	}
	// Let the mux decide between 404 and 405, then answer in JSON.
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	status := probe.status
	if pattern != "" {
		status = http.StatusNotFound
	}
	if allow := probe.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	if status == http.StatusMethodNotAllowed {
		writeError(w, a.log, r, &apiError{status: status, code: "method_not_allowed", msg: r.Method + " is not allowed here"})
		return
	}
	writeError(w, a.log, r, &apiError{status: http.StatusNotFound, code: "no_such_endpoint", msg: "no such endpoint"})
}

// statusProbe records what the mux's own 404/405 handler would answer.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(s int)           { p.status = s }

// base is the configured public URL without a trailing slash.
func (a *API) base() string { return strings.TrimRight(a.baseURL(), "/") }

// host is the public URL's host name, for calendar UIDs.
func (a *API) host() string {
	u, err := url.Parse(a.base())
	if err != nil || u.Hostname() == "" {
		return "piiri"
	}
	return u.Hostname()
}

// roomURL is a personal link.
func (a *API) roomURL(token string) string { return a.base() + "/g/" + token }

// feedURL is a personal link's calendar feed.
func (a *API) feedURL(token string) string { return a.base() + "/cal/" + token + ".ics" }
