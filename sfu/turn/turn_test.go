package turn

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/internal/testwait"
	"piiri/metrics"
	"piiri/tlsconf"
)

// fakeSFU is a UDP socket standing in for the SFU's media socket: it
// echoes what it receives and remembers from where.
type fakeSFU struct {
	conn *net.UDPConn
	from chan netip.AddrPort
}

func startFakeSFU(t *testing.T) *fakeSFU {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSFU{conn: conn, from: make(chan netip.AddrPort, 100)}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			select {
			case f.from <- from:
			default:
			}
			_, _ = conn.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	t.Cleanup(func() { _ = conn.Close() })
	return f
}

func (f *fakeSFU) addr() netip.AddrPort { return f.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// next is the source of the next packet the SFU receives.
func (f *fakeSFU) next(t *testing.T) netip.AddrPort {
	t.Helper()
	select {
	case from := <-f.from:
		return from
	case <-time.After(5 * time.Second):
		t.Fatal("nothing reached the SFU")
		return netip.AddrPort{}
	}
}

type testTURN struct {
	*Server
	udpAddr, tcpAddr, tlsAddr string
	m                         *metrics.Metrics
}

func startTURN(t *testing.T, sfu *fakeSFU, edit func(*Config)) *testTURN {
	t.Helper()
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rawTLS, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tlsconf.SelfSigned("piiri.test")
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	cfg := Config{
		UDP:     udp,
		TCP:     tcp,
		TLS:     tls.NewListener(rawTLS, &tls.Config{Certificates: []tls.Certificate{cert}}),
		Peers:   []netip.AddrPort{sfu.addr()},
		Media:   sfu.addr(),
		Metrics: m,
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &testTURN{Server: s, udpAddr: udp.LocalAddr().String(), tcpAddr: tcp.Addr().String(), tlsAddr: rawTLS.Addr().String(), m: m}
}

// client connects a pion TURN client over the given transport.
func (tt *testTURN) client(t *testing.T, transport, user, pass string) *pionturn.Client {
	t.Helper()
	var conn net.PacketConn
	var server string
	switch transport {
	case metrics.PathTURNUDP:
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn, server = c, tt.udpAddr
	case metrics.PathTURNTCP:
		c, err := net.Dial("tcp4", tt.tcpAddr)
		if err != nil {
			t.Fatal(err)
		}
		conn, server = pionturn.NewSTUNConn(c), tt.tcpAddr
	case metrics.PathTURNTLS:
		c, err := tls.Dial("tcp4", tt.tlsAddr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		conn, server = pionturn.NewSTUNConn(c), tt.tlsAddr
	}
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: server, TURNServerAddr: server, Conn: conn,
		Username: user, Password: pass, Realm: "piiri", RTO: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); _ = conn.Close() })
	return cl
}

// TestRelayToSFU: over UDP, TCP and TLS, an allocation relays to the SFU's
// media socket and back, and the server knows the transport of each relay.
func TestRelayToSFU(t *testing.T) {
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, nil)
	for _, transport := range []string{metrics.PathTURNUDP, metrics.PathTURNTCP, metrics.PathTURNTLS} {
		t.Run(transport, func(t *testing.T) {
			user, pass := tt.CredentialsFor("participant-"+transport, time.Hour)
			relay, err := tt.client(t, transport, user, pass).Allocate()
			if err != nil {
				t.Fatalf("allocate: %v", err)
			}
			defer relay.Close()
			msg := []byte("media over " + transport)
			if _, err := relay.WriteTo(msg, net.UDPAddrFromAddrPort(sfu.addr())); err != nil {
				t.Fatal(err)
			}
			from := sfu.next(t)
			_ = relay.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 100)
			n, src, err := relay.ReadFrom(buf)
			if err != nil || !bytes.Equal(buf[:n], msg) {
				t.Fatalf("echo through the relay: %q %v", buf[:n], err)
			}
			if src.String() != sfu.addr().String() {
				t.Errorf("echo from %s, want the SFU %s", src, sfu.addr())
			}
			if got, ok := tt.PathOf(from); !ok || got != transport {
				t.Errorf("PathOf(%s) = %q, %v; want %q", from, got, ok, transport)
			}
		})
	}
	if v := testutil.ToFloat64(tt.m.TURNRelayedBytes.WithLabelValues("to_sfu")); v == 0 {
		t.Error("relayed bytes not counted")
	}
}

