package e2e

import (
	"log/slog"
	"os"
)

// testLogger logs warnings and errors, or everything with TEST_LOG=debug.
func testLogger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("TEST_LOG") == "debug" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
