package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"piiri/bot"
	"piiri/internal/testwait"
	"piiri/server"
)

func joinBot(t testing.TB, srv *server.Server, room, name string, publish bool) *bot.Bot {
	t.Helper()
	b, err := dialBot(t, srv, room, name, publish)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dialBot is joinBot for goroutines a test starts, which must not call
// t.Fatal: it returns the error instead.
func dialBot(t testing.TB, srv *server.Server, room, name string, publish bool) (*bot.Bot, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bot.Join(ctx, bot.Config{URL: srv.WebsocketURL(), Room: room, Name: name, Publish: publish})
	if err != nil {
		return nil, fmt.Errorf("bot %s join: %w", name, err)
	}
	t.Cleanup(b.Close)
	return b, nil
}

// eventually waits until cond holds; see testwait.Until.
var eventually = testwait.Until

// receivingFromAll checks that b has decoded video and received audio from
// every other bot.
func receivingFromAll(b *bot.Bot, others []*bot.Bot, minFrames int64) error {
	got := b.Received()
	for _, o := range others {
		if o == b {
			continue
		}
		a, v := got[o.ID()+"/audio"], got[o.ID()+"/video"]
		if a.Packets == 0 {
			return fmt.Errorf("bot %s has no audio from %s", b.ID(), o.ID())
		}
		if v.Frames < minFrames {
			return fmt.Errorf("bot %s has %d decoded frames from %s, want %d", b.ID(), v.Frames, o.ID(), minFrames)
		}
	}
	return nil
}
