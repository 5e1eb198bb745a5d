// Package netcheck tells, from the network it runs on, which ways to a
// piiri server work: HTTPS, the websocket, TURN over UDP, TCP and TLS, and
// media over UDP and TCP directly (ICE). It is what `piiri netcheck` runs
// from a member's network, and what an IT admin reads to decide which
// firewall rule to ask for.
package netcheck

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/logging"
	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"

	"piiri/bot"
)

// Check names, in the order they run.
const (
	CheckHTTPS     = "HTTPS"
	CheckWebsocket = "websocket"
	CheckTURNUDP   = "TURN over UDP"
	CheckTURNTCP   = "TURN over TCP"
	CheckTURNTLS   = "TURN over TLS"
	CheckICEUDP    = "media over UDP"
	CheckICETCP    = "media over TCP"
)

// checkOrder is the order of the checks in a report.
var checkOrder = []string{CheckHTTPS, CheckWebsocket, CheckTURNUDP, CheckTURNTCP, CheckTURNTLS, CheckICEUDP, CheckICETCP}

// Status of one check.
type Status string

// Statuses.
const (
	OK      Status = "ok"
	Failed  Status = "FAILED"
	Skipped Status = "skipped"
)

// Result is the outcome of one check.
type Result struct {
	Check  string
	Target string // what was tried, such as "meet.example.org:443/tcp"
	// Via is the web proxy the check went through, as scheme://host:port
	// and never with its credentials, or "" for a direct connection.
	Via    string
	Status Status
	Detail string
	// ProxyAuth: the web proxy refused the check for want of a user name
	// and password (407).
	ProxyAuth bool
}

// Options tune a run.
type Options struct {
	// Timeout bounds each check. Default 10 s.
	Timeout time.Duration
	// RootCAs verifies the server's certificate for HTTPS, the websocket
	// and TURN over TLS; nil uses the system's roots. LoadRootCAs makes
	// one that also trusts a trial server's self-signed certificate.
	RootCAs *x509.CertPool
	// Proxy chooses the web proxy for a URL (nil for a direct
	// connection), as http.Transport's Proxy does. Nil reads HTTPS_PROXY,
	// HTTP_PROXY and NO_PROXY as http.ProxyFromEnvironment does, which,
	// like browsers, never sends loopback addresses through a proxy.
	Proxy func(*url.URL) (*url.URL, error)
}

// LoadRootCAs returns the system's roots and the certificates of a PEM
// file, for a server whose certificate is self-signed or from a private
// authority.
func LoadRootCAs(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("netcheck: certificate file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("netcheck: %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", file)
	}
	return pool, nil
}

// link is a meeting link taken apart.
type link struct {
	base *url.URL // scheme and host
	room string
	key  string
}

func parseLink(raw string) (link, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return link{}, fmt.Errorf("netcheck: %q is not a meeting link; give the link you open in the browser, such as https://meet.example.org/?room=tuesday#key=KEY", raw)
	}
	frag, _ := url.ParseQuery(u.EscapedFragment())
	return link{
		base: &url.URL{Scheme: u.Scheme, Host: u.Host},
		room: u.Query().Get("room"),
		key:  frag.Get("key"),
	}, nil
}

// ServerAddress is the host and TCP port of a meeting link's server.
func ServerAddress(rawLink string) (host, port string, err error) {
	l, err := parseLink(rawLink)
	if err != nil {
		return "", "", err
	}
	host, port, err = net.SplitHostPort(hostPort(l.base))
	return host, port, err
}

// Run performs every check against the server of a meeting link and
// returns the results in order.
func Run(ctx context.Context, rawLink string, opts Options) ([]Result, error) {
	l, err := parseLink(rawLink)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	choose := opts.Proxy
	if choose == nil {
		if choose, err = envProxies(); err != nil {
			return nil, err
		}
	}
	p := &proxies{choose: choose, roots: opts.RootCAs}
	if _, err := p.forURL(l.base); err != nil {
		return nil, err
	}
	// A transport of its own: every check must open a fresh connection
	// through today's network, not reuse one pooled earlier (perhaps on a
	// network that let it through), and none is kept after the run.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	transport.Proxy = func(r *http.Request) (*url.URL, error) { return p.forURL(r.URL) }
	transport.TLSClientConfig = &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12}
	transport.OnProxyConnectResponse = func(_ context.Context, proxy *url.URL, req *http.Request, resp *http.Response) error {
		if resp.StatusCode != http.StatusOK {
			return &ProxyError{Proxy: proxyName(proxy), Target: req.Host, Status: resp.Status, Code: resp.StatusCode}
		}
		return nil
	}
	c := &checker{link: l, opts: opts, proxies: p, client: &http.Client{Timeout: opts.Timeout, Transport: transport}}
	ws := *l.base
	ws.Scheme = map[string]string{"https": "wss", "http": "ws"}[ws.Scheme]
	ws.Path = "/ws"
	c.wsURL = ws.String()
	c.https(ctx)
	c.websocket(ctx)
	servers, err := c.iceServers(ctx)
	c.turn(ctx, servers, err)
	c.ice(ctx, err)
	return c.results, nil
}

