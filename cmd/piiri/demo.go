package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"piiri/config"
	"piiri/demo"
	"piiri/server"
)

// demoCmd is `piiri demo`: the server with a demo group seeded. Unless the
// config says otherwise it keeps its state apart (piiri-demo-data) and
// counts a meeting as held after two minutes, so the whole path from the
// programme to a counted meeting can be tried at once.
func demoCmd(args []string, stdout, stderr io.Writer) int {
	return runServer("demo", args, stdout, stderr, func(cfg *config.Config) func(*server.Server) error {
		// A value left at its default is the demo's to choose.
		defaults := config.Default()
		if cfg.Data.Dir == defaults.Data.Dir {
			cfg.Data.Dir = "piiri-demo-data"
		}
		if cfg.Meetings.MinHeld == defaults.Meetings.MinHeld {
			cfg.Meetings.MinHeld = 2 * time.Minute
		}
		return func(srv *server.Server) error {
			s, err := demo.Seed(context.Background(), srv.Control(), time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "The demo group %q (its first meeting's room is open; a meeting counts as held after %v):\n\n", demo.GroupName, cfg.Meetings.MinHeld)
			for _, p := range s.People {
				fmt.Fprintf(stdout, "    %-22s %-12s %s/g/%s\n", p.Name, p.Role, srv.BaseURL(), p.Token)
			}
			fmt.Fprintln(stdout)
			return nil
		}
	})
}
