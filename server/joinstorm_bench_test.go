package server_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"piiri/bot"
	"piiri/config"
	"piiri/server/servertest"
)

// BenchmarkJoinStorm measures how long joins take when 32 bots join one
// server at once (four rooms of eight), from dialling the websocket to
// the publisher's answer. It reports the median and 99th percentile.
//
//	go test ./server -run '^$' -bench JoinStorm -benchtime 5x
func BenchmarkJoinStorm(b *testing.B) {
	srv := servertest.Start(b, func(c *config.Config) { c.Rooms.MaxParticipants = 11 })
	const bots, rooms = 32, 4
	var all []time.Duration
	for n := 0; b.Loop(); n++ {
		durations := make([]time.Duration, bots)
		joined := make([]*bot.Bot, bots)
		errs := make(chan error, bots)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range bots {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				t0 := time.Now()
				bt, err := bot.Join(ctx, bot.Config{
					URL: srv.WebsocketURL(), Room: fmt.Sprintf("storm-%d-%d", n, i%rooms),
					Name: fmt.Sprint("bot ", i), Publish: true,
				})
				if err != nil {
					errs <- err
					return
				}
				durations[i] = time.Since(t0)
				joined[i] = bt
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		b.StopTimer()
		for _, bt := range joined {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = bt.Leave(ctx)
			cancel()
			bt.Close()
		}
		b.StartTimer()
		all = append(all, durations...)
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}
