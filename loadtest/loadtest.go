// Package loadtest measures what a piiri server carries: it fills rooms
// with bot participants (package bot) that publish synthetic Opus and VP8
// at a chosen bitrate and packet shape and subscribe to everyone, lets them
// run for a while, and reports what the server delivered (packets and loss
// per room and kind, forwarding delay, join times) and what that cost the
// server (CPU and memory, from /proc when the server runs on this machine,
// from its metrics endpoint otherwise). `piiri loadtest` is its command.
package loadtest

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"piiri/bot"
	"piiri/internal/histogram"
)

// Config says what load to put on which server.
type Config struct {
	// Link is a meeting link of the server, such as
	// https://meet.example.org/?room=load#key=KEY: its scheme and host
	// say where the server is, its key (if any) admits the bots, and its
	// room names the rooms (ROOM-1, ROOM-2, ...; a random name when it has
	// none).
	Link string
	// Rooms of PerRoom participants each.
	Rooms, PerRoom int
	// Warmup runs the media before measuring, so that joins, the first
	// keyframes and the pacing of the senders are behind; Duration is the
	// measured window.
	Warmup, Duration time.Duration
	// VideoBitrate (bits per second), VideoFPS and PacketsPerFrame shape
	// every publisher's synthetic VP8; audio is one Opus packet every 20 ms.
	VideoBitrate, VideoFPS, PacketsPerFrame int
	// JoinConcurrency is how many bots join at the same time.
	JoinConcurrency int
	// ConnectTimeout bounds the wait for every bot to receive media from
	// every other bot in its room after the joins.
	ConnectTimeout time.Duration
	// MetricsURL is the server's Prometheus endpoint (its admin listener's
	// /metrics). With it the report has the server's own count of
	// forwarded packets and its socket drops, and CPU and memory of a
	// remote server.
	MetricsURL string
	// PID is the server's process on this machine, for CPU and memory from
	// /proc; 0 looks for the process listening on the link's port when the
	// link's host is this machine, -1 never reads /proc.
	PID int
	// RootCAs, if set, are the certificates trusted for an https link
	// (a trial server's self-signed one); nil trusts the system's.
	RootCAs *x509.CertPool
	// Progress, if set, receives a progress line while measuring; Terminal
	// says it is a terminal, where the line is redrawn in place.
	Progress io.Writer
	Terminal bool
	Logger   *slog.Logger
}

// Defaults are the load of the capacity figures in docs/capacity.md.
func Defaults() Config {
	return Config{
		Rooms: 1, PerRoom: 4,
		Warmup: 5 * time.Second, Duration: 20 * time.Second,
		VideoBitrate: 600_000, VideoFPS: 25, PacketsPerFrame: 3,
		JoinConcurrency: 4,
		ConnectTimeout:  60 * time.Second,
	}
}

func (c Config) validate() error {
	var errs []error
	if c.Rooms < 1 {
		errs = append(errs, fmt.Errorf("rooms is %d; give at least 1", c.Rooms))
	}
	if c.PerRoom < 2 {
		errs = append(errs, fmt.Errorf("participants per room is %d; give at least 2, so that someone receives", c.PerRoom))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration is %s; give a positive one such as 20s", c.Duration))
	}
	if c.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warm-up is %s; give 0 or more", c.Warmup))
	}
	if c.VideoBitrate < 0 {
		errs = append(errs, fmt.Errorf("video bitrate is %d; give 0 (small frames) or more", c.VideoBitrate))
	}
	if c.VideoFPS < 1 || c.VideoFPS > 60 {
		errs = append(errs, fmt.Errorf("video frame rate is %d; give 1 to 60", c.VideoFPS))
	}
	if c.PacketsPerFrame < 1 {
		errs = append(errs, fmt.Errorf("packets per frame is %d; give at least 1", c.PacketsPerFrame))
	}
	if c.JoinConcurrency < 1 {
		errs = append(errs, fmt.Errorf("join concurrency is %d; give at least 1", c.JoinConcurrency))
	}
	if c.ConnectTimeout <= 0 {
		errs = append(errs, fmt.Errorf("connect timeout is %s; give a positive one", c.ConnectTimeout))
	}
	return errors.Join(errs...)
}

