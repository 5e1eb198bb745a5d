package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"piiri/config"
	"piiri/control"
	"piiri/server/servertest"
)

// TestMeetingMetrics: /metrics follows mentoring meetings through the
// server's wiring of control's observer: piiri_meetings_running rises at
// a start and falls at the end, each end is counted under whether the
// meeting was held (one ended with nobody there: held="false"; one where
// the quorum stayed the minimum duration: held="true"), and every phase
// a running meeting enters is a phase transition.
func TestMeetingMetrics(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) { c.Meetings.MinHeld = 10 * time.Second })
	g := newGroup(t, srv)
	ctx, admin := context.Background(), control.AdminPrincipal()
	const (
		running  = `piiri_meetings_running`
		held     = `piiri_meetings_ended_total{held="true"}`
		notHeld  = `piiri_meetings_ended_total{held="false"}`
		phases   = `piiri_meeting_phase_transitions_total`
		deadline = 30 * time.Second
	)
	scrape := func() map[string]float64 {
		t.Helper()
		code, body := get(t, "http://"+srv.AdminAddr()+"/metrics")
		if code != 200 {
			t.Fatalf("/metrics: %d", code)
		}
		out := map[string]float64{}
		for _, s := range []string{running, held, notHeld, phases} {
			v, ok := metricValue(body, s)
			if !ok {
				t.Fatalf("/metrics has no %s", s)
			}
			out[s] = v
		}
		return out
	}
	// want waits until every series in diff has moved by exactly that
	// much from base, and the others not at all.
	want := func(what string, base map[string]float64, diff map[string]float64) map[string]float64 {
		t.Helper()
		var now map[string]float64
		eventually(t, deadline, what, func() error {
			now = scrape()
			for s, v := range now {
				if v-base[s] != diff[s] {
					return fmt.Errorf("%s went from %v to %v, want a change of %v", s, base[s], v, diff[s])
				}
			}
			return nil
		})
		return now
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	base := scrape()
	if base[running] != 0 || base[held] != 0 || base[notHeld] != 0 || base[phases] != 0 {
		t.Fatalf("a new server's meeting metrics: %v", base)
	}

	// A meeting nobody came to: started, moved a phase on, ended.
	must(g.svc.OpenMeeting(ctx, admin, g.meeting))
	must(g.svc.Start(ctx, admin, g.meeting))
	started := want("the start", base, map[string]float64{running: 1, phases: 1}) // into the opening round
	must(g.svc.NextPhase(ctx, admin, g.meeting))
	moved := want("a phase transition", started, map[string]float64{phases: 1})
	must(g.svc.End(ctx, admin, g.meeting))
	ended := want("the end, not held", moved, map[string]float64{running: -1, notHeld: 1})

	// A meeting the quorum (Anna and Ben) attended for the minimum
	// duration.
	m2, err := g.svc.AddMeeting(ctx, admin, g.id, control.MeetingInput{Start: time.Now().Add(time.Minute), Theme: "Boundaries"})
	must(m2, err)
	must(g.svc.OpenMeeting(ctx, admin, m2.ID))
	for _, name := range []string{"Anna", "Ben"} {
		if _, err := joinByLink(t, srv, g.tokens[name]); err != nil {
			t.Fatalf("%s joins: %v", name, err)
		}
	}
	must(g.svc.Start(ctx, admin, m2.ID))
	started = want("the second start", ended, map[string]float64{running: 1, phases: 1})
	eventually(t, time.Minute, "the second meeting to count as held", func() error {
		v, err := g.svc.Meeting(ctx, admin, m2.ID)
		if err != nil {
			return err
		}
		if !v.Count.Held {
			return fmt.Errorf("not held yet: longest stretch %v of %v", v.Count.Longest, v.Count.MinHeld)
		}
		return nil
	})
	must(g.svc.End(ctx, admin, m2.ID))
	want("the end, held", started, map[string]float64{running: -1, held: 1})
}
