package store

import (
	"os"
	"testing"

	"piiri/control"
	"piiri/control/controltest"
)

func TestMain(m *testing.M) {
	// The SIGKILL test re-executes this binary as the child that writes.
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if dir := os.Getenv(openChildEnv); dir != "" {
		openChild(dir)
		return
	}
	os.Exit(m.Run())
}

// openTemp opens a database in a new temporary directory, closed when the
// test ends.
func openTemp(t *testing.T, opt Options) *DB {
	t.Helper()
	db, err := Open(t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("consistency check at the end: %v", err)
		}
		db.Close()
	})
	return db
}

// TestRules runs control's rule tables over bbolt. fsync is off here
// (the tables make thousands of writes and test rules, not durability;
// the durability tests below run with it on).
func TestRules(t *testing.T) {
	controltest.Run(t, func(t *testing.T) control.Store { return openTemp(t, Options{noSync: true}) })
}

// TestStoreContract checks bbolt against control's store contract, with
// fsync on as in production.
func TestStoreContract(t *testing.T) {
	controltest.RunStore(t, func(t *testing.T) control.Store { return openTemp(t, Options{}) })
}
