package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// inNetns marks the re-executed test process that runs inside its own
// network namespace.
const inNetns = "E2E_IN_NETNS"

// namespaceHost is the address of the test namespace's one interface
// besides loopback. It exists only inside the namespace.
const namespaceHost = "10.99.0.1"

// mediaHost is the address the server's media UDP socket listens on: the
// namespace's interface when there is one, so browsers reach it as they
// reach a real server, else loopback.
var mediaHost = "127.0.0.1"

// TestMain runs the tests inside a fresh network namespace with only a
// loopback interface, when it can (as root). Chromium tries to reach
// Google hosts even with every background-networking flag off; in a
// namespace with no route out those attempts fail at once instead of
// waiting on DNS, and nothing leaves the machine.
func TestMain(m *testing.M) {
	if os.Getenv(inNetns) == "1" {
		if err := loopbackUp(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: bring up loopback in the test namespace: %v\n", err)
			os.Exit(1)
		}
		if err := defaultRoute(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: set up the test namespace's network: %v\n", err)
			os.Exit(1)
		}
		mediaHost = namespaceHost
		os.Exit(m.Run())
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "e2e: not root, so Chromium runs in the host network namespace")
		os.Exit(m.Run())
	}
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), inNetns+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, &exit):
		os.Exit(exit.ExitCode())
	default:
		fmt.Fprintf(os.Stderr, "e2e: re-run in a new network namespace: %v\n", err)
		os.Exit(1)
	}
}

// loopbackUp sets the namespace's lo interface up, as `ip link set lo up`.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// defaultRoute gives the namespace an interface with an address and a
// default route through it, like a real machine's network (a veth pair
// whose both ends stay in the namespace; some kernels lack dummy devices). Chromium
// gathers ICE candidates only on the default route's interface for a page
// without camera or microphone permission (a listen-only participant), so
// without it such a page could never connect.
func defaultRoute() error {
	for _, args := range [][]string{
		{"link", "add", "piiri0", "type", "veth", "peer", "name", "piiri1"},
		{"addr", "add", namespaceHost + "/24", "dev", "piiri0"},
		{"addr", "add", "10.99.0.254/24", "dev", "piiri1"},
		{"link", "set", "piiri0", "up"},
		{"link", "set", "piiri1", "up"},
		{"route", "add", "default", "via", "10.99.0.254"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %v: %v: %s", args, err, out)
		}
	}
	return nil
}
