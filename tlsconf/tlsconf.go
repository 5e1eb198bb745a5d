// Package tlsconf builds the TLS configuration of the shared port from one
// of three sources: certificate and key files, ACME (Let's Encrypt or
// another CA, with the TLS-ALPN-01 challenge answered on the shared port
// itself), or a certificate generated at start for tests and LAN trials.
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
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// Source is where the certificate comes from.
type Source int

// The certificate sources.
const (
	SourceFiles      Source = iota + 1 // CertFile and KeyFile
	SourceACME                         // an ACME CA, for Host
	SourceSelfSigned                   // generated at start, for Host
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
}

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
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			HostPolicy: autocert.HostWhitelist(cfg.Host),
			Email:      cfg.ACMEEmail,
		}
		if cfg.ACMECacheDir != "" {
			m.Cache = autocert.DirCache(cfg.ACMECacheDir)
		}
		if cfg.ACMEDirectory != "" {
			m.Client = &acme.Client{DirectoryURL: cfg.ACMEDirectory}
		}
		base.GetCertificate = m.GetCertificate
		base.NextProtos = append(base.NextProtos, acme.ALPNProto)
	case SourceSelfSigned:
		cert, err := SelfSigned(cfg.Host)
		if err != nil {
			return nil, err
		}
		base.Certificates = []tls.Certificate{cert}
	default:
		return nil, fmt.Errorf("tlsconf: unknown certificate source %d", cfg.Source)
	}
	return base, nil
}

// SelfSigned generates a certificate for host (a name or an address),
// valid for a year. Browsers warn about it unless told to trust it.
func SelfSigned(host string) (tls.Certificate, error) {
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
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
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
