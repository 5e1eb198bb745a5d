package config

// Example returns a complete example config file: every key at its default,
// each with a comment on what it does and when to change it. It parses as is
// and describes a local development server; the comments say what to change
// for production. Tests keep it in step with the Config struct.
func Example() string {
	return exampleYAML
}

const exampleYAML = `# piiri configuration.
#
# Every key is optional: a key you leave out (or leave without a value) keeps
# the default shown here, and an empty file runs a local development server.
# Unknown or misspelt keys are errors, so a typo never silently becomes a
# default.
#
# Any key can also be set with an environment variable named
# PIIRI_<SECTION>_<KEY> in upper case, which wins over this file:
#   PIIRI_SERVER_LISTEN=:443
#   PIIRI_MEDIA_PUBLIC_IPS=203.0.113.7,2001:db8::7   (lists are comma-separated)
#   PIIRI_SIGNALING_RESUME_GRACE=45s
#
# Durations are written with a unit: 500ms, 30s, 5m, 1h. Switches are true
# or false.
#
# For production on a machine with a public DNS name, change these:
#   server.listen: ":443"
#   server.public_url: "https://meet.example.com"
#   tls.mode: acme                  (and tls.acme_cache_dir)
#   data.dir: /var/lib/piiri        (the systemd unit sets it)
#   media.udp_listen: ":443"        (already the default off loopback)
#   turn.udp_listen: ":3478"        (already the default with listen ":443")
#   rooms.key: a random string, such as the output of: openssl rand -base64 24
#              (or rooms.key_file, to keep it out of this file)
# and open the firewall: TCP 443 is required (HTTPS, the websocket, TURN over
# TCP and TLS, and ICE over TCP all share it); UDP 443 (media) and UDP 3478
# (TURN) are optional but give better call quality.

server:
  # host:port of the shared TCP port: HTTPS (or plain HTTP when tls.mode is
  # "off"), the websocket, TURN over TCP and TLS, and ICE over TCP all use
  # it. The default only accepts connections from this machine. In
  # production use ":443" with TLS (see tls.mode). Any address that is not
  # loopback requires rooms.key, and HTTPS: a tls.mode other than "off", or
  # a TLS proxy in front with its https:// URL as server.public_url.
  listen: "127.0.0.1:8080"

  # URL browsers use to reach piiri, such as "https://meet.example.com".
  # http or https, without a query string. Required when tls.mode is not
  # "off" (the certificate is for its host name). With tls.mode "off" and a
  # listen address that is not loopback, the https:// URL of the TLS proxy
  # in front. Empty derives it from server.listen (here
  # "http://127.0.0.1:8080").
  public_url: ""

  # How long a graceful shutdown waits for connections to close before
  # dropping them. 1s to 60s.
  shutdown_timeout: 5s

  # Layer-4 load balancers that send a PROXY protocol header with the
  # client's address: IPs or CIDR ranges, such as [10.0.0.5, 10.1.0.0/16].
  # Once set, connections from these addresses must start with the header
  # and other sources are refused, so set it only when all traffic comes
  # through them. Leave empty when clients connect directly.
  trusted_proxies: []

tls:
  # Where the certificate of the shared port comes from:
  #   "off"          no TLS: fine on loopback, or behind a TLS proxy (see
  #                  server.public_url).
  #   "acme"         from Let's Encrypt (or tls.acme_directory) for the host
  #                  name of server.public_url, renewed automatically. The
  #                  CA checks the name on TCP port 443, so listen on ":443".
  #                  The usual choice for production.
  #   "files"        from tls.cert_file and tls.key_file.
  #   "self-signed"  made once and kept in data.dir (remade when it nears
  #                  its expiry or the host name changes); browsers warn
  #                  about it. For tests and trials on a LAN.
  # Every mode but "off" needs server.public_url.
  mode: "off"

  # PEM certificate chain and private key for tls.mode "files", read at
  # start: restart piiri after renewing them. "config check" checks that
  # they exist, belong together and match server.public_url. Under systemd
  # the key can be a credential the piiri user cannot read otherwise: see
  # LoadCredential in scripts/piiri.service.
  cert_file: ""
  key_file: ""

  # For tls.mode "acme": the address the CA sends expiry warnings to
  # (optional), and a directory kept across restarts for the certificates,
  # such as /var/lib/piiri/acme. Required: without it every start asks for
  # a new certificate, and the CA's rate limits soon refuse.
  acme_email: ""
  acme_cache_dir: ""

  # Directory URL of the ACME CA. Empty is Let's Encrypt; use its staging
  # URL while trying things out, or your own CA's URL.
  acme_directory: ""

admin:
  # host:port of the admin listener serving /metrics, /healthz and
  # /debug/pprof, without a password; "off" disables it. It must be a
  # loopback address unless admin.allow_public is true.
  listen: "127.0.0.1:9090"

  # Allow admin.listen on an address other machines can reach, for a
  # Prometheus elsewhere. Set it only when a firewall keeps the port
  # private: profiles show the server's internals. true or false.
  allow_public: false

  # The admin's token for the admin page (HOST/admin#TOKEN) and the API,
  # at least 22 random characters. Empty: one is generated at the first
  # start, kept in data.dir and printed once. admin.token_file names a
  # file holding it instead (a systemd credential: %d/admin-token).
  token: ""
  token_file: ""

media:
  # The one UDP host:port all peers use for ICE media. Empty derives it: an
  # ephemeral port on server.listen's host when that is loopback, otherwise
  # ":443". Allow this UDP port through your firewall.
  udp_listen: ""

  # Public IP addresses to advertise to browsers when the server is behind
  # 1:1 NAT, such as a cloud VM with a floating IP: [203.0.113.7]. Literal
  # IPs only. Leave empty when the server's own addresses are reachable.
  public_ips: []

  # Shortest time between keyframe requests sent to a publisher. Lower
  # values show video to new viewers sooner but cost publishers bandwidth.
  # 100ms to 10s.
  keyframe_min_interval: 500ms

  # Also offer ICE over TCP on the shared port, for networks that block
  # UDP. Browsers prefer UDP when it works. Set false only to force such
  # clients through TURN instead. true or false.
  ice_tcp: true

  # Receive and send buffer size, in bytes, of the media UDP socket and of
  # TURN over UDP. All media passes through the one media socket, and a
  # buffer too small for a burst drops packets when the server is busy
  # (piiri_udp_socket_drops_total). Linux caps it at net.core.rmem_max and
  # wmem_max, often 212992; piiri warns at start if so, and the fix is
  #   sysctl -w net.core.rmem_max=4194304 net.core.wmem_max=4194304
  # (and a file in /etc/sysctl.d/). 0 keeps the kernel's default; else
  # 65536 to 67108864.
  udp_buffer_bytes: 4194304

turn:
  # Run the built-in TURN relay for clients whose network blocks direct
  # media: over UDP on turn.udp_listen, over TCP on the shared port, and
  # over TLS there when tls.mode is not "off" (it looks like HTTPS, so it
  # passes the strictest firewalls). It relays only to this server's media
  # port, never to other hosts. true or false.
  enabled: true

  # UDP host:port of TURN over UDP, or "off". Empty derives it from
  # server.listen's host: port 3478, the standard TURN port, or an
  # ephemeral port on loopback. Allow it through your firewall.
  udp_listen: ""

  # How long a participant's TURN credentials allow new relays after they
  # join; relays made in time keep working. 5m to 24h.
  credential_ttl: 2h

  # Most TURN relays one participant may hold at once. Raise it only if
  # the logs show participants hitting the limit. 1 to 64.
  max_allocations_per_participant: 8

  # Key that signs TURN credentials. Empty makes a random one at each
  # start, so credentials end with the process. Set it only if credentials
  # must stay valid across restarts: a random string of at least 32
  # characters, such as the output of: openssl rand -base64 32
  secret: ""

  # A file holding turn.secret instead (one line), such as a systemd
  # credential. Set turn.secret or this, not both.
  secret_file: ""

rooms:
  # Shared key participants need to join a room. Empty is dev mode (any room
  # name, no key) and is only accepted while server.listen is loopback. For
  # any other listen address set a random string of at least 16 characters,
  # such as the output of: openssl rand -base64 24
  key: ""

  # A file holding rooms.key instead (one line), such as a systemd
  # credential: the unit's LoadCredential and %d/NAME keep the key
  # unreadable to anything but piiri. Set rooms.key or this, not both.
  key_file: ""

  # Most participants in one room. Every participant receives everyone
  # else's media, so server bandwidth grows with the square of this. 2 to 50.
  max_participants: 11

signaling:
  # Largest websocket signaling message accepted, in bytes. 1024 to 1048576.
  max_message_bytes: 65536

  # Signaling messages per second each client may send on average, and how
  # many it may send in a burst above that. Raise them only if well-behaved
  # clients get disconnected.
  messages_per_second: 50
  message_burst: 100

  # A client that sends this many invalid messages is disconnected.
  max_invalid_messages: 20

  # How long a client whose connection dropped may come back and resume its
  # session instead of rejoining. 0 disables resume; at most 10m.
  resume_grace: 30s

log:
  # "text" for people reading a terminal, "json" for log collectors.
  format: text

  # Least severe messages logged: "debug", "info", "warn" or "error".
  level: info

  # Keep personal data in the logs: participants' display names and the
  # addresses they connect from. false (the default) writes "[redacted]"
  # instead, so logs hold no personal data (GDPR); set true only while
  # tracing a problem with one person's connection. true or false.
  personal_data: false

data:
  # Directory piiri keeps its state in across restarts (the self-signed
  # certificate today). Created at start, readable by the piiri user only.
  # A relative path is relative to the working directory; the systemd unit
  # sets /var/lib/piiri.
  dir: "piiri-data"

meetings:
  # The IANA time zone new groups plan their meetings in.
  time_zone: "Europe/Helsinki"

  # How long at least the quorum of members must be present together for
  # a meeting to count as held (funders' reports count held meetings). A
  # group may set its own. A duration from 10s to 8h.
  min_held: 30m

  # A YAML file of mentoring templates (peer group, pair mentoring, ...)
  # that add to the shipped ones or replace them by id; empty: the
  # shipped ones only. See docs/admin.md for the format.
  templates_file: ""

recording:
  # Where meetings' recordings go: one directory per meeting, with a WebM
  # file per person and a manifest.json. Empty: "recordings" in data.dir.
  # A meeting is recorded only when its facilitator starts the recording,
  # and only the people who consented (see docs/privacy.md).
  dir: ""

  # Days a recording is kept after it ended; then it is deleted and the
  # deletion logged. From 1 to 3650.
  retention_days: 180

mail:
  # The SMTP relay piiri sends e-mail through: invitations with each
  # person's link, notices when a meeting moves or is cancelled, and a
  # reminder the day before. Empty: no e-mail; facilitators hand out the
  # links themselves.
  host: ""

  # The relay's port; 0 picks 587 for starttls, 465 for tls, 25 for none.
  port: 0

  # starttls (upgrade, required: never a silent downgrade), tls (TLS from
  # the first byte) or none (a relay on this host or a trusted network;
  # no password then).
  security: "starttls"

  # AUTH PLAIN, only ever over TLS. Keep the password out of this file
  # with password_file (a systemd credential, %d/mail-password).
  username: ""
  password: ""
  password_file: ""

  # PEM certificates that verify the relay, when its certificate is not
  # from a CA the system trusts (a municipality's own CA).
  ca_file: ""

  # The sender, and optionally where replies go (the coordinator).
  from: ""
  reply_to: ""
`