type checker struct {
	link    link
	opts    Options
	proxies *proxies
	client  *http.Client
	wsURL   string // the server's websocket, as the meeting page opens it
	results []Result
}

func (c *checker) add(r Result) {
	r.Detail = c.proxies.redact(r.Detail)
	c.results = append(c.results, r)
}

// via is the name of the proxy for u, or "".
func (c *checker) via(u *url.URL) string {
	if p, err := c.proxies.forURL(u); err == nil && p != nil {
		return proxyName(p)
	}
	return ""
}

// failure is a failed check's result: a proxy's refusal in its own words,
// anything else as explain puts it.
func failure(check, target, via string, err error, explain func(error) string) Result {
	var pe *ProxyError
	if errors.As(err, &pe) {
		return Result{Check: check, Target: target, Via: via, Status: Failed, Detail: pe.Error(), ProxyAuth: pe.Code == http.StatusProxyAuthRequired}
	}
	return Result{Check: check, Target: target, Via: via, Status: Failed, Detail: explain(err)}
}

func (c *checker) https(ctx context.Context) {
	target := hostPort(c.link.base) + "/tcp"
	via := c.via(c.link.base)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.link.base.String()+"/", nil)
	resp, err := c.client.Do(req)
	if err != nil {
		c.add(failure(CheckHTTPS, target, via, err, explainHTTPS))
		return
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusProxyAuthRequired && via != "" {
		// A proxy for plain http answers the request itself.
		c.add(failure(CheckHTTPS, target, via, &ProxyError{Proxy: via, Target: hostPort(c.link.base), Status: resp.Status, Code: resp.StatusCode}, nil))
		return
	}
	detail := resp.Status
	if cs := resp.TLS; cs != nil && len(cs.PeerCertificates) > 0 {
		leaf := cs.PeerCertificates[0]
		names := slices.Clone(leaf.DNSNames)
		for _, ip := range leaf.IPAddresses {
			names = append(names, ip.String())
		}
		detail = fmt.Sprintf("certificate for %s from %s, valid until %s", strings.Join(names, ", "), leaf.Issuer.CommonName, leaf.NotAfter.Format("2006-01-02"))
	}
	if resp.StatusCode != http.StatusOK {
		c.add(Result{Check: CheckHTTPS, Target: target, Via: via, Status: Failed, Detail: "the server answered " + resp.Status})
		return
	}
	c.add(Result{Check: CheckHTTPS, Target: target, Via: via, Status: OK, Detail: detail})
}

// explainHTTPS turns an HTTPS failure into what an admin can act on.
func explainHTTPS(err error) string {
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var ne net.Error
	switch {
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil {
			issuer = " (issued by " + unknown.Cert.Issuer.CommonName + ")"
		}
		return "the certificate is not trusted" + issuer + ": if the server is a trial with a self-signed certificate, give that certificate with --ca FILE; otherwise a TLS-inspecting proxy is probably in the way: exempt the server's host name from inspection"
	case errors.As(err, &hostErr):
		return "the certificate is for another name: " + hostErr.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer: TCP to this port is blocked"
	default:
		return err.Error()
	}
}

func (c *checker) websocket(ctx context.Context) {
	target := hostPort(c.link.base) + "/tcp"
	via := c.via(c.link.base)
	conn, resp, err := c.dialer().DialContext(ctx, c.wsURL, nil)
	if err != nil {
		r := failure(CheckWebsocket, target, via, err, func(err error) string {
			if resp != nil {
				return "the upgrade was refused (" + resp.Status + "): a proxy that does not pass websockets is probably in the way"
			}
			return explainHTTPS(err)
		})
		c.add(r)
		return
	}
	_ = conn.Close()
	c.add(Result{Check: CheckWebsocket, Target: target, Via: via, Status: OK, Detail: "connected"})
}

