package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary files and environments to Parse. It must never
// panic; a config it accepts must pass Validate and have its derived values
// filled; a config it rejects must explain itself with one problem per line.
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
		if cfg.Media.UDPListen == "" {
			t.Fatalf("derived values not filled: %+v", cfg)
		}
	})
}
