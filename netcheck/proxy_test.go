package netcheck_test

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"piiri/config"
	"piiri/netcheck"
	"piiri/server"
	"piiri/server/servertest"
	"piiri/signaling"
	"piiri/tlsconf"
)

// connectProxy is a web proxy that passes only HTTP CONNECT, as the
// proxies of locked-down networks do, optionally only with a Basic
// login. It records every tunnel it was asked for. (The firewall tests run
// squid; this one runs in-process for the package's own tests.)
type connectProxy struct {
	ln         net.Listener
	user, pass string // a login is required when user is set
	wg         sync.WaitGroup

	mu      sync.Mutex
	targets []string // CONNECT targets that were let through
	refused int      // requests refused for want of a login
}

func startProxy(t *testing.T, user, pass string) *connectProxy {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{ln: ln, user: user, pass: pass}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		p.wg.Wait()
	})
	return p
}

// url is the proxy's URL, with the given login if any.
func (p *connectProxy) url(user, pass string) *url.URL {
	u := &url.URL{Scheme: "http", Host: p.ln.Addr().String()}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	return u
}

func (p *connectProxy) seen() (targets []string, refused int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.targets), p.refused
}

func (p *connectProxy) handle(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if p.user != "" {
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(p.user+":"+p.pass))
		if req.Header.Get("Proxy-Authorization") != want {
			p.mu.Lock()
			p.refused++
			p.mu.Unlock()
			_, _ = io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
			return
		}
	}
	up, err := net.DialTimeout("tcp", req.Host, 5*time.Second)
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	p.mu.Lock()
	p.targets = append(p.targets, req.Host)
	p.mu.Unlock()
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	_ = c.Close()
	_ = up.Close()
	<-done
}

// always sends every connection through the proxy: the environment's
// settings (http.ProxyFromEnvironment's rules) never proxy loopback.
func always(u *url.URL) func(*url.URL) (*url.URL, error) {
	return func(*url.URL) (*url.URL, error) { return u, nil }
}

const testKey = "netcheck-test-key-0123456789"

// startTLS runs a server with TLS from a self-signed certificate for
// 127.0.0.1 and returns it, a meeting link to it, and the certificate's
// PEM file.
func startTLS(t *testing.T, edit func(*config.Config)) (srv *server.Server, link, caFile string) {
	t.Helper()
	dir := t.TempDir()
	cert, err := tlsconf.SelfSigned("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	srv = servertest.Start(t, func(c *config.Config) {
		c.Rooms.Key = testKey
		c.TLS = config.TLS{Mode: config.TLSFiles, CertFile: caFile, KeyFile: keyFile}
		if edit != nil {
			edit(c)
		}
	})
	return srv, fmt.Sprintf("https://%s/?room=x#key=%s", srv.SharedAddr(), testKey), caFile
}

