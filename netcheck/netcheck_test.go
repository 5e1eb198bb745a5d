package netcheck_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"piiri/config"
	"piiri/netcheck"
	"piiri/server/servertest"
	"piiri/signaling"
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
	// Its test participants left: they are gone at once, not after the
	// resume grace period.
	if c := srv.Signaling().Counts(); c != (signaling.Counts{}) {
		t.Errorf("after netcheck the server still has %+v", c)
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
	// The media checks name the server's own addresses: ICE-TCP is on
	// the shared port, ICE-UDP on the media port.
	if r := got[netcheck.CheckICETCP]; r.Target != srv.SharedAddr()+"/tcp" {
		t.Errorf("media over TCP tried %q, want %q", r.Target, srv.SharedAddr()+"/tcp")
	}
	if r := got[netcheck.CheckICEUDP]; !strings.HasPrefix(r.Target, "127.0.0.1:") || !strings.HasSuffix(r.Target, "/udp") {
		t.Errorf("media over UDP tried %q, want 127.0.0.1:port/udp", r.Target)
	}
	_, port, err := net.SplitHostPort(srv.SharedAddr())
	if err != nil {
		t.Fatal(err)
	}
	v := netcheck.Judge(results, "127.0.0.1", port)
	if !v.Works || !strings.Contains(v.Summary, "over UDP") {
		t.Errorf("verdict %+v", v)
	}
	if advice := strings.Join(v.Advice, " "); !strings.Contains(advice, "TCP port "+port) || strings.Contains(advice, "UDP") {
		t.Errorf("advice when everything works: %q", advice)
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

// TestJudge covers the verdicts from results alone, with the ports a
// server uses by default and with others: every port named must be one
// the results tried, and advice to open UDP only comes when UDP failed.
func TestJudge(t *testing.T) {
	all := []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNUDP, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICEUDP, netcheck.CheckICETCP}
	defaultPorts := map[string]string{
		netcheck.CheckHTTPS: "meet.example.org:443/tcp", netcheck.CheckWebsocket: "meet.example.org:443/tcp",
		netcheck.CheckTURNUDP: "meet.example.org:3478/udp", netcheck.CheckTURNTCP: "meet.example.org:443/tcp",
		netcheck.CheckTURNTLS: "meet.example.org:443/tcp", netcheck.CheckICEUDP: "192.0.2.1:443/udp", netcheck.CheckICETCP: "192.0.2.1:443/tcp",
	}
	otherPorts := map[string]string{
		netcheck.CheckHTTPS: "meet.example.org:8443/tcp", netcheck.CheckWebsocket: "meet.example.org:8443/tcp",
		netcheck.CheckTURNUDP: "meet.example.org:3479/udp", netcheck.CheckTURNTCP: "meet.example.org:8443/tcp",
		netcheck.CheckTURNTLS: "meet.example.org:8443/tcp", netcheck.CheckICEUDP: "192.0.2.1:40000/udp", netcheck.CheckICETCP: "192.0.2.1:8443/tcp",
	}
	// res has the checks in ok pass, the rest fail, with targets.
	res := func(targets map[string]string, ok ...string) []netcheck.Result {
		var out []netcheck.Result
		for _, c := range all {
			st := netcheck.Failed
			if slices.Contains(ok, c) {
				st = netcheck.OK
			}
			out = append(out, netcheck.Result{Check: c, Target: targets[c], Status: st})
		}
		return out
	}
	page := []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket}
	with := func(checks ...string) []string { return append(slices.Clone(page), checks...) }
	skippedMedia := res(defaultPorts, page...)
	for i, r := range skippedMedia {
		if !slices.Contains(page, r.Check) {
			skippedMedia[i] = netcheck.Result{Check: r.Check, Status: netcheck.Skipped, Detail: "the server refused the room key (403 Forbidden)"}
		}
	}
	noMediaTarget := res(defaultPorts, with(netcheck.CheckTURNTCP)...)
	for i, r := range noMediaTarget {
		if r.Check == netcheck.CheckICEUDP {
			noMediaTarget[i].Target = "" // the test room could not be joined
		}
	}
	for _, tc := range []struct {
		name    string
		results []netcheck.Result
		port    string
		works   bool
		says    string
		advice  []string // each in the advice
		not     []string // none in the summary or the advice
	}{
		{"everything", res(defaultPorts, all...), "443", true, "over UDP",
			[]string{"TCP port 443 to meet.example.org"}, []string{"UDP port", "exempt", "3478"}},
		{"everything, other ports", res(otherPorts, all...), "8443", true, "over UDP",
			[]string{"TCP port 8443 to meet.example.org"}, []string{"UDP port", "port 443", "3478"}},
		{"tcp only", res(defaultPorts, with(netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICETCP)...), "443", true, "over TCP port 443",
			[]string{"UDP port 443 (media)", "UDP port 3478 (TURN)"}, []string{"exempt"}},
		{"tcp only, other ports", res(otherPorts, with(netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICETCP)...), "8443", true, "over TCP port 8443",
			[]string{"TCP port 8443 to", "UDP port 40000 (media) and UDP port 3479 (TURN)"}, []string{"port 443", "3478"}},
		{"relay over udp, other ports", res(otherPorts, with(netcheck.CheckTURNUDP, netcheck.CheckTURNTCP)...), "8443", true, "relay over UDP port 3479",
			[]string{"UDP port 40000 (media) to"}, []string{"(TURN)", "port 443", "3478"}},
		{"relay over tcp, other ports", res(otherPorts, with(netcheck.CheckTURNTCP)...), "8443", true, "relay over TCP port 8443",
			[]string{"UDP port 40000 (media)"}, []string{"port 443", "3478", "exempt"}},
		{"tls only", res(defaultPorts, with(netcheck.CheckTURNTLS)...), "443", true, "over TLS on TCP port 443",
			[]string{"only TLS on port 443", "exempt"}, nil},
		{"tls only, other ports", res(otherPorts, with(netcheck.CheckTURNTLS)...), "8443", true, "over TLS on TCP port 8443",
			[]string{"only TLS on port 8443", "exempt", "UDP port 40000 (media) and UDP port 3479 (TURN)"}, []string{"port 443", "3478"}},
		{"media port unknown", noMediaTarget, "443", true, "relay over TCP port 443",
			[]string{"the server's UDP media port", "UDP port 3478 (TURN)"}, []string{"UDP port 443"}},
		{"page only", res(defaultPorts, page...), "443", false, "cannot get through",
			[]string{"TCP port 443", "UDP port 443 (media)"}, nil},
		{"media not checked", skippedMedia, "443", false, "could not be checked: the server refused the room key",
			[]string{"TCP port 443"}, []string{"cannot get through", "UDP port"}},
		{"no websocket", res(defaultPorts, netcheck.CheckHTTPS), "443", false, "websocket", nil, nil},
	} {
		v := netcheck.Judge(tc.results, "meet.example.org", tc.port)
		if v.Works != tc.works || !strings.Contains(v.Summary, tc.says) {
			t.Errorf("%s: works %v, summary %q; want %v, %q", tc.name, v.Works, v.Summary, tc.works, tc.says)
		}
		advice := strings.Join(v.Advice, " | ")
		for _, a := range tc.advice {
			if !strings.Contains(advice, a) {
				t.Errorf("%s: advice %q lacks %q", tc.name, advice, a)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(v.Summary, n) || strings.Contains(advice, n) {
				t.Errorf("%s: %q in summary %q or advice %q", tc.name, n, v.Summary, advice)
			}
		}
	}
}

// TestJudgeProxy: results that went through a web proxy give a verdict
// that says so and advice for the proxy, naming it without credentials and
// the ports the checks tried.
func TestJudgeProxy(t *testing.T) {
	const proxy = "http://proxy.example:3128"
	results := []netcheck.Result{
		{Check: netcheck.CheckHTTPS, Target: "meet.example.org:8443/tcp", Via: proxy, Status: netcheck.OK},
		{Check: netcheck.CheckWebsocket, Target: "meet.example.org:8443/tcp", Via: proxy, Status: netcheck.OK},
		{Check: netcheck.CheckTURNUDP, Target: "meet.example.org:3479/udp", Status: netcheck.Failed},
		{Check: netcheck.CheckTURNTCP, Target: "meet.example.org:8443/tcp", Via: proxy, Status: netcheck.OK},
		{Check: netcheck.CheckTURNTLS, Target: "meet.example.org:8443/tcp", Via: proxy, Status: netcheck.OK},
		{Check: netcheck.CheckICEUDP, Target: "192.0.2.1:40000/udp", Status: netcheck.Failed},
		{Check: netcheck.CheckICETCP, Target: "192.0.2.1:8443/tcp", Via: proxy, Status: netcheck.Failed},
	}
	v := netcheck.Judge(results, "meet.example.org", "8443")
	if !v.Works || !strings.Contains(v.Summary, "relay over TCP port 8443 through the web proxy "+proxy) {
		t.Errorf("verdict through a proxy: %+v", v)
	}
	advice := strings.Join(v.Advice, " | ")
	for _, want := range []string{"uses the web proxy " + proxy, "allows CONNECT to meet.example.org port 8443", "CONNECT to the server's address 192.0.2.1 port 8443", "UDP port 40000 (media)"} {
		if !strings.Contains(advice, want) {
			t.Errorf("proxy advice %q lacks %q", advice, want)
		}
	}
	if strings.Contains(advice, "port 443 ") || strings.Contains(advice, "3478") || strings.Contains(advice, "outbound TCP") {
		t.Errorf("proxy advice %q", advice)
	}

	// Through the proxy, media over TCP is the best way when it works.
	results[6].Status = netcheck.OK
	v = netcheck.Judge(results, "meet.example.org", "8443")
	if !v.Works || !strings.Contains(v.Summary, "over TCP port 8443 through the web proxy "+proxy) {
		t.Errorf("verdict with media over TCP through a proxy: %+v", v)
	}

	// A proxy that wants a login: the verdict says so, not that the page
	// cannot be reached.
	auth := []netcheck.Result{
		{Check: netcheck.CheckHTTPS, Via: proxy, Status: netcheck.Failed, ProxyAuth: true},
		{Check: netcheck.CheckWebsocket, Via: proxy, Status: netcheck.Failed, ProxyAuth: true},
	}
	v = netcheck.Judge(auth, "meet.example.org", "443")
	if v.Works || !strings.Contains(v.Summary, "web proxy "+proxy+" needs authentication") || !strings.Contains(v.Summary, "HTTPS_PROXY=http://USER:PASSWORD@proxy.example:3128") {
		t.Errorf("verdict for a proxy that wants a login: %+v", v)
	}
}
