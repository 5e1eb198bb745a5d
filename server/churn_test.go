package server_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"piiri/bot"
	"piiri/config"
	"piiri/internal/testwait"
	"piiri/server/servertest"
)

// TestChurn runs 30 join/leave cycles next to two participants who stay.
// In each cycle one to four bots join at the same instant; some leave with
// a leave message, some vanish (the grace period then removes them), some
// leave right after joining. Afterwards the counts are right, the two who
// stayed still exchange media, and the server's goroutines are back to
// where they were: nothing leaks per participant.
func TestChurn(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) {
		c.Signaling.ResumeGrace = 200 * time.Millisecond
	})
	stay := []*bot.Bot{
		joinBot(t, srv, "churn", "stay-a", true),
		joinBot(t, srv, "churn", "stay-b", true),
	}
	eventually(t, 20*time.Second, "the two who stay exchange media", func() error {
		for _, b := range stay {
			if err := receivingFromAll(b, stay, 5); err != nil {
				return err
			}
		}
		return nil
	})
	settle := func() {
		eventually(t, 20*time.Second, "room back to the two who stay", func() error {
			if c := srv.Signaling().Counts(); c.Participants != 2 || c.Rooms != 1 {
				return fmt.Errorf("server counts %+v", c)
			}
			for _, b := range stay {
				if n := len(b.Participants()); n != 1 {
					return fmt.Errorf("bot %s sees %d others", b.ID(), n)
				}
			}
			return nil
		})
	}
	settle()
	baseline := runtime.NumGoroutine()

	for cycle := range 30 {
		n := 1 + cycle%4
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start // all joins of a cycle at the same instant
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				b, err := bot.Join(ctx, bot.Config{URL: srv.WebsocketURL(), Room: "churn", Name: fmt.Sprintf("c%d-%d", cycle, i), Publish: true})
				if err != nil {
					t.Errorf("cycle %d bot %d: join: %v", cycle, i, err)
					return
				}
				switch (cycle + i) % 3 {
				case 0: // stay until media flows, then leave properly
					if err := testwait.For(20*time.Second, "churn bot receives", func() error { return receivingFromAll(b, stay, 1) }); err != nil {
						t.Errorf("cycle %d bot %d: %v", cycle, i, err)
					}
					_ = b.Leave(ctx)
				case 1: // vanish without a word
					b.Close()
				case 2: // leave at once, mid-negotiation
					_ = b.Leave(ctx)
				}
			}()
		}
		close(start)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		settle()
	}

	// The two who stayed still receive each other, and decode.
	for i, b := range stay {
		other := stay[1-i].ID()
		before := b.Received()
		eventually(t, 10*time.Second, "the two who stay still receive", func() error {
			now := b.Received()
			if now[other+"/audio"].Packets <= before[other+"/audio"].Packets || now[other+"/video"].Frames <= before[other+"/video"].Frames {
				return fmt.Errorf("%s receives nothing new from %s", b.ID(), other)
			}
			return nil
		})
	}
	checkIntact(t, stay)

	eventually(t, 20*time.Second, "goroutines back to baseline", func() error {
		if n := runtime.NumGoroutine(); n > baseline+10 {
			return fmt.Errorf("%d goroutines, %d before the churn", n, baseline)
		}
		return nil
	})
}
