package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/internal/ratelimit"
	"piiri/metrics"
)

// TestFailedAuthIsRateLimitedPerSource: wrong tokens from one address
// use up its burst, then it gets 429 with Retry-After (even with a right
// token, so guessing stops paying), while the right token from another
// address keeps working; the bucket refills with time.
func TestFailedAuthIsRateLimitedPerSource(t *testing.T) {
	h := newHarness(t, openMem)
	bad, good := "192.0.2.66:4000", "198.51.100.7:5000"
	wrong := "WrongToken0123456789abcdefghijklmn"
	for i := range 10 {
		w := h.do(req{method: "GET", path: "/api/v1/me", token: wrong, remote: bad})
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, w.Code)
		}
	}
	for _, tok := range []string{wrong, h.token(rMember)} {
		w := h.do(req{method: "GET", path: "/api/v1/me", token: tok, remote: bad})
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("after the burst: status %d, want 429", w.Code)
		}
		e := apiErr(t, w)
		if e.Code != "rate_limited" || !strings.Contains(e.Message, "too many wrong links") {
			t.Errorf("error %+v", e)
		}
		if ra := w.Header().Get("Retry-After"); ra != "6" {
			t.Errorf("Retry-After %q, want 6", ra)
		}
	}
	// The feed is limited by the same bucket.
	if w := h.do(req{method: "GET", path: "/cal/" + h.token(rMember) + ".ics", remote: bad}); w.Code != http.StatusTooManyRequests {
		t.Errorf("feed from the blocked address: status %d, want 429", w.Code)
	}
	if w := h.do(req{method: "GET", path: "/api/v1/me", token: h.token(rMember), remote: good}); w.Code != http.StatusOK {
		t.Fatalf("the right token from another address: status %d: %s", w.Code, w.Body)
	}
	h.f.Clock.Advance(6 * time.Second)
	if w := h.do(req{method: "GET", path: "/api/v1/me", token: h.token(rMember), remote: bad}); w.Code != http.StatusOK {
		t.Fatalf("after a token came back: status %d", w.Code)
	}
	// A missing header is not a guess and costs nothing.
	h2 := newHarness(t, openMem)
	for range 20 {
		h2.do(req{method: "GET", path: "/api/v1/me", remote: bad})
	}
	if w := h2.do(req{method: "GET", path: "/api/v1/me", token: h2.token(rMember), remote: bad}); w.Code != http.StatusOK {
		t.Fatalf("requests without a token blocked the address: %d", w.Code)
	}
}

// TestAuthMetrics: wrong links and refusals are counted when metrics are
// given.
func TestAuthMetrics(t *testing.T) {
	h := newHarness(t, openMem)
	mx := metrics.New()
	a, err := New(Config{Control: h.f.Svc, BaseURL: func() string { return baseURL }, Clock: h.f.Clock, Metrics: mx,
		FailedAuth: ratelimit.New(ratelimit.Config{Every: time.Hour, Burst: 2}, h.f.Clock)})
	if err != nil {
		t.Fatal(err)
	}
	h.h = a.Handler()
	for range 3 {
		h.do(req{method: "GET", path: "/api/v1/me", token: "WrongToken0123456789abcdefghijklmn"})
	}
	if got := testutil.ToFloat64(mx.AuthFailures.WithLabelValues(metrics.CredentialLinkToken)); got != 2 {
		t.Errorf("auth failures %v, want 2", got)
	}
	if got := testutil.ToFloat64(mx.AuthRateLimited.WithLabelValues("api")); got != 1 {
		t.Errorf("rate limited %v, want 1", got)
	}
}

func TestBearerHeader(t *testing.T) {
	h := newHarness(t, openMem)
	for hdr, want := range map[string]int{
		"Bearer " + h.token(rMember):            200,
		"bearer " + h.token(rMember):            200,
		"Basic " + h.token(rMember):             401,
		"Bearer":                                401,
		"Bearer    ":                            401,
		h.token(rMember):                        401,
		"Bearer " + h.token(rMember) + " extra": 401,
	} {
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r.Header.Set("Authorization", hdr)
		w := httptest.NewRecorder()
		h.h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Authorization %q: status %d, want %d", strings.Replace(hdr, h.token(rMember), "TOKEN", 1), w.Code, want)
		}
		if w.Code == 401 && w.Header().Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	}
}

// TestTokensNeverLogged: requests with right and wrong tokens, feeds with
// tokens in the URL, errors, and a panic leave no token in the log.
func TestTokensNeverLogged(t *testing.T) {
	h := newHarness(t, openMem)
	var logs bytes.Buffer
	a, err := New(Config{Control: h.f.Svc, BaseURL: func() string { return baseURL }, Clock: h.f.Clock,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	h.h = a.Handler()
	wrong := "WrongToken0123456789abcdefghijklmn"
	tok := h.token(rMember)
	h.do(req{method: "GET", path: "/api/v1/me", token: tok})
	h.do(req{method: "GET", path: "/api/v1/me", token: wrong})
	h.do(req{method: "GET", path: "/cal/" + tok + ".ics"})
	h.do(req{method: "GET", path: "/cal/" + wrong + ".ics"})
	h.do(req{method: "GET", path: "/cal/" + tok + "/" + h.f.Meeting.ID + ".ics"})
	h.do(req{method: "GET", path: "/api/v1/people/" + h.f.Members[1].ID + "/link", token: tok})
	h.do(req{method: "POST", path: "/api/v1/people/" + h.f.Members[1].ID + "/link", token: tok})
	h.do(req{method: "GET", path: "/api/v1/groups/" + h.f.Group.ID, token: h.token(rFac)})
	a.serve(route{pattern: "GET /panic", endpoint: read(func(c *call) (noContent, error) { panic("boom " + c.r.Header.Get("X-Secret")) })}).
		ServeHTTP(httptest.NewRecorder(), func() *http.Request {
			r := httptest.NewRequest("GET", "/panic", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			return r
		}())
	if logs.Len() == 0 {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	for _, secret := range []string{tok, wrong, h.token(rFac), h.admin} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a token is in the log:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "GET /cal/{file}") {
		t.Errorf("the log does not name routes by pattern:\n%s", logs.String())
	}
}

// TestPanicIsA500: the last-resort recover answers 500 in JSON.
func TestPanicIsA500(t *testing.T) {
	h := newHarness(t, openMem)
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/panic", nil)
	r.Header.Set("Authorization", "Bearer "+h.token(rMember))
	h.api.serve(route{pattern: "GET /panic", endpoint: read(func(*call) (noContent, error) { panic("boom") })}).ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError || apiErr(t, w).Code != "internal" {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
}
