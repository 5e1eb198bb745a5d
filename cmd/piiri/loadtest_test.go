package main

import (
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"piiri/config"
	"piiri/loadtest"
	"piiri/server/servertest"
)

func TestLoadtestArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"loadtest"}, 2, "give a meeting link"},
		{[]string{"loadtest", "-bitrate", "fast", "http://127.0.0.1:1/"}, 2, `"fast" is not a bitrate`},
		{[]string{"loadtest", "-size", "1", "http://127.0.0.1:1/"}, 1, "at least 2"},
		{[]string{"loadtest", "-h"}, 0, "-rooms"},
	} {
		code, _, errOut := runCmd(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("piiri %s: exit %d, %q; want exit %d saying %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
		}
	}
}

func TestParseBitrate(t *testing.T) {
	for in, want := range map[string]int{"600k": 600_000, "1.5M": 1_500_000, "250000": 250_000, "0": 0} {
		if got, err := parseBitrate(in); err != nil || got != want {
			t.Errorf("parseBitrate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1k", "k", "100G", "51M"} {
		if _, err := parseBitrate(in); err == nil {
			t.Errorf("parseBitrate(%q) accepted", in)
		}
	}
}

// TestLoadtestCommandOverTLS runs the command against a server with a
// self-signed certificate: refused with a hint without -ca, measured with
// it.
func TestLoadtestCommandOverTLS(t *testing.T) {
	var dataDir string
	srv := servertest.Start(t, func(c *config.Config) {
		c.TLS.Mode = config.TLSSelfSigned
		c.Server.PublicURL = "https://localhost"
		dataDir = c.Data.Dir
	})
	_, port, err := net.SplitHostPort(srv.SharedAddr())
	if err != nil {
		t.Fatal(err)
	}
	link := "https://localhost:" + port + "/?room=tls"
	code, _, errOut := runCmd("loadtest", "-size", "2", "-warmup", "0s", "-duration", "1s", link)
	if code != 1 || !strings.Contains(errOut, "give it with -ca FILE") {
		t.Errorf("without -ca: exit %d, %q; want 1 with the hint", code, errOut)
	}
	code, out, errOut := runCmd("loadtest", "-size", "2", "-warmup", "0s", "-duration", "1s", "-json",
		"-ca", filepath.Join(dataDir, "self-signed-cert.pem"), link)
	if code != 0 {
		t.Fatalf("with -ca: exit %d, %s", code, errOut)
	}
	var r loadtest.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("the -json output does not parse: %v\n%s", err, out)
	}
	if r.Total.Audio.Delivered == 0 || r.Total.Video.Delivered == 0 || r.Joins.Count != 2 {
		t.Errorf("report %+v: want media delivered between 2 bots", r.Total)
	}
}
