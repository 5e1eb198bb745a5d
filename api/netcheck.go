package api

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"piiri/control"
	"piiri/internal/ratelimit"
	"piiri/metrics"
)

// NetcheckKeyHeader carries the room key to /api/netcheck.
const NetcheckKeyHeader = "X-Piiri-Key"

// NetcheckCredentialTTL is how long a network check's TURN credentials
// allow new relays.
const NetcheckCredentialTTL = 10 * time.Minute

// ICEServer is one RTCIceServer as a browser configures it.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// NetcheckConfig is what /api/netcheck needs.
type NetcheckConfig struct {
	// RoomKeyOK reports whether a room key (header X-Piiri-Key) is the
	// server's; it admits ad-hoc rooms' people.
	RoomKeyOK func(key string) bool
	// Control, if set, also admits people by their personal link
	// ("Authorization: Bearer TOKEN").
	Control *control.Service
	// ICEServers mints the servers a check tests, for a probe of its own.
	ICEServers func(probeID string, ttl time.Duration) []ICEServer
	// NewID names each probe.
	NewID func() string
	// FailedAuth counts wrong keys and links per source (shared with the
	// rest of the server); Rate bounds the credentials one source gets.
	FailedAuth *ratelimit.PerSource
	Rate       *ratelimit.PerSource
	Metrics    *metrics.Metrics
	Logger     *slog.Logger
}

// Netcheck serves /api/netcheck: the ICE servers a network check (the
// pre-join page's, or piiri netcheck) tests, with credentials of their own
// that allow new relays for ten minutes. Only people with a link get them:
// the room key, or a personal link. Wrong keys count as failed logins, and
// each address gets credentials at a limited rate, since every set lets
// TURN allocations be made.
func Netcheck(cfg NetcheckConfig) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		src := source(r)
		if src.IsValid() {
			if blocked, wait := cfg.FailedAuth.Blocked(src); blocked {
				cfg.Metrics.AuthRateLimited.WithLabelValues("netcheck").Inc()
				writeError(w, cfg.Logger, r, tooMany("too many wrong keys or links from your address", wait))
				return
			}
		}
		if !netcheckAllowed(cfg, r) {
			cfg.Metrics.AuthFailures.WithLabelValues(metrics.CredentialRoomKey).Inc()
			if src.IsValid() {
				cfg.FailedAuth.Allow(src)
			}
			writeError(w, cfg.Logger, r, &apiError{status: http.StatusForbidden, code: "unauthorized",
				msg: "wrong or missing room key (header " + NetcheckKeyHeader + ") or personal link (Authorization: Bearer TOKEN)"})
			return
		}
		if src.IsValid() && !cfg.Rate.Allow(src) {
			_, wait := cfg.Rate.Blocked(src)
			cfg.Metrics.NetcheckRateLimited.Inc()
			cfg.Logger.Debug("network checks rate-limited", "remote", r.RemoteAddr)
			writeError(w, cfg.Logger, r, tooMany("too many network checks from this address", wait))
			return
		}
		servers := cfg.ICEServers("netcheck-"+cfg.NewID(), NetcheckCredentialTTL)
		writeJSON(w, http.StatusOK, struct {
			ICEServers []ICEServer `json:"iceServers"`
		}{servers})
	})
}

// netcheckAllowed reports whether the request carries the room key or a
// personal link that is valid.
func netcheckAllowed(cfg NetcheckConfig, r *http.Request) bool {
	if key := r.Header.Get(NetcheckKeyHeader); key != "" || r.Header.Get("Authorization") == "" {
		return cfg.RoomKeyOK(key)
	}
	if cfg.Control == nil {
		return false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	p, err := cfg.Control.Authenticate(r.Context(), strings.TrimSpace(token))
	return err == nil && !p.IsZero()
}

func tooMany(what string, wait time.Duration) *apiError {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return &apiError{status: http.StatusTooManyRequests, code: "rate_limited", retryAfter: secs,
		msg: fmt.Sprintf("%s; try again in %d s", what, secs)}
}
