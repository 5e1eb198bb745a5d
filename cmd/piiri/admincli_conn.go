package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"piiri/apiclient"
	"piiri/config"
	"piiri/netcheck"
	"piiri/tlsconf"
)

// adminLinkFile is the file in data.dir where the server keeps the admin
// link (BASE/admin#TOKEN) when it generates the token.
const adminLinkFile = "admin-link.txt"

// adminConn is how `piiri admin` reaches the server: the connection flags,
// which every admin command accepts before or after its name.
type adminConn struct {
	configPath string
	server     string
	tokenFile  string
	caFile     string
	timeout    time.Duration
}

// isConnFlag reports whether name is one of the flags register defines,
// for the usage texts.
func isConnFlag(name string) bool {
	switch name {
	case "config", "server", "token-file", "ca", "timeout":
		return true
	}
	return false
}

func (c *adminConn) register(fs *flag.FlagSet) {
	fs.StringVar(&c.configPath, "config", c.configPath, "the server's YAML config `file`, for the URL, admin.token and data.dir (default: built-in defaults and PIIRI_* variables)")
	fs.StringVar(&c.server, "server", c.server, "the server's `URL`, such as https://meet.example.fi (default: server.public_url, else server.listen, of the config)")
	fs.StringVar(&c.tokenFile, "token-file", c.tokenFile, "`file` holding the admin token, or the admin link; - reads standard input (default: $PIIRI_ADMIN_TOKEN, admin.token, then data.dir/"+adminLinkFile+")")
	fs.StringVar(&c.caFile, "ca", c.caFile, "PEM `file` of certificates to trust besides the system's, such as a trial server's self-signed one")
	fs.DurationVar(&c.timeout, "timeout", c.timeout, "time each request may take")
}

// errUsage marks connection problems that are the command line's fault
// (exit 2), not the server's.
var errUsage = errors.New("usage")

// connection is a resolved connection: the client and where its parts
// came from, for the messages.
type connection struct {
	client      *apiclient.Client
	tokenSource string
}

// connect finds the server's URL and the admin token and makes the
// client. The config is read only when the flags and environment leave
// something open, so `-server URL -token-file FILE` works on any machine.
func (c *adminConn) connect(stdin io.Reader, stderr io.Writer) (connection, error) {
	if strings.Contains(c.server, "#") {
		return connection{}, fmt.Errorf("%w: -server %q holds a #... part: if it is the admin link, its token must not be on the command line (it shows in ps and the shell's history); save the link in a file and give -token-file FILE, and -server the part before /admin", errUsage, redactFragment(c.server))
	}
	var (
		cfg    *config.Config
		cfgErr error
	)
	loadConfig := func() (*config.Config, error) {
		if cfg == nil && cfgErr == nil {
			var loaded config.Config
			loaded, cfgErr = config.Load(c.configPath, os.Environ())
			if cfgErr != nil {
				cfgErr = fmt.Errorf("invalid configuration (give -server URL and -token-file FILE to do without it):\n%w", cfgErr)
			} else {
				cfg = &loaded
			}
		}
		return cfg, cfgErr
	}
	if c.configPath != "" {
		if _, err := loadConfig(); err != nil {
			return connection{}, err
		}
	}

	if c.timeout <= 0 {
		return connection{}, fmt.Errorf("%w: -timeout %v: must be more than 0", errUsage, c.timeout)
	}
	tok, err := c.token(stdin, loadConfig)
	if err != nil {
		return connection{}, err
	}

	// The server's URL: -server; else, when the admin link was given
	// with -token-file, its BASE (this may well not be the server's
	// machine); else the config's.
	base := c.server
	if base == "" && c.tokenFile != "" {
		base = tok.linkBase
	}
	fromConfig := base == ""
	if fromConfig {
		conf, err := loadConfig()
		if err != nil {
			return connection{}, err
		}
		base = conf.Server.BaseURL(conf.Server.Listen)
		// A listener on port 0 gets its port when it starts; the admin
		// link the server wrote then has the real one.
		if u, err := url.Parse(base); err == nil && u.Port() == "0" {
			if tok.linkBase == "" {
				return connection{}, fmt.Errorf("%w: server.listen %s has port 0, so the server's address is known only to it; give -server URL", errUsage, conf.Server.Listen)
			}
			base = tok.linkBase
		}
	}
	u, err := apiclient.ParseBase(base)
	if err != nil {
		return connection{}, fmt.Errorf("%w: %w", errUsage, err)
	}

	opts := apiclient.Options{Timeout: c.timeout}
	switch {
	case c.caFile != "":
		if opts.RootCAs, err = netcheck.LoadRootCAs(c.caFile); err != nil {
			return connection{}, fmt.Errorf("%w: -ca: %w", errUsage, err)
		}
	case fromConfig && cfg != nil && cfg.TLS.Mode == config.TLSSelfSigned:
		// On the server's own machine its self-signed certificate is
		// at hand; trust it as -ca would.
		if pool, err := netcheck.LoadRootCAs(filepath.Join(cfg.Data.Dir, tlsconf.SelfSignedCertFile)); err == nil {
			opts.RootCAs = pool
		}
	}
	if u.Scheme == "http" && !isLoopbackURLHost(u.Hostname()) {
		fmt.Fprintf(stderr, "piiri admin: warning: %s is not encrypted, so the admin token crosses the network readable to anyone on the way; use the server's https:// URL\n", u.Redacted())
	}
	client, err := apiclient.New(u.String(), tok.token, opts)
	if err != nil {
		return connection{}, fmt.Errorf("the admin token from %s: %w", tok.source, err)
	}
	return connection{client: client, tokenSource: tok.source}, nil
}

