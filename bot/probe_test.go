package bot_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/bot"
	"piiri/config"
	"piiri/internal/testwait"
	"piiri/server/servertest"
)

// TestProbe: a bot that joins as a probe (what piiri netcheck runs) is
// announced to nobody, is not counted among the participants, and once it
// has left it is gone from the server at once. It needs the server's side
// of "probe" (signaling).
func TestProbe(t *testing.T) {
	const key = "bot-probe-test-key-0123456789"
	srv := servertest.Start(t, func(c *config.Config) { c.Rooms.Key = key })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	room := fmt.Sprintf("probe-%d", time.Now().UnixNano())
	join := func(name string, probe bool) *bot.Bot {
		t.Helper()
		b, err := bot.Join(ctx, bot.Config{URL: srv.WebsocketURL(), Room: room, Key: key, Name: name, Publish: true, Probe: probe})
		if err != nil {
			t.Fatalf("join %s: %v", name, err)
		}
		t.Cleanup(b.Close)
		return b
	}
	member := join("member", false)
	probe := join("network check", true)
	testwait.Until(t, 20*time.Second, "the probe's media connects", func() error {
		if p := probe.Paths()["publisher"]; p == "" {
			return fmt.Errorf("paths %v", probe.Paths())
		}
		return nil
	})
	if n := testutil.ToFloat64(srv.Metrics().Participants); n != 1 {
		t.Errorf("piiri_participants = %v with one member and one probe, want 1", n)
	}
	if err := probe.Leave(ctx); err != nil {
		t.Fatalf("probe leave: %v", err)
	}
	// Gone at once: no waiting for the resume grace period.
	if c := srv.Signaling().Counts(); c.Participants != 1 || c.Connected != 1 {
		t.Errorf("after the probe left the server counts %+v, want the member alone", c)
	}
	// Messages to the member come in order: once it has heard of a
	// participant who joined after the probe left, it would have heard
	// of the probe's arrival and departure too.
	later := join("later", false)
	testwait.Until(t, 20*time.Second, "the member hears of the later participant", func() error {
		if _, ok := member.Participants()[later.ID()]; !ok {
			return fmt.Errorf("participants %v", member.Participants())
		}
		return nil
	})
	if _, ok := member.Participants()[probe.ID()]; ok || slices.Contains(member.LeftSeen(), probe.ID()) {
		t.Errorf("the member was told about the probe: participants %v, left %v", member.Participants(), member.LeftSeen())
	}
}