// target is the server of a link taken apart.
type target struct {
	base  *url.URL // scheme and host
	ws    string   // the signalling endpoint
	room  string   // the rooms' name prefix
	key   string
	isTLS bool
}

func parseLink(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return target{}, fmt.Errorf("loadtest: %q is not a meeting link; give the server's link, such as https://meet.example.org/?room=load#key=KEY", raw)
	}
	frag, _ := url.ParseQuery(u.EscapedFragment())
	t := target{
		base:  &url.URL{Scheme: u.Scheme, Host: u.Host},
		room:  u.Query().Get("room"),
		key:   frag.Get("key"),
		isTLS: u.Scheme == "https",
	}
	if t.room == "" {
		// Random, so that two load tests against one server never share
		// rooms (which would fill them and mix their counts).
		t.room = "load-" + strconv.FormatUint(rand.Uint64()%(36*36*36*36*36*36), 36)
	}
	ws := url.URL{Scheme: "ws", Host: u.Host, Path: "/ws"}
	if t.isTLS {
		ws.Scheme = "wss"
	}
	t.ws = ws.String()
	return t, nil
}

// participant is one bot and the room it is in.
type participant struct {
	room int
	bot  *bot.Bot
	join time.Duration
}

// Run puts the load on the server, measures, and takes the bots out again.
// It fails if a bot cannot join or media does not flow between every pair
// of bots in a room within the connect timeout; the error says which.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	tgt, err := parseLink(cfg.Link)
	if err != nil {
		return nil, err
	}
	server, err := newServerProbe(ctx, cfg, tgt)
	if err != nil {
		return nil, err
	}
	self := newSelfProbe()

	started := time.Now()
	parts, err := joinAll(ctx, cfg, tgt)
	defer leaveAll(parts)
	if err != nil {
		return nil, err
	}
	joinWall := time.Since(started)
	if err := waitForMedia(ctx, cfg.ConnectTimeout, parts); err != nil {
		return nil, err
	}
	if err := sleep(ctx, cfg.Warmup); err != nil {
		return nil, err
	}

	// The window: counters at its start; media for Duration; the senders
	// stop and the counters are read at once for what was sent and for
	// the server; what was in flight is awaited before the receivers'
	// counters are read.
	// The server's sample may take an HTTP round trip while packets flow:
	// the bots' counters are read before and after it, and the window
	// starts at their midpoint, where the server's counter was read.
	for _, p := range parts {
		p.bot.ResetDelays()
	}
	sentA, recvA := sentCounts(parts), receivedCounts(parts)
	srv0 := server.sample(ctx)
	sentB, recvB := sentCounts(parts), receivedCounts(parts)
	sent0, recv0 := midpoint(sentA, sentB), midpoint(recvA, recvB)
	self0 := self.sample()
	windowStart := time.Now()
	if err := progress(ctx, cfg, parts, recv0); err != nil {
		return nil, err
	}
	for _, p := range parts {
		p.bot.StopSending()
	}
	window := time.Since(windowStart)
	sent1, self1 := sentCounts(parts), self.sample()
	recv1 := drained(ctx, parts)
	// After the drain, so that the server's counters hold every packet
	// of the window; its CPU for the drain belongs to the window's packets.
	srv1 := server.sample(ctx)

	r := &Report{
		Rooms: cfg.Rooms, PerRoom: cfg.PerRoom,
		VideoBitrate: cfg.VideoBitrate, VideoFPS: cfg.VideoFPS, PacketsPerFrame: cfg.PacketsPerFrame,
		Warmup: cfg.Warmup, Window: window,
		Joins: joinStats(parts, joinWall),
	}
	r.RoomStats, r.Total = delivery(cfg, tgt, parts, sent0, sent1, recv0, recv1)
	r.Server = serverStats(server, srv0, srv1, window, r.Total)
	r.LoadTool = selfStats(self0, self1)
	return r, nil
}

