// Package config owns piiri's runtime configuration: the Config struct, its
// defaults, reading it strictly from a YAML file, overriding it from PIIRI_*
// environment variables, deriving the values that depend on other values, and
// validating the result.
//
// The package is deliberately the only place that knows key names, defaults
// and limits, so every other package can take a Config and trust it. Problems
// are reported all at once (see Errors) with the dotted key, the file line
// when known, and what to change, because an operator fixing a config file one
// error per restart is wasted time.
package config

import (
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Config is the complete, validated configuration of a piiri server.
// Obtain one from Load or Parse; a Config built by hand should be checked
// with Validate.
type Config struct {
	Server    Server    `yaml:"server"`
	TLS       TLS       `yaml:"tls"`
	Admin     Admin     `yaml:"admin"`
	Media     Media     `yaml:"media"`
	TURN      TURN      `yaml:"turn"`
	Rooms     Rooms     `yaml:"rooms"`
	Signaling Signaling `yaml:"signaling"`
	Log       Log       `yaml:"log"`
	Data      Data      `yaml:"data"`
	Meetings  Meetings  `yaml:"meetings"`
	Mail      Mail      `yaml:"mail"`
	Recording Recording `yaml:"recording"`
}

// Server configures the public HTTP/websocket listener.
type Server struct {
	// Listen is the host:port of the HTTP/websocket listener.
	Listen string `yaml:"listen"`
	// PublicURL is the URL browsers use to reach the server. Empty means
	// derived from the address the listener is bound to (see BaseURL).
	PublicURL string `yaml:"public_url"`
	// ShutdownTimeout bounds how long a graceful shutdown waits.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// TrustedProxies are the addresses (CIDR or single IP) of layer-4
	// load balancers whose PROXY protocol header is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// TLS configures TLS on the shared port.
type TLS struct {
	// Mode is TLSOff, TLSFiles, TLSACME or TLSSelfSigned.
	Mode string `yaml:"mode"`
	// CertFile and KeyFile are the PEM chain and key of TLSFiles. Validate
	// checks that they exist and belong together.
	CertFile      string `yaml:"cert_file"`
	KeyFile       string `yaml:"key_file"`
	ACMEEmail     string `yaml:"acme_email"`
	ACMECacheDir  string `yaml:"acme_cache_dir"`
	ACMEDirectory string `yaml:"acme_directory"`
}

// TLS modes.
const (
	TLSOff        = "off"
	TLSFiles      = "files"
	TLSACME       = "acme"
	TLSSelfSigned = "self-signed"
)

// TURN configures the embedded TURN server.
type TURN struct {
	// Enabled offers TURN to clients: over UDP on UDPListen, over TCP on
	// the shared port, and over TLS there when TLS is on.
	Enabled bool `yaml:"enabled"`
	// UDPListen is the host:port of TURN over UDP, or "off". Empty means
	// derived: server.listen's host, port 3478.
	UDPListen string `yaml:"udp_listen"`
	// CredentialTTL is how long a participant's credentials allow new
	// allocations.
	CredentialTTL time.Duration `yaml:"credential_ttl"`
	// MaxAllocations caps one participant's TURN allocations.
	MaxAllocations int `yaml:"max_allocations_per_participant"`
	// Secret signs credentials. Empty means random at each start.
	Secret string `yaml:"secret"`
	// SecretFile names a file holding Secret, such as a systemd
	// credential; Load reads it into Secret.
	SecretFile string `yaml:"secret_file"`
}

// TURNUDPOff is the TURN.UDPListen value that disables TURN over UDP.
const TURNUDPOff = "off"

// Admin configures the private listener for metrics and health checks.
type Admin struct {
	// Listen is the host:port of the admin listener, or AdminOff.
	Listen string `yaml:"listen"`
	// AllowPublic lets Listen be an address that is not loopback. The
	// listener serves profiles (pprof) and metrics, so that must be a
	// deliberate choice.
	AllowPublic bool `yaml:"allow_public"`
	// Token is the admin's token for the admin page and the API. Empty
	// means one generated at the first start, kept in the data directory
	// and printed then.
	Token string `yaml:"token"`
	// TokenFile names a file holding Token; Load reads it into Token.
	TokenFile string `yaml:"token_file"`
}

// AdminOff is the Admin.Listen value that disables the admin listener.
const AdminOff = "off"

// Media configures the ICE/WebRTC media transport.
type Media struct {
	// UDPListen is the single ICE-UDP host:port shared by all peers. Empty
	// means derived from Server.Listen; Load always fills it in.
	UDPListen string `yaml:"udp_listen"`
	// PublicIPs are 1:1 NAT public addresses advertised as host candidates.
	PublicIPs []string `yaml:"public_ips"`
	// KeyframeMinInterval rate-limits keyframe requests (PLI) to publishers.
	KeyframeMinInterval time.Duration `yaml:"keyframe_min_interval"`
	// ICETCP offers ICE over TCP on the shared port.
	ICETCP bool `yaml:"ice_tcp"`
	// UDPBufferBytes is the receive and send buffer size asked for the
	// media UDP socket and TURN's; 0 keeps the kernel's default. Every
	// peer's media shares the one media socket, so a default-sized buffer
	// overflows when the forwarding loop falls behind for a moment.
	UDPBufferBytes int `yaml:"udp_buffer_bytes"`
}

// Rooms configures room access and size.
type Rooms struct {
	// Key is the shared room key. Empty is dev mode, which is only
	// accepted when Server.Listen is a loopback address (the server checks
	// the address it actually bound, too).
	Key string `yaml:"key"`
	// KeyFile names a file holding Key, such as a systemd credential;
	// Load reads it into Key.
	KeyFile string `yaml:"key_file"`
	// MaxParticipants caps the number of peers in one room.
	MaxParticipants int `yaml:"max_participants"`
}

// Signaling configures limits on the websocket signaling channel.
type Signaling struct {
	MaxMessageBytes   int     `yaml:"max_message_bytes"`
	MessagesPerSecond float64 `yaml:"messages_per_second"`
	MessageBurst      int     `yaml:"message_burst"`
	// MaxInvalidMessages is how many bad messages a client may send before
	// it is disconnected.
	MaxInvalidMessages int `yaml:"max_invalid_messages"`
	// ResumeGrace is how long a dropped client may resume its session;
	// 0 disables resume.
	ResumeGrace time.Duration `yaml:"resume_grace"`
}

// Log configures the process logger.
type Log struct {
	Format string `yaml:"format"` // "text" or "json"
	Level  string `yaml:"level"`  // "debug", "info", "warn" or "error"
	// PersonalData keeps display names and client addresses in the logs.
	// Off (the default), they are redacted (see internal/logfilter).
	PersonalData bool `yaml:"personal_data"`
}

// Data configures where piiri keeps state across restarts.
type Data struct {
	// Dir holds the state: the self-signed certificate today. Relative
	// paths are relative to the working directory. The server creates it,
	// readable by its own user only.
	Dir string `yaml:"dir"`
}

// Meetings configures the mentoring groups' meetings.
type Meetings struct {
	// TimeZone is the IANA time zone new groups' meetings are planned in.
	TimeZone string `yaml:"time_zone"`
	// MinHeld is how long at least the quorum of members must be present
	// together for a meeting to count as held; a group may set its own.
	MinHeld time.Duration `yaml:"min_held"`
	// TemplatesFile, if set, names a YAML file of mentoring templates
	// that add to the shipped ones or replace them by ID.
	TemplatesFile string `yaml:"templates_file"`
}

// Recording configures where meetings' recordings are kept and for how
// long. Nothing is recorded unless the facilitator starts a recording and
// the people in it consent.
type Recording struct {
	// Dir holds one directory per recorded meeting. Empty: "recordings"
	// in data.dir.
	Dir string `yaml:"dir"`
	// RetentionDays is how long a recording is kept after it ended; then
	// it is deleted, and the deletion logged.
	RetentionDays int `yaml:"retention_days"`
}

// RecordingDir is where recordings go.
func (c *Config) RecordingDir() string {
	if c.Recording.Dir != "" {
		return c.Recording.Dir
	}
	return filepath.Join(c.Data.Dir, "recordings")
}

// Mail configures the SMTP relay piiri sends its e-mail through:
// invitations with the personal link, notices when a meeting moves or is
// cancelled, and reminders the day before. With no Host, no e-mail is
// sent and facilitators hand out the links themselves.
type Mail struct {
	// Host is the relay's host name; empty: no e-mail.
	Host string `yaml:"host"`
	// Port is the relay's port; 0: 587 for starttls, 465 for tls, 25 for
	// none.
	Port int `yaml:"port"`
	// Security is starttls (upgrade, required), tls (from the first
	// byte) or none (a relay on this host or a trusted network only).
	Security string `yaml:"security"`
	// Username and Password authenticate (AUTH PLAIN, only over TLS).
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// PasswordFile names a file holding Password; Load reads it.
	PasswordFile string `yaml:"password_file"`
	// CAFile names PEM certificates that verify the relay, when its
	// certificate is not from a CA the system trusts.
	CAFile string `yaml:"ca_file"`
	// From is the sender: "Piiri <piiri@example.fi>".
	From string `yaml:"from"`
	// ReplyTo, optional, is where replies go: the programme's
	// coordinator.
	ReplyTo string `yaml:"reply_to"`
}

// Default returns the configuration used for every key that is not set.
//
// Server.PublicURL and Media.UDPListen are left empty because they are
// derived from the final Server.Listen, which is only known after the file
// and environment are applied. Parse(nil, "", nil) returns the defaults with
// those derived values filled in.
func Default() Config {
	return Config{
		Server: Server{
			Listen:          "127.0.0.1:8080",
			ShutdownTimeout: 5 * time.Second,
		},
		TLS:   TLS{Mode: TLSOff},
		Admin: Admin{Listen: "127.0.0.1:9090"},
		Media: Media{
			KeyframeMinInterval: 500 * time.Millisecond,
			ICETCP:              true,
			UDPBufferBytes:      4 << 20,
		},
		TURN: TURN{
			Enabled:        true,
			CredentialTTL:  2 * time.Hour,
			MaxAllocations: 8,
		},
		Rooms: Rooms{MaxParticipants: 11},
		Signaling: Signaling{
			MaxMessageBytes:    64 << 10,
			MessagesPerSecond:  50,
			MessageBurst:       100,
			MaxInvalidMessages: 20,
			ResumeGrace:        30 * time.Second,
		},
		Log:       Log{Format: "text", Level: "info"},
		Data:      Data{Dir: "piiri-data"},
		Meetings:  Meetings{TimeZone: "Europe/Helsinki", MinHeld: 30 * time.Minute},
		Mail:      Mail{Security: "starttls"},
		Recording: Recording{RetentionDays: 180},
	}
}

// DevMode reports whether the config asks for a server without a room key,
// which is only allowed while it listens on a loopback address: anyone who
// can reach it may then join any room. A host name such as localhost is
// taken at its word here; the server checks the address it bound before it
// serves.
func (c *Config) DevMode() bool {
	if c == nil || c.Rooms.Key != "" {
		return false
	}
	host, _, err := net.SplitHostPort(c.Server.Listen)
	return err == nil && isLoopbackHost(host)
}

// SlogLevel returns the slog level for Level. Unknown levels map to Info;
// Validate rejects them, so that only matters for unvalidated configs.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// isLoopbackHost reports whether host (as split from host:port) only accepts
// connections from this machine: 127.0.0.0/8, ::1 or the name localhost.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// BaseURL is the URL people open: PublicURL when set, otherwise derived
// from the address the listener is actually bound to (which differs from
// Listen when it asks for port 0). An all-interfaces host becomes
// localhost, the one name that surely reaches it from this machine.
func (s Server) BaseURL(bound string) string {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(bound)
	if err != nil {
		return "http://" + bound
	}
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort(urlHost(host), port)}).String()
}

// PublicHost is the host name (or address) clients use to reach the
// server: from PublicURL, else from the bound listener address.
func (s Server) PublicHost(bound string) string {
	u, err := url.Parse(s.BaseURL(bound))
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// PublicPort is the TCP port clients use: from PublicURL (its scheme's
// default when it names none), else the bound listener's port.
func (s Server) PublicPort(bound string) string {
	u, err := url.Parse(s.BaseURL(bound))
	if err != nil {
		return ""
	}
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}