// adminToken is the admin token and where it came from.
type adminToken struct {
	token  string
	source string // for messages: a file name, PIIRI_ADMIN_TOKEN, ...
	// linkBase is the server URL of the admin link (BASE/admin#TOKEN)
	// the token came from, if it came from one.
	linkBase string
}

// token finds the admin token: -token-file, PIIRI_ADMIN_TOKEN, the
// config's admin.token (or admin.token_file), the admin link the server
// kept in data.dir. It never comes from an argument.
func (c *adminConn) token(stdin io.Reader, loadConfig func() (*config.Config, error)) (adminToken, error) {
	if c.tokenFile != "" {
		name := c.tokenFile
		var r io.Reader = stdin
		if name == "-" {
			name = "standard input"
		} else {
			f, err := os.Open(c.tokenFile)
			if err != nil {
				return adminToken{}, fmt.Errorf("%w: -token-file: %w", errUsage, err)
			}
			defer f.Close()
			r = f
		}
		token, linkBase, err := readToken(r)
		if err != nil {
			return adminToken{}, fmt.Errorf("%w: -token-file %s: %w", errUsage, name, err)
		}
		return adminToken{token: token, source: name, linkBase: linkBase}, nil
	}
	if t := strings.TrimSpace(os.Getenv("PIIRI_ADMIN_TOKEN")); t != "" {
		return adminToken{token: t, source: "PIIRI_ADMIN_TOKEN"}, nil
	}
	cfg, err := loadConfig()
	if err != nil {
		return adminToken{}, err
	}
	if cfg.Admin.Token != "" {
		source := "admin.token of the config"
		if cfg.Admin.TokenFile != "" {
			source = cfg.Admin.TokenFile + " (admin.token_file)"
		}
		return adminToken{token: cfg.Admin.Token, source: source}, nil
	}
	file := filepath.Join(cfg.Data.Dir, adminLinkFile)
	f, err := os.Open(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return adminToken{}, fmt.Errorf("%w: no admin token: give -token-file FILE (a file holding the token or the admin link), set PIIRI_ADMIN_TOKEN, or run where the server's data directory is (%s was not found; -config FILE names the server's config and so its data.dir). The token is never taken as an argument, because arguments show in ps and the shell's history", errUsage, file)
	case errors.Is(err, fs.ErrPermission):
		return adminToken{}, fmt.Errorf("%w: the admin link in %s: %w; run as the server's user (sudo -u piiri ...) or give -token-file FILE", errUsage, file, err)
	case err != nil:
		return adminToken{}, fmt.Errorf("the admin link in %s: %w", file, err)
	}
	defer f.Close()
	token, linkBase, err := readToken(f)
	if err != nil {
		return adminToken{}, fmt.Errorf("%s: %w", file, err)
	}
	return adminToken{token: token, source: file, linkBase: linkBase}, nil
}

// readToken reads a token file: the token alone, or an admin link
// (BASE/admin#TOKEN), whose token is the part after '#' and whose BASE
// is returned too.
func readToken(r io.Reader) (token, linkBase string, err error) {
	b, err := io.ReadAll(io.LimitReader(r, 4<<10))
	if err != nil {
		return "", "", err
	}
	s := strings.TrimSpace(string(b))
	if link, t, ok := strings.Cut(s, "#"); ok {
		s = strings.TrimSpace(t)
		linkBase = strings.TrimSuffix(strings.TrimSuffix(link, "/"), "/admin")
	}
	if s == "" {
		return "", "", errors.New("holds no token")
	}
	return s, linkBase, nil
}

// redactFragment leaves the #... part out of a URL for messages.
func redactFragment(s string) string {
	before, _, _ := strings.Cut(s, "#")
	return before + "#..."
}

func isLoopbackURLHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tokenArgument reports an argument that tries to give the admin token on
// the command line (-token, --admin-token=...), which piiri admin refuses.
func tokenArgument(args []string) (string, bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch name {
		case "token", "admin-token", "admin_token", "t":
			return "-" + name, true
		}
	}
	return "", false
}
