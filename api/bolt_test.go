package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"piiri/control"
	"piiri/store"
)

// boltAPI is the API over a bbolt store in dir, with the real clock and
// fsync on, as in production.
func boltAPI(tb testing.TB, dir string) (*store.DB, *control.Service, http.Handler) {
	tb.Helper()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := control.New(db, control.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	a, err := New(Config{Control: svc, BaseURL: func() string { return baseURL }})
	if err != nil {
		tb.Fatal(err)
	}
	return db, svc, a.Handler()
}

func send(tb testing.TB, h http.Handler, method, path, token, body string, status int) *httptest.ResponseRecorder {
	tb.Helper()
	w := serveOnce(h, method, path, token, body)
	if w.Code != status {
		tb.Fatalf("%s %s: status %d, want %d: %s", method, path, w.Code, status, w.Body)
	}
	return w
}

func serveOnce(h http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, path, stringsReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestBoltSmoke: the API over the bbolt store in a temp dir; what it
// acknowledged is there after the store is closed and opened again.
func TestBoltSmoke(t *testing.T) {
	dir := t.TempDir()
	db, svc, h := boltAPI(t, dir)
	admin, _, err := svc.EnsureAdminToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var g Group
	decodeInto(t, send(t, h, "POST", "/api/v1/groups", admin, `{"name": "Vertaisryhmä"}`, 201), &g)
	var fac, mem PersonLink
	decodeInto(t, send(t, h, "POST", "/api/v1/groups/"+g.ID+"/people", admin, `{"name": "Fia", "role": "facilitator"}`, 201), &fac)
	decodeInto(t, send(t, h, "POST", "/api/v1/groups/"+g.ID+"/people", fac.Link.Token, `{"name": "Aino", "role": "member"}`, 201), &mem)
	send(t, h, "POST", "/api/v1/me/agreement", mem.Link.Token, `{"version": 1}`, 200)
	start := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Minute).Format(time.RFC3339)
	var m Meeting
	decodeInto(t, send(t, h, "POST", "/api/v1/groups/"+g.ID+"/meetings", fac.Link.Token, `{"start": "`+start+`", "theme": "Työn imu"}`, 201), &m)
	send(t, h, "PUT", "/api/v1/meetings/"+m.ID+"/rsvps/"+mem.Person.ID, mem.Link.Token, `{"answer": "coming"}`, 200)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db2, _, h2 := boltAPI(t, dir)
	defer db2.Close()
	var page GroupPage
	decodeInto(t, send(t, h2, "GET", "/api/v1/groups/"+g.ID, fac.Link.Token, "", 200), &page)
	if page.Next == nil || page.Next.Theme != "Työn imu" || page.Next.RSVPs[mem.Person.ID].Answer != "coming" || len(page.People) != 2 {
		t.Fatalf("after reopening: %+v", page)
	}
	var me Me
	decodeInto(t, send(t, h2, "GET", "/api/v1/me", mem.Link.Token, "", 200), &me)
	if !me.Agreement.Accepted {
		t.Error("the acceptance was lost")
	}
}
