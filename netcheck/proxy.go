package netcheck

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/net/http/httpproxy"
)

// A web proxy is the only way out of many company and school networks.
// Browsers reach a piiri server through it as follows, and the checks do
// the same, so that their verdict is the browser's:
//
//   - HTTPS and the websocket: through the proxy (CONNECT for https and
//     wss, as http.Transport and browsers do).
//   - TURN over TCP and over TLS: a CONNECT tunnel to the TURN server's
//     host name and port, with TLS inside the tunnel for TURN over TLS.
//   - media over TCP (ICE-TCP): a CONNECT tunnel to the address of the
//     server's TCP candidate (its IP and port).
//   - TURN over UDP and media over UDP: never through a proxy, which
//     carries TCP only; tried directly.
//
// Which proxy, if any, is decided per destination as Go's
// http.ProxyFromEnvironment does (HTTPS_PROXY, HTTP_PROXY, NO_PROXY and
// their lower-case forms), asking for "https://host:port" for the TCP
// checks, as Chromium asks its proxy settings for its TCP media sockets.

// ProxyError is a web proxy refusing to open a tunnel.
type ProxyError struct {
	Proxy  string // the proxy's URL without credentials
	Target string // the host:port the tunnel was asked for
	Status string // such as "407 Proxy Authentication Required"
	Code   int
}

func (e *ProxyError) Error() string {
	if e.Code == http.StatusProxyAuthRequired {
		return fmt.Sprintf("the web proxy %s needs authentication (%s)", e.Proxy, e.Status)
	}
	return fmt.Sprintf("the web proxy %s refused a tunnel to %s (%s)", e.Proxy, e.Target, e.Status)
}

// hostOf is the host:port of a URL string, or the string itself.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// proxyName is a proxy URL for people to read: scheme and host only, never
// the user name or the password.
func proxyName(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// tunnelDialer opens TCP connections through one web proxy with HTTP
// CONNECT. The standard library does this inside http.Transport but
// offers no dialer, and golang.org/x/net/proxy speaks only SOCKS5.
type tunnelDialer struct {
	proxy *url.URL
	roots *x509.CertPool // for a proxy spoken to over TLS (https://)
}

func newTunnelDialer(proxy *url.URL, roots *x509.CertPool) (*tunnelDialer, error) {
	if proxy.Scheme != "http" && proxy.Scheme != "https" {
		return nil, fmt.Errorf("the web proxy %s: netcheck speaks to http:// and https:// proxies, not %s://", proxyName(proxy), proxy.Scheme)
	}
	return &tunnelDialer{proxy: proxy, roots: roots}, nil
}

// DialContext opens a tunnel to addr ("host:port"). network must be a
// TCP network.
func (d *tunnelDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if !strings.HasPrefix(network, "tcp") {
		return nil, fmt.Errorf("a web proxy carries TCP only, not %s", network)
	}
	proxyAddr := d.proxy.Host
	if d.proxy.Port() == "" {
		proxyAddr = net.JoinHostPort(d.proxy.Hostname(), map[string]string{"http": "80", "https": "443"}[d.proxy.Scheme])
	}
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "tcp", proxyAddr)
	if err != nil {
		return nil, fmt.Errorf("no connection to the web proxy %s: %w", proxyName(d.proxy), err)
	}
	// The context bounds the handshake with the proxy too; once the
	// tunnel is up the connection is the caller's.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if d.proxy.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: d.proxy.Hostname(), RootCAs: d.roots, MinVersion: tls.VersionTLS12})
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("no TLS connection to the web proxy %s: %w", proxyName(d.proxy), err)
		}
		conn = tc
	}
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: addr},
		Host:   addr,
		Header: http.Header{},
	}
	if u := d.proxy.User; u != nil {
		pass, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
	}
	if err := req.Write(conn); err != nil {
		_ = conn.Close()
		return nil, d.ctxErr(ctx, fmt.Errorf("the web proxy %s: %w", proxyName(d.proxy), err))
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		_ = conn.Close()
		return nil, d.ctxErr(ctx, fmt.Errorf("the web proxy %s did not answer CONNECT: %w", proxyName(d.proxy), err))
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_ = conn.Close()
		return nil, &ProxyError{Proxy: proxyName(d.proxy), Target: addr, Status: resp.Status, Code: resp.StatusCode}
	}
	if !stop() {
		// The context ended as the answer came: the connection is
		// closed.
		return nil, d.ctxErr(ctx, net.ErrClosed)
	}
	if br.Buffered() > 0 {
		// Bytes the far end sent right after the proxy's answer.
		return &bufferedConn{Conn: conn, r: br}, nil
	}
	return conn, nil
}

