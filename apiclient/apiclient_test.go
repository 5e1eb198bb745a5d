package apiclient_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"piiri/api"
	"piiri/apiclient"
	"piiri/server/servertest"
)

// client is an admin client of a real server started for the test.
func client(t *testing.T) *apiclient.Client {
	t.Helper()
	srv := servertest.Start(t, nil)
	base, token, _ := strings.Cut(srv.AdminLink(), "/admin#")
	c, err := apiclient.New(base, token, apiclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClientAgainstServer: the endpoints the CLI uses, against a real
// server, and its error answers as *Error with code, message and field.
func TestClientAgainstServer(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	me, err := c.Me(ctx)
	if err != nil || me.Role != "admin" {
		t.Fatalf("Me: %+v %v", me, err)
	}
	g, err := c.CreateGroup(ctx, api.CreateGroupRequest{Name: "Ryhmä", TemplateID: "pair-mentoring"})
	if err != nil || g.TemplateID != "pair-mentoring" {
		t.Fatalf("CreateGroup: %+v %v", g, err)
	}
	pl, err := c.AddPerson(ctx, g.ID, api.PersonRequest{Name: "Mentori", Role: "facilitator"})
	if err != nil || pl.Link == nil || pl.Link.Token == "" {
		t.Fatalf("AddPerson: %+v %v", pl, err)
	}

	_, err = c.AddPerson(ctx, g.ID, api.PersonRequest{Name: "X", Role: "boss"})
	var ae *apiclient.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Code != "invalid" || ae.Field != "role" || ae.Message == "" {
		t.Fatalf("a wrong role: %#v", err)
	}
	if !strings.HasPrefix(ae.Error(), "role: ") || !strings.Contains(ae.Error(), "400 invalid") {
		t.Errorf("the error says %q", ae.Error())
	}
	// An odd ID is one path segment, never another endpoint (the
	// server's redirects to a cleaned path are not followed).
	for _, id := range []string{"../report", "..", "x/links", "?a=b", ""} {
		if _, err := c.Links(ctx, id); !errors.As(err, &ae) || (ae.Status/100 != 4 && ae.Status/100 != 3) {
			t.Errorf("Links(%q): %v, want a 3xx or 4xx", id, err)
		}
	}

	if err := c.RevokeLink(ctx, pl.Person.ID); err != nil {
		t.Fatal(err)
	}
	mentor, err := apiclient.New(c.BaseURL(), pl.Link.Token, apiclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mentor.Me(ctx); !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || ae.Code != "unauthenticated" {
		t.Errorf("a revoked link: %v, want 401", err)
	}
	l, err := c.ReissueLink(ctx, pl.Person.ID)
	if err != nil || l.Token == pl.Link.Token {
		t.Fatalf("ReissueLink: %+v %v", l, err)
	}

	p, err := c.PlanProgramme(ctx, g.ID, api.PlanRequest{First: "2027-01-14T17:30"})
	if err != nil || len(p.Meetings) != p.Progress.Planned || p.Progress.Planned == 0 {
		t.Fatalf("PlanProgramme: %+v %v", p.Progress, err)
	}
	var csv bytes.Buffer
	if err := c.GroupReportCSV(ctx, g.ID, apiclient.CSV{Sep: "semicolon"}, &csv); err != nil || !bytes.HasPrefix(csv.Bytes(), []byte("\xef\xbb\xbfnumber;")) {
		t.Errorf("GroupReportCSV: %v %q", err, csv.String())
	}
	if err := c.OverviewCSV(ctx, apiclient.CSV{Table: "people"}, &csv); !errors.As(err, &ae) || ae.Field != "table" {
		t.Errorf("OverviewCSV of a table it has not: %v", err)
	}
	if o, err := c.Overview(ctx); err != nil || len(o.Groups) != 1 {
		t.Errorf("Overview: %+v %v", o, err)
	}
}

// TestNotTheAPI: an answer from something else on the way (a proxy's
// error page, a web server that is not piiri) is described, not taken for
// the API's.
func TestNotTheAPI(t *testing.T) {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/me" {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>welcome</html>"))
			return
		}
		http.Error(w, "<html><body>502 Bad Gateway</body></html>", http.StatusBadGateway)
	}))
	defer proxy.Close()
	c, err := apiclient.New(proxy.URL, "some-token-1234567890abcdef", apiclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Groups(context.Background())
	var ae *apiclient.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadGateway || ae.Code != "" || !strings.Contains(ae.Message, "not an answer of the piiri API") {
		t.Errorf("a proxy's 502: %#v", err)
	}
	if _, err := c.Me(context.Background()); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("an HTML page: %v", err)
	}
}

// TestTimeout: a server that accepts and never answers ends in an error
// once the request's time is up, rather than hanging the command.
func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // held open, never answered
		}
	}()
	c, err := apiclient.New("http://"+l.Addr().String(), "some-token-1234567890abcdef", apiclient.Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var ne net.Error
	if _, err := c.Groups(context.Background()); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("a server that never answers: %v, want a timeout", err)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, c := range []struct{ base, token, want string }{
		{"meet.example.fi", "tok", "must start with https://"},
		{"ftp://meet.example.fi", "tok", "must start with https://"},
		{"https://", "tok", "names no host"},
		{"https://u:p@meet.example.fi", "tok", "user name"},
		{"https://meet.example.fi/admin#TOKEN", "tok", "without ?query or #fragment"},
		{"https://meet.example.fi/?x=1", "tok", "without ?query or #fragment"},
		{"https://meet.example.fi", "", "no token"},
		{"https://meet.example.fi", "tok\r\nX-Evil: 1", "control characters"},
	} {
		if _, err := apiclient.New(c.base, c.token, apiclient.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %q): %v, want %q", c.base, c.token, err, c.want)
		}
	}
	c, err := apiclient.New("https://meet.example.fi/piiri/", "tok", apiclient.Options{})
	if err != nil || c.BaseURL() != "https://meet.example.fi/piiri" {
		t.Errorf("a base with a path: %v %v", c, err)
	}
}