// TestNotAnOpenRelay: an allocation cannot reach any other address: not
// another host, and not another port of the SFU's own address (a loopback
// port that is not the SFU).
func TestNotAnOpenRelay(t *testing.T) {
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, nil)
	victimSameIP := startFakeSFU(t) // 127.0.0.1, another port
	victimOtherIP, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	defer victimOtherIP.Close()
	user, pass := tt.CredentialsFor("mallory", time.Hour)
	relay, err := tt.client(t, metrics.PathTURNUDP, user, pass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()

	// Another address: the permission is refused.
	if _, err := relay.WriteTo([]byte("attack"), victimOtherIP.LocalAddr()); err == nil {
		t.Error("permission to a foreign address granted")
	}
	// The SFU's address on another port: permission is per address, so
	// it is granted, but the relay socket drops the packet.
	if _, err := relay.WriteTo([]byte("attack"), net.UDPAddrFromAddrPort(victimSameIP.addr())); err != nil {
		t.Fatalf("write: %v", err)
	}
	// A packet to the SFU goes through, so the test would have seen the
	// others arrive by now.
	if _, err := relay.WriteTo([]byte("legit"), net.UDPAddrFromAddrPort(sfu.addr())); err != nil {
		t.Fatal(err)
	}
	relaySocket := sfu.next(t)
	select {
	case from := <-victimSameIP.from:
		t.Errorf("a packet reached a port that is not the SFU, from %s", from)
	case <-time.After(300 * time.Millisecond):
	}
	_ = victimOtherIP.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, _, err := victimOtherIP.ReadFrom(make([]byte, 10)); err == nil {
		t.Error("a packet reached a foreign address")
	}
	if v := testutil.ToFloat64(tt.m.TURNRefused); v < 2 {
		t.Errorf("refusals counted %v, want at least 2", v)
	}

	// Nor can anyone but the SFU send to the participant through its
	// relay socket.
	buf := make([]byte, 100)
	_ = relay.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err := relay.ReadFrom(buf); err != nil || string(buf[:n]) != "legit" {
		t.Fatalf("the SFU's echo: %q %v", buf[:n], err)
	}
	stranger, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	if _, err := stranger.WriteToUDPAddrPort([]byte("spam"), relaySocket); err != nil {
		t.Fatal(err)
	}
	_ = relay.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, from, err := relay.ReadFrom(buf); err == nil {
		t.Errorf("a stranger's packet %q reached the participant (from %s)", buf[:n], from)
	}
}

// TestCredentials: expired, forged and malformed credentials are refused;
// a participant's own work.
func TestCredentials(t *testing.T) {
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, nil)
	good, goodPass := tt.CredentialsFor("anna", time.Hour)
	expired := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10) + ":anna"
	for _, tc := range []struct {
		name, user, pass string
		ok               bool
	}{
		{"valid", good, goodPass, true},
		{"expired", expired, tt.password(expired), false},
		{"forged password", good, "bm90IHRoZSBwYXNzd29yZA==", false},
		{"someone else's password", "9999999999:ben", goodPass, false},
		{"no expiry", "anna", tt.password("anna"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			relay, err := tt.client(t, metrics.PathTURNUDP, tc.user, tc.pass).Allocate()
			if tc.ok != (err == nil) {
				t.Fatalf("allocate: err %v, want success %v", err, tc.ok)
			}
			if relay != nil {
				relay.Close()
			}
		})
	}
	if v := testutil.ToFloat64(tt.m.TURNAuthFailures); v < 2 {
		t.Errorf("auth failures counted %v", v)
	}
}

