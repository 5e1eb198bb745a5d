// Package testwait holds the one polling helper the tests share: waiting
// until a condition holds. It waits for a state to be reached; it asserts
// nothing about how fast (speed is measured in benchmarks).
package testwait

import (
	"testing"
	"time"
)

// Until calls cond every 20 ms until it returns nil, and fails the test with
// cond's last error if that has not happened within the given time.
func Until(t testing.TB, within time.Duration, what string, cond func() error) {
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
		time.Sleep(20 * time.Millisecond)
	}
}
