package signaling

import (
	"bytes"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/internal/testwait"
	"piiri/metrics"
)

// TestResumeRacingJoinStress: 300 participants, each resumed from a second
// connection the moment its joined arrives (before or while its media is
// being made), which sends a publisher offer and leaves. Afterwards the
// server holds exactly what it held before: no participants, no media, no
// goroutines or memory left behind, and no panic was logged.
func TestResumeRacingJoinStress(t *testing.T) {
	var logs lockedBuffer
	h := newHarness(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
		c.MaxParticipants = 1000
	})
	room := h.room()
	stay := h.dial()
	stay.join(room, "Stay") // keeps the room open throughout
	offer := newPublisher(t).offer(t, false)

	settle := func() (goroutines int, heap uint64) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapInuse
	}
	baseGoroutines, baseHeap := settle()

	const attempts, workers = 300, 6
	var wg sync.WaitGroup
	work := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := raceOne(h, room, offer, i); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for i := range attempts {
		work <- i
	}
	close(work)
	wg.Wait()

	testwait.Until(t, 20*readTimeout, "everyone who raced to be gone", func() error {
		if c := h.srv.Counts(); c.Participants != 1 {
			return fmt.Errorf("counts %+v, want only Stay", c)
		}
		if n := testutil.ToFloat64(h.cfg.Metrics.Participants); n != 1 {
			return fmt.Errorf("piiri_participants %v, want 1", n)
		}
		for _, k := range []string{metrics.KindAudio, metrics.KindVideo} {
			if n := testutil.ToFloat64(h.cfg.Metrics.PublishedTracks.WithLabelValues(k)); n != 0 {
				return fmt.Errorf("%v %s tracks still published", n, k)
			}
		}
		if g, _ := settle(); g > baseGoroutines+20 {
			return fmt.Errorf("%d goroutines, %d before the race", g, baseGoroutines)
		}
		return nil
	})
	g, heap := settle()
	t.Logf("goroutines %d → %d, heap in use %.1f → %.1f MiB", baseGoroutines, g, float64(baseHeap)/(1<<20), float64(heap)/(1<<20))
	if heap > baseHeap+16<<20 {
		t.Errorf("heap in use grew from %.1f to %.1f MiB", float64(baseHeap)/(1<<20), float64(heap)/(1<<20))
	}
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("a panic was logged:\n%s", logs.String())
	}
}

// raceOne joins, resumes from a second connection at once, publishes and
// leaves there; the first connection then ends too.
func raceOne(h *harness, room, offer string, i int) error {
	// Both connections are open before the join, so the resume can
	// follow the joined reply within microseconds.
	first, err := h.rawDial()
	if err != nil {
		return err
	}
	defer first.Close()
	second, err := h.rawDial()
	if err != nil {
		return err
	}
	defer second.Close()
	if err := first.WriteJSON(joinMsg(map[string]any{"id": "j", "room": room, "name": fmt.Sprint("racer ", i)})); err != nil {
		return err
	}
	var joined inbound
	for joined.Type != TypeJoined {
		if err := first.ReadJSON(&joined); err != nil {
			return fmt.Errorf("racer %d: waiting for joined: %w", i, err)
		}
		if joined.Type == TypeError {
			return fmt.Errorf("racer %d: join: %s %s", i, joined.Code, joined.Message)
		}
	}
	for _, msg := range []any{
		joinMsg(map[string]any{"id": "r", "room": room, "resume": joined.ResumeToken}),
		map[string]any{"type": "offer", "id": "o", "target": "publisher", "sdp": offer},
		map[string]any{"type": "leave"},
	} {
		if err := second.WriteJSON(msg); err != nil {
			return err
		}
	}
	for {
		var msg inbound
		if err := second.ReadJSON(&msg); err != nil {
			return fmt.Errorf("racer %d: the second connection ended without bye: %w", i, err)
		}
		switch {
		case msg.Type == TypeError && msg.Code == CodeInternal:
			return fmt.Errorf("racer %d: internal error: %s", i, msg.Message)
		case msg.Type == TypeBye:
			return nil
		}
	}
}

// lockedBuffer is a bytes.Buffer for a logger used by many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
