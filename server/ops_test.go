package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"piiri/config"
	"piiri/internal/buildinfo"
	"piiri/server"
	"piiri/server/servertest"
)

// TestBuildInfo: /healthz and the metrics say which build is running.
func TestBuildInfo(t *testing.T) {
	srv := servertest.Start(t, nil)
	bi := buildinfo.Get()
	_, health := get(t, "http://"+srv.AdminAddr()+"/healthz")
	if !strings.HasPrefix(health, "ok\n"+bi.String()+"\n") {
		t.Errorf("/healthz = %q, want ok and then %q", health, bi)
	}
	_, metrics := get(t, "http://"+srv.AdminAddr()+"/metrics")
	want := `piiri_build_info{commit="` + bi.Commit + `",goversion="` + bi.GoVersion + `",version="` + bi.Version + `"} 1`
	if !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// TestSelfSignedSurvivesRestart: members accept the browser's warning
// about a self-signed certificate once; a restart serves the same one,
// from the data directory, which is readable by piiri's user only.
func TestSelfSignedSurvivesRestart(t *testing.T) {
	data := filepath.Join(t.TempDir(), "state")
	tlsOn := func(c *config.Config) {
		c.TLS.Mode = config.TLSSelfSigned
		c.Server.PublicURL = "https://piiri.test"
		c.Data.Dir = data
	}
	served := func() []byte {
		t.Helper()
		cfg := servertest.Config()
		tlsOn(&cfg)
		srv, err := server.New(cfg, servertest.Logger())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("shutdown: %v", err)
			}
		}()
		c, err := tls.Dial("tcp", srv.SharedAddr(), &tls.Config{InsecureSkipVerify: true, ServerName: "piiri.test"})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// HSTS on the pages once TLS is on.
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := client.Get("https://" + srv.SharedAddr() + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("Strict-Transport-Security %q with TLS on", got)
		}
		return c.ConnectionState().PeerCertificates[0].Raw
	}
	first := served()
	fi, err := os.Stat(data)
	if err != nil {
		t.Fatalf("data directory not created: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data directory mode %v, want 0700", perm)
	}
	if second := served(); !bytes.Equal(first, second) {
		t.Error("a restart served another self-signed certificate; members would accept a new warning")
	}

	// Plain HTTP on loopback: no HSTS, which would break other
	// development servers on localhost for a year.
	plain := servertest.Start(t, nil)
	resp, err := http.Get(plain.BaseURL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("Strict-Transport-Security %q on plain HTTP", got)
	}
}

// TestLoggerRedacts: the logger piiri serve builds leaves display names
// and client addresses out unless log.personal_data is true.
func TestLoggerRedacts(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		for _, personal := range []bool{false, true} {
			var buf bytes.Buffer
			log := server.NewLogger(config.Log{Format: format, Level: "info", PersonalData: personal}, &buf)
			log.With("remote", "198.51.100.7:50123").Info("participant joined", "name", "Maija", "room", "tuesday")
			out := buf.String()
			leaked := strings.Contains(out, "Maija") || strings.Contains(out, "198.51.100.7")
			if leaked == !personal || !strings.Contains(out, "tuesday") {
				t.Errorf("format %s, personal_data %v: %s", format, personal, out)
			}
		}
	}
}

// TestDataDirProblems: a data directory that cannot be made is an error
// naming the key.
func TestDataDirProblems(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := servertest.Config()
	cfg.Data.Dir = filepath.Join(file, "below")
	_, err := server.New(cfg, servertest.Logger())
	if err == nil || !strings.Contains(err.Error(), "data.dir") {
		t.Errorf("data directory under a file: %v", err)
	}
}
