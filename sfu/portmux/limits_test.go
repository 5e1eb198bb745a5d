package portmux

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"piiri/internal/testwait"
)

// dialFrom connects to the mux from a loopback address of its own, so
// that the mux sees a source of its own (Linux routes all of 127.0.0.0/8
// to the loopback interface).
func dialFrom(t *testing.T, m *testMux, ip string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", m.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// waitFrom waits until the mux counts open and pending connections from ip.
func waitFrom(t *testing.T, m *testMux, ip string, open, pending int) {
	t.Helper()
	testwait.Until(t, 5*time.Second, "connections from "+ip, func() error {
		o, p := m.openFrom(netip.MustParseAddr(ip))
		if o != open || p != pending {
			return fmt.Errorf("%d open and %d pending, want %d and %d", o, p, open, pending)
		}
		return nil
	})
}

// stillOpen reports whether c has not been closed by the server.
func stillOpen(c net.Conn) bool { return !closedByServer(c, 50*time.Millisecond) }

func TestClassifyTimeoutShrinks(t *testing.T) {
	base, floor := 10*time.Second, 2*time.Second
	for _, tc := range []struct {
		pending int
		want    time.Duration
	}{
		{1, base}, {128, base}, {192, 6 * time.Second}, {256, floor}, {300, floor},
	} {
		if got := classifyTimeout(tc.pending, 256, base, floor); got != tc.want {
			t.Errorf("%d of 256 pending: timeout %v, want %v", tc.pending, got, tc.want)
		}
	}
}

// TestDeadlineShrinksUnderPressure: when the pending set fills, the
// connections already waiting get the short deadline too, so holders are
// shed long before the calm-port timeout of a minute.
func TestDeadlineShrinksUnderPressure(t *testing.T) {
	m := startMux(t, func(c *Config) {
		c.MaxPending, c.MaxPendingPerSource = 8, 8
		c.ClassifyTimeout, c.MinClassifyTimeout = time.Minute, 100*time.Millisecond
	})
	first := dial(t, m)
	waitPending(t, m, 1)
	if !stillOpen(first) {
		t.Fatal("a pending connection on a calm port was closed at once")
	}
	for range 7 {
		dial(t, m)
	}
	if !closedByServer(first, 10*time.Second) {
		t.Fatal("the oldest pending connection kept its one-minute deadline on a full port")
	}
	m.waitOutcome(t, OutcomeTimeout)
	waitPending(t, m, 0)
	m.send(t, stunBinding(), OutcomeTURNTCP)
}

// TestPerSourcePendingLimit: one source's connections that send nothing
// are capped; other sources are not affected.
func TestPerSourcePendingLimit(t *testing.T) {
	m := startMux(t, func(c *Config) { c.MaxPendingPerSource = 2; c.ClassifyTimeout = time.Minute })
	dialFrom(t, m, "127.0.0.2")
	dialFrom(t, m, "127.0.0.2")
	waitFrom(t, m, "127.0.0.2", 2, 2)
	extra := dialFrom(t, m, "127.0.0.2")
	if !closedByServer(extra, 5*time.Second) {
		t.Fatal("a connection over its source's pending limit was left open")
	}
	m.waitOutcome(t, OutcomeSourceLimit)
	waitFrom(t, m, "127.0.0.2", 2, 2)

	dialFrom(t, m, "127.0.0.3")
	waitFrom(t, m, "127.0.0.3", 1, 1)
	c := dialFrom(t, m, "127.0.0.1")
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	got, _ := accept(t, m.HTTP, 4)
	got.Close()
}

// TestPerSourceOpenLimit: classified connections count against their
// source until they are closed; closing one, even twice, gives exactly
// one slot back.
func TestPerSourceOpenLimit(t *testing.T) {
	m := startMux(t, func(c *Config) { c.MaxConnsPerSource = 2 })
	var held []net.Conn
	for range 2 {
		c := dialFrom(t, m, "127.0.0.2")
		if _, err := c.Write(stunBinding()); err != nil {
			t.Fatal(err)
		}
		got, _ := accept(t, m.TURNTCP, 20)
		held = append(held, got)
	}
	waitFrom(t, m, "127.0.0.2", 2, 0)
	extra := dialFrom(t, m, "127.0.0.2")
	if !closedByServer(extra, 5*time.Second) {
		t.Fatal("a connection over its source's open limit was left open")
	}
	m.waitOutcome(t, OutcomeSourceLimit)

	// Another source is not affected.
	other := dialFrom(t, m, "127.0.0.1")
	if _, err := other.Write(stunBinding()); err != nil {
		t.Fatal(err)
	}
	got, _ := accept(t, m.TURNTCP, 20)
	got.Close()

	_ = held[0].Close()
	_ = held[0].Close()
	waitFrom(t, m, "127.0.0.2", 1, 0)
	again := dialFrom(t, m, "127.0.0.2")
	if _, err := again.Write(stunBinding()); err != nil {
		t.Fatal(err)
	}
	got, _ = accept(t, m.TURNTCP, 20)
	got.Close()
	held[1].Close()
	waitFrom(t, m, "127.0.0.2", 0, 0)
}

// TestFullPortShedsTheBiggestHolder: with every pending slot taken, a
// newcomer from a source that holds fewer takes the place of the oldest
// pending connection of the source that holds the most; a newcomer from
// that source itself is refused.
func TestFullPortShedsTheBiggestHolder(t *testing.T) {
	m := startMux(t, func(c *Config) {
		c.MaxPending, c.MaxPendingPerSource = 4, 3
		c.ClassifyTimeout, c.MinClassifyTimeout = time.Minute, time.Minute
	})
	var a []net.Conn
	for range 3 {
		a = append(a, dialFrom(t, m, "127.0.0.2"))
		waitFrom(t, m, "127.0.0.2", len(a), len(a))
	}
	b1 := dialFrom(t, m, "127.0.0.3")
	waitPending(t, m, 4)

	// .3 holds one, .2 three: .2's oldest goes.
	b2 := dialFrom(t, m, "127.0.0.3")
	if !closedByServer(a[0], 5*time.Second) {
		t.Fatal("the biggest holder's oldest pending connection was not shed")
	}
	m.waitOutcome(t, OutcomeShed)
	waitFrom(t, m, "127.0.0.3", 2, 2)
	waitFrom(t, m, "127.0.0.2", 2, 2)

	// Two each: the one whose oldest is oldest (.2) gives way to a
	// client that sends at once.
	legit := dialFrom(t, m, "127.0.0.1")
	if _, err := legit.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	got, _ := accept(t, m.HTTP, 4)
	got.Close()
	if !closedByServer(a[1], 5*time.Second) {
		t.Fatal("the tie was not broken by age")
	}
	waitFrom(t, m, "127.0.0.2", 1, 1)

	// Full again; .2 and .3 hold two each, .2's oldest is older: a
	// newcomer from .2 would shed its own kind, so it is refused.
	a = append(a, dialFrom(t, m, "127.0.0.2"))
	waitPending(t, m, 4)
	refused := dialFrom(t, m, "127.0.0.2")
	if !closedByServer(refused, 5*time.Second) {
		t.Fatal("a newcomer from the biggest holder was taken")
	}
	m.waitOutcome(t, OutcomeOverflow)
	for _, c := range []net.Conn{a[2], a[3], b1, b2} {
		if !stillOpen(c) {
			t.Error("a pending connection was closed for a refused newcomer")
		}
	}
}

// TestProxySourceLimits: behind a trusted proxy the limits apply to the
// client the PROXY header names, with IPv6 clients grouped by /64.
func TestProxySourceLimits(t *testing.T) {
	m := startMux(t, func(c *Config) {
		c.TrustedProxies = []string{"127.0.0.1/32"}
		c.MaxPendingPerSource = 1
		c.ClassifyTimeout = time.Minute
	})
	via := func(src string) net.Conn {
		t.Helper()
		c := dial(t, m)
		family := "TCP4"
		if netip.MustParseAddr(src).Is6() {
			family = "TCP6"
		}
		dst := map[string]string{"TCP4": "203.0.113.1", "TCP6": "2001:db8:ffff::1"}[family]
		if _, err := fmt.Fprintf(c, "PROXY %s %s %s 5555 443\r\n", family, src, dst); err != nil {
			t.Fatal(err)
		}
		return c
	}
	via("198.51.100.7")
	waitFrom(t, m, "198.51.100.7", 1, 1)
	if c := via("198.51.100.7"); !closedByServer(c, 5*time.Second) {
		t.Error("a second pending connection of one client behind the proxy was taken")
	}
	via("2001:db8::1")
	waitFrom(t, m, "2001:db8::1", 1, 1)
	if c := via("2001:db8::2"); !closedByServer(c, 5*time.Second) {
		t.Error("another address of the same IPv6 /64 was counted apart")
	}
	via("2001:db8:0:1::1")
	waitFrom(t, m, "2001:db8:0:1::1", 1, 1)
	m.waitOutcome(t, OutcomeSourceLimit)

	c := via("198.51.100.8")
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	got, _ := accept(t, m.HTTP, 4)
	if ra := got.RemoteAddr().String(); ra != "198.51.100.8:5555" {
		t.Errorf("remote address %s", ra)
	}
	got.Close()
	waitFrom(t, m, "198.51.100.8", 0, 0)
}
