package bot

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// pion's ICE agent dials the server's passive TCP candidates itself, with
// a plain net.Dialer: pion/ice has no dialer hook for active ICE-TCP (its
// proxy dialer, SettingEngine.SetICEProxyDialer, serves TURN over TCP
// only). So to carry ICE-TCP over another way, such as a web proxy's
// CONNECT tunnel as Chromium does, the bot gives the agent, in place of
// each server TCP candidate, a loopback address of its own, and carries
// every connection the agent makes to it over a connection from
// Config.ICETCPDial to the candidate's real address. The bytes on the way
// (RFC 4571 framed STUN, DTLS, SRTP) are the agent's, unchanged.

// tcpTunnels holds the loopback listeners, one per server TCP candidate.
type tcpTunnels struct {
	dial func(ctx context.Context, addr string) (net.Conn, error)
	ctx  context.Context // the bot's: its end closes everything
	wg   *sync.WaitGroup
	log  *slog.Logger

	mu       sync.Mutex
	byServer map[string]string // server address → loopback address
	byLocal  map[string]string // loopback address → server address
}

func newTCPTunnels(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger, dial func(context.Context, string) (net.Conn, error)) *tcpTunnels {
	return &tcpTunnels{dial: dial, ctx: ctx, wg: wg, log: log, byServer: map[string]string{}, byLocal: map[string]string{}}
}

// local returns the loopback address that stands for server, starting its
// listener the first time.
func (t *tcpTunnels) local(server string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l, ok := t.byServer[server]; ok {
		return l, nil
	}
	if t.ctx.Err() != nil {
		return "", t.ctx.Err()
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	l := ln.Addr().String()
	t.byServer[server], t.byLocal[l] = l, server
	context.AfterFunc(t.ctx, func() { _ = ln.Close() })
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.wg.Add(1)
			go func() {
				defer t.wg.Done()
				t.carry(c, server)
			}()
		}
	}()
	return l, nil
}

// carry joins one of the agent's connections to a dialled one to server.
func (t *tcpTunnels) carry(c net.Conn, server string) {
	defer c.Close()
	up, err := t.dial(t.ctx, server)
	if err != nil {
		t.log.Debug("ICE-TCP tunnel", "server", server, "err", err)
		return
	}
	defer up.Close()
	stop := context.AfterFunc(t.ctx, func() {
		_ = c.Close()
		_ = up.Close()
	})
	defer stop()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	// One way ended: end the other, so the second copy returns too.
	_ = c.Close()
	_ = up.Close()
	<-done
}

// serverAddress is the server address a loopback address stands for.
func (t *tcpTunnels) serverAddress(local string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byLocal[local]
	return s, ok
}

// candidate replaces a server's passive TCP host candidate by its
// loopback stand-in; any other candidate is returned as it is.
func (t *tcpTunnels) candidate(line string) string {
	prefix := ""
	if strings.HasPrefix(line, "a=") {
		prefix, line = "a=", strings.TrimPrefix(line, "a=")
	}
	c, err := ice.UnmarshalCandidate(line)
	if err != nil || !c.NetworkType().IsTCP() || c.TCPType() != ice.TCPTypePassive || c.Type() != ice.CandidateTypeHost {
		return prefix + line
	}
	// candidate:foundation component transport priority address port typ
	// host ... (RFC 8839): only the address and the port change, every
	// extension (ufrag, generation) stays.
	fields := strings.Fields(line)
	if len(fields) < 6 {
		return prefix + line
	}
	l, err := t.local(net.JoinHostPort(c.Address(), strconv.Itoa(c.Port())))
	if err != nil {
		t.log.Debug("ICE-TCP tunnel listener", "err", err)
		return prefix + line
	}
	host, port, _ := net.SplitHostPort(l)
	fields[4], fields[5] = host, port
	return prefix + strings.Join(fields, " ")
}

// init rewrites one trickled candidate.
func (t *tcpTunnels) init(c webrtc.ICECandidateInit) webrtc.ICECandidateInit {
	c.Candidate = t.candidate(c.Candidate)
	return c
}

// sdp rewrites the candidates in a description.
func (t *tcpTunnels) sdp(sdp string) string {
	lines := strings.Split(sdp, "\n")
	for i, line := range lines {
		body := strings.TrimSuffix(line, "\r")
		if strings.HasPrefix(body, "a=candidate:") {
			lines[i] = t.candidate(body) + line[len(body):]
		}
	}
	return strings.Join(lines, "\n")
}
