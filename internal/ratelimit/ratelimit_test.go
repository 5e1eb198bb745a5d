package ratelimit

import (
	"net/netip"
	"testing"
	"time"

	"piiri/internal/clock"
)

func TestPerSourceLimitsOneSourceOnly(t *testing.T) {
	clk := clock.NewFake(time.Unix(1000, 0))
	l := New(Config{Every: 6 * time.Second, Burst: 3}, clk)
	bad := netip.MustParseAddr("192.0.2.7")
	good := netip.MustParseAddr("192.0.2.8")
	for i := range 3 {
		if !l.Allow(bad) {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	if l.Allow(bad) {
		t.Fatal("fourth attempt allowed beyond the burst of 3")
	}
	blocked, wait := l.Blocked(bad)
	if !blocked || wait != 6*time.Second {
		t.Fatalf("Blocked = %v, %v; want true, 6s", blocked, wait)
	}
	if blocked, _ := l.Blocked(good); blocked {
		t.Fatal("another address is blocked")
	}
	if !l.Allow(good) {
		t.Fatal("another address refused")
	}
	clk.Advance(6 * time.Second)
	if !l.Allow(bad) {
		t.Fatal("no token back after one interval")
	}
	if l.Allow(bad) {
		t.Fatal("two tokens back after one interval")
	}
}

func TestPerSourceGroupsIPv6By64(t *testing.T) {
	l := New(Config{Every: time.Hour, Burst: 1}, clock.NewFake(time.Unix(0, 0)))
	if !l.Allow(netip.MustParseAddr("2001:db8:1:2::1")) {
		t.Fatal("first attempt refused")
	}
	if l.Allow(netip.MustParseAddr("2001:db8:1:2:ffff::9")) {
		t.Fatal("another address in the same /64 got a token of its own")
	}
	if !l.Allow(netip.MustParseAddr("2001:db8:1:3::1")) {
		t.Fatal("another /64 refused")
	}
	if !l.Allow(netip.MustParseAddr("::ffff:192.0.2.1")) || l.Allow(netip.MustParseAddr("192.0.2.1")) {
		t.Fatal("an IPv4-mapped address is not the same source as the IPv4 address")
	}
}

func TestPerSourceMemoryIsBounded(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	l := New(Config{Every: time.Second, Burst: 2, MaxSources: 10}, clk)
	for i := range 10 {
		l.Allow(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
	}
	// Full, and nothing has refilled: a new source is not tracked.
	if !l.Allow(netip.MustParseAddr("10.0.1.1")) || l.Len() != 10 {
		t.Fatalf("with the table full a new source was refused or tracked (len %d)", l.Len())
	}
	clk.Advance(time.Second)
	if !l.Allow(netip.MustParseAddr("10.0.1.2")) || l.Len() != 1 {
		t.Fatalf("refilled sources were not swept: len %d, want 1", l.Len())
	}
}
