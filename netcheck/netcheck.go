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
	"slices"
	"strings"
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
	Status Status
	Detail string
}

// Options tune a run.
type Options struct {
	// Timeout bounds each check. Default 10 s.
	Timeout time.Duration
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
		return link{}, fmt.Errorf("netcheck: %q is not a meeting link; give the link you open in the browser, such as https://meet.example.org/?room=tuesday#key=...", raw)
	}
	frag, _ := url.ParseQuery(u.Fragment)
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
	// A transport of its own: every check must open a fresh connection
	// through today's network, not reuse one pooled earlier (perhaps on a
	// network that let it through), and none is kept after the run.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	c := &checker{link: l, opts: opts, client: &http.Client{Timeout: opts.Timeout, Transport: transport}}
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
	client  *http.Client
	wsURL   string // the server's websocket, as the meeting page opens it
	results []Result
}

func (c *checker) add(check, target string, status Status, detail string) {
	c.results = append(c.results, Result{Check: check, Target: target, Status: status, Detail: detail})
}

func (c *checker) https(ctx context.Context) {
	target := hostPort(c.link.base) + "/tcp"
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.link.base.String()+"/", nil)
	resp, err := c.client.Do(req)
	if err != nil {
		c.add(CheckHTTPS, target, Failed, explainHTTPS(err))
		return
	}
	resp.Body.Close()
	detail := resp.Status
	if cs := resp.TLS; cs != nil && len(cs.PeerCertificates) > 0 {
		leaf := cs.PeerCertificates[0]
		detail = fmt.Sprintf("certificate for %s from %s, valid until %s", strings.Join(leaf.DNSNames, ", "), leaf.Issuer.CommonName, leaf.NotAfter.Format("2006-01-02"))
	}
	if resp.StatusCode != http.StatusOK {
		c.add(CheckHTTPS, target, Failed, "the server answered "+resp.Status)
		return
	}
	c.add(CheckHTTPS, target, OK, detail)
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
		return "the certificate is not trusted" + issuer + ": a TLS-inspecting proxy is probably in the way; exempt the server's host name from inspection"
	case errors.As(err, &hostErr):
		return "the certificate is for another name: " + hostErr.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer: TCP to this port is blocked"
	default:
		return err.Error()
	}
}

func (c *checker) websocket(ctx context.Context) {
	conn, resp, err := c.dialer().DialContext(ctx, c.wsURL, nil)
	if err != nil {
		detail := err.Error()
		if resp != nil {
			detail = "the upgrade was refused (" + resp.Status + "): a proxy that does not pass websockets is probably in the way"
		}
		c.add(CheckWebsocket, hostPort(c.link.base)+"/tcp", Failed, detail)
		return
	}
	_ = conn.Close()
	c.add(CheckWebsocket, hostPort(c.link.base)+"/tcp", OK, "connected")
}

// dialer dials the websocket as a browser would, through the proxy the
// environment names.
func (c *checker) dialer() *websocket.Dialer {
	return &websocket.Dialer{HandshakeTimeout: c.opts.Timeout, Proxy: http.ProxyFromEnvironment}
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
			relay, err := c.allocate(ctx, u, user, pass)
			target := net.JoinHostPort(u.host, u.port) + "/" + map[bool]string{true: "udp", false: "tcp"}[u.transport == "udp"]
			if err != nil {
				c.add(check, target, Failed, explainBlocked(err))
				continue
			}
			c.add(check, target, OK, "relay allocated at "+relay)
		}
	}
	for _, check := range []string{CheckTURNUDP, CheckTURNTCP, CheckTURNTLS} {
		if !tried[check] {
			why := "the server does not offer it"
			if serversErr != nil {
				why = serversErr.Error()
			}
			c.add(check, "", Skipped, why)
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

func (c *checker) allocate(ctx context.Context, u turnURL, user, pass string) (string, error) {
	addr := net.JoinHostPort(u.host, u.port)
	d := net.Dialer{Timeout: c.opts.Timeout}
	var conn net.PacketConn
	switch {
	case u.transport == "udp":
		pc, err := net.ListenPacket("udp", ":0")
		if err != nil {
			return "", err
		}
		conn = pc
	case u.scheme == "turns":
		tc, err := (&tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: u.host, MinVersion: tls.VersionTLS12}}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return "", fmt.Errorf("no TLS connection: %w", err)
		}
		conn = turn.NewSTUNConn(tc)
	default:
		tc, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return "", fmt.Errorf("no TCP connection: %w", err)
		}
		conn = turn.NewSTUNConn(tc)
	}
	defer conn.Close()
	client, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: user, Password: pass, LoggerFactory: &logging.DefaultLoggerFactory{DefaultLogLevel: logging.LogLevelDisabled},
	})
	if err != nil {
		return "", err
	}
	defer client.Close()
	if err := client.Listen(); err != nil {
		return "", err
	}
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	relay, err := client.AllocateWithContext(actx)
	if err != nil {
		if actx.Err() != nil {
			return "", errors.New("no answer: blocked on the way")
		}
		return "", err
	}
	defer relay.Close()
	return relay.LocalAddr().String(), nil
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
			c.add(tc.check, "", Skipped, keyErr.Error())
			continue
		}
		path, target, err := c.iceOnce(ctx, tc.network)
		if err != nil {
			c.add(tc.check, target, Failed, err.Error())
			continue
		}
		c.add(tc.check, target, OK, "connected ("+path+")")
	}
}

// iceOnce returns the path the media took and, as the target, the
// server's address for it ("host:port/udp"), which the server announces
// whether or not it can be reached: the port is what the advice names.
func (c *checker) iceOnce(ctx context.Context, network webrtc.NetworkType) (path, target string, err error) {
	jctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	b, err := bot.Join(jctx, bot.Config{
		URL: c.wsURL, Room: fmt.Sprintf("netcheck-%d", time.Now().UnixNano()), Key: c.link.key,
		Name: "network check", Publish: true, NoTURN: true,
		Dialer: c.dialer(),
		Configure: func(se *webrtc.SettingEngine) {
			se.SetNetworkTypes([]webrtc.NetworkType{network})
		},
	})
	if err != nil {
		return "", "", fmt.Errorf("could not join a test room: %w", err)
	}
	defer b.Close()
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
	switch {
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
