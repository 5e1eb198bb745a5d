package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// BackupFile writes a consistent copy of the database to path while it
// stays in use (`piiri backup FILE`). The copy is written beside path and
// renamed into place once synced, so path is either the old file or a
// whole new backup.
func (d *DB) BackupFile(path string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing to remove
	if _, err := d.Backup(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return syncDir(dir)
}

// Restore puts the backup file from in place as the database of dataDir
// (`piiri restore FILE`). The server must not be running on dataDir
// (ErrInUse otherwise). The backup is checked first: it must be a piiri
// database this piiri can read, internally consistent. A database already
// there is kept as piiri.db.before-restore. The next Open migrates the
// restored file if it is from an older piiri.
func Restore(dataDir, from string) error {
	if err := checkBackup(from); err != nil {
		return fmt.Errorf("restore from %s: %w", from, err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	target := filepath.Join(dataDir, FileName)
	// Hold the current database's lock while replacing it, so a server
	// starting meanwhile waits (and then opens the restored file).
	if _, err := os.Stat(target); err == nil {
		cur, err := bolt.Open(target, 0o600, &bolt.Options{Timeout: time.Second})
		if errors.Is(err, berrors.ErrTimeout) {
			return fmt.Errorf("restore into %s: %w; stop it first", dataDir, ErrInUse)
		}
		if err != nil {
			return fmt.Errorf("restore: the current database: %w", err)
		}
		defer cur.Close()
	}
	tmp, err := os.CreateTemp(dataDir, FileName+".restore*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := copyFile(tmp, from); err != nil {
		tmp.Close()
		return fmt.Errorf("restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(target); err == nil {
		if err := os.Rename(target, target+".before-restore"); err != nil {
			return fmt.Errorf("restore: keep the current database: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return syncDir(dataDir)
}

func copyFile(dst *os.File, from string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := io.Copy(dst, src); err != nil {
		return err
	}
	return dst.Sync()
}

// CheckBackup opens a backup read-only and checks that it is a piiri
// database this piiri can read, internally consistent.
func CheckBackup(path string) error { return checkBackup(path) }

// checkBackup opens a backup read-only and checks it.
func checkBackup(path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("not a database piiri can read: %w", err)
	}
	defer db.Close()
	return db.View(func(btx *bolt.Tx) error {
		schema, err := schemaOf(btx)
		switch {
		case err != nil:
			return err
		case schema == 0:
			return errors.New("not a piiri database (no schema version)")
		case schema > latestSchema():
			return fmt.Errorf("%w: schema v%d, this piiri knows up to v%d", ErrNewerSchema, schema, latestSchema())
		}
		return checkTx(btx)
	})
}
