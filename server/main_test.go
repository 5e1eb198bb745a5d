package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// server, bot, peer connection and timer must have been shut down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
