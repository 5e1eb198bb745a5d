package server

import (
	"fmt"
	"testing"
	"time"

	"piiri/bot"
)

func TestTwoBotsExchangeMedia(t *testing.T) {
	srv := testServer(t, nil)
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
	for _, x := range bots {
		for k, st := range x.Received() {
			if st.Damaged > 0 || st.BadAudio > 0 {
				t.Errorf("bot %s track %s: %d damaged frames, %d bad audio payloads", x.ID(), k, st.Damaged, st.BadAudio)
			}
		}
	}
	fmt.Println(a.Received(), b.Received(), a.Sent(), b.Sent())
}
