package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of media.udp_buffer_bytes: below 64 KiB a buffer holds fewer
// packets than the kernel's default does; above 64 MiB it is memory the
// kernel may pin for one socket without helping, since a forwarding loop
// that far behind has lost the packets' time anyway.
const (
	minUDPBuffer = 64 << 10
	maxUDPBuffer = 64 << 20
)

// minKeyLen is the shortest room key accepted: with the key as the only
// barrier to joining a meeting, it must resist guessing.
const minKeyLen = 16

// Validate checks every key of c and returns all problems as Errors, or nil.
// Server.PublicURL and Media.UDPListen may be empty, meaning "derive";
// Load and Parse fill them in.
func (c *Config) Validate() error {
	if c == nil {
		return Errors{{Message: "config is nil; use config.Load or config.Parse"}}
	}
	return validate(c, "", nil).err()
}

// checker collects validation problems, locating each at the file line or
// environment variable its value came from.
type checker struct {
	file  string
	from  origins
	probs Errors
}

func validate(c *Config, file string, from origins) Errors {
	ch := &checker{file: file, from: from}

	host, _, listenOK := ch.hostPort("server.listen", c.Server.Listen, "")
	ch.publicURL("server.public_url", c.Server.PublicURL)
	ch.duration("server.shutdown_timeout", c.Server.ShutdownTimeout, time.Second, time.Minute)

	for i, p := range c.Server.TrustedProxies {
		_, errPrefix := netip.ParsePrefix(p)
		ip, errAddr := netip.ParseAddr(p)
		if errPrefix != nil && (errAddr != nil || ip.Zone() != "") {
			ch.add("server.trusted_proxies", "item %d (%s) is not an address or CIDR range; write it as \"10.0.0.5\" or \"10.0.0.0/24\"", i+1, quote(p))
		}
	}
	ch.tls(c, host, listenOK)

	if c.Admin.Listen != AdminOff {
		adminHost, _, ok := ch.hostPort("admin.listen", c.Admin.Listen, `, or "off" to disable it`)
		switch {
		case !ok:
		case listenOK && sameListener(c.Server.Listen, c.Admin.Listen):
			ch.add("admin.listen", "%s uses the same port as server.listen (%s); pick another port, or \"off\" to disable the admin listener",
				quote(c.Admin.Listen), quote(c.Server.Listen))
		case !c.Admin.AllowPublic && !isLoopbackHost(adminHost):
			ch.add("admin.listen", "%s is not a loopback address, and the admin listener serves /metrics and /debug/pprof (profiles of the running server) without a password; listen on 127.0.0.1 or [::1], or, if a firewall keeps the port private, set admin.allow_public: true",
				quote(c.Admin.Listen))
		}
	}

	if c.Media.UDPListen != "" {
		ch.hostPort("media.udp_listen", c.Media.UDPListen, `, or "" to derive it from server.listen`)
	}
	for i, s := range c.Media.PublicIPs {
		ip, err := netip.ParseAddr(s)
		switch {
		case err != nil || ip.Zone() != "":
			ch.add("media.public_ips", "item %d (%s) is not a literal IP address; list the public IPv4 or IPv6 addresses peers can reach this server at, such as 203.0.113.7", i+1, quote(s))
		case ip.IsUnspecified() || ip.IsMulticast():
			ch.add("media.public_ips", "item %d (%s) cannot be advertised to peers; list the public address peers can reach this server at", i+1, quote(s))
		}
	}
	ch.duration("media.keyframe_min_interval", c.Media.KeyframeMinInterval, 100*time.Millisecond, 10*time.Second)
	if b := c.Media.UDPBufferBytes; b != 0 && (b < minUDPBuffer || b > maxUDPBuffer) {
		ch.add("media.udp_buffer_bytes", "%d is out of range; use 0 for the kernel's default, or a size in bytes from %d (64 KiB) to %d (64 MiB), such as %d (4 MiB)",
			b, minUDPBuffer, maxUDPBuffer, Default().Media.UDPBufferBytes)
	}

	if c.TURN.UDPListen != "" && c.TURN.UDPListen != TURNUDPOff {
		ch.hostPort("turn.udp_listen", c.TURN.UDPListen, `, or "off" to disable TURN over UDP`)
	}
	ch.duration("turn.credential_ttl", c.TURN.CredentialTTL, 5*time.Minute, 24*time.Hour)
	ch.intRange("turn.max_allocations_per_participant", c.TURN.MaxAllocations, 1, 64)
	if s := c.TURN.Secret; s != "" && utf8.RuneCountInString(s) < 32 {
		ch.add("turn.secret", "is too short; use a random string of at least 32 characters, or leave it empty for a new random secret at each start")
	}

	if listenOK {
		ch.udpClash(c)
	}

	ch.roomKey(c.Rooms.Key, c.Rooms.KeyFile != "", host, listenOK)
	ch.intRange("rooms.max_participants", c.Rooms.MaxParticipants, 2, 50)

	ch.intRange("signaling.max_message_bytes", c.Signaling.MaxMessageBytes, 1024, 1<<20)
	// Written so NaN fails too: every comparison with NaN is false.
	if r := c.Signaling.MessagesPerSecond; !(r > 0 && r <= 10000) {
		ch.add("signaling.messages_per_second", "%s is out of range; use a number above 0 and at most 10000", strconv.FormatFloat(r, 'g', -1, 64))
	}
	ch.intRange("signaling.message_burst", c.Signaling.MessageBurst, 1, math.MaxInt)
	ch.intRange("signaling.max_invalid_messages", c.Signaling.MaxInvalidMessages, 1, math.MaxInt)
	if g := c.Signaling.ResumeGrace; g < 0 || g > 10*time.Minute {
		ch.add("signaling.resume_grace", "%s is out of range; use 0 to disable resume, or a duration up to 10m", fmtDuration(g))
	}

	ch.oneOf("log.format", c.Log.Format, "text", "json")
	ch.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")

	ch.dataDir(c.Data.Dir)
	ch.meetings(c)
	ch.mail(c.Mail)
	return ch.probs
}

