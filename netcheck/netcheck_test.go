package netcheck_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"piiri/config"
	"piiri/netcheck"
	"piiri/server/servertest"
)

func byCheck(results []netcheck.Result) map[string]netcheck.Result {
	out := map[string]netcheck.Result{}
	for _, r := range results {
		out[r.Check] = r
	}
	return out
}

// TestAllOpen: against a server on this machine every check the server
// offers passes (TURN over TLS is not offered without TLS), and the
// verdict says UDP.
func TestAllOpen(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) { c.Rooms.Key = "netcheck-test-key-0123456789" })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := netcheck.Run(ctx, srv.RoomLink(), netcheck.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got := byCheck(results)
	for _, check := range []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNUDP, netcheck.CheckTURNTCP, netcheck.CheckICEUDP, netcheck.CheckICETCP} {
		if got[check].Status != netcheck.OK {
			t.Errorf("%s: %s %s", check, got[check].Status, got[check].Detail)
		}
	}
	if r := got[netcheck.CheckTURNTLS]; r.Status != netcheck.Skipped {
		t.Errorf("TURN over TLS without TLS: %s %s", r.Status, r.Detail)
	}
	v := netcheck.Judge(results, "127.0.0.1", "8080")
	if !v.Works || !strings.Contains(v.Summary, "over UDP") {
		t.Errorf("verdict %+v", v)
	}
	var out strings.Builder
	netcheck.Print(&out, results, v)
	t.Logf("\n%s", out.String())
}

// TestWithoutKey: a link without the room key gets the page and websocket
// checks, and says plainly why the rest were skipped.
func TestWithoutKey(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) { c.Rooms.Key = "netcheck-test-key-0123456789" })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := netcheck.Run(ctx, srv.BaseURL(), netcheck.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got := byCheck(results)
	if got[netcheck.CheckHTTPS].Status != netcheck.OK || got[netcheck.CheckWebsocket].Status != netcheck.OK {
		t.Errorf("page checks: %+v", results)
	}
	for _, check := range []string{netcheck.CheckTURNUDP, netcheck.CheckICETCP} {
		if r := got[check]; r.Status != netcheck.Skipped || !strings.Contains(r.Detail, "#key=") {
			t.Errorf("%s without a key: %s %q", check, r.Status, r.Detail)
		}
	}
}

// TestWrongKey: a link whose key the server refuses says so in the TURN
// and media checks, rather than asking for a key the link already has, and
// the verdict says media could not be checked, not that it is blocked.
func TestWrongKey(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) { c.Rooms.Key = "netcheck-test-key-0123456789" })
	link, _, _ := strings.Cut(srv.RoomLink(), "#")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := netcheck.Run(ctx, link+"#key=not-the-key-0123456789", netcheck.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got := byCheck(results)
	if got[netcheck.CheckHTTPS].Status != netcheck.OK || got[netcheck.CheckWebsocket].Status != netcheck.OK {
		t.Errorf("page checks: %+v", results)
	}
	for _, check := range []string{netcheck.CheckTURNUDP, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICEUDP, netcheck.CheckICETCP} {
		if r := got[check]; r.Status != netcheck.Skipped || !strings.Contains(r.Detail, "refused the room key (403") {
			t.Errorf("%s with a wrong key: %s %q", check, r.Status, r.Detail)
		}
	}
	v := netcheck.Judge(results, "127.0.0.1", "8080")
	if v.Works || !strings.Contains(v.Summary, "could not be checked") || !strings.Contains(v.Summary, "refused the room key") {
		t.Errorf("verdict with a wrong key: %+v", v)
	}
}

// TestCredentialsError: any other failure to get TURN credentials is
// reported in the TURN checks, not dropped.
func TestCredentialsError(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /api/netcheck", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := netcheck.Run(ctx, hs.URL+"/?room=x#key=k", netcheck.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, check := range []string{netcheck.CheckTURNUDP, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS} {
		if r := byCheck(results)[check]; r.Status != netcheck.Skipped || !strings.Contains(r.Detail, "500 Internal Server Error") {
			t.Errorf("%s when the server fails: %s %q", check, r.Status, r.Detail)
		}
	}
}

// TestNothingThere: a server that does not answer gives a clear failure.
func TestNothingThere(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := netcheck.Run(ctx, "http://127.0.0.1:1/?room=x", netcheck.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	v := netcheck.Judge(results, "127.0.0.1", "8080")
	if v.Works || !strings.Contains(v.Summary, "cannot be reached") {
		t.Errorf("verdict %+v for %+v", v, results)
	}
	if _, err := netcheck.Run(ctx, "not a link", netcheck.Options{}); err == nil {
		t.Error("a bad link was accepted")
	}
}

// TestStopsWithContext: a media check that cannot connect ends when the
// caller's context does, not only when its own timeout runs out.
func TestStopsWithContext(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) {
		c.Rooms.Key = "netcheck-test-key-0123456789"
		c.Media.ICETCP = false // media over TCP cannot connect
	})
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	start := time.Now()
	results, err := netcheck.Run(ctx, srv.RoomLink(), netcheck.Options{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Run took %v after its context ended at 8s", d)
	}
	if r := byCheck(results)[netcheck.CheckICETCP]; r.Status != netcheck.Failed {
		t.Errorf("media over TCP without ICE-TCP: %s %q", r.Status, r.Detail)
	}
}

// TestJudge covers the verdicts from results alone.
func TestJudge(t *testing.T) {
	res := func(ok ...string) []netcheck.Result {
		var out []netcheck.Result
		for _, c := range []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNUDP, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICEUDP, netcheck.CheckICETCP} {
			st := netcheck.Failed
			for _, o := range ok {
				if o == c {
					st = netcheck.OK
				}
			}
			out = append(out, netcheck.Result{Check: c, Status: st})
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		ok     []string
		works  bool
		says   string
		advice string
	}{
		{"everything", []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNUDP, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICEUDP, netcheck.CheckICETCP}, true, "over UDP", "TCP port 443"},
		{"tcp only", []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICETCP}, true, "over TCP port 443", "UDP port 3478"},
		{"tls only", []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNTLS}, true, "over TLS", "exempt"},
		{"page only", []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket}, false, "cannot get through", "TCP port 443"},
		{"no websocket", []string{netcheck.CheckHTTPS}, false, "websocket", ""},
	} {
		v := netcheck.Judge(res(tc.ok...), "meet.example.org", "443")
		if v.Works != tc.works || !strings.Contains(v.Summary, tc.says) {
			t.Errorf("%s: %+v", tc.name, v)
		}
		if tc.advice != "" && !strings.Contains(strings.Join(v.Advice, " "), tc.advice) {
			t.Errorf("%s: advice %v lacks %q", tc.name, v.Advice, tc.advice)
		}
	}
}
