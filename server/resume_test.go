package server_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"piiri/bot"
	"piiri/config"
	"piiri/server/servertest"
)

// TestResume cuts one participant's websocket from the server side, as a
// network failure would, and has it come back with its resume token: it is
// the same participant, both of its connections restart ICE, media flows
// again both ways, and the others never see it leave.
func TestResume(t *testing.T) {
	srv := servertest.Start(t, nil)
	bots := []*bot.Bot{
		joinBot(t, srv, "resume", "a", true),
		joinBot(t, srv, "resume", "b", true),
		joinBot(t, srv, "resume", "c", true),
	}
	a := bots[0]
	allReceive := func(minFrames int64) func() error {
		return func() error {
			for _, b := range bots {
				if err := receivingFromAll(b, bots, minFrames); err != nil {
					return err
				}
			}
			return nil
		}
	}
	eventually(t, 20*time.Second, "media among all three", allReceive(5))
	id := a.ID()
	subUfrag, pubUfrag := a.RemoteICEUfrag("subscriber"), a.RemoteICEUfrag("publisher")

	if !srv.Signaling().Disconnect(id) {
		t.Fatal("server did not find the participant to disconnect")
	}
	eventually(t, 10*time.Second, "server notices the drop", func() error {
		if c := srv.Signaling().Counts(); c.Connected != 2 || c.Participants != 3 {
			return fmt.Errorf("counts %+v, want 3 participants, 2 connected", c)
		}
		return nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Resume(ctx); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if a.ID() != id {
		t.Fatalf("resumed as %s, want the same participant %s", a.ID(), id)
	}
	eventually(t, 10*time.Second, "both connections restart ICE", func() error {
		if a.RemoteICEUfrag("subscriber") == subUfrag || a.RemoteICEUfrag("publisher") == pubUfrag {
			return errors.New("ICE credentials unchanged")
		}
		return nil
	})

	// Media flows again, in both directions, after the restart.
	before := receivedByPair(bots)
	eventually(t, 20*time.Second, "media flows after resume", func() error {
		now := receivedByPair(bots)
		for _, rx := range bots {
			for _, tx := range bots {
				if rx == tx {
					continue
				}
				k := rx.ID() + "<" + tx.ID() + "/video"
				if now[k].Frames < before[k].Frames+10 {
					return fmt.Errorf("%s decoded %d new frames from %s", rx.ID(), now[k].Frames-before[k].Frames, tx.ID())
				}
			}
		}
		return nil
	})
	for _, b := range bots[1:] {
		if slices.Contains(b.LeftSeen(), id) {
			t.Errorf("bot %s saw %s leave", b.ID(), id)
		}
		if _, ok := b.Participants()[id]; !ok {
			t.Errorf("bot %s no longer lists %s", b.ID(), id)
		}
	}
	if c := srv.Signaling().Counts(); c.Connected != 3 || c.Participants != 3 {
		t.Errorf("counts %+v after resume, want 3 connected", c)
	}
	checkIntact(t, bots)
}

// TestResumeGraceExpires: a participant that does not come back within the
// grace period is removed, the others are told why, and its token no
// longer works.
func TestResumeGraceExpires(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) {
		c.Signaling.ResumeGrace = 300 * time.Millisecond
	})
	a := joinBot(t, srv, "expire", "a", true)
	b := joinBot(t, srv, "expire", "b", true)
	id := a.ID()
	a.CutSignaling()
	eventually(t, 10*time.Second, "b sees a leave", func() error {
		if !slices.Contains(b.LeftSeen(), id) {
			return errors.New("no participant_left yet")
		}
		return nil
	})
	if c := srv.Signaling().Counts(); c.Participants != 1 {
		t.Errorf("counts %+v, want 1 participant", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var be *bot.Error
	if err := a.Resume(ctx); !errors.As(err, &be) || be.Code != "resume_failed" {
		t.Fatalf("resume after the grace period: %v, want resume_failed", err)
	}
}

// TestLeaveIsImmediate: a leave removes the participant at once, with
// reason "left", and no grace period.
func TestLeaveIsImmediate(t *testing.T) {
	srv := servertest.Start(t, nil) // default grace: 30 s
	a := joinBot(t, srv, "leave", "a", false)
	b := joinBot(t, srv, "leave", "b", false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "b sees a leave", func() error {
		if len(b.LeftSeen()) != 1 {
			return errors.New("no participant_left yet")
		}
		return nil
	})
	if c := srv.Signaling().Counts(); c.Participants != 1 {
		t.Errorf("counts %+v, want 1", c)
	}
	if a.Bye() != "left" {
		t.Errorf("bye reason %q, want left", a.Bye())
	}
}