// mail checks the mail section. Only a configured relay is checked: with
// no host, the other keys are ignored.
func (ch *checker) mail(m Mail) {
	ch.oneOf("mail.security", m.Security, "starttls", "tls", "none")
	if m.Host == "" {
		return
	}
	if m.Port != 0 {
		ch.intRange("mail.port", m.Port, 1, 65535)
	}
	if m.From == "" {
		ch.add("mail.from", "is required when mail.host is set; write the sender, such as \"Piiri <piiri@example.fi>\"")
	} else if _, err := mail.ParseAddress(m.From); err != nil {
		ch.add("mail.from", "%s is not an e-mail address (%v); write one such as \"Piiri <piiri@example.fi>\"", quote(m.From), err)
	}
	if m.ReplyTo != "" {
		if _, err := mail.ParseAddress(m.ReplyTo); err != nil {
			ch.add("mail.reply_to", "%s is not an e-mail address (%v)", quote(m.ReplyTo), err)
		}
	}
	if (m.Username == "") != (m.Password == "") {
		ch.add("mail.username", "mail.username and mail.password (or mail.password_file) go together; set both or neither")
	}
	if m.Password != "" && m.Security == "none" {
		ch.add("mail.security", "is none, but a password is set; piiri never sends a password without TLS, so use starttls or tls")
	}
	if f := m.CAFile; f != "" {
		if fi, err := os.Stat(f); err != nil {
			ch.add("mail.ca_file", "cannot read %s: %v; give the path of a PEM file of the relay's CA certificates", quote(f), err)
		} else if !fi.Mode().IsRegular() {
			ch.add("mail.ca_file", "%s is not a regular file; give the path of a PEM file", quote(f))
		}
	}
}

