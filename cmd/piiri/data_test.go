package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeAddr is a loopback TCP address nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// running is a piiri process started by a test.
type running struct {
	cmd    *exec.Cmd
	out    strings.Builder
	stderr bytes.Buffer
}

// startUntil starts cmd and reads its output until a line matches until.
func startUntil(t *testing.T, cmd *exec.Cmd, until *regexp.Regexp) *running {
	t.Helper()
	r := &running{cmd: cmd}
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("piiri exited; stdout:\n%s\nstderr:\n%s", r.out.String(), r.stderr.String())
			}
			r.out.WriteString(l + "\n")
			if until.MatchString(l) {
				go func() {
					for range lines { // keep the pipe drained
					}
				}()
				return r
			}
		case <-deadline:
			t.Fatalf("no line matching %v within a minute; stdout:\n%s\nstderr:\n%s", until, r.out.String(), r.stderr.String())
		}
	}
}

// stop ends the server with SIGTERM, as systemd does, and waits.
func (r *running) stop(t *testing.T) {
	t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("piiri did not stop cleanly: %v\n%s", err, r.stderr.String())
	}
}

func getAuth(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestDemoBackupRestore: `piiri demo` seeds a group and prints its
// people's links, which work; `piiri backup` copies the store while the
// server runs; `piiri restore` puts the copy into another data directory,
// where a server then has the same group and the same admin token.
func TestDemoBackupRestore(t *testing.T) {
	bin := buildPiiri(t, "")
	dir := t.TempDir()
	env := func(data, listen, admin string) []string {
		return append(os.Environ(), "PIIRI_DATA_DIR="+data, "PIIRI_SERVER_LISTEN="+listen, "PIIRI_ADMIN_LISTEN="+admin,
			"PIIRI_MEDIA_UDP_LISTEN=127.0.0.1:0", "PIIRI_TURN_UDP_LISTEN=127.0.0.1:0")
	}
	listen, admin := freeAddr(t), freeAddr(t)
	demo := exec.Command(bin, "demo")
	demo.Env = env(filepath.Join(dir, "data"), listen, admin)
	links := regexp.MustCompile(`(?m)^\s+(.+?)\s+(facilitator|member)\s+(http://\S+/g/(\S+))$`)
	r := startUntil(t, demo, regexp.MustCompile(`Eero Eskola`))
	found := links.FindAllStringSubmatch(r.out.String(), -1)
	if len(found) != 6 || found[0][2] != "facilitator" {
		t.Fatalf("demo printed %d links, want a facilitator and five members:\n%s", len(found), r.out.String())
	}
	if code, body := getAuth(t, "http://"+listen+"/api/v1/me", found[1][4]); code != http.StatusOK || !strings.Contains(body, "Anna Aalto") {
		t.Fatalf("a member's link: %d %s", code, body)
	}
	adminLink, err := os.ReadFile(filepath.Join(dir, "data", "admin-link.txt"))
	if err != nil {
		t.Fatalf("the generated admin link was not kept: %v", err)
	}
	_, adminToken, _ := strings.Cut(strings.TrimSpace(string(adminLink)), "#")

	backup := filepath.Join(dir, "backup.db")
	cmdBackup := exec.Command(bin, "backup", backup)
	cmdBackup.Env = env(filepath.Join(dir, "data"), listen, admin)
	if out, err := cmdBackup.CombinedOutput(); err != nil {
		t.Fatalf("piiri backup while the server runs: %v\n%s", err, out)
	}
	r.stop(t)

	restore := exec.Command(bin, "restore", backup)
	restore.Env = env(filepath.Join(dir, "restored"), listen, admin)
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("piiri restore: %v\n%s", err, out)
	}
	serve := exec.Command(bin, "serve")
	serve.Env = env(filepath.Join(dir, "restored"), listen, admin)
	s := startUntil(t, serve, regexp.MustCompile(`Stop: Ctrl-C`))
	code, body := getAuth(t, "http://"+listen+"/api/v1/groups", adminToken)
	if code != http.StatusOK || !strings.Contains(body, "Demo: vertaisryhmä") {
		t.Errorf("the restored server's groups: %d %s", code, body)
	}
	if strings.Contains(s.out.String(), adminToken) {
		t.Errorf("the admin token was printed to a pipe:\n%s", s.out.String())
	}
	s.stop(t)
}
