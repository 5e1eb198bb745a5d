package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"piiri/config"
	"piiri/store"
)

// backupCmd is `piiri backup FILE`: a consistent copy of the store. While
// the server runs it comes from the server itself (the admin listener's
// /backup, since the running server holds the database's lock); when it
// does not, from the data directory.
func backupCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "the server's YAML config `file` (for data.dir and admin.listen)")
	if exit, stop := parseFlags(fs, args); stop {
		return exit
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "piiri backup: give the FILE to write, such as piiri-backup.db\n")
		return 2
	}
	cfg, err := config.Load(*configPath, os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "piiri: invalid configuration:\n%v\n", err)
		return 1
	}
	to := fs.Arg(0)
	err = backupFromServer(cfg, to)
	if errors.Is(err, errServerNotRunning) {
		err = backupFromDir(cfg.Data.Dir, to)
	}
	if err != nil {
		fmt.Fprintf(stderr, "piiri backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "piiri backup: wrote %s\n", to)
	return 0
}

var errServerNotRunning = errors.New("no server answers on admin.listen")

// backupFromServer asks the running server for its copy.
func backupFromServer(cfg config.Config, to string) error {
	if cfg.Admin.Listen == config.AdminOff {
		return errServerNotRunning
	}
	client := &http.Client{Timeout: 10 * time.Minute}
	resp, err := client.Get("http://" + cfg.Admin.Listen + "/backup")
	if err != nil {
		return errServerNotRunning
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server at %s answered %s", cfg.Admin.Listen, resp.Status)
	}
	return writeChecked(to, resp.Body)
}

// backupFromDir copies a store no server is using.
func backupFromDir(dataDir, to string) error {
	db, err := store.Open(dataDir, store.Options{LockTimeout: time.Second})
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("%w: a piiri server uses %s but does not answer on admin.listen; turn its admin listener on, or stop it", err, dataDir)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	return db.BackupFile(to)
}

// writeChecked writes r beside to, checks it is a whole piiri database and
// only then renames it into place.
func writeChecked(to string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(to), filepath.Base(to)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return fmt.Errorf("receive the copy: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := store.CheckBackup(tmp.Name()); err != nil {
		return fmt.Errorf("the copy the server sent is not whole: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}

// restoreCmd is `piiri restore FILE`: puts a backup back as the store of
// data.dir. The server must be stopped.
func restoreCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "the server's YAML config `file` (for data.dir)")
	if exit, stop := parseFlags(fs, args); stop {
		return exit
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "piiri restore: give the backup FILE to restore\n")
		return 2
	}
	cfg, err := config.Load(*configPath, os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "piiri: invalid configuration:\n%v\n", err)
		return 1
	}
	if err := store.Restore(cfg.Data.Dir, fs.Arg(0)); err != nil {
		if errors.Is(err, store.ErrInUse) {
			fmt.Fprintf(stderr, "piiri restore: %v: stop the server first\n", err)
		} else {
			fmt.Fprintf(stderr, "piiri restore: %v\n", err)
		}
		return 1
	}
	fmt.Fprintf(stdout, "piiri restore: %s is now the store of %s (the one before is kept as piiri.db.before-restore)\n", fs.Arg(0), cfg.Data.Dir)
	return 0
}
