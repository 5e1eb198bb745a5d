package config

import (
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary files and environments to Parse. It must never
// panic; a config it accepts must pass Validate, have its derived values
// filled and keep the promises checkAccepted lists; a config it rejects must
// explain itself with one problem per line.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ doc, env string }{
		{Example(), ""},
		{"", ""},
		{"server:\n  listen: 0.0.0.0:8080\nrooms:\n  key: 0123456789abcdef\n", ""},
		{"server:\n  lisen: x\n", "PIIRI_SERVER_LISTN=x"},
		{"rooms:\n  max_participants: lots\n", "PIIRI_ROOMS_MAX_PARTICIPANTS=99"},
		{"media:\n  public_ips: [203.0.113.7, \"::1\"]\n", "PIIRI_MEDIA_PUBLIC_IPS=1.2.3.4,5.6.7.8"},
		{"a: &x [*x]\nmedia:\n  public_ips: *x\n", ""},
		{"- 1\n- 2\n", ""},
		{"log:\n  level: info\n---\nlog: {}\n", ""},
		{"signaling:\n  resume_grace: 10m\n  messages_per_second: NaN\n", "PIIRI_SIGNALING_RESUME_GRACE=-1s"},
		{"", "PIIRI_SERVER_LISTEN=[fe80::1%eth0]:8080\nPIIRI_ROOMS_KEY=0123456789abcdef"},
		{"server:\n  public_url: \"https://x/?a\"\n", "piiri_log_level=debug"},
		{"server:\n  listen: \":443\"\n  public_url: https://meet.example.com\ntls:\n  mode: acme\n  acme_cache_dir: /var/lib/piiri\nrooms:\n  key: 0123456789abcdef\n", ""},
		{"tls:\n  mode: files\n  cert_file: c.pem\n", "PIIRI_SERVER_PUBLIC_URL=https://203.0.113.7:8443/"},
		{"tls:\n  mode: acme\n", "PIIRI_SERVER_PUBLIC_URL=https://[2001:db8::1]"},
		{"server:\n  listen: 0.0.0.0:8080\n  public_url: http://x\nrooms:\n  key: 0123456789abcdef\n", "PIIRI_TLS_MODE=off"},
		{"", "PIIRI_SERVER_LISTEN=[::]:8080\nPIIRI_ROOMS_KEY=0123456789abcdef\nPIIRI_SERVER_PUBLIC_URL=HTTPS://x"},
		{"server:\n  trusted_proxies: [10.0.0.0/8, \"fe80::1%eth0\", x]\n", "PIIRI_SERVER_TRUSTED_PROXIES=1.2.3.4,::/0"},
		{"turn:\n  enabled: yes\n  udp_listen: \"off\"\n  secret: short\n", "PIIRI_MEDIA_ICE_TCP=no\nPIIRI_TURN_ENABLED=F"},
		{"turn:\n  credential_ttl: 24h\n  max_allocations_per_participant: 65\n", "PIIRI_TLS_MODE=self-signed"},
		{"admin:\n  listen: \":9090\"\n  allow_public: false\n", "PIIRI_ADMIN_LISTEN=0.0.0.0:1"},
		{"rooms:\n  key_file: /nonexistent\n", "PIIRI_TURN_SECRET_FILE=/dev/null"},
		{"data:\n  dir: \"\"\nlog:\n  personal_data: true\n", ""},
	} {
		f.Add([]byte(seed.doc), seed.env)
	}
	f.Fuzz(func(t *testing.T, data []byte, envText string) {
		var env []string
		if envText != "" {
			env = strings.Split(envText, "\n")
		}
		cfg, err := Parse(data, "fuzz.yaml", env)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse error is not a non-empty Errors: %T %v", err, err)
			}
			if lines := strings.Count(err.Error(), "\n") + 1; lines != len(errs) {
				t.Fatalf("%d problems printed on %d lines:\n%s", len(errs), lines, err)
			}
			for _, p := range errs {
				if p.Message == "" {
					t.Fatalf("problem without message: %#v", p)
				}
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that Validate rejects:\n%v\nconfig: %+v", err, cfg)
		}
		if cfg.Media.UDPListen == "" || cfg.TURN.UDPListen == "" {
			t.Fatalf("derived values not filled: %+v", cfg)
		}
		checkAccepted(t, cfg)
	})
}

// checkAccepted checks what an accepted config promises the rest of piiri,
// restated independently of the validation code.
func checkAccepted(t *testing.T, cfg Config) {
	t.Helper()
	host, _, err := net.SplitHostPort(cfg.Server.Listen)
	if err != nil {
		t.Fatalf("accepted server.listen %q does not split: %v", cfg.Server.Listen, err)
	}
	local := strings.EqualFold(host, "localhost")
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		local = true
	}
	var scheme string
	if u, err := url.Parse(cfg.Server.PublicURL); err == nil {
		scheme = u.Scheme
	}
	// Off loopback, pages are served over HTTPS (by piiri or a proxy) and
	// rooms need a key.
	if !local && cfg.TLS.Mode == TLSOff && scheme != "https" {
		t.Fatalf("accepted plain HTTP off loopback: listen %q, public_url %q", cfg.Server.Listen, cfg.Server.PublicURL)
	}
	if !local && cfg.Rooms.Key == "" {
		t.Fatalf("accepted no room key off loopback: listen %q", cfg.Server.Listen)
	}
	if cfg.TLS.Mode != TLSOff && cfg.Server.PublicURL == "" {
		t.Fatalf("accepted tls.mode %q without server.public_url", cfg.TLS.Mode)
	}
	if cfg.TLS.Mode == TLSFiles {
		if _, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile); err != nil {
			t.Fatalf("accepted tls.mode files whose files do not load: %+v: %v", cfg.TLS, err)
		}
	}
	if cfg.TLS.Mode == TLSACME && cfg.TLS.ACMECacheDir == "" {
		t.Fatalf("accepted tls.mode acme without a cache directory")
	}
	// The admin listener (pprof) stays on loopback unless allowed off it.
	if cfg.Admin.Listen != AdminOff && !cfg.Admin.AllowPublic {
		h, _, err := net.SplitHostPort(cfg.Admin.Listen)
		ip, ipErr := netip.ParseAddr(h)
		if err != nil || !strings.EqualFold(h, "localhost") && (ipErr != nil || !ip.Unmap().IsLoopback()) {
			t.Fatalf("accepted admin.listen %q off loopback without admin.allow_public", cfg.Admin.Listen)
		}
	}
	if cfg.Data.Dir == "" {
		t.Fatalf("accepted an empty data.dir")
	}
	// The certificate names the host clients use.
	pubHost := cfg.Server.PublicHost(cfg.Server.Listen)
	if pubHost == "" {
		t.Fatalf("no public host for %+v", cfg.Server)
	}
	if _, err := netip.ParseAddr(pubHost); err == nil && cfg.TLS.Mode == TLSACME {
		t.Fatalf("accepted ACME for the address %q", pubHost)
	}
	if n, err := strconv.Atoi(cfg.Server.PublicPort(cfg.Server.Listen)); err != nil || n < 0 || n > 65535 {
		t.Fatalf("public port %q for %+v", cfg.Server.PublicPort(cfg.Server.Listen), cfg.Server)
	}
	for _, p := range cfg.Server.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				t.Fatalf("accepted trusted proxy %q", p)
			}
		}
	}
}
