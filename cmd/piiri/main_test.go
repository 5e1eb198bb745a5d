package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"piiri/bot"
	"piiri/config"
	"piiri/internal/testwait"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestConfigExample(t *testing.T) {
	code, out, _ := runCmd("config", "example")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := config.Parse([]byte(out), "example.yaml", nil); err != nil {
		t.Fatalf("the printed example does not parse: %v", err)
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("server:\n  listen: 127.0.0.1:8443\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("server:\n  lisen: 127.0.0.1:8443\nrooms:\n  max_participants: 500\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd("config", "check", good); code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("check good: exit %d, %q %q", code, out, errOut)
	}
	code, _, errOut := runCmd("config", "check", bad)
	if code != 1 {
		t.Errorf("check bad: exit %d, want 1", code)
	}
	for _, want := range []string{"2 problem", "bad.yaml:2: server.lisen", `"listen"`, "bad.yaml:4: rooms.max_participants"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check bad: output lacks %q:\n%s", want, errOut)
		}
	}
	if code, _, errOut := runCmd("config", "check", filepath.Join(dir, "missing.yaml")); code != 1 || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("check missing file: exit %d, %q", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"config"}, {"config", "nope"}, {"config", "check"}, {"serve", "-nope"}} {
		if code, _, errOut := runCmd(args...); code != 2 || errOut == "" {
			t.Errorf("piiri %v: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
}

// TestServeAndSIGTERM runs the real binary: it prints a link, a bot can
// join, and SIGTERM makes it tell the client and exit 0.
func TestServeAndSIGTERM(t *testing.T) {
	bin := buildPiiri(t, "")
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "PIIRI_SERVER_LISTEN=127.0.0.1:0", "PIIRI_ADMIN_LISTEN=127.0.0.1:0", "PIIRI_DATA_DIR="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()

	link := regexp.MustCompile(`http://127\.0\.0\.1:(\d+)/\?room=([a-z0-9]+)`)
	sc := bufio.NewScanner(stdout)
	var port, room string
	for sc.Scan() {
		if m := link.FindStringSubmatch(sc.Text()); m != nil {
			port, room = m[1], m[2]
			break
		}
	}
	if port == "" {
		t.Fatalf("no link printed; stderr:\n%s", stderr.String())
	}
	go func() {
		for sc.Scan() {
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bot.Join(ctx, bot.Config{URL: "ws://127.0.0.1:" + port + "/ws", Room: room, Name: "t"})
	if err != nil {
		t.Fatalf("join the printed room: %v", err)
	}
	defer b.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15 s after SIGTERM")
	}
	testwait.Until(t, 2*time.Second, "bye server_shutdown", func() error {
		if got := b.Bye(); got != "server_shutdown" {
			return fmt.Errorf("client got bye %q", got)
		}
		return nil
	})
}
