package logfilter

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
)

func TestAddresses(t *testing.T) {
	for in, want := range map[string]string{
		"":                                      "",
		"no address here":                       "no address here",
		"from 198.51.100.7:50123":               "from [redacted]",
		"from 198.51.100.7.":                    "from [redacted].",
		"read tcp 10.0.0.1:443->198.51.100.7:9": "read tcp [redacted]->[redacted]",
		"peer [2001:db8::7]:443 left":           "peer [[redacted]]:443 left",
		"peer 2001:db8::7 left":                 "peer [redacted] left",
		"mapped ::ffff:198.51.100.7":            "mapped [redacted]",
		"Failed to read from candidate udp4 host 203.0.113.1:443 (resolved: 203.0.113.1:443): EOF": "Failed to read from candidate udp4 host [redacted] (resolved: [redacted]): EOF",
		// No one's address: kept, so local problems stay readable.
		"listening on 127.0.0.1:8080 and [::1]:8080 and 0.0.0.0:443 and :::443": "listening on 127.0.0.1:8080 and [::1]:8080 and 0.0.0.0:443 and :::443",
		// Things that only look like addresses.
		"at 12:34:56, took 1.5s, version 1.2.3, hash deadbeef, face:b00c": "at 12:34:56, took 1.5s, version 1.2.3, hash deadbeef, face:b00c",
		"ssrc=1234 seq 10.5 ab1.2.3.4 1.2.3.4x":                           "ssrc=1234 seq 10.5 ab1.2.3.4 1.2.3.4x",
	} {
		if got := Addresses(in); got != want {
			t.Errorf("Addresses(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

type addrValuer struct{ addr string }

func (v addrValuer) LogValue() slog.Value { return slog.StringValue(v.addr) }

// TestRedact logs through the filter into slog's JSON and text handlers
// and checks that no display name or client address gets through, however
// it is attached, while everything else does.
func TestRedact(t *testing.T) {
	const name, addr = "Maija Meikäläinen", "198.51.100.7"
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			var h slog.Handler = slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			if format == "text" {
				h = slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			}
			log := slog.New(Redact(h))
			remote := &net.TCPAddr{IP: net.ParseIP(addr), Port: 50123}

			log.Info("participant joined", "name", name, "remote", remote, "room", "tuesday", "participants", 3)
			log.With("remote", addr+":1").With("name", name).Info("with")
			log.WithGroup("client").Info("group", "name", name, slog.Group("conn", "remote", remote, "path", "udp"))
			log.Info("nested group", slog.Group("remote", "ip", addr, "port", 1)) // a whole group under a personal key
			log.Info("valuer", "remote", addrValuer{addr}, "peer", addrValuer{"127.0.0.1:5"})
			log.Warn("read failed", "err", fmt.Errorf("read tcp 10.0.0.1:443->%s:50123: %w", addr, errors.New("connection reset by peer")))
			log.Warn("text error", "error", "dial "+addr+":3478 refused")
			log.Debug("pion says Received 132 bytes of udp from " + addr + ":50123 on 10.0.0.1:3478")
			log.With(slog.Group("outer", "name", name)).WithGroup("g").With("remote", addr).Info("deep")

			out := buf.String()
			for _, leak := range []string{name, addr, "Meik"} {
				if strings.Contains(out, leak) {
					t.Errorf("%q leaked:\n%s", leak, out)
				}
			}
			for _, keep := range []string{"tuesday", "participants", "connection reset by peer", "udp", "127.0.0.1:5", "participant joined", "Received 132 bytes"} {
				if !strings.Contains(out, keep) {
					t.Errorf("%q was lost:\n%s", keep, out)
				}
			}
			if n := strings.Count(out, Redacted); n < 14 {
				t.Errorf("%d redactions, want at least 14:\n%s", n, out)
			}
		})
	}
}

func TestEnabledPassesThrough(t *testing.T) {
	h := Redact(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if h.Enabled(t.Context(), slog.LevelInfo) || !h.Enabled(t.Context(), slog.LevelWarn) {
		t.Error("Enabled does not follow the wrapped handler")
	}
}
