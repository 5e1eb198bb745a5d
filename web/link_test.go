package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPersonalLinkRedirect: a personal link goes on to the page with the
// token in the fragment (never sent to the server again); what cannot be
// a token is not found, and nothing of it reaches a header unchecked.
func TestPersonalLinkRedirect(t *testing.T) {
	h := Handler(Options{})
	for _, c := range []struct {
		path, location string
		status         int
	}{
		{"/g/nwyUbWFpKbsdFw5bxHPrB1LPU1E26SLcr-i6VCcMx7I", "../#g=nwyUbWFpKbsdFw5bxHPrB1LPU1E26SLcr-i6VCcMx7I", http.StatusFound},
		{"/g/short", "", http.StatusNotFound},
		{"/g/", "", http.StatusNotFound},
		{"/g/abcdefghijklmnopqrstuvwxyz/extra", "", http.StatusNotFound},
		{"/g/abcdefghijklmnop%0d%0aSet-Cookie:x", "", http.StatusNotFound},
		{"/g/abcdefghijklmnop.example.com", "", http.StatusNotFound},
	} {
		req := httptest.NewRequest("GET", c.path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.status || rec.Header().Get("Location") != c.location {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, rec.Code, rec.Header().Get("Location"), c.status, c.location)
		}
		if c.status == http.StatusFound && rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", c.path, rec.Header().Get("Cache-Control"))
		}
	}
}

// TestAdminPage: the admin link's path serves the client's page (which
// opens its admin half there), under the same security headers; nothing
// below it exists.
func TestAdminPage(t *testing.T) {
	h := Handler(Options{})
	index := httptest.NewRecorder()
	h.ServeHTTP(index, httptest.NewRequest("GET", "/", nil))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/admin", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != index.Body.String() {
		t.Fatalf("GET /admin: %d, %d bytes; want 200 and the page of /", rec.Code, rec.Body.Len())
	}
	if rec.Header().Get("Content-Security-Policy") == "" || rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("GET /admin lacks the page's security headers: %v", rec.Header())
	}
	for _, p := range []string{"/admin/", "/admin/x", "/adminx"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
}
