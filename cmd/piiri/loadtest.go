package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"piiri/loadtest"
	"piiri/netcheck"
)

func loadtestCmd(args []string, stdout, stderr io.Writer) int {
	d := loadtest.Defaults()
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rooms := fs.Int("rooms", d.Rooms, "number of rooms")
	size := fs.Int("size", d.PerRoom, "participants per room, each publishing audio and video and receiving everyone else")
	duration := fs.Duration("duration", d.Duration, "measured time")
	warmup := fs.Duration("warmup", d.Warmup, "time the media runs before measuring")
	bitrate := fs.String("bitrate", "600k", "video bitrate per publisher in bits/s (k and M allowed; 0 for small frames)")
	fps := fs.Int("fps", d.VideoFPS, "video frames per second")
	packets := fs.Int("packets", d.PacketsPerFrame, "RTP packets per video frame (keyframes take more)")
	joins := fs.Int("join-concurrency", d.JoinConcurrency, "bots joining at the same time")
	metricsURL := fs.String("metrics", "", "the server's metrics `URL` (admin listener), e.g. http://127.0.0.1:9090/metrics: its own packet and socket-drop counts, and CPU and memory of a remote server")
	pid := fs.Int("pid", 0, "the server's process id for CPU and memory from /proc (default: the process listening on the link's port, if on this machine; -1: none)")
	caFile := fs.String("ca", "", "PEM `file` of certificates to trust besides the system's, such as a trial server's self-signed one")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "piiri loadtest: give a meeting link of the server, such as http://127.0.0.1:8080/?room=load (the link `piiri serve` prints)\n")
		return 2
	}
	bps, err := parseBitrate(*bitrate)
	if err != nil {
		fmt.Fprintf(stderr, "piiri loadtest: -bitrate: %v\n", err)
		return 2
	}
	cfg := d
	cfg.Link = fs.Arg(0)
	cfg.Rooms, cfg.PerRoom = *rooms, *size
	cfg.Duration, cfg.Warmup = *duration, *warmup
	cfg.VideoBitrate, cfg.VideoFPS, cfg.PacketsPerFrame = bps, *fps, *packets
	cfg.JoinConcurrency = *joins
	cfg.MetricsURL, cfg.PID = *metricsURL, *pid
	if *caFile != "" {
		if cfg.RootCAs, err = netcheck.LoadRootCAs(*caFile); err != nil {
			fmt.Fprintf(stderr, "piiri loadtest: %v\n", err)
			return 2
		}
	}
	cfg.Progress = stderr
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			cfg.Terminal = true
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stderr, "joining %d bots...\n", cfg.Rooms*cfg.PerRoom)
	report, err := loadtest.Run(ctx, cfg)
	if err != nil && ctx.Err() != nil {
		fmt.Fprint(stderr, "piiri loadtest: interrupted; the bots have left\n")
		return 130
	}
	if err != nil {
		fmt.Fprintf(stderr, "piiri loadtest: %v\n", err)
		if unknown := (x509.UnknownAuthorityError{}); errors.As(err, &unknown) && *caFile == "" {
			fmt.Fprint(stderr, "piiri loadtest: the server's certificate is not trusted here; for a self-signed one give it with -ca FILE (self-signed-cert.pem in its data directory)\n")
		}
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(report)
	} else {
		err = report.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "piiri loadtest: %v\n", err)
		return 1
	}
	return 0
}

// parseBitrate reads 600000, 600k or 1.5M.
func parseBitrate(s string) (int, error) {
	mult := 1.0
	num := s
	switch {
	case strings.HasSuffix(s, "k"):
		mult, num = 1e3, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "M"):
		mult, num = 1e6, strings.TrimSuffix(s, "M")
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 || v*mult > 50e6 {
		return 0, fmt.Errorf("%q is not a bitrate such as 600k (up to 50M)", s)
	}
	return int(v * mult), nil
}
