// Package servertest starts real piiri servers for tests in other
// packages: on loopback, with ports the kernel picks, stopped when the test
// ends.
package servertest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"piiri/config"
	"piiri/server"
)

// Config returns the default configuration with every listener on a
// kernel-chosen loopback port, and the data directory in the system's
// temporary directory rather than the package's source (Start gives each
// test its own).
func Config() config.Config {
	cfg := config.Default()
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Admin.Listen = "127.0.0.1:0"
	cfg.Media.UDPListen = "127.0.0.1:0"
	cfg.TURN.UDPListen = "127.0.0.1:0"
	cfg.Data.Dir = filepath.Join(os.TempDir(), "piiri-servertest-data")
	return cfg
}

// Start runs a server with Config, changed by edit if not nil, until the
// test ends; a failed shutdown fails the test.
func Start(t testing.TB, edit func(*config.Config)) *server.Server {
	t.Helper()
	cfg := Config()
	// A directory the server creates, so it is private (0700) as it
	// would be in production.
	cfg.Data.Dir = filepath.Join(t.TempDir(), "data")
	if edit != nil {
		edit(&cfg)
	}
	srv, err := server.New(cfg, Logger())
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

// Logger logs warnings and errors, or everything when TEST_LOG=debug.
func Logger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("TEST_LOG") == "debug" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