// meetings checks the meetings section and the admin token.
func (ch *checker) meetings(c *Config) {
	if t := c.Admin.Token; t != "" && len(t) < 22 {
		ch.add("admin.token", "is %d characters long; use at least 22 random characters (128 bits), such as the output of `openssl rand -base64 24`", len(t))
	}
	if _, err := time.LoadLocation(c.Meetings.TimeZone); err != nil || c.Meetings.TimeZone == "" || c.Meetings.TimeZone == "Local" {
		ch.add("meetings.time_zone", "%s is not an IANA time zone; write one such as \"Europe/Helsinki\" or \"Europe/Stockholm\"", quote(c.Meetings.TimeZone))
	}
	if d := c.Meetings.MinHeld; d < 10*time.Second || d > 8*time.Hour {
		ch.add("meetings.min_held", "%s is out of range; use a duration from 10s to 8h, such as \"30m\"", fmtDuration(d))
	}
	if d := c.Recording.RetentionDays; d < 1 || d > 3650 {
		ch.add("recording.retention_days", "%d is out of range; keep recordings from 1 to 3650 days, such as 180", d)
	}
	if f := c.Meetings.TemplatesFile; f != "" {
		if fi, err := os.Stat(f); err != nil {
			ch.add("meetings.templates_file", "cannot read %s: %v; give the path of a YAML file of templates", quote(f), err)
		} else if !fi.Mode().IsRegular() {
			ch.add("meetings.templates_file", "%s is not a regular file; give the path of a YAML file of templates", quote(f))
		}
	}
}

// dataDir checks data.dir: it must be named, and if it exists it must be
// a directory. The server creates it.
func (ch *checker) dataDir(dir string) {
	const key = "data.dir"
	if dir == "" {
		ch.add(key, "must be set; give the directory piiri keeps its state in, such as /var/lib/piiri (systemd's StateDirectory) or %q (relative to the working directory)", Default().Data.Dir)
		return
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Created at start.
	case err != nil:
		ch.add(key, "cannot use %s: %v; give a directory the piiri user may write", quote(dir), err)
	case !fi.IsDir():
		ch.add(key, "%s exists and is not a directory; give a directory piiri may create or write", quote(dir))
	}
}

// add records a problem with key, pointing at where its value was set.
func (ch *checker) add(key, format string, args ...any) {
	p := Problem{Key: key, Message: fmt.Sprintf(format, args...)}
	if o, ok := ch.from[key]; ok {
		if o.env != "" {
			p.Message += " (value from " + o.env + ")"
		} else {
			p.File, p.Line = ch.file, o.line
		}
	}
	ch.probs = append(ch.probs, p)
}

// hostPort checks a listen address and returns its host and port. alt ends
// the fix with the key's special values, if any.
func (ch *checker) hostPort(key, s, alt string) (host, port string, ok bool) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		ch.add(key, "%s is not a host:port address; write it as \"127.0.0.1:8080\", \"[::1]:8080\" or \":8080\" (all interfaces)%s", quote(s), alt)
		return "", "", false
	}
	ok = true
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || port != strconv.Itoa(n) {
		ch.add(key, "port %s in %s is not a number from 0 to 65535", quote(port), quote(s))
		ok = false
	}
	if !validHost(host) {
		ch.add(key, "host %s in %s is not an IP address or host name; use an address of this machine, or leave it empty for all interfaces", quote(host), quote(s))
		ok = false
	}
	return host, port, ok
}

