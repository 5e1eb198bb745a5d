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
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"piiri/config"
	"piiri/internal/buildinfo"
	"piiri/netcheck"
	"piiri/server"
)

const usage = `piiri: a self-hosted video-meeting server for peer-mentoring groups

Usage:
  piiri serve [-config FILE]     run the server (no config: 127.0.0.1:8080, dev mode)
  piiri demo [-config FILE]      run the server with a demo group (a facilitator,
                                 five members, a programme) and print their links
  piiri backup [-config FILE] FILE
                                 write a consistent copy of the store, also while
                                 the server runs (through its admin listener)
  piiri restore [-config FILE] FILE
                                 put a backup back (stop the server first)
  piiri admin [-server URL] [-token-file FILE] COMMAND ...
                                 what an admin does without a browser, through
                                 the API: groups, templates, create-group,
                                 add-person, people, links, reissue-link,
                                 revoke-link, meetings, plan, report (never
                                 the token as an argument; piiri admin -h)
  piiri loadtest [-rooms 1] [-size 4] [-duration 20s] [-bitrate 600k] [-metrics URL] [-json] LINK
                                 fill rooms with bots publishing synthetic audio
                                 and video; report delivery, loss, delay and the
                                 server's CPU and memory (piiri loadtest -h)
  piiri config check FILE        validate a config file; list every problem
  piiri config example           print a fully commented example config
  piiri version                  print the version, commit and Go version
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
		return helpIsNotAnError(args[1:], netcheckCmd(args[1:], stdout, stderr))
	case "admin":
		return adminCmd(args[1:], os.Stdin, stdout, stderr)
	case "loadtest":
		return helpIsNotAnError(args[1:], loadtestCmd(args[1:], stdout, stderr))
	case "demo":
		return demoCmd(args[1:], stdout, stderr)
	case "backup":
		return backupCmd(args[1:], stdout, stderr)
	case "restore":
		return restoreCmd(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		return versionCmd(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "piiri: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// parseFlags parses a subcommand's flags. It reports the exit code when
// the command should stop: 0 after -h printed the usage (asking for help
// is not an error), 2 for a usage error, which fs has described.
func parseFlags(fs *flag.FlagSet, args []string) (exit int, stop bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	default:
		return 2, true
	}
}

// helpIsNotAnError turns the usage-error exit of a subcommand that parses
// its flags itself into 0 when the flags asked for help (-h, -help,
// --help before the first argument), as parseFlags does.
func helpIsNotAnError(args []string, code int) int {
	if code != 2 {
		return code
	}
	for _, a := range args {
		if a == "--" || !strings.HasPrefix(a, "-") {
			break
		}
		switch a {
		case "-h", "-help", "--help", "--h":
			return 0
		}
	}
	return code
}

func versionCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if exit, stop := parseFlags(fs, args); stop {
		return exit
	}
	if fs.NArg() != 0 {
		fmt.Fprint(stderr, "piiri version: takes no arguments\n")
		return 2
	}
	fmt.Fprintln(stdout, buildinfo.Get())
	return 0
}

func serve(args []string, stdout, stderr io.Writer) int {
	return runServer("serve", args, stdout, stderr, nil)
}

// runServer loads the config, lets adjust (if not nil) change it, starts
// the server, says where to go, calls what adjust returned with the
// server, and serves until SIGINT or SIGTERM.
func runServer(name string, args []string, stdout, stderr io.Writer, adjust func(*config.Config) func(*server.Server) error) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "YAML config `file` (default: built-in defaults)")
	if exit, stop := parseFlags(fs, args); stop {
		return exit
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "piiri %s: unexpected argument %q; give the config with -config FILE\n", name, fs.Arg(0))
		return 2
	}
	cfg, err := config.Load(*configPath, os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "piiri: invalid configuration:\n%v\n", err)
		return 1
	}
	var before func(*server.Server) error
	if adjust != nil {
		before = adjust(&cfg)
	}
	// Listen for the signals before saying the server runs: a SIGTERM
	// right after the message must stop it gracefully, not kill it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := server.NewLogger(cfg.Log, stderr)
	srv, err := server.New(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "piiri: %v\n", err)
		return 1
	}
	link, key, _ := strings.Cut(srv.RoomLink(), "#")
	switch {
	case key == "":
		fmt.Fprintf(stdout, "\npiiri is running. Open this link to start a meeting:\n\n    %s\n\n", link)
	case isTerminal(stdout):
		fmt.Fprintf(stdout, "\npiiri is running. Open this link to start a meeting:\n\n    %s#%s\n\n", link, key)
	default:
		// Not a terminal: a journal or a log file, which must never hold
		// the room key.
		fmt.Fprintf(stdout, "\npiiri is running. Open this link, with #key= and the room key added, to start a meeting:\n\n    %s\n\n(The key is left out because this output is not a terminal and may be kept in a log.)\n", link)
	}
	if srv.DevMode() {
		fmt.Fprintf(stdout, "Dev mode: any room name works without a key, on this machine only.\n")
	}
	printAdminLink(stdout, stderr, cfg, srv)
	if cfg.Admin.Listen == config.AdminOff {
		fmt.Fprintf(stdout, "Metrics: off (admin.listen)   Stop: Ctrl-C\n\n")
	} else {
		fmt.Fprintf(stdout, "Metrics: http://%s/metrics   Stop: Ctrl-C\n\n", srv.AdminAddr())
	}
	if before != nil {
		if err := before(srv); err != nil {
			fmt.Fprintf(stderr, "piiri: %v\n", err)
			stop()
			_ = srv.Run(ctx)
			return 1
		}
	}
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "piiri: %v\n", err)
		return 1
	}
	return 0
}

// printAdminLink tells where the admin page is. Its link carries the
// admin's token, so it is printed only to a terminal; a token generated
// at this start is also kept in data.dir/admin-link.txt (readable by the
// piiri user only), where an admin without a terminal finds it.
func printAdminLink(stdout, stderr io.Writer, cfg config.Config, srv *server.Server) {
	file := filepath.Join(cfg.Data.Dir, "admin-link.txt")
	if srv.AdminTokenCreated() {
		if err := os.WriteFile(file, []byte(srv.AdminLink()+"\n"), 0o600); err != nil {
			fmt.Fprintf(stderr, "piiri: could not keep the admin link in %s: %v\n", file, err)
		}
	}
	switch {
	case cfg.Admin.Token != "":
		fmt.Fprintf(stdout, "Admin page: %s/admin#TOKEN, with the token of admin.token.\n", srv.BaseURL())
	case isTerminal(stdout):
		fmt.Fprintf(stdout, "Admin page (groups, people, reports; keep this link private):\n\n    %s\n\n", srv.AdminLink())
	default:
		fmt.Fprintf(stdout, "Admin page: the link is in %s (kept out of this output, which may be logged).\n", file)
	}
}

// isTerminal reports whether w is a terminal, where a person reads it as
// it is written, rather than a pipe or file that may be kept.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func configCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "piiri config: want \"check FILE\" or \"example\"\n")
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, "Usage:\n  piiri config check FILE   validate a config file; list every problem\n  piiri config example      print a fully commented example config\n")
		return 0
	case "example":
		if len(args) > 1 {
			if helpIsNotAnError(args[1:], 2) == 0 {
				fmt.Fprint(stdout, "Usage: piiri config example > piiri.yaml\n\nPrints every key with its default and what it does.\n")
				return 0
			}
			fmt.Fprint(stderr, "piiri config example: takes no arguments\n")
			return 2
		}
		fmt.Fprint(stdout, config.Example())
		return 0
	case "check":
		if len(args) == 2 && (args[1] == "-h" || args[1] == "-help" || args[1] == "--help") {
			fmt.Fprint(stdout, "Usage: piiri config check FILE\n\nReads FILE and the PIIRI_* environment as piiri serve would, and lists every\nproblem with its key, line and fix. Exits 1 if there is any.\n")
			return 0
		}
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
