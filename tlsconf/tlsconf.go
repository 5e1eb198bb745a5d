// Package tlsconf builds the TLS configuration of the shared port from one
// of three sources: certificate and key files, ACME (Let's Encrypt or
// another CA, with the TLS-ALPN-01 challenge answered on the shared port
// itself), or a self-signed certificate for tests and LAN trials, kept in
// the data directory so that members accept the browser's warning once,
// not after every restart.
package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"piiri/internal/clock"
)

// Source is where the certificate comes from.
type Source int

// The certificate sources.
const (
	SourceFiles      Source = iota + 1 // CertFile and KeyFile
	SourceACME                         // an ACME CA, for Host
	SourceSelfSigned                   // generated for Host, kept in Dir
)

// Config says where the certificate comes from: Source picks it, and only
// that source's fields are read.
type Config struct {
	Source Source
	// Host is the public host name clients use; certificates must match it.
	Host string

	CertFile, KeyFile string // certificate chain and key, PEM

	ACMEEmail     string // where the CA sends expiry warnings
	ACMECacheDir  string // where certificates are kept across restarts
	ACMEDirectory string // the CA's directory URL; empty means Let's Encrypt

	// Dir keeps the self-signed certificate and its key across restarts
	// (SelfSignedCertFile, SelfSignedKeyFile). Empty makes a new one each
	// time, which browsers then warn about anew.
	Dir string
	// Clock decides whether a kept certificate is still valid; nil is
	// the real clock.
	Clock clock.Clock
	// Logger hears whether a self-signed certificate was made or reused;
	// nil discards it.
	Logger *slog.Logger
}

// The files in Config.Dir that hold the self-signed certificate and its
// key, both readable by piiri's user only.
const (
	SelfSignedCertFile = "self-signed-cert.pem"
	SelfSignedKeyFile  = "self-signed-key.pem"
)

// renewBefore is how long before its expiry a kept self-signed certificate
// is replaced at start, so a server is not left serving an expired one
// between restarts.
const renewBefore = 30 * 24 * time.Hour

// selfSignedValidity is how long a self-signed certificate is valid.
const selfSignedValidity = 365 * 24 * time.Hour

// New returns the TLS configuration. NextProtos offers HTTP/1.1 (the
// websocket needs it) and, with ACME, the TLS-ALPN-01 protocol.
func New(cfg Config) (*tls.Config, error) {
	base := &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
	}
	switch cfg.Source {
	case SourceFiles:
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tlsconf: load certificate %s and key %s: %w", cfg.CertFile, cfg.KeyFile, err)
		}
		base.Certificates = []tls.Certificate{cert}
	case SourceACME:
		if cfg.Host == "" || net.ParseIP(cfg.Host) != nil {
			return nil, errors.New("tlsconf: ACME needs a host name, not an address")
		}
		if cfg.ACMECacheDir == "" {
			// Without a cache every start asks the CA anew, and its rate
			// limits soon refuse.
			return nil, errors.New("tlsconf: ACME needs a cache directory")
		}
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			HostPolicy: autocert.HostWhitelist(cfg.Host),
			Email:      cfg.ACMEEmail,
		}
		m.Cache = autocert.DirCache(cfg.ACMECacheDir)
		if cfg.ACMEDirectory != "" {
			m.Client = &acme.Client{DirectoryURL: cfg.ACMEDirectory}
		}
		base.GetCertificate = m.GetCertificate
		base.NextProtos = append(base.NextProtos, acme.ALPNProto)
	case SourceSelfSigned:
		cert, err := keptSelfSigned(cfg)
		if err != nil {
			return nil, err
		}
		base.Certificates = []tls.Certificate{cert}
	default:
		return nil, fmt.Errorf("tlsconf: unknown certificate source %d", cfg.Source)
	}
	return base, nil
}

// keptSelfSigned returns the self-signed certificate kept in cfg.Dir when it
// is still valid for cfg.Host for a while, and otherwise makes a new one and
// keeps it there.
func keptSelfSigned(cfg Config) (tls.Certificate, error) {
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := clk.Now()
	if cfg.Dir == "" {
		return selfSigned(cfg.Host, now)
	}
	certPath := filepath.Join(cfg.Dir, SelfSignedCertFile)
	keyPath := filepath.Join(cfg.Dir, SelfSignedKeyFile)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err == nil && cert.Leaf == nil { // only with GODEBUG=x509keypairleaf=0
		cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0])
	}
	var why string
	switch {
	case errors.Is(err, fs.ErrNotExist):
		why = "none kept yet"
	case err != nil:
		why = "the kept one does not load: " + err.Error()
	case cert.Leaf.VerifyHostname(cfg.Host) != nil:
		why = "the kept one is for another host name"
	case now.Before(cert.Leaf.NotBefore) || !now.Add(renewBefore).Before(cert.Leaf.NotAfter):
		why = "the kept one expires on " + cert.Leaf.NotAfter.UTC().Format(time.DateOnly)
	default:
		log.Info("using the kept self-signed certificate", "file", certPath,
			"expires", cert.Leaf.NotAfter.UTC().Format(time.DateOnly), "spki_sha256", SPKIHash(cert.Leaf))
		return cert, nil
	}
	cert, err = selfSigned(cfg.Host, now)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconf: encode key: %w", err)
	}
	// The key first: a crash between the two leaves a pair that does not
	// load, which the next start replaces.
	if err := writePrivate(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})); err != nil {
		return tls.Certificate{}, err
	}
	if err := writePrivate(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})); err != nil {
		return tls.Certificate{}, err
	}
	// Members' browsers warn about this certificate once more.
	log.Warn("made a new self-signed certificate; browsers will warn about it once", "why", why, "file", certPath,
		"expires", cert.Leaf.NotAfter.UTC().Format(time.DateOnly), "spki_sha256", SPKIHash(cert.Leaf))
	return cert, nil
}

// writePrivate replaces the file at path with data, readable by its owner
// only, so that a reader never sees half a file.
func writePrivate(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("tlsconf: keep the self-signed certificate: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename, there is nothing to remove
	// CreateTemp makes the file 0600 already; say so for the reader.
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return fmt.Errorf("tlsconf: keep the self-signed certificate: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("tlsconf: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("tlsconf: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("tlsconf: write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("tlsconf: keep the self-signed certificate: %w", err)
	}
	return nil
}

// SelfSigned generates a certificate for host (a name or an address),
// valid for a year. Browsers warn about it unless told to trust it.
func SelfSigned(host string) (tls.Certificate, error) {
	return selfSigned(host, time.Now())
}

func selfSigned(host string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconf: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconf: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host, Organization: []string{"piiri (self-signed)"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(selfSignedValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconf: create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconf: parse certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// SPKIHash is the base64 SHA-256 of a certificate's public key, the form
// Chromium's --ignore-certificate-errors-spki-list takes.
func SPKIHash(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}
