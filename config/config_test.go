package config

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const testFile = "piiri.yaml"

// problems parses doc and env and returns the problems, failing the test if
// there are none or the error is not Errors.
func problems(t *testing.T, doc string, env ...string) Errors {
	t.Helper()
	_, err := Parse([]byte(doc), testFile, env)
	if err == nil {
		t.Fatalf("Parse(%q, %q) succeeded, want an error", doc, env)
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error %T is not Errors: %v", err, err)
	}
	if len(errs) == 0 {
		t.Fatalf("Parse returned empty Errors")
	}
	return errs
}

func mustParse(t *testing.T, doc string, env ...string) Config {
	t.Helper()
	cfg, err := Parse([]byte(doc), testFile, env)
	if err != nil {
		t.Fatalf("Parse(%q, %q): %v", doc, env, err)
	}
	return cfg
}

// dottedKeys walks Config's yaml tags independently of the package's own
// walk, so a bug there cannot hide a key from the tests.
func dottedKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if prefix != "" {
			name = prefix + "." + name
		}
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, dottedKeys(f.Type, name)...)
		} else {
			keys = append(keys, name)
		}
	}
	return keys
}

func TestDefaults(t *testing.T) {
	want := Default()
	want.Media.UDPListen = "127.0.0.1:0"
	want.TURN.UDPListen = "127.0.0.1:0"

	for name, load := range map[string]func() (Config, error){
		"Parse nil":      func() (Config, error) { return Parse(nil, "", nil) },
		"Load no file":   func() (Config, error) { return Load("", nil) },
		"empty file":     func() (Config, error) { return Parse([]byte(""), testFile, nil) },
		"comments only":  func() (Config, error) { return Parse([]byte("# nothing\n\n"), testFile, nil) },
		"empty document": func() (Config, error) { return Parse([]byte("---\n"), testFile, nil) },
		"empty sections": func() (Config, error) { return Parse([]byte("server:\nrooms:\nlog: ~\n"), testFile, nil) },
		"null values": func() (Config, error) {
			return Parse([]byte("server:\n  listen:\n  shutdown_timeout: ~\n"), testFile, nil)
		},
		"unrelated env var": func() (Config, error) { return Parse(nil, "", []string{"HOME=/root", "PATH=/bin", "NOEQUALS"}) },
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := load()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("got  %+v\nwant %+v", cfg, want)
			}
			if !cfg.DevMode() {
				t.Error("defaults should be dev mode")
			}
		})
	}

	def := Default()
	if err := def.Validate(); err != nil {
		t.Errorf("Default() does not validate: %v", err)
	}
}

