package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strings"

	"piiri/control"
	"piiri/metrics"
)

// Authentication: every /api/v1 request carries "Authorization: Bearer
// TOKEN", the admin token or a personal link's token; the calendar feeds
// carry the token in their URL, because calendar programs send no
// headers. A source address that presented too many wrong tokens is
// refused (429 with Retry-After) until its bucket refills, whatever it
// presents; other addresses are not affected.

var errNoToken = &apiError{status: http.StatusUnauthorized, code: "unauthenticated", msg: `no token: send the header "Authorization: Bearer TOKEN" with your link's token`}

// source is the request's client address, or the zero Addr when
// RemoteAddr is not an address (then it is not limited).
func source(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr()
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a
	}
	return netip.Addr{}
}

// authenticate resolves the request's bearer token.
func (a *API) authenticate(r *http.Request) (control.Principal, error) {
	if err := a.blocked(r); err != nil {
		return control.Principal{}, err
	}
	hdr := r.Header.Get("Authorization")
	if hdr == "" {
		return control.Principal{}, errNoToken
	}
	scheme, token, ok := strings.Cut(hdr, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return control.Principal{}, &apiError{status: http.StatusUnauthorized, code: "unauthenticated", msg: `the Authorization header must be "Bearer TOKEN"`}
	}
	return a.token(r, strings.TrimSpace(token))
}

// token resolves a presented token, counting a wrong one against the
// source.
func (a *API) token(r *http.Request, token string) (control.Principal, error) {
	if err := a.blocked(r); err != nil {
		return control.Principal{}, err
	}
	p, err := a.svc.Authenticate(r.Context(), token)
	if errors.Is(err, control.ErrUnauthenticated) {
		a.failed(r)
		return p, &apiError{status: http.StatusUnauthorized, code: "unauthenticated", msg: "unknown or revoked link"}
	}
	return p, err
}

func (a *API) blocked(r *http.Request) error {
	src := source(r)
	if !src.IsValid() {
		return nil
	}
	blocked, wait := a.limiter.Blocked(src)
	if !blocked {
		return nil
	}
	if a.metrics != nil {
		a.metrics.AuthRateLimited.WithLabelValues("api").Inc()
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return &apiError{
		status: http.StatusTooManyRequests, code: "rate_limited", retryAfter: secs,
		msg: fmt.Sprintf("too many wrong links from your address; try again in %d s", secs),
	}
}

func (a *API) failed(r *http.Request) {
	if a.metrics != nil {
		a.metrics.AuthFailures.WithLabelValues(metrics.CredentialLinkToken).Inc()
	}
	if src := source(r); src.IsValid() {
		a.limiter.Allow(src)
	}
}
