package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"piiri/control"
	"piiri/control/controltest"
	"piiri/control/memstore"
	"piiri/internal/ratelimit"
	"piiri/store"
)

const baseURL = "https://piiri.example.fi"

// The roles a token can have toward the fixture's group.
const (
	rNone     = "none"
	rAdmin    = "admin"
	rFac      = "facilitator"
	rChair    = "chair" // the member the fixture's meeting is handed to
	rMember   = "member"
	rObserver = "observer"
	rOtherFac = "other-facilitator" // of another group
	rOtherMem = "other-member"
	rRevoked  = "revoked" // a member whose link was revoked
	// rResearcher is a member granted research: the group's recordings
	// and turn index.
	rResearcher = "researcher"
)

var allRoles = []string{rNone, rAdmin, rFac, rChair, rMember, rObserver, rOtherFac, rOtherMem, rRevoked, rResearcher}

func openMem(*testing.T) control.Store { return memstore.New() }

func openBolt(t *testing.T) control.Store {
	db, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// harness is the API over controltest's fixture: a real control.Service
// on a real store, served through the real handler.
type harness struct {
	t       *testing.T
	f       *controltest.Fixture
	api     *API
	h       http.Handler
	revoked control.Person
	limiter *ratelimit.PerSource
	admin   string // the admin token
}

func newHarness(t *testing.T, open controltest.Open) *harness {
	t.Helper()
	f := controltest.NewFixture(t, open, controltest.FixtureOptions{})
	limiter := ratelimit.NewFailedAuth(f.Clock)
	a, err := New(Config{Control: f.Svc, BaseURL: func() string { return baseURL + "/" }, Clock: f.Clock, FailedAuth: limiter, Recordings: newFakeRecordings(t, f.Members[1].ID, f.Meeting.ID)})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, f: f, api: a, h: a.Handler(), revoked: f.Members[4], limiter: limiter}
	if err := f.Svc.RevokeLink(f.Ctx, f.Admin(), h.revoked.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.GrantResearch(f.Ctx, f.Admin(), f.Members[3].ID, true); err != nil {
		t.Fatal(err)
	}
	if h.admin, _, err = f.Svc.EnsureAdminToken(f.Ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

// token is the token of a role ("" for none).
func (h *harness) token(role string) string {
	f := h.f
	switch role {
	case rAdmin:
		return h.admin
	case rFac:
		return f.Tokens[f.Facilitator.ID]
	case rChair:
		return f.Tokens[f.Members[0].ID]
	case rMember:
		return f.Tokens[f.Members[1].ID]
	case rObserver:
		return f.Tokens[f.Observer.ID]
	case rOtherFac:
		return f.Tokens[f.OtherFacilitator.ID]
	case rOtherMem:
		return f.Tokens[f.OtherMember.ID]
	case rRevoked:
		return f.Tokens[h.revoked.ID]
	case rResearcher:
		return f.Tokens[f.Members[3].ID]
	}
	return ""
}

// req is a request to make. Body is sent as it is when a string or
// []byte, else as JSON; ContentType defaults to application/json when
// there is a body.
type req struct {
	method, path string
	token        string
	body         any
	contentType  string
	remote       string
	header       http.Header
}

func (h *harness) do(r req) *httptest.ResponseRecorder {
	h.t.Helper()
	var body io.Reader
	ct := r.contentType
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	if body != nil && ct == "" {
		ct = "application/json"
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header[k] = v
	}
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, hr)
	return w
}

// call makes a request as role, wants status, and decodes the answer
// into out (strictly: a field the type lacks is an error).
func (h *harness) call(role, method, path string, body any, status int, out any) *httptest.ResponseRecorder {
	h.t.Helper()
	w := h.do(req{method: method, path: path, token: h.token(role), body: body})
	if w.Code != status {
		h.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, role, w.Code, status, w.Body)
	}
	if out != nil {
		// Decode into a zero value: fields the answer omits must not
		// keep what an earlier answer put there.
		v := reflect.ValueOf(out).Elem()
		v.Set(reflect.Zero(v.Type()))
		dec := json.NewDecoder(w.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(out); err != nil {
			h.t.Fatalf("%s %s: decode %T: %v", method, path, out, err)
		}
	}
	return w
}

// apiErr decodes an error body.
func apiErr(t *testing.T, w *httptest.ResponseRecorder) errorDetail {
	t.Helper()
	var b errorBody
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("error body %q: %v", w.Body, err)
	}
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("error body without code or message: %s", w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q", ct)
	}
	return b.Error
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func decodeInto(tb testing.TB, w *httptest.ResponseRecorder, out any) {
	tb.Helper()
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		tb.Fatalf("decode %T: %v\n%s", out, err, w.Body)
	}
}
