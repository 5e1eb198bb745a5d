package e2e

import (
	"piiri/server/servertest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// inboundJS sums, over the page's subscriber connection, decoded video
// frames and received audio packets.
const inboundJS = `(async () => {
  const pc = window.piiri && window.piiri.session && window.piiri.session.sub;
  const out = { frames: 0, audio: 0 };
  if (!pc) return out;
  (await pc.getStats()).forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'video') out.frames += s.framesDecoded || 0;
    if (s.kind === 'audio') out.audio += s.packetsReceived || 0;
  });
  return out;
})()`

type inbound struct {
	Frames int `json:"frames"`
	Audio  int `json:"audio"`
}

// TestMinimalPageTwoBrowsers: two Chromium instances open the room link,
// type a name, press Join, and each decodes the other's video and receives
// its audio.
func TestMinimalPageTwoBrowsers(t *testing.T) {
	srv := servertest.Start(t, nil)
	link := srv.RoomLink()
	browsers := []*browser{newBrowser(t), newBrowser(t)}
	for i, b := range browsers {
		b.do(t, 30*time.Second,
			chromedp.Navigate(link),
			chromedp.SendKeys(chromedp.CSS("#name"), []string{"Anna", "Ben"}[i]),
			chromedp.Click(chromedp.CSS("#join-button")),
		)
	}
	for _, b := range browsers {
		poll(t, b, 30*time.Second, "video decoded and audio received", inboundJS+`.then((s) => s.frames > 30 && s.audio > 50)`)
	}
}
