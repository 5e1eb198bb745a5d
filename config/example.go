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
#   PIIRI_SERVER_LISTEN=0.0.0.0:8080
#   PIIRI_MEDIA_PUBLIC_IPS=203.0.113.7,2001:db8::7   (lists are comma-separated)
#   PIIRI_SIGNALING_RESUME_GRACE=45s
#
# Durations are written with a unit: 500ms, 30s, 5m, 1h.

server:
  # host:port of the HTTP and websocket listener. The default only accepts
  # connections from this machine. In production listen on all interfaces
  # (":8080") or behind a TLS reverse proxy; any address that is not
  # loopback requires rooms.key.
  listen: "127.0.0.1:8080"

  # URL browsers use to reach piiri, such as "https://meet.example.com" when
  # behind a reverse proxy. http or https, without a query string. Empty
  # derives it from server.listen (here "http://127.0.0.1:8080").
  public_url: ""

  # How long a graceful shutdown waits for connections to close before
  # dropping them. 1s to 60s.
  shutdown_timeout: 5s

admin:
  # host:port of the admin listener serving /metrics and /healthz. Keep it
  # on loopback or a private network; "off" disables it.
  listen: "127.0.0.1:9090"

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

rooms:
  # Shared key participants need to join a room. Empty is dev mode (any room
  # name, no key) and is only accepted while server.listen is loopback. For
  # any other listen address set a random string of at least 16 characters,
  # such as the output of: openssl rand -base64 24
  key: ""

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
`
