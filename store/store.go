// Package store keeps piiri's data in one bbolt file in the data
// directory: it implements control.Store. It owns the file's layout
// (buckets, a schema version, migrations run at open), the encoding of
// records (JSON with an explicit version per record), and backups.
//
// Every Update is committed with fsync before it returns (bbolt's
// default; NoSync is never set outside this package's tests), so a write
// the API has acknowledged survives a crash. A second process opening the
// same data directory gets ErrInUse after a short wait instead of
// hanging.
package store

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"piiri/control"
)

// FileName is the database's name inside the data directory.
const FileName = "piiri.db"

// ErrInUse is returned by Open when another process holds the database.
var ErrInUse = errors.New("the database is in use by another piiri")

// ErrNewerSchema is returned by Open for a database written by a newer
// piiri than this one.
var ErrNewerSchema = errors.New("the database was written by a newer piiri")

// Options configure Open. The zero value is the production setting.
type Options struct {
	// LockTimeout is how long Open waits for another process to let go
	// of the file. Default 1 s.
	LockTimeout time.Duration
	// Logger gets a line per migration run. Default: none.
	Logger *slog.Logger

	// noSync skips fsync: only this package's rule tests set it, where
	// durability is not what is tested.
	noSync bool
	// upTo stops migrations at a schema version: for tests that build
	// an old layout.
	upTo int
}

// DB is an open piiri database. It implements control.Store.
type DB struct {
	db   *bolt.DB
	path string
}

var _ control.Store = (*DB)(nil)

// Open opens (creating if needed) the database in dir and brings its
// layout up to date.
func Open(dir string, opt Options) (*DB, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	_, statErr := os.Stat(path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, NoSync: opt.noSync})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w (waited %v for its lock)", path, ErrInUse, opt.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// The new file's directory entry must be durable too.
		if err := syncDir(dir); err != nil {
			db.Close()
			return nil, err
		}
	}
	upTo := opt.upTo
	if upTo == 0 {
		upTo = latestSchema()
	}
	if err := migrate(db, upTo, opt.Logger); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &DB{db: db, path: path}, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Path is the database file.
func (d *DB) Path() string { return d.path }

// View implements control.Store.
func (d *DB) View(fn func(control.Tx) error) error {
	return d.db.View(func(btx *bolt.Tx) error { return fn(&tx{btx}) })
}

// Update implements control.Store: committed (fsync) before it returns.
func (d *DB) Update(fn func(control.Tx) error) error {
	return d.db.Update(func(btx *bolt.Tx) error { return fn(&tx{btx}) })
}

// Check verifies the file's internal consistency (pages, free list, key
// order). It runs in a write transaction that it rolls back: bbolt's check
// reads the shared free list, which a concurrent commit would change
// under it, so writers wait meanwhile.
func (d *DB) Check() error {
	errCheckDone := errors.New("check done")
	var problems error
	err := d.db.Update(func(btx *bolt.Tx) error {
		problems = checkTx(btx)
		return errCheckDone
	})
	if !errors.Is(err, errCheckDone) {
		return err
	}
	return problems
}

func checkTx(btx *bolt.Tx) error {
	var errs []error
	for err := range btx.Check() {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Backup writes a consistent copy of the database to w while it stays in
// use: a read transaction's snapshot, so writes go on meanwhile.
func (d *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := d.db.View(func(btx *bolt.Tx) error {
		var err error
		n, err = btx.WriteTo(w)
		return err
	})
	return n, err
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
