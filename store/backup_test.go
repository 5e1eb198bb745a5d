package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"piiri/control"
	"piiri/control/controltest"
	"piiri/internal/testwait"
)

// TestBackupWhileWriting takes a backup while another goroutine writes
// numbered records, restores it into a new data directory, and checks it
// is consistent and holds exactly the first k writes, for a k between the
// writes acknowledged before the backup began and after it ended.
func TestBackupWhileWriting(t *testing.T) {
	db := openTemp(t, Options{})
	var acked atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := int64(1); ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			err := db.Update(func(tx control.Tx) error {
				return tx.PutGroup(control.Group{ID: fmt.Sprintf("g%08d", i), Name: "x"})
			})
			if err != nil {
				done <- err
				return
			}
			acked.Store(i)
		}
	}()
	waitFor(t, func() bool { return acked.Load() >= 50 })
	backup := filepath.Join(t.TempDir(), "backup.db")
	before := acked.Load()
	if err := db.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	after := acked.Load()
	waitFor(t, func() bool { return acked.Load() > after+20 }) // writes went on
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	if err := Restore(dir, backup); err != nil {
		t.Fatal(err)
	}
	restored, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if err := restored.Check(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = restored.View(func(tx control.Tx) error {
		gs, err := tx.Groups()
		for _, g := range gs {
			ids = append(ids, g.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	k := int64(len(ids))
	if k < before || k > after+1 {
		t.Errorf("backup holds %d writes; %d were acknowledged before it began and %d after it ended", k, before, after)
	}
	for i := range k {
		if want := fmt.Sprintf("g%08d", i+1); ids[i] != want { // bbolt lists keys in order
			t.Fatalf("backup's write %d is %s, want %s: not a prefix of the writes", i, ids[i], want)
		}
	}
	t.Logf("backup taken between write %d and %d holds %d", before, after, k)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testwait.Until(t, time.Minute, "writes", func() error {
		if !cond() {
			return errors.New("not yet")
		}
		return nil
	})
}

// TestRestore: the full round trip through the service's data, and what
// Restore refuses.
func TestRestore(t *testing.T) {
	src := t.TempDir()
	var db *DB
	f := controltest.NewFixture(t, func(t *testing.T) control.Store {
		var err error
		if db, err = Open(src, Options{}); err != nil {
			t.Fatal(err)
		}
		return db
	}, controltest.FixtureOptions{})
	want := f.Snapshot()
	backup := filepath.Join(t.TempDir(), "piiri-backup.db")
	if err := db.BackupFile(backup); err != nil {
		t.Fatal(err)
	}

	// Into a data directory whose server runs: refused.
	if err := Restore(src, backup); !errors.Is(err, ErrInUse) {
		t.Errorf("restore into a running server's directory: %v, want ErrInUse", err)
	}
	db.Close()
	// Into a stopped one: the old file is kept aside.
	if err := Restore(src, backup); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, FileName+".before-restore")); err != nil {
		t.Errorf("the replaced database was not kept: %v", err)
	}
	// Into a new one.
	dst := filepath.Join(t.TempDir(), "new", "data")
	if err := Restore(dst, backup); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{src, dst} {
		got, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s := controltest.Snapshot(t, got); s != want {
			t.Errorf("restored into %s: the data differ", dir)
		}
		got.Close()
	}

	// Files that are not backups.
	junk := filepath.Join(t.TempDir(), "junk")
	if err := os.WriteFile(junk, []byte("not a database, just text long enough to be something"), 0o600); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "plain.db")
	pdb, err := bolt.Open(plain, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	pdb.Close()
	newer := filepath.Join(t.TempDir(), "newer.db")
	ndb, err := bolt.Open(newer, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = ndb.Update(func(btx *bolt.Tx) error {
		b, _ := btx.CreateBucket(bucketMeta)
		return b.Put(keySchema, []byte(strconv.Itoa(latestSchema()+1)))
	})
	ndb.Close()
	for name, file := range map[string]string{"missing": filepath.Join(t.TempDir(), "none"), "junk": junk, "not piiri": plain, "newer": newer} {
		if err := Restore(t.TempDir(), file); err == nil {
			t.Errorf("restore from a %s file succeeded", name)
		}
	}
	if err := Restore(t.TempDir(), newer); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("restore from a newer piiri's backup: %v", err)
	}
}

// TestRestoreOldBackup: a backup from an older schema is migrated when
// the restored file is opened.
func TestRestoreOldBackup(t *testing.T) {
	old := openTemp(t, Options{upTo: 1})
	writeV1(t, old, []control.Person{{ID: "p1", GroupID: "g1"}}, nil, control.Group{ID: "g1"})
	backup := filepath.Join(t.TempDir(), "v1.db")
	if err := old.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Restore(dir, backup); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := schema(t, db); n != latestSchema() {
		t.Errorf("restored v1 backup opened at schema %d", n)
	}
	_ = db.View(func(tx control.Tx) error {
		if ps, _ := tx.People("g1"); len(ps) != 1 {
			t.Errorf("people of the restored group: %v", ps)
		}
		return nil
	})
}
