package abuse

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"piiri/e2e/chrome"
	"piiri/e2e/nsrun"
	"piiri/tlsconf"
)

// The network: two namespaces of this package's own (so it never meets
// scripts/firewall-sim.sh's), joined by a veth pair. The client side has
// the legitimate client's address and many attacker addresses, so the
// server sees each as a source of its own.
const (
	serverNS   = "piiri-abuse-srv"
	clientNS   = "piiri-abuse-cli"
	serverVeth = "pabuse-srv"
	clientVeth = "pabuse-cli"
	serverIP   = "198.51.100.1"
	legitIP    = "198.51.100.2"
	serverHost = "piiri.test"
	roomKey    = "abuse-test-room-key-0123456789"
	adminAddr  = "127.0.0.1:9090" // in the server namespace
)

// attackerIP is the i-th attacker address (0 ≤ i < attackerIPs).
func attackerIP(i int) string { return fmt.Sprintf("198.51.100.%d", 10+i) }

const attackerIPs = 100

// Set in the re-executed test process.
const (
	envInClient  = "ABUSE_IN_CLIENT"
	envCertFile  = "ABUSE_CERT_FILE"
	envServerLog = "ABUSE_SERVER_LOG"
	envMetrics   = "ABUSE_FETCH_METRICS" // run in the server namespace: print /metrics and exit
)

var (
	certFile  string // the server's certificate, which the clients trust
	serverLog string
)

// TestMain builds the namespaces, starts piiri in the server namespace and
// runs the tests again in the client namespace.
func TestMain(m *testing.M) {
	switch {
	case os.Getenv(envMetrics) == "1":
		os.Exit(printMetrics())
	case os.Getenv(envInClient) == "1":
		certFile, serverLog = os.Getenv(envCertFile), os.Getenv(envServerLog)
		os.Exit(m.Run())
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "abuse: these tests need root (network namespaces) and CI=true: failing")
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "abuse: SKIPPED: these tests need root for network namespaces")
		os.Exit(0)
	}
	os.Exit(outside(m))
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// netDown removes the namespaces (and with them the veth pair); it is
// safe to run when they do not exist.
func netDown() {
	for _, ns := range []string{serverNS, clientNS} {
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
}

func netUp() error {
	netDown()
	steps := [][]string{
		{"ip", "netns", "add", serverNS},
		{"ip", "netns", "add", clientNS},
		{"ip", "link", "add", serverVeth, "type", "veth", "peer", "name", clientVeth},
		{"ip", "link", "set", serverVeth, "netns", serverNS},
		{"ip", "link", "set", clientVeth, "netns", clientNS},
		{"ip", "-n", serverNS, "addr", "add", serverIP + "/24", "dev", serverVeth},
		{"ip", "-n", clientNS, "addr", "add", legitIP + "/24", "dev", clientVeth},
		{"ip", "-n", serverNS, "link", "set", "lo", "up"},
		{"ip", "-n", clientNS, "link", "set", "lo", "up"},
		{"ip", "-n", serverNS, "link", "set", serverVeth, "up"},
		{"ip", "-n", clientNS, "link", "set", clientVeth, "up"},
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			return err
		}
	}
	var batch strings.Builder
	for i := range attackerIPs {
		fmt.Fprintf(&batch, "addr add %s/24 dev %s\n", attackerIP(i), clientVeth)
	}
	cmd := exec.Command("ip", "-n", clientNS, "-batch", "-")
	cmd.Stdin = strings.NewReader(batch.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("add the attacker addresses: %w\n%s", err, out)
	}
	return nil
}

// fileLimit makes sure this process and its children (the server and the
// tests) may hold the attacks' connections: some 5,000 at once on each
// side. Go raises the soft limit to the hard one by itself; the hard one
// is raised too where that is allowed.
func fileLimit() error {
	const want, need = 65536, 10000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Max < want {
		raised := syscall.Rlimit{Cur: want, Max: want}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			return nil
		}
	}
	if lim.Max < need {
		return fmt.Errorf("RLIMIT_NOFILE is %d and cannot be raised; the attacks need %d file descriptors on each side", lim.Max, need)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return nil
}

func outside(m *testing.M) int {
	if _, err := exec.LookPath("ip"); err != nil {
		fmt.Fprintln(os.Stderr, "abuse: ip (iproute2) is missing; `make test-deps` installs it")
		return 1
	}
	if err := fileLimit(); err != nil {
		fmt.Fprintf(os.Stderr, "abuse: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer netDown()
	if err := netUp(); err != nil {
		fmt.Fprintf(os.Stderr, "abuse: build the namespaces: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "piiri-abuse-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cert, err := writeCertificates(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "abuse: certificates: %v\n", err)
		return 1
	}
	server, err := nsrun.StartServer(ctx, chrome.RepoRoot(), dir, serverNS, serverConfig(dir), 15*time.Second)
	if err != nil {
		fmt.Fprintf(os.Stderr, "abuse: %v\n", err)
		return 1
	}
	defer server.Stop()
	env := []string{envInClient + "=1", envCertFile + "=" + cert, envServerLog + "=" + server.LogPath}
	return nsrun.RerunIn(ctx, "abuse", clientNS, env, func() { dumpLog(server.LogPath) })
}

func serverConfig(dir string) string {
	return fmt.Sprintf(`server:
  listen: "%[1]s:443"
  public_url: "https://%[2]s"
tls:
  mode: files
  cert_file: %[3]q
  key_file: %[4]q
admin:
  listen: %[6]q
media:
  udp_listen: "%[1]s:443"
turn:
  udp_listen: "%[1]s:3478"
rooms:
  key: %[5]q
log:
  format: json
  level: warn
`, serverIP, serverHost, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), roomKey, adminAddr)
}

// writeCertificates writes a self-signed certificate for serverHost and
// its key into dir as cert.pem and key.pem.
func writeCertificates(dir string) (string, error) {
	cert, err := tlsconf.SelfSigned(serverHost)
	if err != nil {
		return "", err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return "", err
	}
	file := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", err
	}
	return file, nil
}

func dumpLog(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	fmt.Fprintf(os.Stderr, "--- end of the piiri server log ---\n%s\n", b)
}

// printMetrics runs in the server namespace, where the admin listener is
// (on loopback, as an admin listener belongs).
func printMetrics() int {
	resp, err := http.Get("http://" + adminAddr + "/metrics")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer resp.Body.Close()
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil {
		return 1
	}
	return 0
}

// waitForServer waits until the server answers on the shared port.
func waitForServer(ctx context.Context) error {
	for {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", serverIP+":443")
		if err == nil {
			_ = c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the server at %s:443 did not come up: %w", serverIP, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
