// Package testwait holds the one polling helper the tests share: waiting
// until a condition holds. It waits for a state to be reached; it asserts
// nothing about how fast (speed is measured in benchmarks).
package testwait

import (
	"fmt"
	"testing"
	"time"
)

// Until calls cond every 20 ms until it returns nil, and fails the test with
// cond's last error if that has not happened within the given time. Call
// it from the test's goroutine; other goroutines use For.
func Until(t testing.TB, within time.Duration, what string, cond func() error) {
	t.Helper()
	if err := For(within, what, cond); err != nil {
		t.Fatal(err)
	}
}

// For calls cond every 20 ms until it returns nil, and returns cond's last
// error (naming what was awaited) if that has not happened within the
// given time. It is for goroutines a test starts, which must not call
// t.Fatal.
func For(within time.Duration, what string, cond func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still not true after %v: %w", what, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
