package server_test

import (
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"piiri/config"
	"piiri/server"
	"piiri/server/servertest"
)

// TestICEServers: the TURN URLs a client is given match how the shared
// port is reached: plain TCP without TLS; TCP and TLS when piiri
// terminates TLS; only TLS behind a TLS proxy (plain TURN cannot pass
// the proxy's TLS port). /api/netcheck hands out the same list.
func TestICEServers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*config.Config)
		scheme string
		host   string   // the public host name, in every URL
		want   []string // after the UDP URL
	}{
		{"no TLS", nil, "http", "127.0.0.1", []string{"turn:127.0.0.1:PORT?transport=tcp"}},
		{"TLS here", func(c *config.Config) {
			c.TLS.Mode = config.TLSSelfSigned
			c.Server.PublicURL = "https://piiri.test"
		}, "https", "piiri.test", []string{"turn:piiri.test:443?transport=tcp", "turns:piiri.test:443?transport=tcp"}},
		{"behind a TLS proxy", func(c *config.Config) {
			c.Server.PublicURL = "https://meet.example.org:8443"
		}, "http", "meet.example.org", []string{"turns:meet.example.org:8443?transport=tcp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := servertest.Start(t, tc.edit)
			servers := fetchICEServers(t, tc.scheme+"://"+srv.SharedAddr()+"/api/netcheck", "")
			if len(servers) != 1 || len(servers[0].URLs) == 0 {
				t.Fatalf("iceServers %+v", servers)
			}
			urls := servers[0].URLs
			udp := regexp.MustCompile(`^turn:` + regexp.QuoteMeta(tc.host) + `:\d+\?transport=udp$`)
			if !udp.MatchString(urls[0]) {
				t.Errorf("first URL %q, want TURN over UDP at %s", urls[0], tc.host)
			}
			want := slices.Clone(tc.want)
			for i, w := range want {
				_, port, _ := net.SplitHostPort(srv.SharedAddr())
				want[i] = strings.ReplaceAll(w, "PORT", port)
			}
			if !slices.Equal(urls[1:], want) {
				t.Errorf("URLs %q, want UDP then %q", urls, want)
			}
			if servers[0].Username == "" || servers[0].Credential == "" {
				t.Error("no credentials")
			}
		})
	}
}

// TestNetcheckNeedsTheKey: with a room key set, /api/netcheck refuses a
// request without it or with a wrong one, and answers the right one.
func TestNetcheckNeedsTheKey(t *testing.T) {
	const key = "0123456789abcdef"
	srv := servertest.Start(t, func(c *config.Config) { c.Rooms.Key = key })
	url := srv.BaseURL() + "/api/netcheck"
	for _, k := range []string{"", "wrong-key-wrong-key"} {
		req, _ := http.NewRequest("GET", url, nil)
		if k != "" {
			req.Header.Set(server.NetcheckKeyHeader, k)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("key %q: status %d, want 403", k, resp.StatusCode)
		}
	}
	if servers := fetchICEServers(t, url, key); len(servers) != 1 {
		t.Errorf("with the key: %+v", servers)
	}
}

type iceServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username"`
	Credential string   `json:"credential"`
}

func fetchICEServers(t *testing.T, url, key string) []iceServer {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(server.NetcheckKeyHeader, key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	var body struct {
		ICEServers []iceServer `json:"iceServers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return body.ICEServers
}
