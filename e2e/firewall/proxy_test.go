package firewall

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"piiri/e2e/chrome"
	"piiri/internal/testwait"
	"piiri/netcheck"
)

// The web proxy of the proxy443 profile: squid in the server namespace,
// passing only CONNECT to port 443; on proxyLoginPort only with a login.
const (
	proxyOpenPort  = "3128"
	proxyLoginPort = "3129"
	proxyUser      = "member"
	proxyPassword  = "Proxy-Pa55word-do-not-print"
)

// TestProxy: on a network whose only way out is a web proxy, piiri
// netcheck (the binary, as a member runs it) tunnels its TCP checks
// through the proxy the way Chromium does and says the meeting works;
// it says which checks went through the proxy and that UDP cannot; a
// proxy that wants a login is named as such; a login given in the proxy
// URL works and is never printed; --ca trusts the server's self-signed
// certificate.
func TestProxy(t *testing.T) {
	applyProfile(t, "proxy443")
	sq := startSquid(t)
	// The binary TestMain built, next to the server's log.
	bin := filepath.Join(filepath.Dir(serverLog), "piiri")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the piiri binary TestMain builds: %v", err)
	}
	link := fmt.Sprintf("https://%s/?room=x#key=%s", serverHost, roomKey)
	open := "http://" + net.JoinHostPort(serverIP, proxyOpenPort)
	login := "http://" + net.JoinHostPort(serverIP, proxyLoginPort)

	t.Run("through the proxy", func(t *testing.T) {
		out, code := runNetcheckBinary(t, bin, map[string]string{"HTTPS_PROXY": open}, link)
		if code != 0 {
			t.Errorf("exit code %d, want 0 (works)", code)
		}
		rows := reportRows(t, out)
		for _, check := range []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICETCP} {
			if r := rows[check]; r.via != "proxy "+open || r.result != string(netcheck.OK) {
				t.Errorf("%s: %+v, want ok through the proxy %s", check, r, open)
			}
		}
		for _, check := range []string{netcheck.CheckTURNUDP, netcheck.CheckICEUDP} {
			if r := rows[check]; r.via != "direct" || r.result != string(netcheck.Failed) || !strings.Contains(r.detail, "UDP never goes through a web proxy") {
				t.Errorf("%s: %+v, want failed, tried directly, UDP not through a proxy", check, r)
			}
		}
		if r := rows[netcheck.CheckICETCP]; r.tried != serverIP+":443/tcp" {
			t.Errorf("media over TCP tried %q, want the server's address %s:443/tcp", r.tried, serverIP)
		}
		if want := "Meetings work from this network, over TCP port 443 through the web proxy " + open; !strings.Contains(out, want) {
			t.Errorf("verdict: want %q in\n%s", want, out)
		}
		// The proxy's own log: tunnels to the server's name (page,
		// websocket, TURN) and to its address (ICE-TCP), all on 443.
		sq.waitLog(t, "CONNECT "+serverHost+":443 200 -", "CONNECT "+serverIP+":443 200 -")
	})

	t.Run("proxy wants a login", func(t *testing.T) {
		out, code := runNetcheckBinary(t, bin, map[string]string{"HTTPS_PROXY": login}, link)
		if code != 1 {
			t.Errorf("exit code %d, want 1 (does not work)", code)
		}
		if r := reportRows(t, out)[netcheck.CheckHTTPS]; r.result != string(netcheck.Failed) || !strings.Contains(r.detail, "needs authentication (407") {
			t.Errorf("HTTPS without a login: %+v", r)
		}
		if want := "The web proxy " + login + " needs authentication"; !strings.Contains(out, want) || !strings.Contains(out, "USER:PASSWORD@") {
			t.Errorf("verdict: want %q and how to give a login in\n%s", want, out)
		}
		sq.waitLog(t, "CONNECT "+serverHost+":443 407 -")
	})

	t.Run("login in the proxy URL, --ca", func(t *testing.T) {
		withLogin := "http://" + proxyUser + ":" + proxyPassword + "@" + net.JoinHostPort(serverIP, proxyLoginPort)
		// Without SSL_CERT_FILE the server's self-signed certificate is
		// trusted only through --ca.
		out, code := runNetcheckBinary(t, bin, map[string]string{"HTTPS_PROXY": withLogin, "SSL_CERT_FILE": ""}, "-ca", os.Getenv("SSL_CERT_FILE"), link)
		if code != 0 {
			t.Errorf("exit code %d, want 0 (works)", code)
		}
		if strings.Contains(out, proxyPassword) || strings.Contains(out, proxyUser+":") {
			t.Errorf("the output shows the proxy's login:\n%s", out)
		}
		rows := reportRows(t, out)
		for _, check := range []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket, netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICETCP} {
			if r := rows[check]; r.via != "proxy "+login || r.result != string(netcheck.OK) {
				t.Errorf("%s: %+v, want ok through the proxy %s", check, r, login)
			}
		}
		sq.waitLog(t, "CONNECT "+serverHost+":443 200 "+proxyUser, "CONNECT "+serverIP+":443 200 "+proxyUser)

		// And without --ca the certificate is not trusted, and the
		// report says what to do.
		out, _ = runNetcheckBinary(t, bin, map[string]string{"HTTPS_PROXY": open, "SSL_CERT_FILE": ""}, link)
		if r := reportRows(t, out)[netcheck.CheckHTTPS]; r.result != string(netcheck.Failed) || !strings.Contains(r.detail, "--ca FILE") {
			t.Errorf("HTTPS to a self-signed server without --ca: %+v", r)
		}
	})
}