// ctxErr prefers the context's error, which is why a read or write on a
// connection the context closed failed.
func (d *tunnelDialer) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("the web proxy %s: no answer: %w", proxyName(d.proxy), ctx.Err())
	}
	return err
}

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// proxies chooses the proxy per destination and remembers the credentials
// of every proxy it hands out, so that no message carries them.
type proxies struct {
	choose func(*url.URL) (*url.URL, error)
	roots  *x509.CertPool

	mu    sync.Mutex
	users []*url.Userinfo
}

// errBadProxy is a proxy setting that cannot be used. Its message names
// the variables, never their value, which may hold a password.
var errBadProxy = errors.New("netcheck: the web proxy setting (HTTPS_PROXY, HTTP_PROXY or NO_PROXY) is not usable: give a URL such as http://proxy.example:3128")

// envProxies reads the proxy settings from the environment as Go's
// http.ProxyFromEnvironment does, but at every call rather than once per
// process. A proxy URL that does not parse is an error here, where the
// standard library would quietly connect directly.
func envProxies() (func(*url.URL) (*url.URL, error), error) {
	cfg := httpproxy.FromEnvironment()
	for _, v := range []string{cfg.HTTPSProxy, cfg.HTTPProxy} {
		if v == "" {
			continue
		}
		if !strings.Contains(v, "://") {
			v = "http://" + v
		}
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			return nil, errBadProxy
		}
	}
	return cfg.ProxyFunc(), nil
}

// forURL is the proxy for a URL, nil for a direct connection.
func (p *proxies) forURL(u *url.URL) (*url.URL, error) {
	proxy, err := p.choose(u)
	if err != nil {
		return nil, errBadProxy
	}
	if proxy != nil && proxy.User != nil {
		p.mu.Lock()
		p.users = append(p.users, proxy.User)
		p.mu.Unlock()
	}
	return proxy, nil
}

// dial opens a TCP connection to addr ("host:port") through the proxy for
// it, or directly. via is the proxy's name, or "" for direct.
func (p *proxies) dial(ctx context.Context, addr string) (conn net.Conn, via string, err error) {
	return p.dialURL(ctx, &url.URL{Scheme: "https", Host: addr})
}

// dialURL opens a TCP connection to u.Host through the proxy for u, or
// directly.
func (p *proxies) dialURL(ctx context.Context, u *url.URL) (conn net.Conn, via string, err error) {
	addr := u.Host
	proxy, err := p.forURL(u)
	if err != nil {
		return nil, "", err
	}
	if proxy == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		return conn, "", err
	}
	td, err := newTunnelDialer(proxy, p.roots)
	if err != nil {
		return nil, proxyName(proxy), err
	}
	conn, err = td.DialContext(ctx, "tcp", addr)
	return conn, proxyName(proxy), err
}

// redact removes from s the user name and password of every proxy handed
// out, wherever a library's message may have put them.
func (p *proxies) redact(s string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.users {
		s = strings.ReplaceAll(s, u.String()+"@", "")
		if pass, ok := u.Password(); ok && pass != "" {
			s = strings.ReplaceAll(s, pass, "xxxxx")
			s = strings.ReplaceAll(s, url.QueryEscape(pass), "xxxxx")
		}
	}
	return s
}