// dialer dials the websocket as a browser does: through a CONNECT tunnel
// when a proxy is set for the server (for ws:// as well as wss://), then
// TLS inside it.
func (c *checker) dialer() *websocket.Dialer {
	return &websocket.Dialer{
		HandshakeTimeout: c.opts.Timeout,
		TLSClientConfig:  &tls.Config{RootCAs: c.opts.RootCAs, MinVersion: tls.VersionTLS12},
		NetDialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			conn, _, err := c.proxies.dialURL(ctx, &url.URL{Scheme: c.link.base.Scheme, Host: addr})
			return conn, err
		},
	}
}

// keyError is the server refusing the link's room key (HTTP 403). Nothing
// that needs the key can be checked then: not TURN, which needs the
// credentials, and not media, which needs to join a test room.
type keyError struct {
	status string // such as "403 Forbidden"
	hadKey bool   // whether the link had a key at all
}

func (e *keyError) Error() string {
	if !e.hadKey {
		return "the link has no room key: give the full meeting link (with #key=...) so the check may ask for TURN credentials and join a test room"
	}
	return "the server refused the room key (" + e.status + "): give the current meeting link, with its whole #key=..."
}

// iceServers fetches the TURN servers and test credentials. An empty list
// with no error is a server that offers no TURN.
func (c *checker) iceServers(ctx context.Context) ([]webrtc.ICEServer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.link.base.String()+"/api/netcheck", nil)
	if err != nil {
		return nil, fmt.Errorf("no TURN credentials: %w", err)
	}
	req.Header.Set("X-Piiri-Key", c.link.key)
	resp, err := c.client.Do(req)
	if err != nil {
		var pe *ProxyError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("no TURN credentials: %w", pe)
		}
		return nil, fmt.Errorf("no TURN credentials: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusForbidden:
		return nil, &keyError{status: resp.Status, hadKey: c.link.key != ""}
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("no TURN credentials: the server answered %s", resp.Status)
	}
	var body struct {
		ICEServers []webrtc.ICEServer `json:"iceServers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("no TURN credentials: the server's answer is not what piiri sends: %w", err)
	}
	return body.ICEServers, nil
}

// turn allocates a relay over each TURN transport the server offers.
// serversErr is why there are no servers to try, if there are none.
func (c *checker) turn(ctx context.Context, servers []webrtc.ICEServer, serversErr error) {
	tried := map[string]bool{}
	for _, srv := range servers {
		user := srv.Username
		pass, _ := srv.Credential.(string)
		for _, raw := range srv.URLs {
			u, err := parseTURN(raw)
			if err != nil {
				continue
			}
			check := map[string]string{"turn/udp": CheckTURNUDP, "turn/tcp": CheckTURNTCP, "turns/tcp": CheckTURNTLS}[u.scheme+"/"+u.transport]
			if check == "" || tried[check] {
				continue
			}
			tried[check] = true
			relay, via, err := c.allocate(ctx, u, user, pass)
			target := net.JoinHostPort(u.host, u.port) + "/" + map[bool]string{true: "udp", false: "tcp"}[u.transport == "udp"]
			if err != nil {
				r := failure(check, target, via, err, explainBlocked)
				if u.transport == "udp" && c.proxied() {
					r.Detail += "; " + noUDPThroughProxy
				}
				c.add(r)
				continue
			}
			c.add(Result{Check: check, Target: target, Via: via, Status: OK, Detail: "relay allocated at " + relay})
		}
	}
	for _, check := range []string{CheckTURNUDP, CheckTURNTCP, CheckTURNTLS} {
		if !tried[check] {
			why := "the server does not offer it"
			if serversErr != nil {
				why = serversErr.Error()
			}
			c.add(Result{Check: check, Status: Skipped, Detail: why})
		}
	}
	// The servers list their URLs in any order; the report keeps the
	// documented one.
	slices.SortStableFunc(c.results, func(a, b Result) int {
		return cmp.Compare(slices.Index(checkOrder, a.Check), slices.Index(checkOrder, b.Check))
	})
}

type turnURL struct{ scheme, host, port, transport string }

func parseTURN(raw string) (turnURL, error) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || (scheme != "turn" && scheme != "turns") {
		return turnURL{}, fmt.Errorf("not a TURN URL: %s", raw)
	}
	hostport, query, _ := strings.Cut(rest, "?")
	transport := "udp"
	if scheme == "turns" {
		transport = "tcp"
	}
	if q, err := url.ParseQuery(query); err == nil && q.Get("transport") != "" {
		transport = q.Get("transport")
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return turnURL{}, err
	}
	return turnURL{scheme: scheme, host: host, port: port, transport: transport}, nil
}

// noUDPThroughProxy is added to a failed UDP check when a web proxy is
// set: it is tried directly, as browsers do, because no proxy carries it.
const noUDPThroughProxy = "tried directly: UDP never goes through a web proxy"

// proxied says whether a web proxy is set for the server.
func (c *checker) proxied() bool { return c.via(c.link.base) != "" }

// allocate allocates a relay over one TURN URL and returns its address.
// TURN over TCP and TLS go through the web proxy for the TURN server's
// host name and port, if one is set; via names it.
func (c *checker) allocate(ctx context.Context, u turnURL, user, pass string) (relayAddr, via string, err error) {
	addr := net.JoinHostPort(u.host, u.port)
	cfg := &turn.ClientConfig{
		Username: user, Password: pass, LoggerFactory: &logging.DefaultLoggerFactory{DefaultLogLevel: logging.LogLevelDisabled},
	}
	dctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	if u.transport == "udp" {
		pc, err := net.ListenPacket("udp", ":0")
		if err != nil {
			return "", "", err
		}
		cfg.Conn = pc
		cfg.STUNServerAddr, cfg.TURNServerAddr = addr, addr
	} else {
		// Over a stream the server is the other end of the connection,
		// whose address the TURN client need not know (nor resolve:
		// behind a proxy the host name may not resolve here at all).
		tc, v, err := c.proxies.dial(dctx, addr)
		via = v
		if err != nil {
			return "", via, fmt.Errorf("no TCP connection: %w", err)
		}
		if u.scheme == "turns" {
			tlsConn := tls.Client(tc, &tls.Config{ServerName: u.host, RootCAs: c.opts.RootCAs, MinVersion: tls.VersionTLS12})
			if err := tlsConn.HandshakeContext(dctx); err != nil {
				_ = tc.Close()
				return "", via, fmt.Errorf("no TLS connection: %w", err)
			}
			tc = tlsConn
		}
		cfg.Conn = turn.NewSTUNConn(tc)
	}
	defer cfg.Conn.Close()
	client, err := turn.NewClient(cfg)
	if err != nil {
		return "", via, err
	}
	defer client.Close()
	if err := client.Listen(); err != nil {
		return "", via, err
	}
	relay, err := client.AllocateWithContext(dctx)
	if err != nil {
		if dctx.Err() != nil {
			return "", via, errors.New("no answer: blocked on the way")
		}
		return "", via, err
	}
	defer relay.Close()
	return relay.LocalAddr().String(), via, nil
}

// ice joins a throwaway room as a bot once with UDP only and once with
// TCP only, without TURN, and waits for its media to connect. It needs the
// room key, not the TURN servers, so only a refused key (serversErr a
// keyError) skips it.
func (c *checker) ice(ctx context.Context, serversErr error) {
	var keyErr *keyError
	refused := errors.As(serversErr, &keyErr)
	for _, tc := range []struct {
		check   string
		network webrtc.NetworkType
	}{{CheckICEUDP, webrtc.NetworkTypeUDP4}, {CheckICETCP, webrtc.NetworkTypeTCP4}} {
		if refused {
			c.add(Result{Check: tc.check, Status: Skipped, Detail: keyErr.Error()})
			continue
		}
		var tunnel *iceTunnel
		if tc.network.Protocol() == "tcp" && c.proxied() {
			tunnel = &iceTunnel{proxies: c.proxies}
		}
		path, target, err := c.iceOnce(ctx, tc.network, tunnel)
		via := tunnel.via()
		if via == "" && tunnel != nil {
			via = c.via(c.link.base)
		}
		var je *joinError
		if errors.As(err, &je) {
			// Media was not tried: say why, not that it is blocked.
			r := Result{Check: tc.check, Via: via, Status: Skipped, Detail: je.Error()}
			var pe *ProxyError
			if errors.As(err, &pe) {
				r.Detail, r.ProxyAuth = "could not join a test room: "+pe.Error(), pe.Code == http.StatusProxyAuthRequired
			}
			c.add(r)
			continue
		}
		if err != nil {
			r := failure(tc.check, target, via, err, func(err error) string { return err.Error() })
			if terr := tunnel.err(); terr != nil {
				// Why the tunnel did not open says more than the
				// timeout that followed.
				r = failure(tc.check, target, via, terr, func(err error) string {
					return "no tunnel through the web proxy: " + explainBlocked(err)
				})
			}
			if tc.network.Protocol() != "tcp" && c.proxied() {
				r.Detail += "; " + noUDPThroughProxy
			}
			c.add(r)
			continue
		}
		c.add(Result{Check: tc.check, Target: target, Via: via, Status: OK, Detail: "connected (" + path + ")"})
	}
}

// joinError is a media check that could not join its test room, so that
// media was not tried at all.
type joinError struct{ err error }

func (e *joinError) Error() string { return "could not join a test room: " + e.err.Error() }
func (e *joinError) Unwrap() error { return e.err }

// iceTunnel carries ICE-TCP through the web proxy, as Chromium does: a
// CONNECT tunnel to each server TCP candidate's address. It remembers the
// proxy and the last refusal, for the report.
type iceTunnel struct {
	proxies *proxies

	mu      sync.Mutex
	proxy   string
	lastErr error
}

func (t *iceTunnel) dial(ctx context.Context, addr string) (net.Conn, error) {
	conn, via, err := t.proxies.dial(ctx, addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.proxy = cmp.Or(via, t.proxy)
	if err != nil {
		t.lastErr = err
	}
	return conn, err
}

func (t *iceTunnel) via() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.proxy
}

func (t *iceTunnel) err() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastErr
}

// iceOnce returns the path the media took and, as the target, the
// server's address for it ("host:port/udp"), which the server announces
// whether or not it can be reached: the port is what the advice names.
// With a tunnel, ICE-TCP goes through the web proxy.
func (c *checker) iceOnce(ctx context.Context, network webrtc.NetworkType, tunnel *iceTunnel) (path, target string, err error) {
	jctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	cfg := bot.Config{
		URL: c.wsURL, Room: fmt.Sprintf("netcheck-%d", time.Now().UnixNano()), Key: c.link.key,
		Name: "network check", Publish: true, NoTURN: true, Probe: true,
		Dialer: c.dialer(),
		Configure: func(se *webrtc.SettingEngine) {
			se.SetNetworkTypes([]webrtc.NetworkType{network})
		},
	}
	if tunnel != nil {
		cfg.ICETCPDial = tunnel.dial
	}
	b, err := bot.Join(jctx, cfg)
	if err != nil {
		return "", "", &joinError{err}
	}
	// The test participant leaves at once, rather than lingering in the
	// server's rooms for the resume grace period, even when the caller
	// has given up.
	defer func() {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.Timeout)
		defer cancel()
		_ = b.Leave(lctx)
	}()
	serverAddress := func() string {
		suffix := "/" + network.Protocol()
		for _, a := range b.ServerCandidates("publisher") {
			if strings.HasSuffix(a, suffix) {
				return a
			}
		}
		return ""
	}
	// Media gets its own full timeout, counted from the join.
	wctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if p := b.Paths()["publisher"]; p != "" {
			return p, serverAddress(), nil
		}
		select {
		case <-wctx.Done():
			if err := ctx.Err(); err != nil {
				return "", serverAddress(), fmt.Errorf("check stopped: %w", err)
			}
			return "", serverAddress(), fmt.Errorf("no connection within %v: blocked on the way", c.opts.Timeout)
		case <-tick.C:
		}
	}
}

// explainBlocked turns a failed connection or TURN transaction into words.
func explainBlocked(err error) string {
	msg := err.Error()
	var ne net.Error
	var pe *ProxyError
	switch {
	case errors.As(err, &pe):
		return pe.Error()
	case strings.Contains(msg, "operation not permitted"), strings.Contains(msg, "connection refused"):
		return "refused: a firewall on this machine or network rejects it"
	case strings.Contains(msg, "retransmit"), errors.As(err, &ne) && ne.Timeout():
		return "no answer: blocked on the way"
	default:
		return msg
	}
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Host + ":443"
	}
	return u.Host + ":80"
}
