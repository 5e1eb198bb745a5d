package tlsconf

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"piiri/internal/clock"
)

func TestSelfSigned(t *testing.T) {
	for _, host := range []string{"piiri.test", "203.0.113.1"} {
		cert, err := SelfSigned(host)
		if err != nil {
			t.Fatal(err)
		}
		if err := cert.Leaf.VerifyHostname(host); err != nil {
			t.Errorf("certificate for %s: %v", host, err)
		}
		if _, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok {
			t.Errorf("private key %T", cert.PrivateKey)
		}
		if h := SPKIHash(cert.Leaf); len(h) != 44 {
			t.Errorf("SPKI hash %q", h)
		}
	}
	// Files left in the config from another mode are not read: the
	// source alone decides.
	cfg, err := New(Config{Source: SourceSelfSigned, Host: "piiri.test", CertFile: "/nonexistent/cert.pem", KeyFile: "/nonexistent/key.pem"})
	if err != nil || len(cfg.Certificates) != 1 || cfg.MinVersion != tls.VersionTLS12 || !slices.Contains(cfg.NextProtos, "http/1.1") {
		t.Fatalf("self-signed config: %+v %v", cfg, err)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	cert, err := SelfSigned("meet.example.org")
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	cfg, err := New(Config{Source: SourceFiles, CertFile: certFile, KeyFile: keyFile})
	if err != nil || len(cfg.Certificates) != 1 {
		t.Fatalf("files: %v", err)
	}
	if _, err := New(Config{Source: SourceFiles, CertFile: filepath.Join(dir, "missing.pem"), KeyFile: keyFile}); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("missing file: %v, want an error naming it", err)
	}
	if _, err := New(Config{Source: SourceFiles, CertFile: keyFile, KeyFile: certFile}); err == nil {
		t.Error("swapped certificate and key were accepted")
	}
}

func TestACME(t *testing.T) {
	if _, err := New(Config{Source: SourceACME, Host: "meet.example.org"}); err == nil {
		t.Error("ACME without a cache directory accepted")
	}
	cfg, err := New(Config{Source: SourceACME, Host: "meet.example.org", ACMECacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cfg.NextProtos, "acme-tls/1") || cfg.GetCertificate == nil {
		t.Errorf("ACME config offers %v; want the TLS-ALPN-01 protocol and a certificate source", cfg.NextProtos)
	}
	// Only the configured name gets a certificate: anything else is
	// refused before the CA is ever asked.
	if _, err := cfg.GetCertificate(&tls.ClientHelloInfo{ServerName: "other.example.org"}); err == nil {
		t.Error("a certificate was sought for a name that is not the server's")
	}
	for _, host := range []string{"", "203.0.113.1"} {
		if _, err := New(Config{Source: SourceACME, Host: host}); err == nil {
			t.Errorf("ACME for host %q accepted", host)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Error("no certificate source accepted")
	}
}

// TestSelfSignedIsKept: the self-signed certificate survives a restart, so
// members accept the browser's warning once; it is remade when it is for
// another host, near its expiry, or its files are damaged.
func TestSelfSignedIsKept(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	load := func(host string) *x509.Certificate {
		t.Helper()
		cfg, err := New(Config{Source: SourceSelfSigned, Host: host, Dir: dir, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		leaf := cfg.Certificates[0].Leaf
		if err := leaf.VerifyHostname(host); err != nil {
			t.Fatalf("certificate for %s: %v", host, err)
		}
		return leaf
	}
	first := load("piiri.test")
	for _, name := range []string{SelfSignedCertFile, SelfSignedKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("not kept: %v", err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, perm)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files in the directory, want the certificate and the key only", len(entries))
	}
	if again := load("piiri.test"); !again.Equal(first) {
		t.Error("a restart made a new certificate; browsers would warn again")
	}

	// Another host name: a new certificate, kept in its place.
	other := load("203.0.113.1")
	if other.Equal(first) {
		t.Error("the certificate for piiri.test was reused for 203.0.113.1")
	}
	if again := load("203.0.113.1"); !again.Equal(other) {
		t.Error("the new certificate was not kept")
	}

	// Shortly before expiry it is replaced.
	clk.Advance(selfSignedValidity - renewBefore - time.Hour)
	if again := load("203.0.113.1"); !again.Equal(other) {
		t.Error("replaced more than a month before its expiry")
	}
	clk.Advance(2 * time.Hour)
	renewed := load("203.0.113.1")
	if renewed.Equal(other) {
		t.Error("not replaced within a month of its expiry")
	}
	if !renewed.NotAfter.After(clk.Now().Add(300 * 24 * time.Hour)) {
		t.Errorf("the new certificate expires %v", renewed.NotAfter)
	}

	// Damaged files are replaced, not fatal.
	if err := os.WriteFile(filepath.Join(dir, SelfSignedKeyFile), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if again := load("203.0.113.1"); again.Equal(renewed) {
		t.Error("a certificate without its key was reused")
	}

	// A directory that cannot be written is an error that names it.
	if _, err := New(Config{Source: SourceSelfSigned, Host: "piiri.test", Dir: filepath.Join(dir, SelfSignedCertFile), Clock: clk}); err == nil {
		t.Error("a file as the directory was accepted")
	}
}
