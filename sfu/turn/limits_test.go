package turn

import (
	"net"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/internal/clock"
	"piiri/metrics"
)

// udpClientFrom connects a pion TURN client over UDP from a loopback
// address of its own, so the server sees a client address of its own.
func (tt *testTURN) udpClientFrom(t *testing.T, ip, user, pass string) *pionturn.Client {
	t.Helper()
	conn, err := net.ListenPacket("udp4", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: tt.udpAddr, TURNServerAddr: tt.udpAddr, Conn: conn,
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

func (tt *testTURN) refused(reason string) float64 {
	return testutil.ToFloat64(tt.m.TURNRefusals.WithLabelValues(reason))
}

// TestRevokedCredentialsAreRefused: once a participant has left, its
// credentials make no new allocation, over any transport, while another
// participant's still work.
func TestRevokedCredentialsAreRefused(t *testing.T) {
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, nil)
	user, pass := tt.CredentialsFor("leaver", time.Hour)
	relay, err := tt.client(t, metrics.PathTURNUDP, user, pass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	tt.Revoke("leaver")
	for _, transport := range []string{metrics.PathTURNUDP, metrics.PathTURNTCP, metrics.PathTURNTLS} {
		if relay, err := tt.client(t, transport, user, pass).Allocate(); err == nil {
			relay.Close()
			t.Errorf("%s: a participant who left got a new allocation", transport)
		}
	}
	if v := tt.refused(metrics.TURNRefusedRevoked); v < 3 {
		t.Errorf("revoked refusals counted %v, want at least 3", v)
	}
	other, otherPass := tt.CredentialsFor("stayer", time.Hour)
	relay2, err := tt.client(t, metrics.PathTURNTCP, other, otherPass).Allocate()
	if err != nil {
		t.Fatalf("another participant: %v", err)
	}
	relay2.Close()
}

// TestRevocationsAreForgotten: a revocation lasts as long as any of the
// participant's credentials could still allocate (CredentialTTL), and is
// then forgotten, so the memory they take stays bounded.
func TestRevocationsAreForgotten(t *testing.T) {
	clk := clock.NewFake(time.Now())
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, func(c *Config) { c.Clock = clk; c.CredentialTTL = time.Hour })
	allocateOK := func(id string) bool {
		user, _ := tt.CredentialsFor(id, time.Hour)
		_, _, ok := tt.authenticate(&pionturn.RequestAttributes{Username: user, Realm: "piiri", Method: stun.MethodAllocate})
		return ok
	}
	tt.Revoke("a")
	clk.Advance(30 * time.Minute)
	tt.Revoke("b")
	tt.Revoke("a") // again: the later one counts
	if allocateOK("a") || allocateOK("b") {
		t.Fatal("credentials of participants who left were accepted")
	}
	clk.Advance(31 * time.Minute)
	if allocateOK("a") || allocateOK("b") {
		t.Fatal("a revocation ended before the credentials it covers expired")
	}
	clk.Advance(30 * time.Minute)
	if !allocateOK("c") {
		t.Fatal("a participant who never left was refused")
	}
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if len(tt.revoked) != 0 || len(tt.revocations) != 0 {
		t.Errorf("revocations kept after every credential they cover expired: %v, %v", tt.revoked, tt.revocations)
	}
}

// TestServerCap: the server's cap on allocations holds for everyone
// together, whatever credentials they have (network checks mint a new
// identity each), and frees up when an allocation ends.
func TestServerCap(t *testing.T) {
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, func(c *Config) { c.MaxAllocations = 2 })
	var relays []net.PacketConn
	for _, id := range []string{"netcheck-1", "netcheck-2"} {
		user, pass := tt.CredentialsFor(id, time.Hour)
		relay, err := tt.client(t, metrics.PathTURNUDP, user, pass).Allocate()
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		relays = append(relays, relay)
	}
	user, pass := tt.CredentialsFor("netcheck-3", time.Hour)
	if relay, err := tt.client(t, metrics.PathTURNTCP, user, pass).Allocate(); err == nil {
		relay.Close()
		t.Fatal("an allocation over the server's cap was granted")
	}
	if v := tt.refused(metrics.TURNRefusedCapacity); v != 1 {
		t.Errorf("capacity refusals counted %v, want 1", v)
	}
	_ = relays[0].Close()
	// The client's Close sends a zero-lifetime Refresh; the server frees
	// the relay socket after answering it, so wait (boundedly) for that
	// before asking again.
	waitForRelays(t, tt, 1)
	relay, err := tt.client(t, metrics.PathTURNTCP, user, pass).Allocate()
	if err != nil {
		t.Fatalf("after an allocation ended: %v", err)
	}
	relay.Close()
	relays[1].Close()
}

// TestSourceCap: one client address gets at most MaxAllocationsPerSource
// allocations, however many identities it has; other addresses are not
// affected.
func TestSourceCap(t *testing.T) {
	sfu := startFakeSFU(t)
	tt := startTURN(t, sfu, func(c *Config) { c.MaxAllocationsPerSource = 2 })
	for i, id := range []string{"netcheck-1", "netcheck-2", "netcheck-3"} {
		user, pass := tt.CredentialsFor(id, time.Hour)
		relay, err := tt.udpClientFrom(t, "127.0.0.2", user, pass).Allocate()
		switch {
		case i < 2 && err != nil:
			t.Fatalf("%s: %v", id, err)
		case i == 2 && err == nil:
			t.Fatal("an allocation over the address's cap was granted")
		}
		if relay != nil {
			defer relay.Close()
		}
	}
	if v := tt.refused(metrics.TURNRefusedSource); v != 1 {
		t.Errorf("per-address refusals counted %v, want 1", v)
	}
	user, pass := tt.CredentialsFor("elsewhere", time.Hour)
	relay, err := tt.udpClientFrom(t, "127.0.0.3", user, pass).Allocate()
	if err != nil {
		t.Fatalf("another address: %v", err)
	}
	relay.Close()
}

// waitForRelays waits until the server has exactly n relay sockets open,
// failing the test after a generous bound.
func waitForRelays(t *testing.T, tt *testTURN, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tt.mu.Lock()
		open := tt.nrelays
		tt.mu.Unlock()
		if open == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server has %d relay sockets open, want %d", open, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
