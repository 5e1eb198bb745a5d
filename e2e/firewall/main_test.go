package firewall

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"piiri/e2e/chrome"
	"piiri/e2e/nsrun"
	"piiri/tlsconf"
)

// The simulated network, as scripts/firewall-sim.sh builds it.
const (
	serverNS   = "piiri-server"
	clientNS   = "piiri-client"
	serverIP   = "203.0.113.1"
	serverHost = "piiri.test"
	roomKey    = "firewall-test-room-key-0123456789"
)

// Set in the re-executed test process that runs in the client namespace.
const (
	envInClient  = "FIREWALL_IN_CLIENT"
	envSPKI      = "FIREWALL_SPKI"
	envServerLog = "FIREWALL_SERVER_LOG"
	envServerPID = "FIREWALL_SERVER_PID"
)

var (
	spki      string // the server certificate's SPKI hash, for Chromium
	serverLog string // the server's JSON log, to read the paths it counted
	serverPID int    // the server process, to read its CPU time
)

// TestMain builds the namespaces, starts a real piiri (the binary, in the
// server namespace, with TLS on port 443, media on UDP 443 and TURN on UDP
// 3478) and runs the tests again inside the client namespace, where every
// connection they make crosses the simulated firewall.
func TestMain(m *testing.M) {
	if os.Getenv(envInClient) == "1" {
		os.Exit(inClient(m))
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "firewall: these tests need root (network namespaces, iptables)")
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "firewall: SKIPPED: these tests need root for network namespaces and iptables")
		os.Exit(0)
	}
	os.Exit(outside(m))
}

// inClient runs the tests in the client namespace, once the server answers
// and with the DNS server every test needs.
func inClient(m *testing.M) int {
	spki, serverLog = os.Getenv(envSPKI), os.Getenv(envServerLog)
	serverPID, _ = strconv.Atoi(os.Getenv(envServerPID))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := waitForServer(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "firewall: %v\n", err)
		return 1
	}
	dns, err := startDNS()
	if err != nil {
		fmt.Fprintf(os.Stderr, "firewall: %v\n", err)
		return 1
	}
	defer dns.Close()
	return m.Run()
}

func outside(m *testing.M) int {
	root := chrome.RepoRoot()
	sim := filepath.Join(root, "scripts", "firewall-sim.sh")
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Fprintf(os.Stderr, "firewall: %s is missing; `make test-deps` installs it\n", tool)
			return 1
		}
	}
	// An interrupt (Ctrl-C, SIGTERM) stops the build or the tests and
	// returns through the deferred clean-up below, rather than ending
	// this process with the namespaces still up.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Registered before up: whatever up leaves behind if it fails, and
	// whatever fails after it, down removes.
	defer func() {
		if out, err := exec.Command(sim, "down").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "firewall: %s down: %v\n%s", sim, err, out)
		}
	}()
	if out, err := exec.Command(sim, "up").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "firewall: %s up: %v\n%s", sim, err, out)
		return 1
	}

	dir, err := os.MkdirTemp("", "piiri-firewall-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	certFile, leafSPKI, err := writeCertificates(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "firewall: certificates: %v\n", err)
		return 1
	}
	server, err := nsrun.StartServer(ctx, root, dir, serverNS, serverConfig(dir), 10*time.Second)
	if err != nil {
		fmt.Fprintf(os.Stderr, "firewall: %v\n", err)
		return 1
	}
	defer server.Stop()
	env := []string{envInClient + "=1", envSPKI + "=" + leafSPKI, envServerLog + "=" + server.LogPath,
		envServerPID + "=" + strconv.Itoa(server.PID()),
		// Go clients (bots, websocket dialers, netcheck) trust the
		// server's certificate.
		"SSL_CERT_FILE=" + certFile}
	return nsrun.RerunIn(ctx, "firewall", clientNS, env, func() { dumpLog(server.LogPath) })
}

// dumpLog shows the end of the server's log after a failure.
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

func serverConfig(dir string) string {
	return fmt.Sprintf(`server:
  listen: "%[1]s:443"
  public_url: "https://%[2]s"
tls:
  mode: files
  cert_file: %[3]q
  key_file: %[4]q
admin:
  # The relay benchmark reads metrics and profiles from the client side.
  listen: "%[1]s:9090"
  allow_public: true
media:
  udp_listen: "%[1]s:443"
turn:
  udp_listen: "%[1]s:3478"
rooms:
  key: %[5]q
log:
  format: json
  level: info
data:
  dir: %[6]q
`, serverIP, serverHost, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), roomKey, filepath.Join(dir, "data"))
}

// writeCertificates writes a self-signed certificate for serverHost and its
// key into dir as cert.pem and key.pem, and returns the certificate file
// (Go clients trust it through SSL_CERT_FILE: a self-signed certificate in
// the root pool verifies as a chain of one) and its SPKI hash (what
// Chromium is told to trust).
func writeCertificates(dir string) (certFile, leafSPKI string, err error) {
	cert, err := tlsconf.SelfSigned(serverHost)
	if err != nil {
		return "", "", err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return "", "", err
	}
	certFile = filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", "", err
	}
	return certFile, tlsconf.SPKIHash(cert.Leaf), nil
}

// waitForServer waits until the server answers HTTPS.
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
