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