func TestFullFile(t *testing.T) {
	pem := writePEM(t, "meet.example.com")
	secret := filepath.Join(t.TempDir(), "turn-secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mailPassword := filepath.Join(t.TempDir(), "mail-password")
	if err := os.WriteFile(mailPassword, []byte("relay-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := `
server:
  listen: "0.0.0.0:8443"
  public_url: https://meet.example.com/piiri/
  shutdown_timeout: 10s
  trusted_proxies: [10.0.0.5, "10.1.0.0/16", "2001:db8::/32"]
tls:
  mode: files
` + pem.files + `  acme_email: ops@example.com
  acme_cache_dir: /var/lib/piiri/acme
  acme_directory: https://acme.example.com/directory
admin:
  listen: "10.0.0.1:9090"
  allow_public: true
media:
  udp_listen: ":10000"
  public_ips:
    - 203.0.113.7
    - "2001:db8::7"
  keyframe_min_interval: 1s
  ice_tcp: false
  udp_buffer_bytes: 0
turn:
  enabled: False
  udp_listen: "0.0.0.0:3479"
  credential_ttl: 30m
  max_allocations_per_participant: 3
  secret_file: ` + secret + `
rooms:
  key: 0123456789abcdefXYZ
  max_participants: 20
signaling:
  max_message_bytes: 1024
  messages_per_second: 12.5
  message_burst: 1
  max_invalid_messages: 3
  resume_grace: 0
log:
  format: json
  level: debug
  personal_data: true
data:
  dir: /var/lib/piiri
meetings:
  time_zone: Europe/Stockholm
  min_held: 45m
mail:
  host: smtp.example.fi
  port: 2525
  security: tls
  username: piiri
  password_file: ` + mailPassword + `
  from: "Piiri <piiri@example.fi>"
  reply_to: coordinator@example.fi
recording:
  dir: /srv/recordings
  retention_days: 30
`
	want := Config{
		Server: Server{Listen: "0.0.0.0:8443", PublicURL: "https://meet.example.com/piiri/", ShutdownTimeout: 10 * time.Second,
			TrustedProxies: []string{"10.0.0.5", "10.1.0.0/16", "2001:db8::/32"}},
		TLS: TLS{Mode: TLSFiles, CertFile: pem.cert, KeyFile: pem.key,
			ACMEEmail: "ops@example.com", ACMECacheDir: "/var/lib/piiri/acme", ACMEDirectory: "https://acme.example.com/directory"},
		Admin: Admin{Listen: "10.0.0.1:9090", AllowPublic: true},
		Media: Media{UDPListen: ":10000", PublicIPs: []string{"203.0.113.7", "2001:db8::7"}, KeyframeMinInterval: time.Second,
			UDPBufferBytes: 0}, // set to 0 in the file: the kernel's default, not 4 MiB
		TURN: TURN{UDPListen: "0.0.0.0:3479", CredentialTTL: 30 * time.Minute, MaxAllocations: 3,
			Secret: "0123456789abcdef0123456789abcdef", SecretFile: secret},
		Rooms:     Rooms{Key: "0123456789abcdefXYZ", MaxParticipants: 20},
		Signaling: Signaling{MaxMessageBytes: 1024, MessagesPerSecond: 12.5, MessageBurst: 1, MaxInvalidMessages: 3},
		Log:       Log{Format: "json", Level: "debug", PersonalData: true},
		Data:      Data{Dir: "/var/lib/piiri"},
		Meetings:  Meetings{TimeZone: "Europe/Stockholm", MinHeld: 45 * time.Minute},
		Mail: Mail{Host: "smtp.example.fi", Port: 2525, Security: "tls", Username: "piiri", Password: "relay-pass",
			PasswordFile: mailPassword, From: "Piiri <piiri@example.fi>", ReplyTo: "coordinator@example.fi"},
		Recording: Recording{Dir: "/srv/recordings", RetentionDays: 30},
	}
	cfg := mustParse(t, doc)
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
	if cfg.DevMode() {
		t.Error("a keyed server on 0.0.0.0 is not dev mode")
	}
	if got := cfg.Log.SlogLevel(); got != slog.LevelDebug {
		t.Errorf("SlogLevel = %v, want debug", got)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "piiri.yaml")
	if err := os.WriteFile(path, []byte("rooms:\n  max_participants: 4\n  max_participans: 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, nil)
	want := path + `:3: rooms.max_participans: unknown key (did you mean "max_participants"?)`
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %q", err, want)
	}

	if err := os.WriteFile(path, []byte("rooms:\n  max_participants: 4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, []string{"PIIRI_LOG_LEVEL=warn"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rooms.MaxParticipants != 4 || cfg.Log.Level != "warn" {
		t.Errorf("Load = %+v", cfg)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"), nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}

	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, maxFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big, nil); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized file: got %v", err)
	}
}

// TestFileProblems covers problems with the shape of the file: unknown,
// misspelt and duplicate keys, wrong node kinds and syntax. want is the
// exact error text, one problem per line.
func TestFileProblems(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"typo in key", "server:\n  listen: 127.0.0.1:8080\n  lisen: x\n",
			[]string{`piiri.yaml:3: server.lisen: unknown key (did you mean "listen"?)`}},
		{"typo in section", "sever:\n  listen: x\n",
			[]string{`piiri.yaml:1: sever: unknown key (did you mean "server"?)`}},
		{"wrong case", "rooms:\n  Key: x\n",
			[]string{`piiri.yaml:2: rooms.Key: unknown key (did you mean "key"?)`}},
		{"key outside its section", "listen: x\n",
			[]string{`piiri.yaml:1: listen: unknown key (did you mean "server.listen" or "admin.listen"? keys belong under their section)`}},
		{"key in wrong section", "server:\n  key: x\n",
			[]string{`piiri.yaml:2: server.key: unknown key (did you mean "rooms.key"? keys belong under their section)`}},
		{"no close key", "rooms:\n  colour: blue\n",
			[]string{`piiri.yaml:2: rooms.colour: unknown key; valid keys in rooms are key, key_file, max_participants`}},
		{"no close section", "video:\n  codec: x\n",
			[]string{`piiri.yaml:1: video: unknown key; valid keys at the top level are server, tls, admin, media, turn, rooms, signaling, log, data, meetings, mail, recording`}},
		{"no close key in new section", "tls:\n  cert: x\n",
			[]string{`piiri.yaml:2: tls.cert: unknown key; valid keys in tls are mode, cert_file, key_file, acme_email, acme_cache_dir, acme_directory`}},
		{"typo in new key", "turn:\n  max_allocations: 4\n",
			[]string{`piiri.yaml:2: turn.max_allocations: unknown key; valid keys in turn are enabled, udp_listen, credential_ttl, max_allocations_per_participant, secret, secret_file`}},
		{"new key in wrong section", "server:\n  ice_tcp: true\n",
			[]string{`piiri.yaml:2: server.ice_tcp: unknown key (did you mean "media.ice_tcp"? keys belong under their section)`}},
		{"all unknown keys", "server:\n  lisen: a\n  shutdown_timout: 1s\nlogs:\n  level: x\n",
			[]string{
				`piiri.yaml:2: server.lisen: unknown key (did you mean "listen"?)`,
				`piiri.yaml:3: server.shutdown_timout: unknown key (did you mean "shutdown_timeout"?)`,
				`piiri.yaml:4: logs: unknown key (did you mean "log"?)`,
			}},
		{"odd key quoted", "server:\n  \"a\\nb\": 1\n",
			[]string{`piiri.yaml:2: server."a\nb": unknown key; valid keys in server are listen, public_url, shutdown_timeout, trusted_proxies`}},
		{"duplicate key", "rooms:\n  key: aaaaaaaaaaaaaaaaaaaa\n  key: bbbbbbbbbbbbbbbbbbbb\n",
			[]string{`piiri.yaml:3: rooms.key: duplicate key (first set on line 2); remove one of them`}},
		{"duplicate section", "log:\n  level: info\nlog:\n  format: json\n",
			[]string{`piiri.yaml:3: log: duplicate key (first set on line 1); remove one of them`}},
		{"top level list", "- server\n- rooms\n",
			[]string{`piiri.yaml:1: the file must be a mapping of sections (server:, rooms:, ...), not a list`}},
		{"top level scalar", "hello\n",
			[]string{`piiri.yaml:1: the file must be a mapping of sections (server:, rooms:, ...), not the value "hello"`}},
		{"section not mapping", "server: 8080\n",
			[]string{`piiri.yaml:1: server: must be a section of keys (listen, public_url, shutdown_timeout, trusted_proxies), not the value "8080"`}},
		{"two documents", "log:\n  level: info\n---\nlog:\n  level: debug\n",
			[]string{`piiri.yaml:3: invalid YAML: the file holds more than one YAML document (separated by ---); piiri reads one, so merge them`}},
		{"syntax error", "server:\n  listen: [\n",
			[]string{`piiri.yaml:2: invalid YAML: did not find expected node content`}},
		{"merge key", "base: &b {level: info}\nlog:\n  <<: *b\n",
			[]string{
				`piiri.yaml:1: base: unknown key; valid keys at the top level are server, tls, admin, media, turn, rooms, signaling, log, data, meetings, mail, recording`,
				`piiri.yaml:3: log: merge keys (<<) are not supported; write the keys out in full`,
			}},
		{"mapping as key", "? [a, b]\n: 1\n",
			[]string{`piiri.yaml:1: keys must be plain names, not a list`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := problems(t, tc.doc)
			if got := strings.Split(errs.Error(), "\n"); !slices.Equal(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestTypeErrors covers values of the wrong type in the file.
func TestTypeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      string
	}{
		{"not an integer", "# 1\n# 2\n# 3\n# 4\n# 5\nrooms:\n  max_participants: lots\n",
			`piiri.yaml:7: rooms.max_participants: "lots" is not an integer; write a whole number, such as 11`},
		{"float for integer", "signaling:\n  message_burst: 1.5\n",
			`piiri.yaml:2: signaling.message_burst: "1.5" is not an integer; write a whole number, such as 100`},
		{"hex is not reinterpreted", "signaling:\n  message_burst: 0x10\n",
			`piiri.yaml:2: signaling.message_burst: "0x10" is not an integer; write a whole number, such as 100`},
		{"duration without unit", "signaling:\n  resume_grace: 30\n",
			`piiri.yaml:2: signaling.resume_grace: "30" is not a duration; write a number with a unit, such as "30s"`},
		{"not a number", "signaling:\n  messages_per_second: fast\n",
			`piiri.yaml:2: signaling.messages_per_second: "fast" is not a number; write a number, such as 50`},
		{"list for scalar", "server:\n  listen: [a, b]\n",
			`piiri.yaml:2: server.listen: must be a single value, not a list`},
		{"mapping for scalar", "log:\n  level:\n    name: x\n",
			`piiri.yaml:3: log.level: must be a single value, not a mapping`},
		{"scalar for list", "media:\n  public_ips: 203.0.113.7\n",
			`piiri.yaml:2: media.public_ips: must be a list, not the value "203.0.113.7"; write it as [a, b] or with one "- item" per line`},
		{"nested list item", "media:\n  public_ips:\n    - [203.0.113.7]\n",
			`piiri.yaml:3: media.public_ips: item 1 must be a single value, not a list`},
		{"null list item", "media:\n  public_ips: [1.2.3.4, ~]\n",
			`piiri.yaml:2: media.public_ips: item 2 must be a single value, not null`},
		{"yes is not a boolean", "media:\n  ice_tcp: yes\n",
			`piiri.yaml:2: media.ice_tcp: "yes" is not true or false`},
		{"on is not a boolean", "turn:\n  enabled: on\n",
			`piiri.yaml:2: turn.enabled: "on" is not true or false`},
		{"number is not a boolean", "turn:\n  enabled: 2\n",
			`piiri.yaml:2: turn.enabled: "2" is not true or false`},
		{"scalar for trusted_proxies", "server:\n  trusted_proxies: 10.0.0.5\n",
			`piiri.yaml:2: server.trusted_proxies: must be a list, not the value "10.0.0.5"; write it as [a, b] or with one "- item" per line`},
		{"long value shortened", "log:\n  level: " + strings.Repeat("x", 100) + "\n",
			`piiri.yaml:2: log.level: "` + strings.Repeat("x", 60) + `"... is not allowed; use one of "debug", "info", "warn", "error"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := problems(t, tc.doc).Error(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestValidation covers every range and format rule. Each case is one key
// set through the file; want is a fragment of the single expected problem.
func TestValidation(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       string
	}{
		{"server.listen", "localhost", `"localhost" is not a host:port address`},
		{"server.listen", "127.0.0.1:65536", `port "65536" in "127.0.0.1:65536" is not a number from 0 to 65535`},
		{"server.listen", "127.0.0.1:http", `port "http"`},
		{"server.listen", "127.0.0.1:-1", `port "-1"`},
		{"server.listen", "bad_host:80", `host "bad_host" in "bad_host:80" is not an IP address or host name`},
		{"server.public_url", "ftp://example.com", "must start with http:// or https://"},
		{"server.public_url", "example.com", "must start with http:// or https://"},
		{"server.public_url", "https://", "has no host"},
		{"server.public_url", "https://u:p@example.com", "must not contain a user name or password"},
		{"server.public_url", "https://example.com/?room=a", "must not have a query"},
		{"server.public_url", "https://example.com/?", "must not have a query"},
		{"server.public_url", "https://example.com/#x", "or fragment"},
		{"server.public_url", "https://example.com:99999", `port "99999"`},
		{"server.public_url", "http://[::1", "is not a valid URL"},
		{"server.shutdown_timeout", "999ms", "999ms is out of range; use a duration from 1s to 1m"},
		{"server.shutdown_timeout", "61s", "1m1s is out of range; use a duration from 1s to 1m"},
		{"server.trusted_proxies", "[10.0.0.5, example.com]", `item 2 ("example.com") is not an address or CIDR range; write it as "10.0.0.5" or "10.0.0.0/24"`},
		{"server.trusted_proxies", "[10.0.0.0/33]", `item 1 ("10.0.0.0/33") is not an address or CIDR range`},
		{"server.trusted_proxies", "[\"2001:db8::/129\"]", `item 1 ("2001:db8::/129") is not an address or CIDR range`},
		{"server.trusted_proxies", "[\" 10.0.0.5\"]", `item 1 (" 10.0.0.5") is not an address or CIDR range`},
		{"server.trusted_proxies", "[\"\"]", `item 1 ("") is not an address or CIDR range`},
		{"tls.mode", "\"\"", `"" is not allowed`},
		{"admin.listen", "Off", `"Off" is not a host:port address; write it as "127.0.0.1:8080", "[::1]:8080" or ":8080" (all interfaces), or "off" to disable it`},
		{"admin.listen", "127.0.0.1:8080", `"127.0.0.1:8080" uses the same port as server.listen ("127.0.0.1:8080"); pick another port, or "off"`},
		{"admin.listen", ":8080", "uses the same port as server.listen"},
		{"media.udp_listen", "443", `"443" is not a host:port address`},
		{"media.public_ips", "[203.0.113.7, example.com]", `item 2 ("example.com") is not a literal IP address`},
		{"media.public_ips", "[\"fe80::1%eth0\"]", `item 1 ("fe80::1%eth0") is not a literal IP address`},
		{"media.public_ips", "[0.0.0.0]", `item 1 ("0.0.0.0") cannot be advertised to peers`},
		{"media.keyframe_min_interval", "99ms", "99ms is out of range; use a duration from 100ms to 10s"},
		{"media.keyframe_min_interval", "11s", "11s is out of range"},
		{"media.udp_buffer_bytes", "65535", "65535 is out of range; use 0 for the kernel's default, or a size in bytes from 65536 (64 KiB) to 67108864 (64 MiB), such as 4194304 (4 MiB)"},
		{"media.udp_buffer_bytes", "67108865", "67108865 is out of range"},
		{"media.udp_buffer_bytes", "-1", "-1 is out of range"},
		{"media.udp_buffer_bytes", "4MiB", `"4MiB"`},
		{"turn.udp_listen", "3478", `"3478" is not a host:port address; write it as "127.0.0.1:8080", "[::1]:8080" or ":8080" (all interfaces), or "off" to disable TURN over UDP`},
		{"turn.udp_listen", "OFF", `"OFF" is not a host:port address`},
		{"turn.udp_listen", ":65536", `port "65536" in ":65536" is not a number from 0 to 65535`},
		{"turn.udp_listen", "bad_host:3478", `host "bad_host"`},
		{"turn.credential_ttl", "4m59s", "4m59s is out of range; use a duration from 5m to 24h"},
		{"turn.credential_ttl", "24h0m1s", "24h0m1s is out of range; use a duration from 5m to 24h"},
		{"turn.credential_ttl", "-1h", "-1h is out of range"},
		{"turn.max_allocations_per_participant", "0", "0 is out of range; use a value from 1 to 64"},
		{"turn.max_allocations_per_participant", "65", "65 is out of range; use a value from 1 to 64"},
		{"turn.secret", "0123456789abcdef0123456789abcde", "is too short; use a random string of at least 32 characters, or leave it empty"},
		{"turn.secret", "x", "is too short"},
		{"rooms.key", "short", "is 5 characters long; use a random string of at least 16 characters"},
		{"rooms.key", "\"0123456789abcdef \"", "starts or ends with whitespace"},
		{"rooms.key", "\"0123456789\\nabcdef\"", "contains control characters"},
		{"rooms.max_participants", "1", "1 is out of range; use a value from 2 to 50"},
		{"rooms.max_participants", "51", "51 is out of range; use a value from 2 to 50"},
		{"signaling.max_message_bytes", "1023", "1023 is out of range; use a value from 1024 to 1048576"},
		{"signaling.max_message_bytes", "1048577", "1048577 is out of range"},
		{"signaling.messages_per_second", "0", "0 is out of range; use a number above 0 and at most 10000"},
		{"signaling.messages_per_second", "-1", "-1 is out of range"},
		{"signaling.messages_per_second", "10000.5", "10000.5 is out of range"},
		{"signaling.messages_per_second", "NaN", "NaN is out of range"},
		{"signaling.messages_per_second", "Inf", "+Inf is out of range"},
		{"signaling.message_burst", "0", "0 is too small; use at least 1"},
		{"signaling.max_invalid_messages", "-3", "-3 is too small; use at least 1"},
		{"signaling.resume_grace", "-1s", "-1s is out of range; use 0 to disable resume, or a duration up to 10m"},
		{"signaling.resume_grace", "10m1s", "10m1s is out of range"},
		{"log.format", "xml", `"xml" is not allowed; use one of "text", "json"`},
		{"log.level", "INFO", `"INFO" is not allowed; use one of "debug", "info", "warn", "error"`},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			section, name, _ := strings.Cut(tc.key, ".")
			doc := section + ":\n  " + name + ": " + tc.value + "\n"
			errs := problems(t, doc)
			if len(errs) != 1 {
				t.Fatalf("want 1 problem, got:\n%v", errs)
			}
			p := errs[0]
			if p.Key != tc.key || p.File != testFile || p.Line != 2 || !strings.Contains(p.Message, tc.want) {
				t.Errorf("got %#v\nwant key %s at %s:2 with message containing %q", p, tc.key, testFile, tc.want)
			}
		})
	}
}

// TestValidValues checks the edges of each range are accepted.
func TestValidValues(t *testing.T) {
	for _, doc := range []string{
		"server:\n  listen: 127.0.0.1:0\n",
		"server:\n  listen: \"[::1]:65535\"\n",
		"server:\n  listen: \"[::1%lo]:8080\"\n",
		"server:\n  listen: \"[fe80::1%lo]:8080\"\n  public_url: https://meet.example.com\nrooms:\n  key: 0123456789abcdef\n",
		"server:\n  trusted_proxies: [10.0.0.5, 10.0.0.0/8, \"2001:db8::1\", \"2001:db8::/32\", \"::ffff:10.0.0.5\"]\n",
		"server:\n  trusted_proxies:\n    - 192.0.2.1\n    - 0.0.0.0/0\n",
		"server:\n  trusted_proxies: []\n",
		"tls:\n  mode: \"off\"\n",
		"tls:\n  mode: off\n",
		"server:\n  public_url: https://localhost:8443\ntls:\n  mode: self-signed\n",
		"server:\n  public_url: https://192.0.2.10\ntls:\n  mode: self-signed\n",
		"server:\n  public_url: https://meet.example.com\ntls:\n  mode: files\n" + writePEM(t, "meet.example.com").files,
		"server:\n  public_url: https://meet.example.com:8443/x/\ntls:\n  mode: acme\n  acme_cache_dir: acme\n",
		"media:\n  ice_tcp: false\n",
		"media:\n  ice_tcp: \"0\"\n",
		"media:\n  ice_tcp: T\n",
		"turn:\n  enabled: FALSE\n  udp_listen: \"off\"\n",
		"turn:\n  enabled: false\n  udp_listen: 127.0.0.1:0\n",
		"turn:\n  udp_listen: \"[::1]:3478\"\n",
		"turn:\n  credential_ttl: 5m\n  max_allocations_per_participant: 1\n",
		"turn:\n  credential_ttl: 24h\n  max_allocations_per_participant: 64\n",
		"turn:\n  secret: 0123456789abcdef0123456789abcdef\n",
		"turn:\n  secret: \"ümlautümlautümlautümlautümlautüm\"\n",
		"server:\n  public_url: http://localhost:8080\n",
		"server:\n  shutdown_timeout: 1s\n",
		"server:\n  shutdown_timeout: 1m\n",
		"admin:\n  listen: 127.0.0.1:0\nserver:\n  listen: 127.0.0.1:0\n",
		"admin:\n  listen: \"[::1]:8080\"\n",
		"media:\n  udp_listen: 0.0.0.0:3478\n  public_ips: [\"2001:db8::1\", 198.51.100.1]\n",
		"media:\n  keyframe_min_interval: 100ms\n",
		"media:\n  keyframe_min_interval: 10s\n",
		"media:\n  udp_buffer_bytes: 0\n",
		"media:\n  udp_buffer_bytes: 65536\n",
		"media:\n  udp_buffer_bytes: 67108864\n",
		"rooms:\n  key: 0123456789abcdef\n  max_participants: 2\n",
		"rooms:\n  key: \"ümlautümlautümla\"\n  max_participants: 50\n",
		"signaling:\n  max_message_bytes: 1048576\n  messages_per_second: 10000\n  resume_grace: 10m\n",
		"signaling:\n  messages_per_second: 0.001\n",
		"rooms:\n  max_participants: \"12\"\n",
		"log:\n  format: json\n  level: error\n",
	} {
		if _, err := Parse([]byte(doc), testFile, nil); err != nil {
			t.Errorf("Parse(%q): %v", doc, err)
		}
	}
}

func TestManyProblemsTogether(t *testing.T) {
	doc := `server:
  listen: 0.0.0.0:8080
  lisen: x
rooms:
  max_participants: lots
log:
  level: loud
`
	errs := problems(t, doc, "PIIRI_SIGNALING_RESUME_GRACE=soon", "PIIRI_ROMS_KEY=x")
	want := []string{
		`piiri.yaml:3: server.lisen: unknown key (did you mean "listen"?)`,
		`piiri.yaml:5: rooms.max_participants: "lots" is not an integer; write a whole number, such as 11`,
		`piiri.yaml:7: log.level: "loud" is not allowed; use one of "debug", "info", "warn", "error"`,
		`PIIRI_SIGNALING_RESUME_GRACE: "soon" is not a duration; write a number with a unit, such as "30s" (overrides signaling.resume_grace)`,
		`PIIRI_ROMS_KEY: unknown environment variable (did you mean PIIRI_ROOMS_KEY?)`,
		`tls.mode: is "off" while server.listen is not a loopback address: browsers allow the camera and microphone only on https pages; set tls.mode to "acme", "files" or "self-signed", or put a TLS proxy in front and set server.public_url to its https:// URL`,
		`rooms.key: must be set when server.listen is not a loopback address; set rooms.key to a random string of at least 16 characters`,
	}
	if got := strings.Split(errs.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEnv(t *testing.T) {
	file := "server:\n  listen: 127.0.0.1:8080\nmedia:\n  public_ips: [198.51.100.1]\n"

	t.Run("overrides", func(t *testing.T) {
		cfg := mustParse(t, file,
			"PIIRI_SERVER_LISTEN=0.0.0.0:9000",
			"PIIRI_ROOMS_KEY=abcdefghijklmnopqrstuvwxyz",
			"PIIRI_MEDIA_PUBLIC_IPS=203.0.113.7, 2001:db8::7,",
			"PIIRI_SIGNALING_RESUME_GRACE=45s",
			"PIIRI_SIGNALING_MESSAGES_PER_SECOND=2.5",
			"PIIRI_ROOMS_MAX_PARTICIPANTS=30",
			"PIIRI_LOG_FORMAT=json",
			"PIIRI_ADMIN_LISTEN=off",
			"PIIRI_SERVER_PUBLIC_URL=https://meet.example.com",
		)
		if cfg.Server.Listen != "0.0.0.0:9000" {
			t.Errorf("env did not win over file: listen = %q", cfg.Server.Listen)
		}
		if want := []string{"203.0.113.7", "2001:db8::7"}; !slices.Equal(cfg.Media.PublicIPs, want) {
			t.Errorf("public_ips = %q, want %q", cfg.Media.PublicIPs, want)
		}
		if cfg.Signaling.ResumeGrace != 45*time.Second || cfg.Signaling.MessagesPerSecond != 2.5 ||
			cfg.Rooms.MaxParticipants != 30 || cfg.Log.Format != "json" || cfg.Admin.Listen != "off" ||
			cfg.Rooms.Key != "abcdefghijklmnopqrstuvwxyz" || cfg.Server.PublicURL != "https://meet.example.com" {
			t.Errorf("overrides not applied: %+v", cfg)
		}
		if cfg.Media.UDPListen != ":443" {
			t.Errorf("udp_listen derived from overridden listen = %q, want :443", cfg.Media.UDPListen)
		}
	})

	t.Run("new keys", func(t *testing.T) {
		cfg := mustParse(t, file,
			"PIIRI_SERVER_LISTEN=:443",
			"PIIRI_ROOMS_KEY=abcdefghijklmnopqrstuvwxyz",
			"PIIRI_SERVER_PUBLIC_URL=https://meet.example.com",
			"PIIRI_SERVER_TRUSTED_PROXIES=10.0.0.5, 10.1.0.0/16,",
			"PIIRI_TLS_MODE=acme",
			"PIIRI_TLS_ACME_EMAIL=ops@example.com",
			"PIIRI_TLS_ACME_CACHE_DIR=/var/lib/piiri/acme",
			"PIIRI_TLS_ACME_DIRECTORY=https://acme-staging-v02.api.letsencrypt.org/directory",
			"PIIRI_MEDIA_ICE_TCP=0",
			"PIIRI_TURN_ENABLED=false",
			"PIIRI_TURN_UDP_LISTEN=off",
			"PIIRI_TURN_CREDENTIAL_TTL=30m",
			"PIIRI_TURN_MAX_ALLOCATIONS_PER_PARTICIPANT=4",
			"PIIRI_TURN_SECRET=0123456789abcdef0123456789abcdef",
			"PIIRI_MEDIA_UDP_BUFFER_BYTES=16777216",
		)
		if want := []string{"10.0.0.5", "10.1.0.0/16"}; !slices.Equal(cfg.Server.TrustedProxies, want) {
			t.Errorf("trusted_proxies = %q, want %q", cfg.Server.TrustedProxies, want)
		}
		wantTLS := TLS{Mode: TLSACME, ACMEEmail: "ops@example.com", ACMECacheDir: "/var/lib/piiri/acme",
			ACMEDirectory: "https://acme-staging-v02.api.letsencrypt.org/directory"}
		wantTURN := TURN{UDPListen: "off", CredentialTTL: 30 * time.Minute, MaxAllocations: 4, Secret: "0123456789abcdef0123456789abcdef"}
		if cfg.TLS != wantTLS || cfg.TURN != wantTURN || cfg.Media.ICETCP || cfg.Media.UDPBufferBytes != 16<<20 {
			t.Errorf("overrides not applied: tls %+v turn %+v ice_tcp %v udp_buffer_bytes %d", cfg.TLS, cfg.TURN, cfg.Media.ICETCP, cfg.Media.UDPBufferBytes)
		}
	})

	t.Run("empty list clears file value", func(t *testing.T) {
		cfg := mustParse(t, file, "PIIRI_MEDIA_PUBLIC_IPS=")
		if len(cfg.Media.PublicIPs) != 0 {
			t.Errorf("public_ips = %q, want empty", cfg.Media.PublicIPs)
		}
	})

	t.Run("every key has a variable", func(t *testing.T) {
		seen := map[string]string{}
		for _, l := range leaves() {
			want := "PIIRI_" + strings.ToUpper(strings.ReplaceAll(l.key, ".", "_"))
			if l.env != want {
				t.Errorf("%s: env %s, want %s", l.key, l.env, want)
			}
			if other, dup := seen[l.env]; dup {
				t.Errorf("%s and %s share %s", other, l.key, l.env)
			}
			seen[l.env] = l.key
		}
		if got, want := len(seen), len(dottedKeys(reflect.TypeFor[Config](), "")); got != want {
			t.Errorf("%d variables for %d keys", got, want)
		}
	})

	for _, tc := range []struct {
		name string
		env  string
		want string
	}{
		{"typo", "PIIRI_SERVER_LISTN=x", `PIIRI_SERVER_LISTN: unknown environment variable (did you mean PIIRI_SERVER_LISTEN?)`},
		{"lower case", "piiri_rooms_key=x", `piiri_rooms_key: unknown environment variable (did you mean PIIRI_ROOMS_KEY?)`},
		{"unknown", "PIIRI_TLS_CERT=x", `PIIRI_TLS_CERT: unknown environment variable; piiri reads PIIRI_<SECTION>_<KEY> for keys of the config file, such as PIIRI_SERVER_LISTEN, so rename or unset it`},
		{"section only", "PIIRI_SERVER=x", `PIIRI_SERVER: unknown environment variable; piiri reads`},
		{"bad integer", "PIIRI_ROOMS_MAX_PARTICIPANTS=lots", `PIIRI_ROOMS_MAX_PARTICIPANTS: "lots" is not an integer; write a whole number, such as 11 (overrides rooms.max_participants)`},
		{"bad duration", "PIIRI_SIGNALING_RESUME_GRACE=45", `PIIRI_SIGNALING_RESUME_GRACE: "45" is not a duration`},
		{"empty number", "PIIRI_SIGNALING_MESSAGE_BURST=", `PIIRI_SIGNALING_MESSAGE_BURST: "" is not an integer`},
		{"out of range", "PIIRI_ROOMS_MAX_PARTICIPANTS=99", `rooms.max_participants: 99 is out of range; use a value from 2 to 50 (value from PIIRI_ROOMS_MAX_PARTICIPANTS)`},
		{"bad list item", "PIIRI_MEDIA_PUBLIC_IPS=1.2.3.4,nope", `media.public_ips: item 2 ("nope") is not a literal IP address`},
		{"short key", "PIIRI_ROOMS_KEY=abc", `rooms.key: is 3 characters long`},
		{"bad bool", "PIIRI_MEDIA_ICE_TCP=no", `PIIRI_MEDIA_ICE_TCP: "no" is not true or false (overrides media.ice_tcp)`},
		{"empty bool", "PIIRI_TURN_ENABLED=", `PIIRI_TURN_ENABLED: "" is not true or false (overrides turn.enabled)`},
		{"bad trusted proxy", "PIIRI_SERVER_TRUSTED_PROXIES=10.0.0.5,nope", `server.trusted_proxies: item 2 ("nope") is not an address or CIDR range; write it as "10.0.0.5" or "10.0.0.0/24" (value from PIIRI_SERVER_TRUSTED_PROXIES)`},
		{"bad turn address", "PIIRI_TURN_UDP_LISTEN=3478", `turn.udp_listen: "3478" is not a host:port address`},
		{"turn ttl out of range", "PIIRI_TURN_CREDENTIAL_TTL=1m", `turn.credential_ttl: 1m is out of range; use a duration from 5m to 24h (value from PIIRI_TURN_CREDENTIAL_TTL)`},
		{"turn allocations out of range", "PIIRI_TURN_MAX_ALLOCATIONS_PER_PARTICIPANT=100", `turn.max_allocations_per_participant: 100 is out of range; use a value from 1 to 64`},
		{"udp buffer with a unit", "PIIRI_MEDIA_UDP_BUFFER_BYTES=4M", `PIIRI_MEDIA_UDP_BUFFER_BYTES: "4M" is not an integer; write a whole number, such as 4194304 (overrides media.udp_buffer_bytes)`},
		{"udp buffer out of range", "PIIRI_MEDIA_UDP_BUFFER_BYTES=1024", `media.udp_buffer_bytes: 1024 is out of range; use 0 for the kernel's default, or a size in bytes from 65536 (64 KiB) to 67108864 (64 MiB), such as 4194304 (4 MiB) (value from PIIRI_MEDIA_UDP_BUFFER_BYTES)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := problems(t, file, tc.env)
			if len(errs) != 1 || !strings.HasPrefix(errs.Error(), tc.want) {
				t.Errorf("got\n%v\nwant one problem starting with\n%s", errs, tc.want)
			}
			if errs[0].Line != 0 {
				t.Errorf("env problem has line %d, want 0", errs[0].Line)
			}
		})
	}
}

func TestDevMode(t *testing.T) {
	const key = "PIIRI_ROOMS_KEY=0123456789abcdef"
	// Off loopback the server must be reached over HTTPS; these rows have
	// it terminate TLS itself so that only the listen address varies.
	tlsEnv := []string{"PIIRI_TLS_MODE=self-signed", "PIIRI_SERVER_PUBLIC_URL=https://meet.example.com"}
	for _, tc := range []struct {
		listen    string
		key, tls  bool
		dev       bool
		udp, turn string
	}{
		{"127.0.0.1:8080", false, false, true, "127.0.0.1:0", "127.0.0.1:0"},
		{"127.1.2.3:8080", false, false, true, "127.1.2.3:0", "127.1.2.3:0"},
		{"[::1]:8080", false, false, true, "[::1]:0", "[::1]:0"},
		{"localhost:8080", false, false, true, "localhost:0", "localhost:0"},
		{"LocalHost:8080", false, false, true, "LocalHost:0", "LocalHost:0"},
		{"127.0.0.1:8080", false, true, true, "127.0.0.1:0", "127.0.0.1:0"},
		{"[fe80::1%eth0]:8080", true, true, false, ":443", "[fe80::1%eth0]:3478"},
		{"127.0.0.1:8080", true, false, false, "127.0.0.1:0", "127.0.0.1:0"},
		{"0.0.0.0:8080", true, true, false, ":443", "0.0.0.0:3478"},
		{":8080", true, true, false, ":443", ":3478"},
		{":443", true, true, false, ":443", ":3478"},
		{"[::]:8080", true, true, false, ":443", "[::]:3478"},
		{"192.0.2.10:80", true, true, false, ":443", "192.0.2.10:3478"},
		{"meet.example.com:8080", true, true, false, ":443", "meet.example.com:3478"},
	} {
		t.Run(tc.listen, func(t *testing.T) {
			env := []string{"PIIRI_SERVER_LISTEN=" + tc.listen}
			if tc.key {
				env = append(env, key)
			}
			if tc.tls {
				env = append(env, tlsEnv...)
			}
			cfg, err := Parse(nil, "", env)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DevMode() != tc.dev || cfg.Media.UDPListen != tc.udp || cfg.TURN.UDPListen != tc.turn {
				t.Errorf("DevMode=%v udp=%q turn=%q, want %v %q %q", cfg.DevMode(), cfg.Media.UDPListen, cfg.TURN.UDPListen, tc.dev, tc.udp, tc.turn)
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("derived config does not validate: %v", err)
			}
		})
	}

	const keyProblem = "rooms.key: must be set when server.listen is not a loopback address; set rooms.key to a random string of at least 16 characters"
	for _, listen := range []string{"0.0.0.0:8080", ":8080", "[::]:8080", "192.0.2.10:80", "example.com:80"} {
		// Behind a TLS proxy: the missing key is the only problem.
		errs := problems(t, "", "PIIRI_SERVER_LISTEN="+listen, "PIIRI_SERVER_PUBLIC_URL=https://meet.example.com")
		if len(errs) != 1 || errs[0].Key != "rooms.key" || errs[0].Error() != keyProblem {
			t.Errorf("listen %s without key: got\n%v\nwant\n%s", listen, errs, keyProblem)
		}
		// Plain HTTP as well: both problems, neither hiding the other.
		errs = problems(t, "", "PIIRI_SERVER_LISTEN="+listen)
		if got := problemKeys(errs); !slices.Equal(got, []string{"tls.mode", "rooms.key"}) || errs[1].Error() != keyProblem {
			t.Errorf("listen %s without key or TLS: got\n%v\nwant a tls.mode problem and\n%s", listen, errs, keyProblem)
		}
	}

	// An invalid listen address is reported on its own, without guessing
	// whether a key is needed.
	if errs := problems(t, "server:\n  listen: nonsense\n"); len(errs) != 1 || errs[0].Key != "server.listen" {
		t.Errorf("got %v, want only a server.listen problem", errs)
	}

	var nilCfg *Config
	if nilCfg.DevMode() {
		t.Error("nil config is not dev mode")
	}
	if err := nilCfg.Validate(); err == nil {
		t.Error("nil config validated")
	}
	bad := Config{Server: Server{Listen: "nonsense"}}
	if bad.DevMode() {
		t.Error("config with invalid listen is not dev mode")
	}
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn,
		"error": slog.LevelError, "": slog.LevelInfo, "bogus": slog.LevelInfo,
	} {
		if got := (Log{Level: level}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", level, got, want)
		}
	}
}

func TestValidateCollectsAll(t *testing.T) {
	var c Config // zero value: nearly everything is wrong
	err := c.Validate()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Validate error %T is not Errors", err)
	}
	if len(errs) < 8 {
		t.Errorf("want a problem per bad key, got %d:\n%v", len(errs), errs)
	}
	for _, p := range errs {
		if p.Key == "" || p.Line != 0 {
			t.Errorf("problem without key or with a line: %#v", p)
		}
	}
}

func TestProblemFormat(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{Key: "a.b", File: "f.yaml", Line: 3, Message: "m"}, "f.yaml:3: a.b: m"},
		{Problem{Key: "a.b", Line: 3, Message: "m"}, "line 3: a.b: m"},
		{Problem{Key: "a.b", File: "f.yaml", Message: "m"}, "a.b: m"},
		{Problem{File: "f.yaml", Line: 1, Message: "m"}, "f.yaml:1: m"},
	} {
		if got := tc.p.Error(); got != tc.want {
			t.Errorf("%#v.Error() = %q, want %q", tc.p, got, tc.want)
		}
	}
	if Errors(nil).Error() == "" {
		t.Error("empty Errors has empty text")
	}
}

func TestExample(t *testing.T) {
	ex := Example()
	cfg, err := Parse([]byte(ex), "example.yaml", nil)
	if err != nil {
		t.Fatalf("Example() does not parse:\n%v", err)
	}
	// The example documents the defaults, so it must not change them.
	def, _ := Parse(nil, "", nil)
	if !reflect.DeepEqual(cfg, def) {
		t.Errorf("Example() differs from the defaults:\n got %+v\nwant %+v", cfg, def)
	}

	// Every key must be set in the example, not merely mentioned.
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(ex), &doc); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if prefix != "" {
				k = prefix + "." + k
			}
			if v := n.Content[i+1]; v.Kind == yaml.MappingNode {
				walk(v, k)
			} else {
				set[k] = true
			}
		}
	}
	walk(doc.Content[0], "")
	for _, k := range dottedKeys(reflect.TypeFor[Config](), "") {
		if !set[k] {
			t.Errorf("Example() does not set %s", k)
		}
	}
	for line := range strings.SplitSeq(ex, "\n") {
		if len(line) > 80 {
			t.Errorf("Example() line longer than 80 columns: %q", line)
		}
	}
}

// problemKeys lists the keys of errs in order.
func problemKeys(errs Errors) []string {
	keys := make([]string, len(errs))
	for i, p := range errs {
		keys[i] = p.Key
	}
	return keys
}

// keyProblem is an expected problem: its key and a fragment of its message.
type keyProblem struct{ key, msg string }

// checkProblems parses doc and env and checks the outcome: success when want
// is empty; otherwise a problem matching each of want, and no problem with
// any other key.
func checkProblems(t *testing.T, doc string, env []string, want []keyProblem) {
	t.Helper()
	if len(want) == 0 {
		mustParse(t, doc, env...)
		return
	}
	errs := problems(t, doc, env...)
	keys := map[string]bool{}
	for _, w := range want {
		keys[w.key] = true
		if !slices.ContainsFunc(errs, func(p Problem) bool { return p.Key == w.key && strings.Contains(p.Message, w.msg) }) {
			t.Errorf("no %s problem containing %q in\n%v", w.key, w.msg, errs)
		}
	}
	for _, p := range errs {
		if !keys[p.Key] {
			t.Errorf("unexpected problem: %v", p)
		}
	}
}

// TestTLS covers the rules tying tls.mode to server.listen and
// server.public_url.
func TestTLS(t *testing.T) {
	pem := writePEM(t, "meet.example.com")
	// A keyed server on all interfaces, so only TLS decides.
	const public = "server:\n  listen: \":443\"\n  public_url: %s\nrooms:\n  key: 0123456789abcdef\ntls:\n"
	doc := func(url, tls string) string { return fmt.Sprintf(public, url) + tls }
	const off = `is "off" while server.listen is not a loopback address: browsers allow the camera and microphone only on https pages; set tls.mode to "acme", "files" or "self-signed", or put a TLS proxy in front and set server.public_url to its https:// URL`
	for _, tc := range []struct {
		name string
		doc  string
		env  []string
		want []keyProblem
	}{
		{"unknown mode", doc("https://meet.example.com", "  mode: bogus\n"), nil,
			[]keyProblem{{"tls.mode", `"bogus" is not allowed; use one of "off", "files", "acme", "self-signed"`}}},
		{"mode is case sensitive", doc("https://meet.example.com", "  mode: Self-Signed\n"), nil,
			[]keyProblem{{"tls.mode", `"Self-Signed" is not allowed`}}},
		{"unknown mode from env", "server:\n  public_url: https://meet.example.com\n", []string{"PIIRI_TLS_MODE=on"},
			[]keyProblem{{"tls.mode", `"on" is not allowed; use one of "off", "files", "acme", "self-signed" (value from PIIRI_TLS_MODE)`}}},

		{"files without cert and key", doc("https://meet.example.com", "  mode: files\n"), nil, []keyProblem{
			{"tls.cert_file", `is required when tls.mode is "files"; give the path of the PEM certificate chain`},
			{"tls.key_file", `is required when tls.mode is "files"; give the path of the PEM private key`},
		}},
		{"files without key", doc("https://meet.example.com", "  mode: files\n  cert_file: "+pem.cert+"\n"), nil,
			[]keyProblem{{"tls.key_file", `is required when tls.mode is "files"`}}},
		{"files without cert", doc("https://meet.example.com", "  mode: files\n  key_file: "+pem.key+"\n"), nil,
			[]keyProblem{{"tls.cert_file", `is required when tls.mode is "files"`}}},
		{"files without public_url", "tls:\n  mode: files\n" + pem.files, nil,
			[]keyProblem{{"server.public_url", `must be the server's https:// URL when tls.mode is "files"`}}},
		{"files", doc("https://meet.example.com", "  mode: files\n"+pem.files), nil, nil},
		{"files that do not exist", doc("https://meet.example.com", "  mode: files\n  cert_file: /nonexistent/c.pem\n  key_file: /nonexistent/k.pem\n"), nil, []keyProblem{
			{"tls.cert_file", `"/nonexistent/c.pem" does not exist; give the path of the PEM certificate chain, or use tls.mode "acme" or "self-signed"`},
			{"tls.key_file", `"/nonexistent/k.pem" does not exist; give the path of the PEM private key`},
		}},
		{"files: a directory", doc("https://meet.example.com", "  mode: files\n  cert_file: "+pem.dir+"\n  key_file: "+pem.key+"\n"), nil,
			[]keyProblem{{"tls.cert_file", `is not a regular file`}}},
		{"files swapped", doc("https://meet.example.com", "  mode: files\n  cert_file: "+pem.key+"\n  key_file: "+pem.cert+"\n"), nil,
			[]keyProblem{{"tls.cert_file", `are not a certificate and its private key`}}},
		{"files: key of another certificate", doc("https://meet.example.com", "  mode: files\n  cert_file: "+pem.cert+"\n  key_file: "+pem.otherKey+"\n"), nil,
			[]keyProblem{{"tls.cert_file", `are not a certificate and its private key: tls: private key does not match public key`}}},
		{"files for another name", doc("https://other.example.com", "  mode: files\n"+pem.files), nil,
			[]keyProblem{{"tls.cert_file", `is not valid for "other.example.com", the host of server.public_url`}}},

		{"acme without public_url", "tls:\n  mode: acme\n  acme_cache_dir: /var/lib/piiri/acme\n", nil,
			[]keyProblem{{"server.public_url", `tls.mode is "acme"`}}},
		{"acme with http public_url", doc("http://meet.example.com", "  mode: acme\n  acme_cache_dir: /var/lib/piiri/acme\n"), nil,
			[]keyProblem{{"server.public_url", `must be the https:// URL of the server's host name when tls.mode is "acme": the certificate is issued for that name`}}},
		{"acme with IPv4 public_url", doc("https://203.0.113.7", "  mode: acme\n  acme_cache_dir: /var/lib/piiri/acme\n"), nil,
			[]keyProblem{{"server.public_url", "names an IP address; ACME certificates are issued for host names, so use the server's DNS name"}}},
		{"acme with IPv6 public_url", doc("https://[2001:db8::1]:443/", "  mode: acme\n  acme_cache_dir: /var/lib/piiri/acme\n"), nil,
			[]keyProblem{{"server.public_url", "names an IP address"}}},
		{"acme without cache dir", doc("https://meet.example.com", "  mode: acme\n"), nil,
			[]keyProblem{{"tls.acme_cache_dir", `is required when tls.mode is "acme": without it every start asks the CA for a new certificate, and its rate limits soon refuse; give a directory kept across restarts, such as /var/lib/piiri/acme`}}},
		{"acme", doc("https://meet.example.com", "  mode: acme\n  acme_email: ops@example.com\n  acme_cache_dir: /var/lib/piiri\n"), nil, nil},
		{"acme from env", "", []string{"PIIRI_TLS_MODE=acme", "PIIRI_SERVER_PUBLIC_URL=https://meet.example.com", "PIIRI_SERVER_LISTEN=:443", "PIIRI_ROOMS_KEY=0123456789abcdef", "PIIRI_TLS_ACME_CACHE_DIR=/var/lib/piiri/acme"}, nil},

		{"self-signed without public_url", "tls:\n  mode: self-signed\n", nil,
			[]keyProblem{{"server.public_url", `must be the server's https:// URL when tls.mode is "self-signed": TURN over TLS and the links use its host name`}}},
		{"self-signed with IP", doc("https://192.0.2.10", "  mode: self-signed\n"), nil, nil},
		{"self-signed on loopback", "server:\n  public_url: https://localhost:8080\ntls:\n  mode: self-signed\n", nil, nil},

		{"off, not loopback, no public_url", "server:\n  listen: 0.0.0.0:8080\nrooms:\n  key: 0123456789abcdef\n", nil,
			[]keyProblem{{"tls.mode", off}}},
		{"off, not loopback, http public_url", doc("http://meet.example.com", "  mode: \"off\"\n"), nil,
			[]keyProblem{{"tls.mode", off}}},
		{"off, host name listen", "", []string{"PIIRI_SERVER_LISTEN=meet.example.com:80", "PIIRI_ROOMS_KEY=0123456789abcdef"},
			[]keyProblem{{"tls.mode", off}}},
		{"off, behind a TLS proxy", doc("https://meet.example.com", "  mode: \"off\"\n"), nil, nil},
		{"off, behind a TLS proxy, from env", "", []string{"PIIRI_SERVER_LISTEN=0.0.0.0:8080", "PIIRI_ROOMS_KEY=0123456789abcdef", "PIIRI_SERVER_PUBLIC_URL=https://meet.example.com/piiri/"}, nil},
		{"off on loopback with http public_url", "server:\n  public_url: http://localhost:8080\n", nil, nil},
		{"off on loopback ignores the other keys", "tls:\n  cert_file: c.pem\n  acme_email: x\n", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, tc.doc, tc.env, tc.want)
		})
	}

	// A problem with tls.mode set in the file points at its line.
	errs := problems(t, "server:\n  listen: 0.0.0.0:8080\ntls:\n  mode: \"off\"\nrooms:\n  key: 0123456789abcdef\n")
	if len(errs) != 1 || errs[0].Key != "tls.mode" || errs[0].Line != 4 {
		t.Errorf("got %#v, want one tls.mode problem on line 4", errs)
	}
}

// TestTURN covers the turn section: the derived UDP address and the values
// it keeps.
func TestTURN(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		env  []string
		want string
	}{
		// On loopback an ephemeral port, so dev servers and tests can run
		// side by side.
		{"", nil, "127.0.0.1:0"},
		{"server:\n  listen: \"[::1]:9000\"\n", nil, "[::1]:0"},
		{"turn:\n  udp_listen: \"off\"\n", nil, "off"},
		{"turn:\n  udp_listen: off\n", nil, "off"},
		{"turn:\n  udp_listen: 127.0.0.1:5349\n", nil, "127.0.0.1:5349"},
		{"turn:\n  udp_listen: \"\"\n", nil, "127.0.0.1:0"},
		{"turn:\n  udp_listen: 127.0.0.1:5349\n", []string{"PIIRI_TURN_UDP_LISTEN=off"}, "off"},
		{"", []string{"PIIRI_SERVER_LISTEN=:443", "PIIRI_ROOMS_KEY=0123456789abcdef", "PIIRI_SERVER_PUBLIC_URL=https://meet.example.com"}, ":3478"},
		// Disabling TURN leaves the address alone; the server ignores it.
		{"turn:\n  enabled: false\n", nil, "127.0.0.1:0"},
	} {
		cfg := mustParse(t, tc.doc, tc.env...)
		if cfg.TURN.UDPListen != tc.want {
			t.Errorf("Parse(%q, %q): turn.udp_listen = %q, want %q", tc.doc, tc.env, cfg.TURN.UDPListen, tc.want)
		}
	}

	cfg := mustParse(t, "turn:\n  enabled: false\n  credential_ttl: 5m\n  max_allocations_per_participant: 64\n")
	if cfg.TURN.Enabled || cfg.TURN.CredentialTTL != 5*time.Minute || cfg.TURN.MaxAllocations != 64 || cfg.TURN.Secret != "" {
		t.Errorf("turn = %+v", cfg.TURN)
	}

	// The secret is never echoed: messages end up in logs.
	const secret = "not-long-enough-secret"
	for _, errs := range []Errors{
		problems(t, "turn:\n  secret: "+secret+"\n"),
		problems(t, "", "PIIRI_TURN_SECRET="+secret),
	} {
		if len(errs) != 1 || errs[0].Key != "turn.secret" || strings.Contains(errs.Error(), secret) {
			t.Errorf("got %v, want one turn.secret problem without the secret", errs)
		}
	}
}

// TestBool checks that booleans mean the same in the file and the
// environment: strconv.ParseBool's spellings and nothing else.
func TestBool(t *testing.T) {
	for text, want := range map[string]bool{
		"1": true, "t": true, "T": true, "TRUE": true, "true": true, "True": true, " true ": true,
		"0": false, "f": false, "F": false, "FALSE": false, "false": false, "False": false,
	} {
		cfg := mustParse(t, "", "PIIRI_TURN_ENABLED="+text, "PIIRI_MEDIA_ICE_TCP="+text)
		if cfg.TURN.Enabled != want || cfg.Media.ICETCP != want {
			t.Errorf("env %q: turn.enabled=%v media.ice_tcp=%v, want %v", text, cfg.TURN.Enabled, cfg.Media.ICETCP, want)
		}
		cfg = mustParse(t, fmt.Sprintf("turn:\n  enabled: %q\nmedia:\n  ice_tcp: %q\n", text, text))
		if cfg.TURN.Enabled != want || cfg.Media.ICETCP != want {
			t.Errorf("file %q: turn.enabled=%v media.ice_tcp=%v, want %v", text, cfg.TURN.Enabled, cfg.Media.ICETCP, want)
		}
	}

	// The environment wins over the file.
	cfg := mustParse(t, "turn:\n  enabled: false\nmedia:\n  ice_tcp: true\n", "PIIRI_TURN_ENABLED=true", "PIIRI_MEDIA_ICE_TCP=false")
	if !cfg.TURN.Enabled || cfg.Media.ICETCP {
		t.Errorf("env did not win over file: turn.enabled=%v media.ice_tcp=%v", cfg.TURN.Enabled, cfg.Media.ICETCP)
	}

	// YAML 1.1 words and other near misses are refused, not guessed.
	for _, text := range []string{"no", "yes", "on", "off", "y", "n", "2", "-1", "truee", "", " "} {
		errs := problems(t, "", "PIIRI_MEDIA_ICE_TCP="+text)
		want := `PIIRI_MEDIA_ICE_TCP: ` + quote(text) + ` is not true or false (overrides media.ice_tcp)`
		if len(errs) != 1 || errs.Error() != want {
			t.Errorf("env %q: got\n%v\nwant\n%s", text, errs, want)
		}
		if text == "" {
			continue // an empty value in the file keeps the default
		}
		errs = problems(t, fmt.Sprintf("turn:\n  enabled: %q\n", text))
		want = `piiri.yaml:2: turn.enabled: ` + quote(text) + ` is not true or false`
		if len(errs) != 1 || errs.Error() != want {
			t.Errorf("file %q: got\n%v\nwant\n%s", text, errs, want)
		}
	}
}

// TestPublicAddress covers BaseURL, PublicHost and PublicPort: from
// server.public_url when set, otherwise from the bound listener address.
func TestPublicAddress(t *testing.T) {
	for _, tc := range []struct {
		publicURL, bound string
		url, host, port  string
	}{
		{"", "127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1", "8080"},
		{"", "127.0.0.1:43567", "http://127.0.0.1:43567", "127.0.0.1", "43567"},
		{"", "[::1]:8080", "http://[::1]:8080", "::1", "8080"},
		{"", "localhost:8080", "http://localhost:8080", "localhost", "8080"},
		{"", "LocalHost:8080", "http://LocalHost:8080", "LocalHost", "8080"},
		{"", "[fe80::1%eth0]:8080", "http://[fe80::1]:8080", "fe80::1", "8080"},
		{"", "0.0.0.0:8080", "http://localhost:8080", "localhost", "8080"},
		{"", ":8080", "http://localhost:8080", "localhost", "8080"},
		{"", "[::]:443", "http://localhost:443", "localhost", "443"},
		{"", "192.0.2.10:80", "http://192.0.2.10:80", "192.0.2.10", "80"},
		{"", "meet.example.com:8080", "http://meet.example.com:8080", "meet.example.com", "8080"},
		{"https://meet.example.com", "0.0.0.0:443", "https://meet.example.com", "meet.example.com", "443"},
		{"https://meet.example.com/", "127.0.0.1:8080", "https://meet.example.com", "meet.example.com", "443"},
		{"https://meet.example.com:8443/piiri/", ":8443", "https://meet.example.com:8443/piiri", "meet.example.com", "8443"},
		{"http://meet.example.com", ":8080", "http://meet.example.com", "meet.example.com", "80"},
		{"http://meet.example.com:8080/", ":8080", "http://meet.example.com:8080", "meet.example.com", "8080"},
		{"https://203.0.113.7", ":443", "https://203.0.113.7", "203.0.113.7", "443"},
		{"https://[2001:db8::1]", ":443", "https://[2001:db8::1]", "2001:db8::1", "443"},
		{"https://[2001:db8::1]:8443", ":443", "https://[2001:db8::1]:8443", "2001:db8::1", "8443"},
		{"HTTPS://Meet.Example.com", ":443", "HTTPS://Meet.Example.com", "Meet.Example.com", "443"},
	} {
		s := Server{Listen: tc.bound, PublicURL: tc.publicURL}
		if url, host, port := s.BaseURL(tc.bound), s.PublicHost(tc.bound), s.PublicPort(tc.bound); url != tc.url || host != tc.host || port != tc.port {
			t.Errorf("public_url %q, bound %q: BaseURL %q PublicHost %q PublicPort %q, want %q %q %q",
				tc.publicURL, tc.bound, url, host, port, tc.url, tc.host, tc.port)
		}
	}

	// Through Parse: a port-0 listener is asked about the address it got.
	cfg := mustParse(t, "server:\n  listen: 127.0.0.1:0\n")
	if host, port := cfg.Server.PublicHost("127.0.0.1:40001"), cfg.Server.PublicPort("127.0.0.1:40001"); host != "127.0.0.1" || port != "40001" {
		t.Errorf("PublicHost, PublicPort = %q, %q; want 127.0.0.1, 40001", host, port)
	}
}
