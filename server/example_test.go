package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"piiri/bot"
	"piiri/server"
	"piiri/server/servertest"
)

// Two bots meet in a room: a whole piiri server on loopback ports, and two
// headless participants that publish synthetic Opus and VP8 and receive
// each other's. This is the shortest runnable picture of the system.
func Example_twoBotsInARoom() {
	srv, err := server.New(servertest.Config(), slog.New(slog.DiscardHandler))
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Run(ctx) }()
	defer func() { stop(); <-served }()

	join := func(name string) *bot.Bot {
		b, err := bot.Join(ctx, bot.Config{URL: srv.WebsocketURL(), Room: "example", Name: name, Publish: true})
		if err != nil {
			panic(err)
		}
		return b
	}
	anna, ben := join("Anna"), join("Ben")
	defer anna.Close()
	defer ben.Close()

	// Wait (at most a minute on a loaded machine) until each has decoded
	// video frames from the other.
	framesFrom := func(b *bot.Bot, other *bot.Bot) int64 {
		return b.Received()[other.ID()+"/video"].Frames
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if framesFrom(anna, ben) > 10 && framesFrom(ben, anna) > 10 {
			break
		}
	}
	fmt.Println("Anna sees Ben:", framesFrom(anna, ben) > 10)
	fmt.Println("Ben sees Anna:", framesFrom(ben, anna) > 10)
	fmt.Println("participants:", srv.Signaling().Counts().Participants)
	// Output:
	// Anna sees Ben: true
	// Ben sees Anna: true
	// participants: 2
}
