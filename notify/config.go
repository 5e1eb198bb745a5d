package notify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"
)

// Security is how the connection to the relay is protected.
type Security string

// The kinds of connection security.
const (
	// StartTLS connects in the clear and upgrades with STARTTLS before
	// anything else is sent; a relay that does not offer it is an error
	// (never a silent downgrade). The default; port 587.
	StartTLS Security = "starttls"
	// ImplicitTLS speaks TLS from the first byte ("SMTPS"); port 465.
	ImplicitTLS Security = "tls"
	// NoTLS sends in the clear, for a relay on the same host or a
	// trusted network; it allows no password. Port 25.
	NoTLS Security = "none"
)

// Config is how to reach the relay and what the messages say about where
// they come from. Zero fields take the defaults noted.
type Config struct {
	Host     string   // the relay's host name, required
	Port     int      // default by Security: 587, 465 or 25
	Security Security // default StartTLS
	// Username and Password authenticate with AUTH PLAIN, only ever over
	// TLS. Both empty: no authentication.
	Username string
	Password string
	// RootCAs verifies the relay's certificate; nil uses the system's.
	RootCAs *x509.CertPool
	// HeloName is the name piiri gives itself in EHLO; default the host
	// of BaseURL.
	HeloName string

	From    string // "Piiri <piiri@example.fi>", required
	ReplyTo string // optional, e.g. the programme's coordinator
	// BaseURL is the server's public URL (https://piiri.example.fi),
	// required: personal links are BaseURL/g/TOKEN.
	BaseURL string

	QueueSize   int           // messages waiting at most; default 1000
	SendTimeout time.Duration // one delivery attempt at most; default 1 min
	Attempts    int           // tries per message; default 5
	RetryAfter  time.Duration // first backoff, ×4 per retry; default 30 s
	// ReminderCheck is how often due reminders are looked for; default
	// 5 min.
	ReminderCheck time.Duration
}

// Defaults.
const (
	DefaultQueueSize     = 1000
	DefaultSendTimeout   = time.Minute
	DefaultAttempts      = 5
	DefaultRetryAfter    = 30 * time.Second
	DefaultReminderCheck = 5 * time.Minute
)

// settings is a checked Config with defaults filled in.
type settings struct {
	Config
	from, replyTo *mail.Address
	base          string // BaseURL without a trailing slash
	host          string // BaseURL's host name: calendar UIDs, Message-IDs
}

func (c Config) check() (settings, error) {
	s := settings{Config: c}
	if c.Security == "" {
		s.Security = StartTLS
	}
	switch s.Security {
	case StartTLS, ImplicitTLS, NoTLS:
	default:
		return s, fmt.Errorf("security %q: must be starttls, tls or none", c.Security)
	}
	if strings.TrimSpace(c.Host) == "" {
		return s, errors.New("host: the relay's host name is required")
	}
	if s.Port == 0 {
		s.Port = map[Security]int{StartTLS: 587, ImplicitTLS: 465, NoTLS: 25}[s.Security]
	}
	if s.Port < 1 || s.Port > 65535 {
		return s, fmt.Errorf("port %d: must be 1–65535", c.Port)
	}
	if (c.Username == "") != (c.Password == "") {
		return s, errors.New("username and password: give both or neither")
	}
	if c.Username != "" && s.Security == NoTLS {
		return s, errors.New("password: refusing to send it without TLS; use security starttls or tls")
	}
	var err error
	if s.from, err = mail.ParseAddress(c.From); err != nil {
		return s, fmt.Errorf("from %q: %w", c.From, err)
	}
	if c.ReplyTo != "" {
		if s.replyTo, err = mail.ParseAddress(c.ReplyTo); err != nil {
			return s, fmt.Errorf("replyTo %q: %w", c.ReplyTo, err)
		}
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return s, fmt.Errorf("baseURL %q: must be an absolute http(s) URL", c.BaseURL)
	}
	s.base, s.host = strings.TrimRight(c.BaseURL, "/"), u.Hostname()
	if s.HeloName == "" {
		s.HeloName = s.host
	}
	for _, d := range []struct {
		v   *int
		def int
	}{{&s.QueueSize, DefaultQueueSize}, {&s.Attempts, DefaultAttempts}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&s.SendTimeout, DefaultSendTimeout}, {&s.RetryAfter, DefaultRetryAfter}, {&s.ReminderCheck, DefaultReminderCheck}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if s.QueueSize < 1 || s.Attempts < 1 || s.SendTimeout < 0 || s.RetryAfter < 0 || s.ReminderCheck < time.Second {
		return s, errors.New("queueSize, attempts, sendTimeout, retryAfter and reminderCheck must be positive (reminderCheck at least 1 s)")
	}
	return s, nil
}

// ReadPassword reads the relay's password from a file (the config names
// the file, so the secret stays out of the config), without the trailing
// newline an editor leaves.
func ReadPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("smtp password: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("smtp password: %s is empty", path)
	}
	return pw, nil
}

// LoadRoots reads PEM certificates that verify the relay (a municipality's
// own CA).
func LoadRoots(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("smtp CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("smtp CA file %s: no PEM certificates in it", path)
	}
	return pool, nil
}

// roomURL is a person's personal link, as the API serves it.
func (s settings) roomURL(token string) string { return s.base + "/g/" + token }

// feedURL is a person's calendar feed, as the API serves it.
func (s settings) feedURL(token string) string { return s.base + "/cal/" + token + ".ics" }
