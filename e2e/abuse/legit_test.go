package abuse

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	pionturn "github.com/pion/turn/v5"
)

// opTimeout bounds each of the legitimate client's operations: far above
// what any takes, so that only a refusal or a hang fails it.
const opTimeout = 20 * time.Second

// The legitimate client's operations, each on a new connection through
// the shared port's classifier.
const (
	opHTTPS   = "https GET /"
	opJoin    = "websocket join"
	opTURNTCP = "TURN/TCP allocate"
	opTURNTLS = "TURN/TLS allocate"
)

// legit is a member of the public: one address, fresh connections, the
// real protocols.
type legit struct {
	dialer *net.Dialer
	tls    *tls.Config
	http   *http.Client
	ws     *websocket.Dialer

	mu       sync.Mutex
	samples  map[string][]time.Duration // by phase and op: phase+"\x00"+op
	failures []string
}

func newLegit() (*legit, error) {
	pem, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no certificate in " + certFile)
	}
	l := &legit{
		dialer:  &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(legitIP)}, Timeout: opTimeout},
		tls:     &tls.Config{RootCAs: pool, ServerName: serverHost, NextProtos: []string{"http/1.1"}},
		samples: make(map[string][]time.Duration),
	}
	// Every connection goes to the server's address, whatever the URL's
	// host name; none is reused, so each request is classified anew.
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return l.dialer.DialContext(ctx, "tcp", serverIP+":443")
	}
	l.http = &http.Client{Timeout: opTimeout, Transport: &http.Transport{
		DialContext: dial, TLSClientConfig: l.tls, DisableKeepAlives: true, ForceAttemptHTTP2: false,
	}}
	l.ws = &websocket.Dialer{NetDialContext: dial, TLSClientConfig: l.tls, HandshakeTimeout: opTimeout}
	return l, nil
}

// round does each operation once and records how long each took, or why
// it failed.
func (l *legit) round(ctx context.Context, phase string) {
	ctx, cancel := context.WithTimeout(ctx, 4*opTimeout)
	defer cancel()
	l.timed(phase, opHTTPS, func() error { return l.get(ctx) })
	var ws *websocket.Conn
	var creds iceServer
	if !l.timed(phase, opJoin, func() (err error) { ws, creds, err = l.join(ctx); return err }) {
		return
	}
	defer ws.Close()
	l.timed(phase, opTURNTCP, func() error { return l.allocate(ctx, creds, false) })
	l.timed(phase, opTURNTLS, func() error { return l.allocate(ctx, creds, true) })
	_ = ws.WriteJSON(map[string]string{"type": "leave"})
}

func (l *legit) timed(phase, op string, f func() error) bool {
	start := time.Now()
	err := f()
	took := time.Since(start)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.failures = append(l.failures, fmt.Sprintf("%s: %s failed after %v: %v", phase, op, took.Round(time.Millisecond), err))
		return false
	}
	l.samples[phase+"\x00"+op] = append(l.samples[phase+"\x00"+op], took)
	return true
}

func (l *legit) get(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+serverHost+"/", nil)
	if err != nil {
		return err
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

type iceServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username"`
	Credential string   `json:"credential"`
}

// join joins the probe room as signaling/PROTOCOL.md says and returns the
// connection and the TURN credentials from joined.
func (l *legit) join(ctx context.Context) (*websocket.Conn, iceServer, error) {
	ws, _, err := l.ws.DialContext(ctx, "wss://"+serverHost+"/ws", nil)
	if err != nil {
		return nil, iceServer{}, err
	}
	_ = ws.SetReadDeadline(time.Now().Add(opTimeout))
	join := map[string]any{"type": "join", "id": "1", "version": 1, "room": "abuse-probe", "name": "Legit Member", "key": roomKey}
	if err := ws.WriteJSON(join); err != nil {
		ws.Close()
		return nil, iceServer{}, err
	}
	for {
		var msg struct {
			Type       string      `json:"type"`
			Code       string      `json:"code"`
			ICEServers []iceServer `json:"iceServers"`
		}
		if err := ws.ReadJSON(&msg); err != nil {
			ws.Close()
			return nil, iceServer{}, fmt.Errorf("waiting for joined: %w", err)
		}
		switch msg.Type {
		case "joined":
			if len(msg.ICEServers) == 0 {
				ws.Close()
				return nil, iceServer{}, errors.New("joined without TURN servers")
			}
			return ws, msg.ICEServers[0], nil
		case "error", "bye":
			ws.Close()
			return nil, iceServer{}, fmt.Errorf("%s %s instead of joined", msg.Type, msg.Code)
		}
	}
}

// allocate makes a TURN allocation over TCP or TLS on the shared port
// with the credentials from joined, and deallocates it.
func (l *legit) allocate(ctx context.Context, creds iceServer, overTLS bool) error {
	var c net.Conn
	var err error
	if overTLS {
		c, err = (&tls.Dialer{NetDialer: l.dialer, Config: l.tls}).DialContext(ctx, "tcp", serverIP+":443")
	} else {
		c, err = l.dialer.DialContext(ctx, "tcp", serverIP+":443")
	}
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	addr := serverIP + ":443"
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: addr, TURNServerAddr: addr, Conn: pionturn.NewSTUNConn(c),
		Username: creds.Username, Password: creds.Credential, Realm: "piiri",
	})
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.Listen(); err != nil {
		return err
	}
	relay, err := cl.Allocate()
	if err != nil {
		return err
	}
	return relay.Close()
}

// report is the latency table: per phase and operation, the count, p50
// and p99.
func (l *legit) report(phases []string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "  %-20s %4s %9s %9s\n", "operation", "n", "p50", "p99")
	for _, p := range phases {
		fmt.Fprintf(&b, "%s\n", p)
		for _, op := range [...]string{opHTTPS, opJoin, opTURNTCP, opTURNTLS} {
			s := slices.Clone(l.samples[p+"\x00"+op])
			if len(s) == 0 {
				fmt.Fprintf(&b, "  %-20s %4d %9s %9s\n", op, 0, "-", "-")
				continue
			}
			slices.Sort(s)
			fmt.Fprintf(&b, "  %-20s %4d %9s %9s\n", op, len(s), quantile(s, 0.50), quantile(s, 0.99))
		}
	}
	return b.String()
}

// quantile of sorted samples, nearest rank.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(float64(len(sorted))*q+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)].Round(100 * time.Microsecond)
}

func (l *legit) failed() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.failures)
}
