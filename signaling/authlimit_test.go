package signaling

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/internal/clock"
	"piiri/internal/ratelimit"
	"piiri/metrics"
)

// TestWrongKeysAreRateLimitedPerAddress: one address that keeps guessing
// the room key is refused with rate_limited after ten tries, on any new
// connection too, while the right key keeps working from another address;
// the address may try again once its tokens come back.
func TestWrongKeysAreRateLimitedPerAddress(t *testing.T) {
	clk := clock.NewFake(time.Unix(1_800_000_000, 0))
	h, _ := newFakeHarness(t, func(c *Config) {
		c.RoomKey = "the-right-key-0123456789"
		c.MaxInvalidMessages = 10000
		c.MessagesPerSecond, c.MessageBurst = 1e6, 1e6
		c.FailedAuth = ratelimit.New(ratelimit.Config{Every: 6 * time.Second, Burst: 10}, clk)
		c.Clock = clk
	})
	room := h.room()
	guesser := h.dial()
	wrong := func(c *client, id string) inbound {
		c.sendJSON(joinMsg(map[string]any{"id": id, "room": room, "key": "guess"}))
		return c.expectReply(id)
	}
	for i := range 10 {
		if m := wrong(guesser, "g"); m.Code != CodeUnauthorized {
			t.Fatalf("guess %d: %s, want unauthorized", i+1, m.Raw)
		}
	}
	for i := range 2000 {
		if m := wrong(guesser, "g"); m.Code != CodeRateLimited || !strings.Contains(m.Message, "failed attempts") {
			t.Fatalf("guess %d after the limit: %s, want rate_limited for failed attempts", 11+i, m.Raw)
		}
	}
	if m := wrong(h.dial(), "g2"); m.Code != CodeRateLimited {
		t.Errorf("a new connection from the same address: %s, want rate_limited", m.Raw)
	}
	if got := testutil.ToFloat64(h.cfg.Metrics.AuthFailures.WithLabelValues(metrics.CredentialRoomKey)); got != 10 {
		t.Errorf("auth failures counted %v, want 10", got)
	}

	other := h.dialFrom("127.0.0.2")
	other.join(room, "Anna")

	clk.Advance(6 * time.Second)
	if m := wrong(guesser, "g3"); m.Code != CodeUnauthorized {
		t.Errorf("after one token came back: %s, want unauthorized", m.Raw)
	}
	if m := wrong(guesser, "g4"); m.Code != CodeRateLimited {
		t.Errorf("the token is used up again: %s, want rate_limited", m.Raw)
	}
}

// TestWrongResumeTokensCount: guessing resume tokens counts as failing to
// authenticate too.
func TestWrongResumeTokensCount(t *testing.T) {
	h, _ := newFakeHarness(t, func(c *Config) {
		c.FailedAuth = ratelimit.New(ratelimit.Config{Every: time.Hour, Burst: 3}, clock.NewFake(time.Unix(0, 0)))
	})
	c := h.dial()
	for i := range 3 {
		c.sendJSON(joinMsg(map[string]any{"id": "r", "resume": "not-a-token"}))
		if m := c.expectReply("r"); m.Code != CodeResumeFailed {
			t.Fatalf("resume %d: %s", i+1, m.Raw)
		}
	}
	c.sendJSON(joinMsg(map[string]any{"id": "r", "resume": "not-a-token"}))
	if m := c.expectReply("r"); m.Code != CodeRateLimited {
		t.Fatalf("fourth resume: %s, want rate_limited", m.Raw)
	}
}

// dialFrom connects from another loopback address, as another host would.
func (h *harness) dialFrom(ip string) *client {
	h.t.Helper()
	d := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		return nd.DialContext(ctx, network, addr)
	}}
	return h.dialWith(d)
}
