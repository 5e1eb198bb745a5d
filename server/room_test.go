package server_test

import (
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"piiri/bot"
	"piiri/server/servertest"
)

func TestTwoBotsExchangeMedia(t *testing.T) {
	srv := servertest.Start(t, nil)
	a := joinBot(t, srv, "pair", "a", true)
	b := joinBot(t, srv, "pair", "b", true)
	bots := []*bot.Bot{a, b}
	eventually(t, 20*time.Second, "media both ways", func() error {
		for _, x := range bots {
			if err := receivingFromAll(x, bots, 10); err != nil {
				return err
			}
		}
		return nil
	})
	checkIntact(t, bots)
}

// TestFullRoom fills a room to the default maximum of 11 and checks that
// every participant receives at least 95% of the audio and video packets
// every other participant sent, and decodes the frames intact.
func TestFullRoom(t *testing.T) {
	const n = 11
	srv := servertest.Start(t, nil)
	bots := make([]*bot.Bot, n)
	var wg sync.WaitGroup
	for i := range bots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := dialBot(t, srv, "full", fmt.Sprintf("bot%02d", i), true)
			if err != nil {
				t.Error(err)
			}
			bots[i] = b
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	eventually(t, 60*time.Second, "every bot decodes every other", func() error {
		for _, b := range bots {
			if err := receivingFromAll(b, bots, 5); err != nil {
				return err
			}
		}
		return nil
	})
	if c := srv.Signaling().Counts(); c.Participants != n || c.Rooms != 1 {
		t.Errorf("server counts %+v, want %d participants in 1 room", c, n)
	}
	for _, b := range bots {
		if got := len(b.Participants()); got != n-1 {
			t.Errorf("bot %s sees %d others, want %d", b.ID(), got, n-1)
		}
	}

	// Measure over a window: counts before, send for a while, stop, wait
	// until the last packets have drained (nothing more arrives), counts
	// after.
	sent0 := sentByID(bots)
	recv0 := receivedByPair(bots)
	time.Sleep(5 * time.Second) // the sending window, not a deadline
	for _, b := range bots {
		b.StopSending()
	}
	sent1 := sentByID(bots)
	recv1 := receivedByPair(bots)
	eventually(t, 10*time.Second, "in-flight packets drain", func() error {
		prev := recv1
		recv1 = receivedByPair(bots)
		if !maps.Equal(prev, recv1) {
			return errors.New("packets still arriving")
		}
		return nil
	})

	var worst float64 = 1
	for _, rx := range bots {
		for _, tx := range bots {
			if rx == tx {
				continue
			}
			for _, kind := range []string{"audio", "video"} {
				var sent int64
				if kind == "audio" {
					sent = sent1[tx.ID()].AudioPackets - sent0[tx.ID()].AudioPackets
				} else {
					sent = sent1[tx.ID()].VideoPackets - sent0[tx.ID()].VideoPackets
				}
				key := rx.ID() + "<" + tx.ID() + "/" + kind
				got := recv1[key].Packets - recv0[key].Packets
				if sent < 50 {
					t.Fatalf("%s sent only %d %s packets in the window", tx.ID(), sent, kind)
				}
				ratio := float64(got) / float64(sent)
				worst = min(worst, ratio)
				if ratio < 0.95 {
					t.Errorf("%s received %d of %d %s packets from %s (%.1f%%), want at least 95%%", rx.ID(), got, sent, kind, tx.ID(), 100*ratio)
				}
			}
			key := rx.ID() + "<" + tx.ID() + "/video"
			frames := recv1[key].Frames - recv0[key].Frames
			sentFrames := sent1[tx.ID()].VideoFrames - sent0[tx.ID()].VideoFrames
			if float64(frames) < 0.95*float64(sentFrames) {
				t.Errorf("%s decoded %d of %d frames from %s", rx.ID(), frames, sentFrames, tx.ID())
			}
		}
	}
	t.Logf("worst delivery ratio over %d streams: %.2f%%", n*(n-1)*2, 100*worst)
	checkIntact(t, bots)
}

func sentByID(bots []*bot.Bot) map[string]bot.SentStats {
	out := make(map[string]bot.SentStats, len(bots))
	for _, b := range bots {
		out[b.ID()] = b.Sent()
	}
	return out
}

// receivedByPair keys what each bot received by "receiver<sender/kind".
func receivedByPair(bots []*bot.Bot) map[string]bot.TrackStats {
	out := make(map[string]bot.TrackStats)
	for _, b := range bots {
		for k, st := range b.Received() {
			out[b.ID()+"<"+k] = st
		}
	}
	return out
}

// checkIntact fails the test if any bot received a damaged frame, an audio
// payload other than the one sent, or a candidate before its description.
func checkIntact(t *testing.T, bots []*bot.Bot) {
	t.Helper()
	for _, b := range bots {
		if n := b.OutOfOrderCandidates(); n > 0 {
			t.Errorf("bot %s got %d candidates before their description", b.ID(), n)
		}
		for k, st := range b.Received() {
			if st.Damaged > 0 || st.BadAudio > 0 {
				t.Errorf("bot %s track %s: %d damaged frames, %d bad audio payloads", b.ID(), k, st.Damaged, st.BadAudio)
			}
		}
	}
}