func roots(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	pool, err := netcheck.LoadRootCAs(caFile)
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

// TestThroughProxy: with a web proxy set, every TCP check goes through it
// as a browser's would (CONNECT to the server's name for the page, the
// websocket and TURN over TCP and TLS, CONNECT to the server's address for
// media over TCP), passes, and says so; UDP is tried directly. The test
// participants are gone from the server the moment Run returns.
func TestThroughProxy(t *testing.T) {
	srv, link, caFile := startTLS(t, nil)
	proxy := startProxy(t, "", "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := netcheck.Run(ctx, link, netcheck.Options{Timeout: 10 * time.Second, RootCAs: roots(t, caFile), Proxy: always(proxy.url("", ""))})
	if err != nil {
		t.Fatal(err)
	}
	if c := srv.Signaling().Counts(); c != (signaling.Counts{}) {
		t.Errorf("after netcheck the server still has %+v: its test participants must leave at once", c)
	}
	got := byCheck(results)
	name := proxy.url("", "").String()
	for _, check := range []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICETCP} {
		if r := got[check]; r.Status != netcheck.OK || r.Via != name {
			t.Errorf("%s: %s via %q (%s); want ok via %s", check, r.Status, r.Via, r.Detail, name)
		}
	}
	for _, check := range []string{netcheck.CheckTURNUDP, netcheck.CheckICEUDP} {
		if r := got[check]; r.Status != netcheck.OK || r.Via != "" {
			t.Errorf("%s: %s via %q (%s); want ok, direct", check, r.Status, r.Via, r.Detail)
		}
	}
	// What the proxy was asked for: the server's name and port, and
	// (for ICE-TCP) the address of its TCP candidate, which here is the
	// same.
	targets, _ := proxy.seen()
	if len(targets) < 5 {
		t.Errorf("the proxy carried %d tunnels (%v), want one at least for each TCP check", len(targets), targets)
	}
	for _, tg := range targets {
		if tg != srv.SharedAddr() {
			t.Errorf("the proxy was asked for %q, want only the server's %s", tg, srv.SharedAddr())
		}
	}
	if r := got[netcheck.CheckICETCP]; r.Target != srv.SharedAddr()+"/tcp" {
		t.Errorf("media over TCP tried %q, want the server's candidate %s/tcp", r.Target, srv.SharedAddr())
	}
	var out strings.Builder
	_, port, _ := net.SplitHostPort(srv.SharedAddr())
	netcheck.Print(&out, results, netcheck.Judge(results, "127.0.0.1", port))
	if !strings.Contains(out.String(), "proxy "+name) {
		t.Errorf("the report does not say which checks went through the proxy:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// TestProxyAuth: a proxy that wants a login and gets none: the report says
// the proxy needs authentication and how to give it. With the login in the
// proxy URL everything works, and the password is nowhere in the report,
// not even in a failure that names the proxy.
func TestProxyAuth(t *testing.T) {
	const user, pass = "alice", "s3cret-Pa55"
	_, link, caFile := startTLS(t, nil)
	proxy := startProxy(t, user, pass)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool := roots(t, caFile)

	results, err := netcheck.Run(ctx, link, netcheck.Options{Timeout: 5 * time.Second, RootCAs: pool, Proxy: always(proxy.url("", ""))})
	if err != nil {
		t.Fatal(err)
	}
	for _, check := range []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket} {
		if r := byCheck(results)[check]; r.Status != netcheck.Failed || !r.ProxyAuth || !strings.Contains(r.Detail, "needs authentication") || !strings.Contains(r.Detail, "407") {
			t.Errorf("%s without a login: %s %q, ProxyAuth %v", check, r.Status, r.Detail, r.ProxyAuth)
		}
	}
	v := netcheck.Judge(results, "127.0.0.1", "443")
	if v.Works || !strings.Contains(v.Summary, "needs authentication") || !strings.Contains(v.Summary, "USER:PASSWORD@") {
		t.Errorf("verdict without a login: %+v", v)
	}
	var noLogin strings.Builder
	netcheck.Print(&noLogin, results, v)
	t.Logf("without a login:\n%s", noLogin.String())
	if _, refused := proxy.seen(); refused == 0 {
		t.Error("the proxy refused nothing: the login was not tested")
	}

	// With the login.
	results, err = netcheck.Run(ctx, link, netcheck.Options{Timeout: 5 * time.Second, RootCAs: pool, Proxy: always(proxy.url(user, pass))})
	if err != nil {
		t.Fatal(err)
	}
	got := byCheck(results)
	for _, check := range []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICETCP} {
		if r := got[check]; r.Status != netcheck.OK || r.Via == "" {
			t.Errorf("%s with a login: %s via %q %q", check, r.Status, r.Via, r.Detail)
		}
	}
	v = netcheck.Judge(results, "127.0.0.1", "443")
	var out strings.Builder
	netcheck.Print(&out, results, v)
	if strings.Contains(out.String(), pass) || strings.Contains(out.String(), user+":") {
		t.Errorf("the report shows the proxy's login:\n%s", out.String())
	}
	if !strings.Contains(out.String(), proxy.url("", "").String()) {
		t.Errorf("the report does not name the proxy:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// TestBadProxySetting: a proxy setting that is not a URL is refused with a
// message that does not repeat it (it may hold a password).
func TestBadProxySetting(t *testing.T) {
	const pass = "pa55-in-a-bad-url"
	t.Setenv("HTTPS_PROXY", "http://bob:"+pass+"@proxy.example:port")
	_, err := netcheck.Run(context.Background(), "https://meet.example.org/?room=x", netcheck.Options{Timeout: time.Second})
	if err == nil || strings.Contains(err.Error(), pass) || !strings.Contains(err.Error(), "HTTPS_PROXY") {
		t.Errorf("bad proxy setting: %v", err)
	}
}

// TestCA: a trial server with a self-signed certificate fails the checks
// that need TLS, with advice to use --ca; trusting its certificate makes
// HTTPS, the websocket and TURN over TLS pass.
func TestCA(t *testing.T) {
	_, link, caFile := startTLS(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	results, err := netcheck.Run(ctx, link, netcheck.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r := byCheck(results)[netcheck.CheckHTTPS]; r.Status != netcheck.Failed || !strings.Contains(r.Detail, "--ca") {
		t.Errorf("HTTPS to a self-signed server: %s %q", r.Status, r.Detail)
	}
	results, err = netcheck.Run(ctx, link, netcheck.Options{Timeout: 5 * time.Second, RootCAs: roots(t, caFile)})
	if err != nil {
		t.Fatal(err)
	}
	for _, check := range []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNTLS} {
		if r := byCheck(results)[check]; r.Status != netcheck.OK {
			t.Errorf("%s with --ca: %s %q", check, r.Status, r.Detail)
		}
	}
	if _, err := netcheck.LoadRootCAs(filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Error("a missing certificate file was accepted")
	}
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := netcheck.LoadRootCAs(empty); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a file without certificates: %v", err)
	}
}
