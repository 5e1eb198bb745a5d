//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a new pseudo-terminal: the master end, which reads what
// is written to the terminal, and the path of its terminal end. It uses
// the kernel's interface directly (/dev/ptmx, TIOCSPTLCK to unlock,
// TIOCGPTN for the number) rather than a library.
func openPTY(t *testing.T) (master *os.File, tty string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { _ = master.Close() })
	ioctl := func(req uintptr, arg *int32) error {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), req, uintptr(unsafe.Pointer(arg))); e != 0 {
			return e
		}
		return nil
	}
	unlock := int32(0)
	if err := ioctl(syscall.TIOCSPTLCK, &unlock); err != nil {
		t.Fatalf("unlock the pty: %v", err)
	}
	var n int32
	if err := ioctl(syscall.TIOCGPTN, &n); err != nil {
		t.Fatalf("the pty's number: %v", err)
	}
	return master, fmt.Sprintf("/dev/pts/%d", n)
}

// TestMakeRunPrintsTheAdminLink: `piiri serve` as `make run` starts it (no
// config, the data directory made in the working directory), with its
// output on a terminal, prints the admin link with its token and a trial
// room's link; the admin link's token works against the API, the room
// link serves the client, and the admin link is also kept in the data
// directory.
func TestMakeRunPrintsTheAdminLink(t *testing.T) {
	master, tty := openPTY(t)
	term, err := os.OpenFile(tty, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open %s: %v", tty, err)
	}
	bin := buildPiiri(t, "")
	work := t.TempDir()
	cmd := exec.Command(bin, "serve")
	cmd.Dir = work // as `make run`, which keeps piiri-data beside the binary
	// Only the ports are moved, to ones the kernel picks: this machine
	// may be running a piiri of its own.
	cmd.Env = append(os.Environ(), "PIIRI_SERVER_LISTEN=127.0.0.1:0", "PIIRI_ADMIN_LISTEN=127.0.0.1:0", "PIIRI_MEDIA_UDP_LISTEN=127.0.0.1:0", "PIIRI_TURN_UDP_LISTEN=127.0.0.1:0")
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = term, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = term.Close() // the child has its own
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	adminRE := regexp.MustCompile(`^\s+(http://127\.0\.0\.1:\d+)/admin#(\S+)$`)
	// The trial room's link; with #key= unless in dev mode (loopback, as
	// here), where any room name works without one.
	roomRE := regexp.MustCompile(`^\s+(http://127\.0\.0\.1:\d+/\?room=[a-z0-9]+)(#key=\S+)?$`)
	type found struct{ base, token, room string }
	got := make(chan found, 1)
	var printed strings.Builder
	go func() {
		var f found
		sc := bufio.NewScanner(master)
		for sc.Scan() { // ends with EIO when the server exits
			line := strings.TrimRight(sc.Text(), "\r")
			printed.WriteString(line + "\n")
			if m := adminRE.FindStringSubmatch(line); m != nil {
				f.base, f.token = m[1], m[2]
			}
			if m := roomRE.FindStringSubmatch(line); m != nil {
				f.room = m[1]
			}
			if strings.HasPrefix(line, "Metrics:") { // the last line of the banner
				got <- f
				break
			}
		}
		for sc.Scan() {
		}
	}()
	var f found
	select {
	case f = <-got:
	case err := <-exited:
		t.Fatalf("piiri serve exited: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("no banner within 60 s; stderr:\n%s", stderr.String())
	}
	if f.token == "" || f.room == "" {
		t.Fatalf("the terminal shows no admin link or no trial room link:\n%s", printed.String())
	}

	// The admin link's token is the admin's on the API; a wrong one is not.
	status := func(url, token string) int {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status(f.base+"/api/v1/groups", f.token); s != http.StatusOK {
		t.Errorf("GET /api/v1/groups with the printed admin token: %d, want 200", s)
	}
	if s := status(f.base+"/api/v1/groups", f.token+"x"); s != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/groups with a wrong token: %d, want 401", s)
	}
	if s := status(f.room, ""); s != http.StatusOK {
		t.Errorf("GET %s: %d, want 200", f.room, s)
	}
	kept, err := os.ReadFile(filepath.Join(work, "piiri-data", "admin-link.txt"))
	if err != nil || strings.TrimSpace(string(kept)) != f.base+"/admin#"+f.token {
		t.Errorf("piiri-data/admin-link.txt: %q, %v; want the printed link", kept, err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
		exited <- nil // for the cleanup
	case <-time.After(30 * time.Second):
		t.Error("still running 30 s after SIGTERM")
	}
}
