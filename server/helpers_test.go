package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"piiri/bot"
	"piiri/config"
)

// testServer starts a server on loopback ports chosen by the kernel and
// stops it when the test ends.
func testServer(t testing.TB, edit func(*config.Config)) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Admin.Listen = "127.0.0.1:0"
	cfg.Media.UDPListen = "127.0.0.1:0"
	if edit != nil {
		edit(&cfg)
	}
	srv, err := New(cfg, testLogger())
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	return srv
}

// testLogger logs warnings and errors, or everything with TEST_LOG=debug.
func testLogger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("TEST_LOG") == "debug" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func joinBot(t testing.TB, srv *Server, room, name string, publish bool) *bot.Bot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bot.Join(ctx, bot.Config{URL: srv.WebsocketURL(), Room: room, Name: name, Publish: publish})
	if err != nil {
		t.Fatalf("bot %s join: %v", name, err)
	}
	t.Cleanup(b.Close)
	return b
}

// eventually polls cond until it holds or the deadline passes. It waits
// for a state to be reached; it asserts nothing about how fast.
func eventually(t testing.TB, within time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after %v: %v", what, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

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
