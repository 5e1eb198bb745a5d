package config

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"piiri/tlsconf"
)

// pemFiles are a certificate and key written for a test.
type pemFiles struct {
	cert, key string // the pair
	otherKey  string // the key of another certificate
	dir       string // a directory, where a file is wanted
	files     string // "  cert_file: ...\n  key_file: ...\n", for the tls section
}

// writePEM writes a self-signed certificate for host, its key, and the key
// of another certificate into a fresh directory.
func writePEM(t *testing.T, host string) pemFiles {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, block *pem.Block) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	keyPEM := func(name string, key any) string {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return write(name, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	cert, err := tlsconf.SelfSigned(host)
	if err != nil {
		t.Fatal(err)
	}
	other, err := tlsconf.SelfSigned(host)
	if err != nil {
		t.Fatal(err)
	}
	p := pemFiles{
		cert:     write("cert.pem", &pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		key:      keyPEM("key.pem", cert.PrivateKey),
		otherKey: keyPEM("other-key.pem", other.PrivateKey),
		dir:      dir,
	}
	p.files = fmt.Sprintf("  cert_file: %q\n  key_file: %q\n", p.cert, p.key)
	return p
}

// TestAdminListen: the admin listener serves pprof without a password, so
// an address other machines can reach needs admin.allow_public.
func TestAdminListen(t *testing.T) {
	const public = `is not a loopback address, and the admin listener serves /metrics and /debug/pprof (profiles of the running server) without a password; listen on 127.0.0.1 or [::1], or, if a firewall keeps the port private, set admin.allow_public: true`
	for _, tc := range []struct {
		listen string
		allow  bool
		want   []keyProblem
	}{
		{"127.0.0.1:9090", false, nil},
		{"127.0.0.2:9090", false, nil},
		{"[::1]:9090", false, nil},
		{"localhost:9090", false, nil}, // the server checks the bound address
		{"off", false, nil},
		{":9090", false, []keyProblem{{"admin.listen", `":9090" ` + public}}},
		{"0.0.0.0:9090", false, []keyProblem{{"admin.listen", public}}},
		{"[::]:9090", false, []keyProblem{{"admin.listen", public}}},
		{"10.0.0.1:9090", false, []keyProblem{{"admin.listen", public}}},
		{"metrics.example.com:9090", false, []keyProblem{{"admin.listen", public}}},
		{":9090", true, nil},
		{"10.0.0.1:9090", true, nil},
	} {
		t.Run(fmt.Sprintf("%s allow=%v", tc.listen, tc.allow), func(t *testing.T) {
			env := []string{"PIIRI_ADMIN_LISTEN=" + tc.listen, fmt.Sprintf("PIIRI_ADMIN_ALLOW_PUBLIC=%v", tc.allow)}
			checkProblems(t, "", env, tc.want)
		})
	}
	// In the file, the problem points at the line.
	errs := problems(t, "admin:\n  listen: \":9090\"\n")
	if len(errs) != 1 || errs[0].Line != 2 || errs[0].Key != "admin.listen" {
		t.Errorf("got %#v, want one admin.listen problem on line 2", errs)
	}
}

// TestSecretFiles: the room key and the TURN secret can be read from files
// (systemd credentials), and every way that can go wrong says which key
// and what to do, without ever printing the secret.
func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const key = "room-key-from-a-file-0123"
	const secret = "turn-secret-from-a-file-0123456789abcdef"
	keyFile := file("room-key", key+"\n")
	crlf := file("room-key-crlf", key+"\r\n")
	secretFile := file("turn-secret", secret)

	public := "server:\n  listen: \":443\"\n  public_url: https://meet.example.com\ntls:\n  mode: self-signed\n"
	cfg := mustParse(t, public+"rooms:\n  key_file: "+keyFile+"\nturn:\n  secret_file: "+secretFile+"\n")
	if cfg.Rooms.Key != key || cfg.TURN.Secret != secret {
		t.Errorf("key %q, secret %q; want the files' contents without the line break", cfg.Rooms.Key, cfg.TURN.Secret)
	}
	if cfg.DevMode() {
		t.Error("a key read from a file is still a key")
	}
	cfg = mustParse(t, public, "PIIRI_ROOMS_KEY_FILE="+crlf)
	if cfg.Rooms.Key != key {
		t.Errorf("key from a CRLF file %q", cfg.Rooms.Key)
	}

	for _, tc := range []struct {
		name string
		doc  string
		env  []string
		want []keyProblem
	}{
		{"missing file", public, []string{"PIIRI_ROOMS_KEY_FILE=" + filepath.Join(dir, "nope")},
			[]keyProblem{{"rooms.key_file", `does not exist; give the path of a file holding the secret, such as a systemd credential (%d/NAME in the unit) (value from PIIRI_ROOMS_KEY_FILE)`}}},
		{"directory", public, []string{"PIIRI_TURN_SECRET_FILE=" + dir, "PIIRI_ROOMS_KEY=0123456789abcdef"},
			[]keyProblem{{"turn.secret_file", "is not a regular file"}}},
		{"empty file", public, []string{"PIIRI_ROOMS_KEY_FILE=" + file("empty", "\n")},
			[]keyProblem{{"rooms.key_file", "is empty; write the secret into it"}}},
		{"huge file", public, []string{"PIIRI_ROOMS_KEY_FILE=" + file("huge", strings.Repeat("k", 5000))},
			[]keyProblem{{"rooms.key_file", "is larger than 4096 bytes"}}},
		{"both", public + "rooms:\n  key: 0123456789abcdef\n  key_file: " + keyFile + "\n", nil,
			[]keyProblem{{"rooms.key_file", "is set together with rooms.key; set one of them"}}},
		{"short key in the file", public, []string{"PIIRI_ROOMS_KEY_FILE=" + file("short", "abc\n")},
			[]keyProblem{{"rooms.key", "is 3 characters long; use a random string of at least 16 characters, such as the output of \"openssl rand -base64 24\" (value from the file " + filepath.Join(dir, "short") + " (rooms.key_file))"}}},
		{"short secret in the file", public, []string{"PIIRI_TURN_SECRET_FILE=" + file("short-secret", "abc"), "PIIRI_ROOMS_KEY=0123456789abcdef"},
			[]keyProblem{{"turn.secret", "is too short"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, tc.doc, tc.env, tc.want)
		})
	}

	// A problem with a file named in the config points at its line, and
	// no message ever holds the secret.
	errs := problems(t, public+"rooms:\n  key: 0123456789abcdef\n  key_file: "+keyFile+"\n")
	if errs[0].Line != 8 {
		t.Errorf("got %#v, want the key_file line (8)", errs)
	}
	for _, doc := range []string{public + "rooms:\n  key_file: " + file("short2", "sec\n") + "\n"} {
		if err := problems(t, doc); strings.Contains(err.Error(), "sec\"") || strings.Contains(err.Error(), `"sec`) {
			t.Errorf("the secret is quoted: %v", err)
		}
	}
}

// TestDataDir: data.dir has a default that needs no setup, can be moved,
// and must be a directory.
func TestDataDir(t *testing.T) {
	if got := mustParse(t, "").Data.Dir; got != "piiri-data" {
		t.Errorf("default data.dir %q", got)
	}
	dir := t.TempDir()
	if got := mustParse(t, "", "PIIRI_DATA_DIR="+dir).Data.Dir; got != dir {
		t.Errorf("data.dir from env %q", got)
	}
	mustParse(t, "data:\n  dir: "+filepath.Join(dir, "not", "yet")+"\n") // created at start
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	checkProblems(t, "data:\n  dir: "+notDir+"\n", nil, []keyProblem{{"data.dir", "exists and is not a directory"}})
	checkProblems(t, "data:\n  dir: \"\"\n", nil, []keyProblem{{"data.dir", "must be set; give the directory piiri keeps its state in"}})
}

// TestMeetingsAndAdminToken: the meetings section and the admin token are
// checked, each problem naming its key.
func TestMeetingsAndAdminToken(t *testing.T) {
	if got := mustParse(t, "").Meetings; got.TimeZone != "Europe/Helsinki" || got.MinHeld != 30*time.Minute {
		t.Errorf("defaults %+v", got)
	}
	checkProblems(t, "meetings:\n  time_zone: Mars/Olympus\n", nil, []keyProblem{{"meetings.time_zone", `"Mars/Olympus" is not an IANA time zone`}})
	checkProblems(t, "meetings:\n  time_zone: Local\n", nil, []keyProblem{{"meetings.time_zone", `is not an IANA time zone`}})
	checkProblems(t, "meetings:\n  min_held: 5s\n", nil, []keyProblem{{"meetings.min_held", "5s is out of range"}})
	checkProblems(t, "meetings:\n  min_held: 9h\n", nil, []keyProblem{{"meetings.min_held", "9h is out of range"}})
	checkProblems(t, "recording:\n  retention_days: 0\n", nil, []keyProblem{{"recording.retention_days", "0 is out of range"}})
	checkProblems(t, "recording:\n  retention_days: 5000\n", nil, []keyProblem{{"recording.retention_days", "5000 is out of range"}})
	checkProblems(t, "meetings:\n  templates_file: /nonexistent/t.yaml\n", nil, []keyProblem{{"meetings.templates_file", "cannot read"}})
	checkProblems(t, "admin:\n  token: short\n", nil, []keyProblem{{"admin.token", "is 5 characters long"}})

	file := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(file, []byte("A-long-enough-admin-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := mustParse(t, "", "PIIRI_ADMIN_TOKEN_FILE="+file).Admin.Token; got != "A-long-enough-admin-token-0123456789" {
		t.Errorf("admin.token from its file: %q", got)
	}
}

// TestMailProblems: a configured relay is checked, each problem naming
// its key; without a host the section is not required.
func TestMailProblems(t *testing.T) {
	if got := mustParse(t, "").Mail; got.Host != "" || got.Security != "starttls" {
		t.Errorf("defaults %+v", got)
	}
	relay := "mail:\n  host: smtp.example.fi\n  from: piiri@example.fi\n"
	mustParse(t, relay)
	checkProblems(t, "mail:\n  host: smtp.example.fi\n", nil, []keyProblem{{"mail.from", "is required when mail.host is set"}})
	checkProblems(t, "mail:\n  host: smtp.example.fi\n  from: not an address\n", nil, []keyProblem{{"mail.from", "is not an e-mail address"}})
	checkProblems(t, relay+"  security: ssl\n", nil, []keyProblem{{"mail.security", `"ssl"`}})
	checkProblems(t, relay+"  port: 70000\n", nil, []keyProblem{{"mail.port", "70000"}})
	checkProblems(t, relay+"  username: piiri\n", nil, []keyProblem{{"mail.username", "set both or neither"}})
	checkProblems(t, relay+"  security: none\n  username: piiri\n  password: secret\n", nil, []keyProblem{{"mail.security", "never sends a password without TLS"}})
	checkProblems(t, relay+"  ca_file: /nonexistent/ca.pem\n", nil, []keyProblem{{"mail.ca_file", "cannot read"}})
	checkProblems(t, relay+"  reply_to: \"<>\"\n", nil, []keyProblem{{"mail.reply_to", "is not an e-mail address"}})
}
