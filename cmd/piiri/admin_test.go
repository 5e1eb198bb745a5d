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
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needRoot skips, saying why, when the test cannot make namespaces or
// switch users; in CI it fails instead, so a skipped proof is never
// mistaken for a passing one.
func needRoot(t *testing.T, tools ...string) {
	t.Helper()
	var why string
	if os.Geteuid() != 0 {
		why = "needs root (network and mount namespaces, another user)"
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil && why == "" {
			why = "needs " + tool + " (util-linux, iproute2)"
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s, and CI must run it", why)
	}
	t.Skipf("SKIPPED: %s", why)
}

// buildPiiri builds the binary into a directory anyone may read, so it can
// also run as another user. ldflags are passed to the linker.
func buildPiiri(t *testing.T, ldflags string, flags ...string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "piiri-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "piiri")
	args := append([]string{"build", "-o", bin}, flags...)
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestHelpExitsZero: asking for help is not an error, for every command.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{
		{"-h"}, {"--help"}, {"help"},
		{"serve", "-h"}, {"serve", "--help"},
		{"config", "-h"}, {"config", "check", "-h"}, {"config", "example", "-h"},
		{"netcheck", "-h"}, {"netcheck", "--help"},
		{"version", "-h"},
	} {
		code, out, errOut := runCmd(args...)
		if code != 0 || out+errOut == "" {
			t.Errorf("piiri %s: exit %d, output %q; want 0 and a usage text", strings.Join(args, " "), code, out+errOut)
		}
	}
	// Real usage errors stay errors.
	for _, args := range [][]string{{"serve", "extra"}, {"version", "extra"}, {"config", "example", "extra"}, {"netcheck", "-nope"}} {
		if code, _, _ := runCmd(args...); code != 2 {
			t.Errorf("piiri %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
}

// TestVersion: `piiri version` and `piiri --version` say which build this
// is: what the Makefile stamps in, or else the commit the Go toolchain
// recorded.
func TestVersion(t *testing.T) {
	stamped := buildPiiri(t, "-X piiri/internal/buildinfo.version=v9.8.7-3-gabcdef0 -X piiri/internal/buildinfo.commit=abcdef0123456789")
	want := fmt.Sprintf("piiri v9.8.7-3-gabcdef0 (commit abcdef0123456789, %s)\n", runtime.Version())
	for _, arg := range []string{"version", "--version", "-version"} {
		out, err := exec.Command(stamped, arg).Output()
		if err != nil || string(out) != want {
			t.Errorf("piiri %s: %q (%v), want %q", arg, out, err, want)
		}
	}

	// Without the stamp, as `go build` makes it in a git checkout: the
	// commit the toolchain recorded. (-buildvcs=true overrides a GOFLAGS
	// that turns it off.)
	plain := buildPiiri(t, "", "-buildvcs=true")
	meta, err := exec.Command("go", "version", "-m", plain).Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*build\s+vcs\.revision=(\S+)$`).FindSubmatch(meta)
	if m == nil {
		// The go command finds no repository in a git worktree, whose .git
		// is a file (cmd/go looks for a directory).
		if fi, err := os.Stat("../../.git"); err == nil && fi.IsDir() && os.Getenv("CI") != "" {
			t.Fatal("the toolchain recorded no VCS revision in a git checkout, so the fallback cannot be checked")
		}
		t.Log("NOT CHECKED: the commit of a plain build; the toolchain recorded no VCS revision here (a git worktree?)")
		return
	}
	out, err := exec.Command(plain, "version").Output()
	if err != nil || !regexp.MustCompile(`^piiri \S+ \(commit `+string(m[1])+`(-dirty)?, go`).Match(out) {
		t.Errorf("plain build: piiri version = %q (%v), want the commit %s", out, err, m[1])
	}
}

// serveUntilRunning starts cmd, waits for the link it prints, and returns
// everything it printed to stdout, after stopping it with SIGTERM.
func serveUntilRunning(t *testing.T, cmd *exec.Cmd) (stdout string) {
	t.Helper()
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var out strings.Builder
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("piiri exited before serving; stdout:\n%s\nstderr:\n%s", out.String(), stderr.String())
			}
			out.WriteString(l + "\n")
			if strings.Contains(l, "Stop: Ctrl-C") {
				_ = cmd.Process.Signal(syscall.SIGTERM)
				for l := range lines {
					out.WriteString(l + "\n")
				}
				if err := cmd.Wait(); err != nil {
					t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
				}
				return out.String()
			}
		case <-deadline:
			t.Fatalf("piiri did not start in 30 s; stdout:\n%s\nstderr:\n%s", out.String(), stderr.String())
		}
	}
}

// TestAdminOffMessage: with the admin listener off the start message says
// so, instead of printing the link http://off/metrics.
func TestAdminOffMessage(t *testing.T) {
	cmd := exec.Command(buildPiiri(t, ""), "serve")
	cmd.Env = append(os.Environ(), "PIIRI_SERVER_LISTEN=127.0.0.1:0", "PIIRI_ADMIN_LISTEN=off", "PIIRI_DATA_DIR="+t.TempDir())
	out := serveUntilRunning(t, cmd)
	if strings.Contains(out, "http://off") || !strings.Contains(out, "Metrics: off (admin.listen)") {
		t.Errorf("start message with admin.listen off:\n%s", out)
	}
}

// inNamespace runs a shell script in new network and mount namespaces,
// with only loopback up, where it may bind-mount over /etc/hosts and add
// addresses without touching the machine.
func inNamespace(script string, env ...string) *exec.Cmd {
	return inNamespaceContext(context.Background(), script, env...)
}

func inNamespaceContext(ctx context.Context, script string, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "unshare", "--net", "--mount", "sh", "-euc", "ip link set lo up\n"+script)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// TestDevModeOnlyOnLoopback: the config allows dev mode (no room key,
// plain HTTP) and a loopback admin listener for the name localhost without
// resolving it. With a hosts file that maps localhost to another address,
// the server must refuse once it sees what it bound, not serve rooms
// without a key, in clear text, or pprof to the network.
func TestDevModeOnlyOnLoopback(t *testing.T) {
	needRoot(t, "unshare", "ip", "mount")
	bin := buildPiiri(t, "")
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("10.98.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// 10.98.0.1 exists only inside the namespace.
	setup := "mount --bind " + hosts + " /etc/hosts\nip addr add 10.98.0.1/32 dev lo\n"
	const key = "PIIRI_ROOMS_KEY=0123456789abcdef0123"
	for _, tc := range []struct {
		name string
		env  []string
		want string // in stderr; "" means it serves
	}{
		{"dev mode", nil,
			`server.listen "localhost:8080" is bound to 10.98.0.1:8080, which is not a loopback address, and rooms.key is empty: anyone who reaches it could join any room`},
		{"plain HTTP", []string{key},
			`server.listen "localhost:8080" is bound to 10.98.0.1:8080, which is not a loopback address, and tls.mode is "off"`},
		{"admin listener", []string{key, "PIIRI_SERVER_PUBLIC_URL=https://meet.example.com", "PIIRI_ADMIN_LISTEN=localhost:9090"},
			`admin.listen "localhost:9090" is bound to 10.98.0.1:9090, which is not a loopback address`},
		{"behind a TLS proxy, admin allowed", []string{key, "PIIRI_SERVER_PUBLIC_URL=https://meet.example.com", "PIIRI_ADMIN_LISTEN=localhost:9090", "PIIRI_ADMIN_ALLOW_PUBLIC=true"}, ""},
		{"dev mode on a loopback address", []string{"PIIRI_SERVER_LISTEN=127.0.0.1:8080"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append([]string{"PIIRI_SERVER_LISTEN=localhost:8080", "PIIRI_DATA_DIR=" + t.TempDir()}, tc.env...)
			// A server that wrongly starts is stopped after a while.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := inNamespaceContext(ctx, setup+"exec "+bin+" serve", env...)
			if tc.want == "" {
				out := serveUntilRunning(t, cmd)
				if !strings.Contains(out, "Open this link") {
					t.Errorf("no link:\n%s", out)
				}
				return
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d (%v); stderr:\n%s\nwant it to contain:\n%s", code, err, stderr.String(), tc.want)
			}
			if strings.Contains(stdout.String(), "Open this link") {
				t.Errorf("it served:\n%s", stdout.String())
			}
		})
	}
}

// TestPrivilegedPortHint: binding port 443 without the privilege says
// which capability is missing and how to grant it.
func TestPrivilegedPortHint(t *testing.T) {
	needRoot(t, "unshare", "ip", "setpriv")
	bin := buildPiiri(t, "")
	data := filepath.Join(filepath.Dir(bin), "data") // where nobody may go
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	// The namespace has its own unprivileged-port limit, so the test does
	// not depend on the machine's.
	for _, tc := range []struct{ env, port string }{
		{"PIIRI_SERVER_LISTEN=127.0.0.1:443", "443"},
		{"PIIRI_ADMIN_LISTEN=127.0.0.1:80", "80"},
	} {
		cmd := inNamespace("echo 1024 > /proc/sys/net/ipv4/ip_unprivileged_port_start\n"+
			"exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "+bin+" serve",
			tc.env, "PIIRI_DATA_DIR="+data)
		out, err := cmd.CombinedOutput()
		for _, want := range []string{"permission denied", "Port " + tc.port + " is below 1024", "CAP_NET_BIND_SERVICE", "setcap cap_net_bind_service=+ep " + bin, "AmbientCapabilities=CAP_NET_BIND_SERVICE"} {
			if err == nil || !strings.Contains(string(out), want) {
				t.Errorf("%s as nobody: %v; output lacks %q:\n%s", tc.env, err, want, out)
			}
		}
	}
}

// TestKeyNotPrintedToLogs: under systemd, the start message goes to the
// journal; the link it prints must not carry the room key there.
func TestKeyNotPrintedToLogs(t *testing.T) {
	const key = "room-key-never-in-a-log-0123"
	cmd := exec.Command(buildPiiri(t, ""), "serve")
	cmd.Env = append(os.Environ(), "PIIRI_SERVER_LISTEN=127.0.0.1:0", "PIIRI_ADMIN_LISTEN=off", "PIIRI_DATA_DIR="+t.TempDir(), "PIIRI_ROOMS_KEY="+key)
	out := serveUntilRunning(t, cmd)
	if strings.Contains(out, key) || !regexp.MustCompile(`http://127\.0\.0\.1:\d+/\?room=[a-z0-9]+\n`).MatchString(out) {
		t.Errorf("start message to a pipe:\n%s", out)
	}
}
