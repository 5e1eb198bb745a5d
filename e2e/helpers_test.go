package e2e

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"piiri/config"
	"piiri/server"
	"piiri/server/servertest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// repoRoot is the repository root, from the e2e package directory.
const repoRoot = ".."

// joinThroughUI opens the link, types the name and presses Join, as a
// person would, and waits until the page reports being connected. It
// returns the participant ID.
func joinThroughUI(t *testing.T, b *browser, link, name string) string {
	t.Helper()
	b.do(t, 30*time.Second,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.Click(chromedp.CSS("#join-button")),
	)
	poll(t, b, 30*time.Second, name+" is connected", `!!(window.piiri.session && window.piiri.session.state === 'connected' && !document.getElementById('room').hidden)`)
	return eval[string](t, b, `window.piiri.session.id`)
}

// fromParticipant is what one browser's getStats() reports receiving from
// one other participant.
type fromParticipant struct {
	Frames       int `json:"frames"`       // decoded camera frames
	Audio        int `json:"audio"`        // microphone packets received
	ScreenFrames int `json:"screenFrames"` // decoded screen-share frames
}

// statsJS reads the subscriber connection's inbound-rtp stats and sums
// them per participant, using the mid-to-owner map the server sends with
// each offer.
const statsJS = `(async () => {
  const s = window.piiri.session;
  const out = {};
  if (!s || !s.sub) return out;
  (await s.sub.getStats()).forEach((r) => {
    if (r.type !== 'inbound-rtp') return;
    const info = s.trackInfo.get(r.mid);
    if (!info) return;
    const o = out[info.participantId] || (out[info.participantId] = { frames: 0, audio: 0, screenFrames: 0 });
    if (r.kind === 'video' && info.source === 'screen') o.screenFrames += r.framesDecoded || 0;
    else if (r.kind === 'video') o.frames += r.framesDecoded || 0;
    else o.audio += r.packetsReceived || 0;
  });
  return out;
})()`

func received(t *testing.T, b *browser) map[string]fromParticipant {
	t.Helper()
	return eval[map[string]fromParticipant](t, b, statsJS)
}

// waitReceiving waits until b has decoded at least frames video frames
// and received at least packets audio packets from each of ids, counted
// from the given baseline (nil for zero).
func waitReceiving(t *testing.T, b *browser, ids []string, base map[string]fromParticipant, frames, packets int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := received(t, b)
		var missing []string
		for _, id := range ids {
			if got[id].Frames-base[id].Frames < frames || got[id].Audio-base[id].Audio < packets {
				missing = append(missing, fmt.Sprintf("%s: %+v (from %+v)", id, got[id], base[id]))
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not receiving after %v: %s", within, strings.Join(missing, "; "))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// joinToFirstFrame is the time from pressing Join to the first decoded
// remote video frame shown, as the page measured it.
func joinToFirstFrame(t *testing.T, b *browser) time.Duration {
	t.Helper()
	ms := eval[float64](t, b, `(window.piiri.timing.firstRemoteFrame || NaN) - window.piiri.timing.joinClicked`)
	return time.Duration(ms * float64(time.Millisecond))
}

// screenshot writes a PNG of the page to artifacts/NAME.png.
func screenshot(t *testing.T, b *browser, name string) {
	t.Helper()
	ctx, cancel := contextWithTimeout(b, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(repoRoot, "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// checkAccessibility runs axe-core in the page and fails on violations of
// impact serious or critical.
func checkAccessibility(t *testing.T, b *browser, page string) {
	t.Helper()
	for _, v := range axeViolations(t, b, page) {
		t.Errorf("accessibility (%s page): %s", page, v)
	}
}

// axeViolations injects axe-core into the page and returns its serious and
// critical violations. `make test-deps` installs axe-core.
func axeViolations(t *testing.T, b *browser, page string) []string {
	t.Helper()
	path := filepath.Join(repoRoot, ".cache", "axe", "node_modules", "axe-core", "axe.min.js")
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core missing (%v); `make test-deps` installs it", err)
		}
		t.Logf("NOT CHECKED: accessibility of the %s page: axe-core missing at %s; run `make test-deps`", page, path)
		return nil
	}
	eval[chromedp.Void](t, b, string(src)+"\n;undefined")
	return eval[[]string](t, b, `axe.run(document, { resultTypes: ['violations'] }).then((r) =>
  r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
   .map((v) => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// startServer starts a server for a browser test: the page on loopback
// (a secure context for getUserMedia), media on mediaHost.
func startServer(t *testing.T, edit func(*config.Config)) *server.Server {
	t.Helper()
	return servertest.Start(t, func(c *config.Config) {
		c.Media.UDPListen = mediaHost + ":0"
		c.TURN.UDPListen = mediaHost + ":0"
		if edit != nil {
			edit(c)
		}
	})
}

// toneWAV writes a WAV file Chromium can use as its fake microphone: one
// second of a 440 Hz tone, one second of silence, looped by Chromium. It
// gives the speaking detection something definite to hear (the built-in
// fake microphone only beeps briefly).
func toneWAV(t *testing.T) string {
	t.Helper()
	const rate = 48000
	samples := make([]int16, 2*rate)
	for i := range rate {
		samples[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate))
	}
	var buf bytes.Buffer
	data := 2 * len(samples)
	buf.WriteString("RIFF")
	_ = binary.Write(&buf, binary.LittleEndian, uint32(36+data))
	buf.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(2 * rate), uint16(2), uint16(16)} {
		_ = binary.Write(&buf, binary.LittleEndian, v) // fmt: PCM, mono, 48 kHz, 16 bit
	}
	buf.WriteString("data")
	_ = binary.Write(&buf, binary.LittleEndian, uint32(data))
	_ = binary.Write(&buf, binary.LittleEndian, samples)
	path := filepath.Join(t.TempDir(), "tone.wav")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