// TestRefreshGrace: credentials past their expiry still keep an existing
// allocation alive (refresh, permissions) for the grace period, but never
// make a new one.
func TestRefreshGrace(t *testing.T) {
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, func(c *Config) { c.RefreshGrace = time.Hour })
	expiredRecently := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10) + ":anna"
	expiredLongAgo := strconv.FormatInt(time.Now().Add(-2*time.Hour).Unix(), 10) + ":anna"
	for _, tc := range []struct {
		user   string
		method stun.Method
		ok     bool
	}{
		{expiredRecently, stun.MethodAllocate, false},
		{expiredRecently, stun.MethodRefresh, true},
		{expiredRecently, stun.MethodCreatePermission, true},
		{expiredLongAgo, stun.MethodRefresh, false},
	} {
		_, _, ok := tt.authenticate(&pionturn.RequestAttributes{Username: tc.user, Realm: "piiri", Method: tc.method})
		if ok != tc.ok {
			t.Errorf("%s %s: ok=%v, want %v", tc.user, tc.method, ok, tc.ok)
		}
	}
}

// TestQuota: one participant gets at most MaxAllocationsPerUser.
func TestQuota(t *testing.T) {
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, func(c *Config) { c.MaxAllocationsPerUser = 2 })
	user, pass := tt.CredentialsFor("greedy", time.Hour)
	for i := range 3 {
		relay, err := tt.client(t, metrics.PathTURNUDP, user, pass).Allocate()
		if i < 2 && err != nil {
			t.Fatalf("allocation %d: %v", i+1, err)
		}
		if i == 2 {
			if err == nil {
				t.Fatal("a third allocation over the quota of two was granted")
			}
		}
		if relay != nil {
			defer relay.Close()
		}
	}
	// Another participant is not affected.
	other, otherPass := tt.CredentialsFor("modest", time.Hour)
	relay, err := tt.client(t, metrics.PathTURNUDP, other, otherPass).Allocate()
	if err != nil {
		t.Fatalf("another participant: %v", err)
	}
	relay.Close()
}

// TestRevoke: when a participant leaves, its relay sockets close at once
// (a vanished client never deallocates), nothing more is relayed for it,
// and the server forgets it; a client that deallocates itself is
// forgotten too, so short-lived users (network checks) leave nothing.
func TestRevoke(t *testing.T) {
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, nil)
	user, pass := tt.CredentialsFor("leaver", time.Hour)
	relay, err := tt.client(t, metrics.PathTURNUDP, user, pass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	if _, err := relay.WriteTo([]byte("hello"), net.UDPAddrFromAddrPort(sfu.addr())); err != nil {
		t.Fatal(err)
	}
	from := sfu.next(t)

	tt.Revoke("leaver")
	if _, ok := tt.PathOf(from); ok {
		t.Error("the revoked relay socket is still known")
	}
	_, _ = relay.WriteTo([]byte("after leaving"), net.UDPAddrFromAddrPort(sfu.addr()))
	select {
	case got := <-sfu.from:
		t.Errorf("a packet from %s reached the SFU after the participant left", got)
	case <-time.After(300 * time.Millisecond):
	}

	// A client that deallocates by itself.
	user, pass = tt.CredentialsFor("netcheck-1", time.Hour)
	cl := tt.client(t, metrics.PathTURNUDP, user, pass)
	relay2, err := cl.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	_ = relay2.Close() // sends a Refresh with lifetime 0
	testwait.Until(t, 5*time.Second, "forgotten after deallocation", func() error {
		tt.mu.Lock()
		defer tt.mu.Unlock()
		if len(tt.relaysOf) != 0 || len(tt.transports) != 0 {
			return fmt.Errorf("still kept: relays of %v, %d relay addresses", tt.relaysOf, len(tt.transports))
		}
		return nil
	})
}
