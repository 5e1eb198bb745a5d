package loadtest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what a load test measured. Durations are in nanoseconds in
// its JSON form.
type Report struct {
	Rooms           int           `json:"rooms"`
	PerRoom         int           `json:"participants_per_room"`
	VideoBitrate    int           `json:"video_bitrate"`
	VideoFPS        int           `json:"video_fps"`
	PacketsPerFrame int           `json:"video_packets_per_frame"`
	Warmup          time.Duration `json:"warmup_ns"`
	Window          time.Duration `json:"window_ns"` // the measured time

	Joins     JoinStats     `json:"joins"`
	RoomStats []RoomStats   `json:"per_room"`
	Total     Totals        `json:"total"`
	Server    ServerStats   `json:"server"`
	LoadTool  LoadToolStats `json:"load_tool"`
}

// JoinStats is how long bots took from dialling the websocket to a
// publisher answered by the server.
type JoinStats struct {
	Count int           `json:"count"`
	Wall  time.Duration `json:"wall_ns"` // all joins, start to end
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

// RoomStats is one room's delivery.
type RoomStats struct {
	Room  string    `json:"room"`
	Audio KindStats `json:"audio"`
	Video KindStats `json:"video"`
}

// Totals is the delivery over all rooms.
type Totals struct {
	Audio KindStats `json:"audio"`
	Video KindStats `json:"video"`
}

// KindStats compares packets sent with packets received, over all pairs
// of a sender and another participant in its room: Expected is what each
// sender sent times the others who should receive it. Delays run from the
// sender's stamp to the receiver's read (video: a frame's first packet).
type KindStats struct {
	Expected  int64         `json:"expected_packets"`
	Delivered int64         `json:"delivered_packets"`
	Loss      float64       `json:"loss"` // fraction, 0.01 is 1%
	DelayP50  time.Duration `json:"delay_p50_ns"`
	DelayP99  time.Duration `json:"delay_p99_ns"`
	DelayMax  time.Duration `json:"delay_max_ns"`
}

// ServerStats is what the server spent in the window.
type ServerStats struct {
	// Source is where CPU and memory come from: "proc" (this machine),
	// "metrics" (the server's endpoint) or "" (unknown).
	Source  string `json:"source,omitempty"`
	PID     int    `json:"pid,omitempty"`
	PIDFrom string `json:"pid_from,omitempty"`
	// CPUCores is CPU seconds per second: 1.0 is one core busy.
	CPUCores           float64 `json:"cpu_cores"`
	CPUMicrosPerPacket float64 `json:"cpu_us_per_delivered_packet"`
	RSSBytes           int64   `json:"rss_bytes"`
	// ForwardedPackets is the server's own count (from its metrics) of
	// packets it wrote to subscribers in the window.
	ForwardedPackets int64 `json:"forwarded_packets,omitempty"`
	// AllocsPerPacket is the server's heap allocations (Go's mallocs
	// counter, from its metrics) in the window per delivered packet.
	AllocsPerPacket float64 `json:"allocs_per_delivered_packet,omitempty"`
	// SocketDrops are datagrams the kernel dropped because the server's
	// media or TURN socket's receive buffer was full (from its metrics;
	// SocketDropsFrom is "server" when it had them).
	SocketDrops     int64  `json:"socket_drops"`
	SocketDropsFrom string `json:"socket_drops_from,omitempty"`
	// HostSocketDrops is the same for every UDP socket of this machine
	// (/proc/net/snmp), the bots' included, when the server is local: with
	// SocketDrops it tells whether the server or the load tool dropped.
	HostSocketDrops int64    `json:"host_socket_drops"`
	HasHostDrops    bool     `json:"has_host_socket_drops"`
	Notes           []string `json:"notes,omitempty"`
}

// LoadToolStats is the load tool's own CPU: near the machine's cores, it
// rather than the server may be the limit.
type LoadToolStats struct {
	CPUCores float64 `json:"cpu_cores"`
}

// WriteText prints the report as a person reads it.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	video := "small synthetic VP8 frames"
	if r.VideoBitrate > 0 {
		video = fmt.Sprintf("VP8 at %s kbit/s, %d fps, %d packets per frame", thousands(int64(r.VideoBitrate/1000)), r.VideoFPS, r.PacketsPerFrame)
	}
	fmt.Fprintf(&b, "piiri loadtest: %d room(s) of %d, everyone publishing Opus (50 packets/s) and %s\n", r.Rooms, r.PerRoom, video)
	fmt.Fprintf(&b, "measured %.1f s after a %s warm-up\n", r.Window.Seconds(), r.Warmup)
	fmt.Fprintf(&b, "joins: %d in %s; each p50 %s, p99 %s, max %s\n\n", r.Joins.Count, round(r.Joins.Wall), round(r.Joins.P50), round(r.Joins.P99), round(r.Joins.Max))

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "room\tkind\texpected\tdelivered\tloss\tdelay p50\tp99\tmax\t")
	row := func(room, kind string, s KindStats) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", room, kind, thousands(s.Expected), thousands(s.Delivered),
			percent(s.Loss), ms(s.DelayP50), ms(s.DelayP99), ms(s.DelayMax))
	}
	if len(r.RoomStats) > 1 {
		for _, rs := range r.RoomStats {
			row(rs.Room, "audio", rs.Audio)
			row("", "video", rs.Video)
		}
	}
	row("all", "audio", r.Total.Audio)
	row("", "video", r.Total.Video)
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")

	s := r.Server
	delivered := r.Total.Audio.Delivered + r.Total.Video.Delivered
	perSecond := float64(delivered) / r.Window.Seconds()
	fmt.Fprintf(&b, "delivered: %s packets/s\n", thousands(int64(perSecond)))
	if s.Source != "" {
		from := "its metrics"
		if s.Source == "proc" {
			from = fmt.Sprintf("/proc, pid %d %s", s.PID, s.PIDFrom)
		}
		participants := int64(r.Rooms * r.PerRoom)
		fmt.Fprintf(&b, "server (%s): CPU %.0f%% of one core, %.2f µs per delivered packet; resident memory %s (%s per participant)\n",
			from, 100*s.CPUCores, s.CPUMicrosPerPacket, megabytes(s.RSSBytes), megabytes(s.RSSBytes/max(participants, 1)))
	}
	if s.ForwardedPackets > 0 {
		fmt.Fprintf(&b, "server metrics: %s packets forwarded; the bots counted %s of them (%s)\n",
			thousands(s.ForwardedPackets), thousands(delivered), percent(float64(delivered)/float64(s.ForwardedPackets)))
		fmt.Fprintf(&b, "server allocations: %.2f per delivered packet\n", s.AllocsPerPacket)
	}
	if s.SocketDropsFrom == "server" {
		fmt.Fprintf(&b, "socket drops (server's UDP sockets): %s\n", thousands(s.SocketDrops))
	}
	if s.HasHostDrops {
		fmt.Fprintf(&b, "socket drops (all UDP sockets of this machine, bots' included): %s\n", thousands(s.HostSocketDrops))
	}
	if r.LoadTool.CPUCores > 0 {
		fmt.Fprintf(&b, "load tool: CPU %.0f%% of one core\n", 100*r.LoadTool.CPUCores)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }

func megabytes(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}

// thousands writes n with thin groups of three digits: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
