// Package metrics owns piiri's Prometheus collectors: one struct, created per
// server with its own registry, handed to the packages that count things.
// Nothing here is global, so tests can run many servers in one process.
package metrics

import (
	"maps"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"piiri/internal/buildinfo"
)

// Metrics holds every collector piiri exports. The zero value is not usable;
// call New.
type Metrics struct {
	Registry *prometheus.Registry

	Rooms           prometheus.Gauge
	Participants    prometheus.Gauge
	PublishedTracks *prometheus.GaugeVec // by kind: audio, video

	ForwardedPackets *prometheus.CounterVec // by kind
	ForwardedBytes   *prometheus.CounterVec // by kind
	NACKsReceived    prometheus.Counter     // NACK feedback from subscribers
	Retransmissions  *prometheus.CounterVec // NACKed packets, by outcome: RetransmitSent etc.
	PLIsReceived     prometheus.Counter     // PLI/FIR feedback from subscribers
	PLIsSent         prometheus.Counter     // keyframe requests sent to publishers

	MediaEventsDropped *prometheus.CounterVec // media events never delivered to signalling, by type

	SignalingMessages *prometheus.CounterVec // by message type, valid messages only
	SignalingErrors   *prometheus.CounterVec // by error code
	Resumes           prometheus.Counter
	Disconnects       *prometheus.CounterVec // by reason
	Probes            prometheus.Gauge       // network checks in their own hidden rooms

	MeetingsRunning  prometheus.Gauge       // mentoring meetings running now
	MeetingsEnded    *prometheus.CounterVec // ended meetings, by held (true/false)
	PhaseTransitions prometheus.Counter     // running meetings entering a phase
	AuthFailures     *prometheus.CounterVec // wrong credentials, by credential
	AuthRateLimited  *prometheus.CounterVec // attempts refused after too many failures, by endpoint

	SharedPortConnections *prometheus.CounterVec // by classifier outcome
	ConnectionPaths       *prometheus.CounterVec // peer connections connected, by path
	ConnectionPathChanges *prometheus.CounterVec // connected peer connections whose ICE path changed, by from and to
	TURNAllocations       prometheus.Gauge
	TURNAuthFailures      prometheus.Counter
	TURNRefused           prometheus.Counter     // permissions and packets refused by the relay policy
	TURNRelayedBytes      *prometheus.CounterVec // by direction

	// BuildInfo is 1 for the running build's version, commit and Go
	// version, so dashboards can show which build answers.
	BuildInfo           *prometheus.GaugeVec
	TURNRefusals        *prometheus.CounterVec // by reason: TURNRefused* below
	NetcheckRateLimited prometheus.Counter     // /api/netcheck requests over their address's rate

	MailSent    *prometheus.CounterVec // accepted by the relay, by kind
	MailFailed  *prometheus.CounterVec // given up on, by kind and reason
	MailRetries *prometheus.CounterVec // temporary failures retried later, by kind
	MailQueued  prometheus.Gauge       // messages waiting to be sent

	// UDPBufferBytes are the UDP sockets' buffer sizes as the kernel
	// reports them, by socket (SocketMedia, SocketTURN) and direction
	// (DirectionReceive, DirectionSend); see WatchUDPSocket.
	UDPBufferBytes *prometheus.GaugeVec
	// UDPSocketDrops is the kernel's count of datagrams each UDP socket
	// dropped, read at each scrape; see WatchUDPSocket.
	UDPSocketDrops *UDPSocketDrops
	// RoomLoads are the per-room load metrics, read at each scrape from
	// what the SFU gives RoomLoads.Watch.
	RoomLoads *RoomLoads
}

// The server's UDP sockets, the socket label of the UDP metrics.
const (
	SocketMedia = "media" // ICE-UDP, every peer connection's media
	SocketTURN  = "turn"  // TURN over UDP
)

// Directions of a socket's buffers, the direction label of UDPBufferBytes.
const (
	DirectionReceive = "receive"
	DirectionSend    = "send"
)

// UDPSocketDrops collects piiri_udp_socket_drops_total. The kernel counts
// a UDP socket's drops anyway (mostly datagrams that found its receive
// buffer full, which the process never sees), so the counter is read from
// it when Prometheus scrapes instead of being counted per packet.
type UDPSocketDrops struct {
	desc *prometheus.Desc

	mu      sync.Mutex
	sockets map[string]func() (uint64, error)
}

