// Package nsrun runs piiri and the tests against it in separate network
// namespaces, for the test packages that put the server behind simulated
// networks (e2e/firewall, e2e/abuse): each builds its namespaces and its
// config, and nsrun starts the real binary in one namespace and runs the
// test binary again in the other.
package nsrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Server is piiri running in a namespace.
type Server struct {
	// LogPath is the file that has the server's output.
	LogPath string
	cmd     *exec.Cmd
	log     *os.File
	grace   time.Duration
}

// StartServer builds ./cmd/piiri of the repository at root into dir,
// writes config to dir/piiri.yaml and starts the binary in namespace ns,
// its output in dir/server.log. Stop waits up to grace for it to exit
// after SIGTERM. The server dies with the test process.
func StartServer(ctx context.Context, root, dir, ns, config string, grace time.Duration) (*Server, error) {
	bin := filepath.Join(dir, "piiri")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/piiri")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build piiri: %w\n%s", err, out)
	}
	cfgPath := filepath.Join(dir, "piiri.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		return nil, err
	}
	s := &Server{LogPath: filepath.Join(dir, "server.log"), grace: grace}
	var err error
	if s.log, err = os.Create(s.LogPath); err != nil {
		return nil, err
	}
	s.cmd = exec.Command("ip", "netns", "exec", ns, bin, "serve", "-config", cfgPath)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.log.Close()
		return nil, fmt.Errorf("start piiri: %w", err)
	}
	return s, nil
}

// PID is the server's process ID (of `ip netns exec`, which execs it).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop asks the server to stop, and kills it when it has not within the
// grace period.
func (s *Server) Stop() {
	defer s.log.Close()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.grace):
		_ = s.cmd.Process.Kill()
	}
}

// RerunIn runs this test binary again, with its arguments, in namespace
// ns with env added, and returns the exit code to pass on: the tests'
// own, or 1 when they could not run or ctx ended. onFail runs when the
// tests failed (to show the server's log). who prefixes the messages.
func RerunIn(ctx context.Context, who, ns string, env []string, onFail func()) int {
	args := append([]string{"netns", "exec", ns, os.Args[0]}, os.Args[1:]...)
	tests := exec.CommandContext(ctx, "ip", args...)
	tests.Cancel = func() error { return tests.Process.Signal(os.Interrupt) }
	tests.WaitDelay = 15 * time.Second
	tests.Env = append(os.Environ(), env...)
	tests.Stdin, tests.Stdout, tests.Stderr = os.Stdin, os.Stdout, os.Stderr
	tests.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err := tests.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(os.Stderr, "%s: interrupted\n", who)
		return 1
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if exit.ExitCode() != 0 {
			onFail()
		}
		return exit.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "%s: run the tests in the client namespace: %v\n", who, err)
		return 1
	}
}