// joinAll joins Rooms × PerRoom bots, JoinConcurrency at a time, and
// starts their media.
func joinAll(ctx context.Context, cfg Config, tgt target) ([]*participant, error) {
	dialer := &websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	if tgt.isTLS {
		dialer.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	}
	var (
		mu    sync.Mutex
		parts []*participant
		errs  []error
		wg    sync.WaitGroup
		slots = make(chan struct{}, cfg.JoinConcurrency)
	)
	for r := range cfg.Rooms {
		for i := range cfg.PerRoom {
			wg.Add(1)
			slots <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				room := fmt.Sprintf("%s-%d", tgt.room, r+1)
				name := fmt.Sprintf("load-%d-%d", r+1, i+1)
				t0 := time.Now()
				b, err := bot.Join(ctx, bot.Config{
					URL: tgt.ws, Room: room, Key: tgt.key, Name: name,
					Publish: true, Stamp: true,
					VideoFPS: cfg.VideoFPS, VideoBitrate: cfg.VideoBitrate, VideoPacketsPerFrame: cfg.PacketsPerFrame,
					Dialer: dialer,
					Logger: cfg.Logger,
				})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s joining room %s: %w", name, room, err))
					return
				}
				parts = append(parts, &participant{room: r, bot: b, join: time.Since(t0)})
			}()
		}
	}
	wg.Wait()
	slices.SortFunc(parts, func(a, b *participant) int {
		if a.room != b.room {
			return a.room - b.room
		}
		return compareNames(a.bot.Name(), b.bot.Name())
	})
	if len(errs) > 0 {
		return parts, fmt.Errorf("loadtest: %d of %d bots could not join: %w", len(errs), cfg.Rooms*cfg.PerRoom, errors.Join(errs...))
	}
	return parts, nil
}

// compareNames orders load-1-2 before load-1-10.
func compareNames(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
}

func leaveAll(parts []*participant) {
	var wg sync.WaitGroup
	for _, p := range parts {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = p.bot.Leave(ctx)
			p.bot.Close()
		})
	}
	wg.Wait()
}

// waitForMedia waits until every bot receives audio and decodes video from
// every other bot in its room.
func waitForMedia(ctx context.Context, timeout time.Duration, parts []*participant) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		missing := missingMedia(parts)
		if missing == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("loadtest: media did not flow within %s: %s", timeout, missing)
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// missingMedia names the first pair of bots between which no media flows,
// or returns "".
func missingMedia(parts []*participant) string {
	for _, rx := range parts {
		got := rx.bot.Received()
		for _, tx := range parts {
			if tx == rx || tx.room != rx.room {
				continue
			}
			if got[tx.bot.ID()+"/audio"].Packets == 0 {
				return fmt.Sprintf("%s has no audio from %s", rx.bot.Name(), tx.bot.Name())
			}
			if got[tx.bot.ID()+"/video"].Frames == 0 {
				return fmt.Sprintf("%s has decoded no video from %s", rx.bot.Name(), tx.bot.Name())
			}
		}
	}
	return ""
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// progress waits out the measuring window, drawing a progress line once a
// second if cfg.Progress is set.
func progress(ctx context.Context, cfg Config, parts []*participant, recv0 map[pair]int64) error {
	end := time.Now().Add(cfg.Duration)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	start := time.Now()
	for {
		left := time.Until(end)
		if left <= 0 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		case <-time.After(left):
		}
		if cfg.Progress == nil {
			continue
		}
		var delivered int64
		for k, n := range receivedCounts(parts) {
			delivered += n - recv0[k]
		}
		elapsed := time.Since(start)
		line := progressLine(min(elapsed, cfg.Duration), cfg.Duration, float64(delivered)/elapsed.Seconds())
		if cfg.Terminal {
			fmt.Fprintf(cfg.Progress, "\r%s", line)
		} else if int(elapsed.Seconds())%5 == 0 || elapsed >= cfg.Duration {
			fmt.Fprintln(cfg.Progress, line)
		}
	}
	if cfg.Progress != nil && cfg.Terminal {
		fmt.Fprintln(cfg.Progress)
	}
	return nil
}

func progressLine(elapsed, total time.Duration, rate float64) string {
	const width = 30
	done := int(float64(width) * elapsed.Seconds() / total.Seconds())
	done = min(max(done, 0), width)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if i < done {
			bar[i] = '='
		}
	}
	return fmt.Sprintf("measuring [%s] %4.0f/%.0f s  %s packets/s delivered", bar, elapsed.Seconds(), total.Seconds(), thousands(int64(rate)))
}