// Watch makes socket's series read drops at each scrape, replacing what
// socket read before. A read that fails (no /proc off Linux, a closed
// socket) leaves the series out of that scrape rather than failing it.
func (c *UDPSocketDrops) Watch(socket string, drops func() (uint64, error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sockets[socket] = drops
}

// Describe implements prometheus.Collector.
func (c *UDPSocketDrops) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *UDPSocketDrops) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	sockets := maps.Clone(c.sockets)
	c.mu.Unlock()
	// Read outside the lock: it reads files in /proc.
	for s, f := range sockets {
		if d, err := f(); err == nil {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(d), s)
		}
	}
}

// WatchUDPSocket exports one of the server's UDP sockets (SocketMedia,
// SocketTURN): its buffer sizes as the kernel reported them when it was
// opened (a size of 0, unknown, is left out) and, read at each scrape,
// its drop counter.
func (m *Metrics) WatchUDPSocket(socket string, receiveBytes, sendBytes int, drops func() (uint64, error)) {
	if receiveBytes > 0 {
		m.UDPBufferBytes.WithLabelValues(socket, DirectionReceive).Set(float64(receiveBytes))
	}
	if sendBytes > 0 {
		m.UDPBufferBytes.WithLabelValues(socket, DirectionSend).Set(float64(sendBytes))
	}
	m.UDPSocketDrops.Watch(socket, drops)
}

// Kinds of mail, the kind label of the mail metrics.
const (
	MailInvitation = "invitation"
	MailReminder   = "reminder"
	MailMoved      = "moved"
	MailCancelled  = "cancelled"
)

// Reasons a mail is given up on, the reason label of MailFailed.
const (
	MailRefused     = "refused"     // the relay answered with a permanent (5xx) error
	MailUnreachable = "unreachable" // temporary failures (network, 4xx) until the attempts ran out
	MailQueueFull   = "queue_full"  // the queue was full when it came
	MailShutdown    = "shutdown"    // the server stopped before it could be sent
	MailCompose     = "compose"     // the message could not be composed
)

// Reasons the TURN server refuses a request, the labels of TURNRefusals.
const (
	TURNRefusedRevoked  = "revoked"  // the participant has left: its credentials no longer work
	TURNRefusedCapacity = "capacity" // the server's cap on allocations is reached
	TURNRefusedSource   = "source"   // one client address's cap on allocations is reached
	TURNRefusedQuota    = "quota"    // one participant's cap on allocations is reached
)

// Paths a peer connection can take, the labels of ConnectionPaths.
const (
	PathUDP     = "udp"      // ICE over UDP, direct
	PathTCP     = "tcp"      // ICE-TCP on the shared port
	PathTURNUDP = "turn-udp" // relayed, client to TURN over UDP
	PathTURNTCP = "turn-tcp" // relayed, client to TURN over TCP (shared port)
	PathTURNTLS = "turn-tls" // relayed, client to TURN over TLS (shared port)
)

// Media event types, the labels of MediaEventsDropped.
const (
	EventTrackPublished = "track_published"
	EventTrackEnded     = "track_ended"
	EventSpeaking       = "speaking"
)

// Credentials, the labels of AuthFailures.
const (
	CredentialRoomKey     = "room_key"
	CredentialResumeToken = "resume_token"
	CredentialLinkToken   = "link_token"
)

// Kind labels used by the per-kind vectors.
const (
	KindAudio = "audio"
	KindVideo = "video"
)

// Outcome labels of piiri_retransmissions_total.
const (
	RetransmitSent    = "sent"
	RetransmitMissing = "missing"
	RetransmitLimited = "limited"
)

