package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"piiri/bot"
	"piiri/server/servertest"
)

// TestRoomLoadMetrics: rooms by size and their fan-out are on /metrics as
// people join and leave, and no room is named there.
func TestRoomLoadMetrics(t *testing.T) {
	srv := servertest.Start(t, nil)
	scrape := func() string {
		_, body := get(t, "http://"+srv.AdminAddr()+"/metrics")
		return body
	}
	want := func(what string, series map[string]float64) {
		t.Helper()
		eventually(t, 30*time.Second, what, func() error {
			body := scrape()
			for s, v := range series {
				if got, ok := metricValue(body, s); !ok || got != v {
					return fmt.Errorf("%s = %v (present: %v), want %v", s, got, ok, v)
				}
			}
			return nil
		})
	}

	// Room "alpha" with three publishers: 3 × 2 tracks × 2 subscribers;
	// room "beta" with one person, who receives nothing.
	var alpha []*bot.Bot
	for i := range 3 {
		b, err := dialBot(t, srv, "alpha", fmt.Sprintf("a%d", i), true)
		if err != nil {
			t.Fatal(err)
		}
		alpha = append(alpha, b)
	}
	if _, err := dialBot(t, srv, "beta", "b0", true); err != nil {
		t.Fatal(err)
	}
	want("two rooms, one of 3 forwarding 12 tracks", map[string]float64{
		`piiri_rooms_by_participants{participants="3"}`: 1,
		`piiri_rooms_by_participants{participants="1"}`: 1,
		`piiri_down_tracks`:                             12,
		`piiri_busiest_room_down_tracks`:                12,
	})
	body := scrape()
	for _, secret := range []string{"alpha", "beta"} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics names room %q", secret)
		}
	}

	for _, b := range alpha[1:] {
		if err := b.Leave(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	want("alpha down to its last person", map[string]float64{
		`piiri_rooms_by_participants{participants="1"}`: 2,
		`piiri_down_tracks`:                             0,
		`piiri_busiest_room_down_tracks`:                0,
	})
}