// validHost accepts "" (all interfaces), an IP address, or a DNS host name.
func validHost(h string) bool {
	if h == "" {
		return true
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// sameListener reports whether two valid listen addresses would fight over
// the same TCP port. Port 0 picks a free port, so it never clashes.
func sameListener(a, b string) bool {
	ah, ap, _ := net.SplitHostPort(a)
	bh, bp, _ := net.SplitHostPort(b)
	if ap != bp || ap == "0" {
		return false
	}
	return strings.EqualFold(ah, bh) || allInterfaces(ah) || allInterfaces(bh)
}

func allInterfaces(host string) bool {
	if host == "" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsUnspecified()
}

func (ch *checker) publicURL(key, s string) {
	if s == "" {
		return // derived from server.listen
	}
	const fix = "; write the URL browsers use, such as \"https://meet.example.com\""
	u, err := url.Parse(s)
	switch {
	case err != nil:
		ch.add(key, "%s is not a valid URL%s", quote(s), fix)
	case u.Scheme != "http" && u.Scheme != "https":
		ch.add(key, "%s must start with http:// or https://%s", quote(s), fix)
	case u.Host == "" || u.Hostname() == "":
		ch.add(key, "%s has no host%s", quote(s), fix)
	case u.User != nil:
		ch.add(key, "%s must not contain a user name or password%s", quote(s), fix)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		ch.add(key, "%s must not have a query (?...) or fragment (#...)%s", quote(s), fix)
	case u.Port() != "" && !validPort(u.Port()):
		ch.add(key, "port %s in %s is not a number from 1 to 65535%s", quote(u.Port()), quote(s), fix)
	}
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// roomKey checks rooms.key. fromFile says rooms.key_file names the key's
// file: when it is empty then, the file's problem has been reported (and
// the server refuses to serve without a key off loopback in any case).
func (ch *checker) roomKey(k string, fromFile bool, listenHost string, listenOK bool) {
	const key = "rooms.key"
	// The key's value is never echoed: messages end up in logs.
	switch n := utf8.RuneCountInString(k); {
	case k == "":
		// Without a valid listen address there is no telling whether dev
		// mode applies; the server.listen problem is reported instead.
		if listenOK && !isLoopbackHost(listenHost) && !fromFile {
			ch.add(key, "must be set when server.listen is not a loopback address; set rooms.key to a random string of at least %d characters", minKeyLen)
		}
	case n < minKeyLen:
		ch.add(key, "is %d characters long; use a random string of at least %d characters, such as the output of \"openssl rand -base64 24\"", n, minKeyLen)
	case strings.TrimSpace(k) != k:
		ch.add(key, "starts or ends with whitespace, which is almost always a copy-paste accident; remove it")
	case strings.ContainsFunc(k, unicode.IsControl):
		ch.add(key, "contains control characters (such as a newline); use printable characters only")
	}
}

func (ch *checker) intRange(key string, v, lo, hi int) {
	switch {
	case v >= lo && v <= hi:
	case hi == math.MaxInt:
		ch.add(key, "%d is too small; use at least %d", v, lo)
	default:
		ch.add(key, "%d is out of range; use a value from %d to %d", v, lo, hi)
	}
}

func (ch *checker) duration(key string, v, lo, hi time.Duration) {
	if v < lo || v > hi {
		ch.add(key, "%s is out of range; use a duration from %s to %s", fmtDuration(v), fmtDuration(lo), fmtDuration(hi))
	}
}

func (ch *checker) oneOf(key, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = strconv.Quote(a)
	}
	ch.add(key, "%s is not allowed; use one of %s", quote(v), strings.Join(quoted, ", "))
}

// fmtDuration writes d the way an operator would type it: "1m", not "1m0s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// tls checks the TLS section against the listener: a page that is not
// served over HTTPS (or from loopback) cannot use the camera or the
// microphone, so off loopback the server must either terminate TLS itself
// or be told the https URL of a TLS proxy in front of it.
func (ch *checker) tls(c *Config, listenHost string, listenOK bool) {
	t := c.TLS
	ch.oneOf("tls.mode", t.Mode, TLSOff, TLSFiles, TLSACME, TLSSelfSigned)
	u, err := url.Parse(c.Server.PublicURL)
	https := err == nil && strings.EqualFold(u.Scheme, "https")
	switch t.Mode {
	case TLSOff:
		if listenOK && !isLoopbackHost(listenHost) && !https {
			ch.add("tls.mode", "is \"off\" while server.listen is not a loopback address: browsers allow the camera and microphone only on https pages; set tls.mode to \"acme\", \"files\" or \"self-signed\", or put a TLS proxy in front and set server.public_url to its https:// URL")
		}
	case TLSFiles, TLSSelfSigned:
		if !https {
			ch.add("server.public_url", "must be the server's https:// URL when tls.mode is %s: TURN over TLS and the links use its host name, which the certificate must match; such as \"https://meet.example.com\"", quote(t.Mode))
		}
		if t.Mode == TLSFiles {
			host := ""
			if https {
				host = u.Hostname()
			}
			ch.certFiles(t, host)
		}
	case TLSACME:
		if !https {
			ch.add("server.public_url", "must be the https:// URL of the server's host name when tls.mode is \"acme\": the certificate is issued for that name; such as \"https://meet.example.com\"")
		} else if _, err := netip.ParseAddr(u.Hostname()); err == nil {
			ch.add("server.public_url", "names an IP address; ACME certificates are issued for host names, so use the server's DNS name")
		}
		if t.ACMECacheDir == "" {
			ch.add("tls.acme_cache_dir", "is required when tls.mode is \"acme\": without it every start asks the CA for a new certificate, and its rate limits soon refuse; give a directory kept across restarts, such as /var/lib/piiri/acme")
		}
	}
}

// certFiles checks the files of tls.mode "files" the way the server will
// load them, so that "config check" finds a missing file, a key that does
// not belong to the certificate, or a certificate for another name, rather
// than the first start. host is server.public_url's host, or "" if unknown.
func (ch *checker) certFiles(t TLS, host string) {
	cert := ch.readable("tls.cert_file", t.CertFile, "the PEM certificate chain")
	key := ch.readable("tls.key_file", t.KeyFile, "the PEM private key")
	if cert == nil || key == nil {
		return
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		// The message of crypto/tls names the problem (no PEM data, key
		// does not match); it never quotes the key.
		ch.add("tls.cert_file", "%s and tls.key_file %s are not a certificate and its private key: %v; give the PEM certificate chain and the key it was issued for", quote(t.CertFile), quote(t.KeyFile), err)
		return
	}
	if host == "" || pair.Leaf == nil {
		return
	}
	if err := pair.Leaf.VerifyHostname(host); err != nil {
		ch.add("tls.cert_file", "%s is not valid for %s, the host of server.public_url (%v); use a certificate issued for that name, or change server.public_url", quote(t.CertFile), quote(host), err)
	}
}

// readable returns the contents of the file at path, or records why it
// cannot be read. what names the file's role for the fix.
func (ch *checker) readable(key, path, what string) []byte {
	if path == "" {
		ch.add(key, "is required when tls.mode is \"files\"; give the path of %s", what)
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ch.add(key, "%s does not exist; give the path of %s, or use tls.mode \"acme\" or \"self-signed\"", quote(path), what)
		return nil
	case err != nil:
		ch.add(key, "cannot read %s: %v; give a path the piiri user may read", quote(path), err)
		return nil
	case !fi.Mode().IsRegular():
		ch.add(key, "%s is not a regular file; give the path of %s", quote(path), what)
		return nil
	case fi.Size() > maxPEMBytes:
		ch.add(key, "%s is larger than %d bytes; give the path of %s", quote(path), maxPEMBytes, what)
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		ch.add(key, "cannot read %s: %v; give a path the piiri user may read", quote(path), err)
		return nil
	}
	defer f.Close()
	// Bounded even when the size lies, as in /proc.
	data, err := io.ReadAll(io.LimitReader(f, maxPEMBytes+1))
	switch {
	case err != nil:
		ch.add(key, "cannot read %s: %v; give a path the piiri user may read", quote(path), err)
		return nil
	case len(data) > maxPEMBytes:
		ch.add(key, "%s is larger than %d bytes; give the path of %s", quote(path), maxPEMBytes, what)
		return nil
	}
	return data
}

// maxPEMBytes bounds a certificate chain or key file; real ones are a few
// kilobytes.
const maxPEMBytes = 1 << 20

// udpClash reports media.udp_listen and turn.udp_listen asking for the
// same UDP port (after deriving what was left empty): the second bind
// would fail at start.
func (ch *checker) udpClash(c *Config) {
	d := *c
	derive(&d)
	if d.TURN.UDPListen == TURNUDPOff || !d.TURN.Enabled {
		return
	}
	if sameListener(d.Media.UDPListen, d.TURN.UDPListen) {
		ch.add("turn.udp_listen", "%s uses the same UDP port as media.udp_listen (%s); TURN and media each need their own port, such as \":3478\" for TURN and \":443\" for media", quote(d.TURN.UDPListen), quote(d.Media.UDPListen))
	}
}