// pair is a receiving bot, a sending bot and a kind.
type pair struct {
	rx, tx string // bot IDs
	kind   string
}

// sentKey is a sending bot and a kind.
type sentKey struct{ tx, kind string }

func sentCounts(parts []*participant) map[sentKey]int64 {
	out := make(map[sentKey]int64, 2*len(parts))
	for _, p := range parts {
		s := p.bot.Sent()
		out[sentKey{p.bot.ID(), "audio"}] = s.AudioPackets
		out[sentKey{p.bot.ID(), "video"}] = s.VideoPackets
	}
	return out
}

func receivedCounts(parts []*participant) map[pair]int64 {
	out := make(map[pair]int64)
	for _, p := range parts {
		for _, t := range p.bot.Received() {
			out[pair{p.bot.ID(), t.Participant, t.Kind}] = t.Packets
		}
	}
	return out
}

// drained reads the receivers' counters once nothing more arrives (what
// was in flight when the senders stopped), waiting at most 5 seconds.
func drained(ctx context.Context, parts []*participant) map[pair]int64 {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	last := receivedCounts(parts)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return last
		case <-tick.C:
		}
		now := receivedCounts(parts)
		if mapsEqual(now, last) {
			return now
		}
		last = now
	}
}

// midpoint is the counters halfway between two readings of them.
func midpoint[K comparable](a, b map[K]int64) map[K]int64 {
	out := make(map[K]int64, len(b))
	for k, v := range b {
		out[k] = (a[k] + v) / 2
	}
	return out
}

func mapsEqual(a, b map[pair]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// delivery compares what every bot sent in the window with what every
// other bot in its room received from it.
func delivery(cfg Config, tgt target, parts []*participant, sent0, sent1 map[sentKey]int64, recv0, recv1 map[pair]int64) ([]RoomStats, Totals) {
	rooms := make([]RoomStats, cfg.Rooms)
	var total [2]kindAcc
	for i := range rooms {
		var acc [2]kindAcc
		for _, rx := range parts {
			if rx.room != i {
				continue
			}
			audio, video := rx.bot.Delays()
			acc[0].delay.Merge(&audio)
			acc[1].delay.Merge(&video)
			for _, tx := range parts {
				if tx.room != i || tx == rx {
					continue
				}
				for k, kind := range kinds {
					sk := sentKey{tx.bot.ID(), kind}
					acc[k].expected += sent1[sk] - sent0[sk]
					pk := pair{rx.bot.ID(), tx.bot.ID(), kind}
					acc[k].delivered += recv1[pk] - recv0[pk]
				}
			}
		}
		rooms[i] = RoomStats{Room: fmt.Sprintf("%s-%d", tgt.room, i+1), Audio: acc[0].stats(), Video: acc[1].stats()}
		for k := range total {
			total[k].add(&acc[k])
		}
	}
	return rooms, Totals{Audio: total[0].stats(), Video: total[1].stats()}
}

var kinds = [2]string{"audio", "video"}

type kindAcc struct {
	expected, delivered int64
	delay               histogram.H
}

func (a *kindAcc) add(o *kindAcc) {
	a.expected += o.expected
	a.delivered += o.delivered
	a.delay.Merge(&o.delay)
}

func (a *kindAcc) stats() KindStats {
	s := KindStats{Expected: a.expected, Delivered: a.delivered}
	if a.expected > 0 {
		s.Loss = max(0, 1-float64(a.delivered)/float64(a.expected))
	}
	if a.delay.Count() > 0 {
		s.DelayP50 = a.delay.Quantile(0.5)
		s.DelayP99 = a.delay.Quantile(0.99)
		s.DelayMax = a.delay.Max()
	}
	return s
}

func joinStats(parts []*participant, wall time.Duration) JoinStats {
	var h histogram.H
	for _, p := range parts {
		h.Add(p.join)
	}
	return JoinStats{Count: len(parts), Wall: wall, P50: h.Quantile(0.5), P99: h.Quantile(0.99), Max: h.Max()}
}
