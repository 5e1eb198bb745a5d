package firewall

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"piiri/bot"
	"piiri/internal/testwait"
)

// BenchmarkRelayCost measures what relaying through the embedded TURN
// server costs the server, against direct UDP: a room of six bots, all on
// one path, sends for ten seconds, and the server process's CPU time is
// divided by the packets it forwarded. Run it with
//
//	go test ./e2e/firewall -run '^$' -bench RelayCost -benchtime 1x
//
// The figure per forwarded packet includes, for the relayed paths, the
// TURN work on both legs (the publisher's packet in, the subscribers'
// packets out).
func BenchmarkRelayCost(b *testing.B) {
	applyProfile(b, "open")
	for _, mode := range []string{"direct-udp", "turn-udp", "turn-tcp", "turn-tls"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				measureRoom(b, mode, 6, 10*time.Second)
			}
		})
	}
}

func measureRoom(b *testing.B, mode string, n int, window time.Duration) {
	room := fmt.Sprintf("bench-%s-%d", mode, time.Now().UnixNano())
	relay := strings.TrimPrefix(mode, "turn-")
	if mode == "direct-udp" {
		relay = ""
	}
	bots := make([]*bot.Bot, n)
	for i := range bots {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		bt, err := bot.Join(ctx, bot.Config{
			URL: "wss://" + serverHost + "/ws", Room: room, Key: roomKey, Name: fmt.Sprintf("bench%d", i),
			Publish: true, RelayOnly: relay, NoTURN: mode == "direct-udp",
			Configure: func(se *webrtc.SettingEngine) {
				// UDP only: the relay candidate is UDP whatever carries
				// it to TURN, and pion's active ICE-TCP candidates would
				// slip past the relay-only policy.
				se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
			},
		})
		cancel()
		if err != nil {
			b.Fatalf("bot %d: %v", i, err)
		}
		defer bt.Close()
		bots[i] = bt
	}
	testwait.Until(b, 60*time.Second, mode+": bots all receiving each other", func() error { return allReceiving(bots) })
	for _, bt := range bots {
		for pc, path := range bt.Paths() {
			want := mode
			if mode == "direct-udp" {
				want = "udp"
			}
			if path != want {
				b.Fatalf("bot %s connection took %s, want %s", pc, path, want)
			}
		}
	}
	cpu0, fwd0 := serverCPU(b), forwarded(b)
	b.ResetTimer()
	if dir := os.Getenv("RELAY_BENCH_PROFILE"); dir != "" {
		saveProfile(b, dir+"/"+mode+".pprof", window)
	} else {
		time.Sleep(window)
	}
	b.StopTimer()
	cpu1, fwd1 := serverCPU(b), forwarded(b)
	packets := fwd1 - fwd0
	if packets <= 0 {
		b.Fatal("nothing forwarded")
	}
	cpu := cpu1 - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/packets, "cpu-ns/fwd-pkt")
	b.ReportMetric(packets/window.Seconds(), "fwd-pkt/s")
	b.ReportMetric(cpu.Seconds()/window.Seconds()*100, "%cpu")
}

// allReceiving says which bot does not yet receive which other's audio
// and video, or nil once every bot receives every other.
func allReceiving(bots []*bot.Bot) error {
	for _, rx := range bots {
		got := rx.Received()
		for _, tx := range bots {
			audio, video := got[tx.ID()+"/audio"], got[tx.ID()+"/video"]
			if rx != tx && (audio.Packets < 20 || video.Frames < 5) {
				return fmt.Errorf("%s from %s: %d audio packets, %d video frames", rx.ID(), tx.ID(), audio.Packets, video.Frames)
			}
		}
	}
	return nil
}

// serverCPU is the server process's user and system CPU time so far.
func serverCPU(b *testing.B) time.Duration {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", serverPID))
	if err != nil {
		b.Fatalf("server CPU: %v", err)
	}
	// Fields after the command name (which is in parentheses): utime is
	// field 14, stime 15, in clock ticks (100 per second on Linux).
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// forwarded reads the server's forwarded packet counters (audio and
// video) from its metrics.
func forwarded(b *testing.B) float64 {
	b.Helper()
	resp, err := http.Get("http://" + serverIP + ":9090/metrics")
	if err != nil {
		b.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	var total float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "piiri_forwarded_packets_total{") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			total += v
		}
	}
	return total
}

// saveProfile records the server's CPU profile over window
// (RELAY_BENCH_PROFILE=DIR), to see where the cost per packet goes.
func saveProfile(b *testing.B, path string, window time.Duration) {
	resp, err := http.Get(fmt.Sprintf("http://%s:9090/debug/pprof/profile?seconds=%d", serverIP, int(window.Seconds())))
	if err != nil {
		b.Fatalf("profile: %v", err)
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	_, _ = io.Copy(f, resp.Body)
}
