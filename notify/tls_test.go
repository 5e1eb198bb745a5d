package notify_test

import (
	"strings"
	"testing"

	"piiri/control"
	"piiri/notify"
)

// TestStartTLSAuth: with STARTTLS and credentials the message goes over
// TLS (the relay's test certificate verified against the configured
// roots) and AUTH PLAIN happens only after the upgrade.
func TestStartTLSAuth(t *testing.T) {
	srvTLS, roots := testCert(t)
	rcv := startReceiver(t, receiverOptions{tls: srvTLS, user: "piiri", password: "salasana ÅÄÖ"})
	h := newHarness(t, harnessOptions{receiver: rcv, config: func(c *notify.Config) {
		c.Security, c.RootCAs, c.Username, c.Password = notify.StartTLS, roots, "piiri", "salasana ÅÄÖ"
	}})
	h.add("Sanna Sähköposti", "sanna@example.fi", control.Finnish, control.RoleMember)
	got := rcv.waitFor(1)
	if !got[0].TLS || got[0].User != "piiri" {
		t.Fatalf("delivered with TLS %v as %q, want TLS as piiri", got[0].TLS, got[0].User)
	}
	parse(t, got[0].Data)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for _, a := range rcv.authSeen {
		if !a.tls {
			t.Errorf("AUTH was attempted in the clear: %+v", a)
		}
	}
	if len(rcv.authSeen) != 1 {
		t.Errorf("%d AUTH attempts, want 1", len(rcv.authSeen))
	}
}

// TestImplicitTLS: port-465 style, TLS from the first byte.
func TestImplicitTLS(t *testing.T) {
	srvTLS, roots := testCert(t)
	rcv := startReceiver(t, receiverOptions{tls: srvTLS, implicit: true, user: "piiri", password: "pw"})
	h := newHarness(t, harnessOptions{receiver: rcv, config: func(c *notify.Config) {
		c.Security, c.RootCAs, c.Username, c.Password = notify.ImplicitTLS, roots, "piiri", "pw"
	}})
	h.add("Sanna Sähköposti", "sanna@example.fi", control.Finnish, control.RoleMember)
	if got := rcv.waitFor(1); !got[0].TLS || got[0].User != "piiri" {
		t.Fatalf("delivered with TLS %v as %q", got[0].TLS, got[0].User)
	}
}

// TestTLSRefusals: what must not deliver does not, and is counted.
func TestTLSRefusals(t *testing.T) {
	srvTLS, roots := testCert(t)
	cases := []struct {
		name   string
		rcv    receiverOptions
		config func(*notify.Config)
		reason string
	}{
		// A relay that offers no STARTTLS: no fall back to the clear.
		{"no STARTTLS offered", receiverOptions{user: "piiri", password: "pw"}, func(c *notify.Config) {
			c.Security, c.RootCAs, c.Username, c.Password = notify.StartTLS, roots, "piiri", "pw"
		}, "unreachable"},
		// A certificate the roots do not vouch for (the system's).
		{"untrusted certificate", receiverOptions{tls: srvTLS, user: "piiri", password: "pw"}, func(c *notify.Config) {
			c.Security, c.Username, c.Password = notify.StartTLS, "piiri", "pw"
		}, "unreachable"},
		// A wrong password: 535, permanent.
		{"wrong password", receiverOptions{tls: srvTLS, user: "piiri", password: "pw"}, func(c *notify.Config) {
			c.Security, c.RootCAs, c.Username, c.Password = notify.StartTLS, roots, "piiri", "wrong"
		}, "refused"},
		// No credentials where the relay wants them: 5xx at MAIL.
		{"no credentials", receiverOptions{tls: srvTLS, user: "piiri", password: "pw"}, func(c *notify.Config) {
			c.Security, c.RootCAs = notify.StartTLS, roots
		}, "refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rcv := startReceiver(t, c.rcv)
			h := newHarness(t, harnessOptions{receiver: rcv, config: func(cfg *notify.Config) {
				c.config(cfg)
				cfg.Attempts = 1
			}})
			h.add("Sanna Sähköposti", "sanna@example.fi", control.Finnish, control.RoleMember)
			h.waitMetric("given up", 1, func() float64 { return h.failed("invitation", c.reason) })
			if n := len(rcv.messages()); n != 0 {
				t.Fatalf("%d messages delivered", n)
			}
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			for _, a := range rcv.authSeen {
				if !a.tls {
					t.Errorf("AUTH in the clear: %+v", a)
				}
			}
			h.checkLogs()
		})
	}
}

// TestConfig: bad settings are refused with the field named; a password
// is never allowed without TLS.
func TestConfig(t *testing.T) {
	good := notify.Config{Host: "smtp.example.fi", From: "Piiri <piiri@example.fi>", BaseURL: baseURL}
	cases := []struct {
		name string
		edit func(*notify.Config)
		want string
	}{
		{"password in the clear", func(c *notify.Config) { c.Security, c.Username, c.Password = notify.NoTLS, "u", "p" }, "without TLS"},
		{"username alone", func(c *notify.Config) { c.Username = "u" }, "username and password"},
		{"no host", func(c *notify.Config) { c.Host = "" }, "host"},
		{"bad from", func(c *notify.Config) { c.From = "not an address" }, "from"},
		{"bad reply-to", func(c *notify.Config) { c.ReplyTo = "@" }, "replyTo"},
		{"relative base URL", func(c *notify.Config) { c.BaseURL = "/piiri" }, "baseURL"},
		{"unknown security", func(c *notify.Config) { c.Security = "ssl" }, "security"},
		{"bad port", func(c *notify.Config) { c.Port = 70000 }, "port"},
		{"negative attempts", func(c *notify.Config) { c.Attempts = -1 }, "attempts"},
	}
	for _, c := range cases {
		cfg := good
		c.edit(&cfg)
		if m, err := notify.New(cfg, notify.Options{}); err == nil {
			_ = m.Close(t.Context())
			t.Errorf("%s: accepted", c.name)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want it to name %q", c.name, err, c.want)
		}
	}
	m, err := notify.New(good, notify.Options{})
	if err != nil {
		t.Fatalf("the good config: %v", err)
	}
	_ = m.Close(t.Context())
}