// runNetcheckBinary runs piiri netcheck with the environment changed by
// env (an empty value removes the variable) and returns its output, stdout
// and stderr together, and its exit code.
func runNetcheckBinary(t *testing.T, bin string, env map[string]string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"netcheck", "-timeout", "5s"}, args...)...)
	drop := map[string]bool{"HTTPS_PROXY": true, "https_proxy": true, "HTTP_PROXY": true, "http_proxy": true, "NO_PROXY": true, "no_proxy": true}
	for k := range env {
		drop[k] = true
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
	default:
		t.Fatalf("run %s: %v\n%s", bin, err, out.String())
	}
	t.Logf("piiri netcheck %v:\n%s", args, out.String())
	return out.String(), cmd.ProcessState.ExitCode()
}

type reportRow struct{ tried, via, result, detail string }

// reportRows reads netcheck's table (CHECK TRIED VIA RESULT DETAIL, the
// columns at least two spaces apart) by check name.
func reportRows(t *testing.T, out string) map[string]reportRow {
	t.Helper()
	gap := regexp.MustCompile(`\s{2,}`)
	rows := map[string]reportRow{}
	for _, line := range strings.Split(out, "\n") {
		f := gap.Split(strings.TrimSpace(line), 5)
		if len(f) < 4 {
			continue
		}
		r := reportRow{tried: f[1], via: f[2], result: f[3]}
		if len(f) == 5 {
			r.detail = f[4]
		}
		rows[f[0]] = r
	}
	if _, ok := rows[netcheck.CheckHTTPS]; !ok {
		t.Fatalf("no report table in\n%s", out)
	}
	return rows
}

// squid is the web proxy, running in the server namespace.
type squid struct {
	dir string
}

// startSquid runs squid until the test ends: on proxyOpenPort it passes
// CONNECT to port 443 and nothing else; on proxyLoginPort the same, only
// with the login proxyUser / proxyPassword. Its access log records each
// request as "METHOD URL STATUS USER".
func startSquid(t *testing.T) *squid {
	t.Helper()
	bin, err := exec.LookPath("squid")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/squid"); serr != nil {
			t.Fatal("squid is missing; `make test-deps` installs it")
		}
		bin = "/usr/sbin/squid"
	}
	// squid drops its privileges to the "proxy" user: its directory, its
	// files and its login helper's password file must be that user's, in
	// a directory it can reach (t.TempDir's parent is root's alone).
	dir, err := os.MkdirTemp("", "piiri-squid-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	u, err := user.Lookup("proxy")
	if err != nil {
		t.Fatalf("squid's user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	hash, err := exec.Command("openssl", "passwd", "-apr1", proxyPassword).Output()
	if err != nil {
		t.Fatalf("openssl passwd (for squid's password file): %v", err)
	}
	files := map[string]string{
		"passwd": proxyUser + ":" + strings.TrimSpace(string(hash)) + "\n",
		"squid.conf": fmt.Sprintf(`http_port %[1]s:%[2]s name=open
http_port %[1]s:%[3]s name=login
visible_hostname piiri-test-proxy
pid_filename none
cache deny all
cache_mem 8 MB
netdb_filename none
coredump_dir %[4]s
cache_log stdio:%[4]s/cache.log
logformat netcheck %%rm %%ru %%>Hs %%un
access_log stdio:%[4]s/access.log netcheck
buffered_logs off
shutdown_lifetime 1 seconds
auth_param basic program /usr/lib/squid/basic_ncsa_auth %[4]s/passwd
auth_param basic realm piiri test proxy
acl login_port myportname login
acl open_port myportname open
acl authed proxy_auth REQUIRED
acl SSL_ports port 443
acl CONNECT method CONNECT
http_access deny !CONNECT
http_access deny !SSL_ports
http_access allow open_port
http_access allow login_port authed
http_access deny all
`, serverIP, proxyOpenPort, proxyLoginPort, dir),
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	sim := filepath.Join(chrome.RepoRoot(), "scripts", "firewall-sim.sh")
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd := exec.Command(sim, "exec", "server", bin, "-N", "-f", filepath.Join(dir, "squid.conf"))
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start squid: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// The script's process group: the script, ip netns exec and squid.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			for _, name := range []string{"stderr", "cache.log", "access.log"} {
				b, _ := os.ReadFile(filepath.Join(dir, name))
				t.Logf("squid %s:\n%s", name, b)
			}
		}
	})
	testwait.Until(t, 30*time.Second, "squid listens", func() error {
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "stderr"))
			c, _ := os.ReadFile(filepath.Join(dir, "cache.log"))
			t.Fatalf("squid exited:\n%s\n%s", b, c)
		default:
		}
		for _, port := range []string{proxyOpenPort, proxyLoginPort} {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(serverIP, port), time.Second)
			if err != nil {
				return err
			}
			_ = c.Close()
		}
		return nil
	})
	return &squid{dir: dir}
}

// waitLog waits until squid's access log has a line with each of want.
// Squid logs a tunnel when it closes, which may be just after netcheck
// has exited.
func (s *squid) waitLog(t *testing.T, want ...string) {
	t.Helper()
	testwait.Until(t, 30*time.Second, "squid logs the tunnels", func() error {
		f, err := os.Open(filepath.Join(s.dir, "access.log"))
		if err != nil {
			return err
		}
		defer f.Close()
		var lines []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		for _, w := range want {
			found := false
			for _, l := range lines {
				if l == w || strings.HasPrefix(l, w+" ") {
					found = true
				}
			}
			if !found {
				return fmt.Errorf("no %q in the access log:\n%s", w, strings.Join(lines, "\n"))
			}
		}
		return nil
	})
}
