// Command piiri is the piiri meeting server. It holds wiring only:
// subcommands parse their flags and call into the packages that do the work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"piiri/config"
	"piiri/netcheck"
	"piiri/server"
)

const usage = `piiri: a self-hosted video-meeting server for peer-mentoring groups

Usage:
  piiri serve [-config FILE]     run the server (no config: 127.0.0.1:8080, dev mode)
  piiri config check FILE        validate a config file; list every problem
  piiri config example           print a fully commented example config
  piiri netcheck [-timeout 10s] [-ca FILE] LINK
                                 from a member's network: which ways to the
                                 server work (HTTPS, websocket, TURN over
                                 UDP/TCP/TLS, media over UDP/TCP), and advice;
                                 through the web proxy in HTTPS_PROXY, if set
                                 (http://USER:PASSWORD@HOST:PORT for one that
                                 needs a login); -ca trusts a PEM certificate
                                 (a trial server's self-signed one)

Environment variables PIIRI_<SECTION>_<KEY> override config keys,
e.g. PIIRI_SERVER_LISTEN=:8443.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "config":
		return configCmd(args[1:], stdout, stderr)
	case "netcheck":
		return netcheckCmd(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "piiri: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "YAML config `file` (default: built-in defaults)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*configPath, os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "piiri: invalid configuration:\n%v\n", err)
		return 1
	}
	log := server.NewLogger(cfg.Log, stderr)
	srv, err := server.New(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "piiri: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "\npiiri is running. Open this link to start a meeting:\n\n    %s\n\n", srv.RoomLink())
	if cfg.DevMode() {
		fmt.Fprintf(stdout, "Dev mode: any room name works without a key, on this machine only.\n")
	}
	fmt.Fprintf(stdout, "Metrics: http://%s/metrics   Stop: Ctrl-C\n\n", srv.AdminAddr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "piiri: %v\n", err)
		return 1
	}
	return 0
}

func configCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "piiri config: want \"check FILE\" or \"example\"\n")
		return 2
	}
	switch args[0] {
	case "example":
		fmt.Fprint(stdout, config.Example())
		return 0
	case "check":
		if len(args) != 2 {
			fmt.Fprint(stderr, "piiri config check: want exactly one FILE\n")
			return 2
		}
		if _, err := config.Load(args[1], os.Environ()); err != nil {
			var problems config.Errors
			if errors.As(err, &problems) {
				fmt.Fprintf(stderr, "%s: %d problem(s):\n%v\n", args[1], len(problems), err)
			} else {
				fmt.Fprintf(stderr, "%s: %v\n", args[1], err)
			}
			return 1
		}
		fmt.Fprintf(stdout, "%s: OK\n", args[1])
		return 0
	default:
		fmt.Fprintf(stderr, "piiri config: unknown subcommand %q; want \"check FILE\" or \"example\"\n", args[0])
		return 2
	}
}

func netcheckCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("netcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 10*time.Second, "time each check may take")
	caFile := fs.String("ca", "", "PEM `file` of certificates to trust besides the system's, such as a trial server's self-signed one")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "piiri netcheck: give the meeting link, such as https://meet.example.org/?room=tuesday#key=...\n")
		return 2
	}
	link := fs.Arg(0)
	host, port, err := netcheck.ServerAddress(link)
	if err != nil {
		fmt.Fprintf(stderr, "piiri netcheck: %v\n", err)
		return 2
	}
	opts := netcheck.Options{Timeout: *timeout}
	if *caFile != "" {
		if opts.RootCAs, err = netcheck.LoadRootCAs(*caFile); err != nil {
			fmt.Fprintf(stderr, "piiri netcheck: %v\n", err)
			return 2
		}
	}
	fmt.Fprintf(stdout, "Checking the ways from this network to %s (up to %v per check)...\n\n", host, *timeout)
	results, err := netcheck.Run(context.Background(), link, opts)
	if err != nil {
		fmt.Fprintf(stderr, "piiri netcheck: %v\n", err)
		return 2
	}
	verdict := netcheck.Judge(results, host, port)
	netcheck.Print(stdout, results, verdict)
	if !verdict.Works {
		return 1
	}
	return 0
}