// New creates the collectors and registers them, together with the Go and
// process collectors, in a fresh registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		Rooms: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "piiri_rooms", Help: "Rooms that currently have media state on this server.",
		}),
		Participants: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "piiri_participants", Help: "Participants currently in a room, including those within the resume grace period.",
		}),
		PublishedTracks: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "piiri_published_tracks", Help: "Tracks currently published to the SFU, by kind.",
		}, []string{"kind"}),
		ForwardedPackets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_forwarded_packets_total", Help: "RTP packets written to subscribers, by kind.",
		}, []string{"kind"}),
		ForwardedBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_forwarded_bytes_total", Help: "RTP payload bytes written to subscribers, by kind.",
		}, []string{"kind"}),
		NACKsReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "piiri_nacks_received_total", Help: "Generic NACK RTCP packets received from subscribers.",
		}),
		Retransmissions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_retransmissions_total", Help: "Packets subscribers asked for again by NACK, by outcome: sent (from the track's packet cache), missing (no longer held) or limited (over the subscriber's retransmission rate).",
		}, []string{"outcome"}),
		PLIsReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "piiri_plis_received_total", Help: "PLI and FIR RTCP packets received from subscribers.",
		}),
		PLIsSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "piiri_plis_sent_total", Help: "Keyframe requests (PLI) sent to publishers after rate limiting.",
		}),
		MediaEventsDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_media_events_dropped_total", Help: "Media events (track published or ended, speaking) never delivered because a room's event queue was full, by type; the latest state of each track and speaker is still delivered.",
		}, []string{"type"}),
		SignalingMessages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_signaling_messages_total", Help: "Valid signalling messages received, by type.",
		}, []string{"type"}),
		SignalingErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_signaling_errors_total", Help: "Signalling errors sent to clients, by error code.",
		}, []string{"code"}),
		Resumes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "piiri_resumes_total", Help: "Participants that reconnected within the grace period and were resumed.",
		}),
		Disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_disconnects_total", Help: "Participants removed from rooms, by reason.",
		}, []string{"reason"}),
		Probes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "piiri_netcheck_probes", Help: "Network checks currently connected; they are not participants.",
		}),
		MeetingsRunning: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "piiri_meetings_running", Help: "Mentoring meetings running now.",
		}),
		MeetingsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_meetings_ended_total", Help: "Mentoring meetings that ended, by whether they counted as held (held=true) or not.",
		}, []string{"held"}),
		PhaseTransitions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "piiri_meeting_phase_transitions_total", Help: "Times a running meeting entered a phase (opening round, theme, ...).",
		}),
		AuthFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_auth_failures_total", Help: "Wrong credentials presented, by credential: room_key, resume_token, link_token.",
		}, []string{"credential"}),
		AuthRateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_auth_rate_limited_total", Help: "Attempts refused because their source address had too many failures, by endpoint.",
		}, []string{"endpoint"}),
		SharedPortConnections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_shared_port_connections_total", Help: "Connections on the shared TCP port, by what the classifier made of them.",
		}, []string{"outcome"}),
		ConnectionPaths: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_connection_paths_total", Help: "Peer connections that connected, by path: udp, tcp, turn-udp, turn-tcp, turn-tls.",
		}, []string{"path"}),
		ConnectionPathChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_connection_path_changes_total", Help: "Times a connected peer connection's ICE path changed (a new candidate pair on another path), by old and new path.",
		}, []string{"from", "to"}),
		TURNAllocations: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "piiri_turn_allocations", Help: "TURN allocations currently open.",
		}),
		TURNAuthFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "piiri_turn_auth_failures_total", Help: "TURN requests refused for malformed or expired credentials.",
		}),
		TURNRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "piiri_turn_refused_total", Help: "TURN permissions and packets refused because the peer is not this server's media socket.",
		}),
		TURNRelayedBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_turn_relayed_bytes_total", Help: "Bytes relayed by TURN, by direction (to_sfu, to_client).",
		}, []string{"direction"}),
		BuildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "piiri_build_info", Help: "Always 1; the labels say which build of piiri is running.",
		}, []string{"version", "commit", "goversion"}),
		TURNRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_turn_refusals_total", Help: "TURN requests refused by a limit, by reason: revoked (the participant has left), capacity (the server's allocation cap), source (one address's allocation cap), quota (one participant's allocation cap).",
		}, []string{"reason"}),
		NetcheckRateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "piiri_netcheck_rate_limited_total", Help: "Network-check credential requests (/api/netcheck) refused because their address asked too often.",
		}),
		MailSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_mail_sent_total", Help: "E-mails accepted by the SMTP relay, by kind: invitation, reminder, moved, cancelled.",
		}, []string{"kind"}),
		MailFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_mail_failed_total", Help: "E-mails given up on, by kind and reason: refused, unreachable, queue_full, shutdown, compose.",
		}, []string{"kind", "reason"}),
		MailRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_mail_retries_total", Help: "E-mail delivery attempts that failed temporarily and were retried later, by kind.",
		}, []string{"kind"}),
		MailQueued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "piiri_mail_queued", Help: "E-mails waiting in the queue to be sent.",
		}),
		UDPBufferBytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "piiri_udp_buffer_bytes", Help: "Buffer sizes of the UDP sockets (media, turn) by direction (receive, send), as the kernel reports them: on Linux twice the size granted, which net.core.rmem_max and wmem_max cap (see media.udp_buffer_bytes).",
		}, []string{"socket", "direction"}),
		UDPSocketDrops: &UDPSocketDrops{
			desc: prometheus.NewDesc("piiri_udp_socket_drops_total",
				"Datagrams the kernel dropped on a UDP socket (media, turn), mostly for a full receive buffer: the drops column of /proc/net/udp and udp6. Absent off Linux.",
				[]string{"socket"}, nil),
			sockets: make(map[string]func() (uint64, error)),
		},
		RoomLoads: newRoomLoads(),
	}
	reg.MustRegister(
		goCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Rooms, m.Participants, m.PublishedTracks,
		m.ForwardedPackets, m.ForwardedBytes, m.NACKsReceived, m.Retransmissions, m.PLIsReceived, m.PLIsSent,
		m.MediaEventsDropped,
		m.SignalingMessages, m.SignalingErrors, m.Resumes, m.Disconnects,
		m.Probes, m.AuthFailures, m.AuthRateLimited,
		m.MeetingsRunning, m.MeetingsEnded, m.PhaseTransitions,
		m.SharedPortConnections, m.ConnectionPaths, m.ConnectionPathChanges,
		m.TURNAllocations, m.TURNAuthFailures, m.TURNRefused, m.TURNRelayedBytes,
		m.BuildInfo,
		m.TURNRefusals, m.NetcheckRateLimited,
		m.MailSent, m.MailFailed, m.MailRetries, m.MailQueued,
		m.UDPBufferBytes, m.UDPSocketDrops, m.RoomLoads,
	)
	bi := buildinfo.Get()
	m.BuildInfo.WithLabelValues(bi.Version, bi.Commit, bi.GoVersion).Set(1)
	for _, o := range []string{RetransmitSent, RetransmitMissing, RetransmitLimited} {
		m.Retransmissions.WithLabelValues(o)
	}
	// Pre-create the per-kind series so dashboards see zeros, not gaps.
	for _, k := range []string{KindAudio, KindVideo} {
		m.PublishedTracks.WithLabelValues(k)
		m.ForwardedPackets.WithLabelValues(k)
		m.ForwardedBytes.WithLabelValues(k)
	}
	for _, p := range []string{PathUDP, PathTCP, PathTURNUDP, PathTURNTCP, PathTURNTLS} {
		m.ConnectionPaths.WithLabelValues(p)
	}
	for _, e := range []string{EventTrackPublished, EventTrackEnded, EventSpeaking} {
		m.MediaEventsDropped.WithLabelValues(e)
	}
	m.MeetingsEnded.WithLabelValues("true")
	m.MeetingsEnded.WithLabelValues("false")
	for _, c := range []string{CredentialRoomKey, CredentialResumeToken, CredentialLinkToken} {
		m.AuthFailures.WithLabelValues(c)
	}
	for _, d := range []string{"to_sfu", "to_client"} {
		m.TURNRelayedBytes.WithLabelValues(d)
	}
	for _, r := range []string{TURNRefusedRevoked, TURNRefusedCapacity, TURNRefusedSource, TURNRefusedQuota} {
		m.TURNRefusals.WithLabelValues(r)
	}
	for _, k := range []string{MailInvitation, MailReminder, MailMoved, MailCancelled} {
		m.MailSent.WithLabelValues(k)
		m.MailRetries.WithLabelValues(k)
	}
	return m
}

// goCollector is the Go runtime's collector with the scheduler's metrics
// too: go_sched_latencies_seconds, how long runnable goroutines wait for
// a CPU, is the plainest sign that the server is short of CPU (media then
// queues in the sockets).
func goCollector() prometheus.Collector {
	return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler))
}
