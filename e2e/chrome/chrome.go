// Package chrome drives headless Chromium (Debian's /usr/bin/chromium,
// through chromedp) for piiri's end-to-end tests, and knows the piiri page
// well enough to join it as a person would and to read its getStats().
package chrome

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// NeedChromium fails (in CI) or skips (elsewhere, with the reason) when
// Chromium is not installed. `make test` installs it.
func NeedChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing; `make test-deps` installs it", chromiumPath)
	}
	t.Skipf("skipping: %s is missing; run `make test-deps` (apt-get install chromium)", chromiumPath)
}

// Browser is one headless Chromium process with a fake camera and
// microphone and a fresh profile, started by New and stopped when the
// test ends.
type Browser struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	exceptions []string // uncaught exceptions in the page
}

// CheckNoExceptions fails the test if the page threw an uncaught exception.
func (b *Browser) CheckNoExceptions(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.exceptions {
		t.Errorf("uncaught exception in the page: %s", e)
	}
}

// New starts a Browser for the test, with extraFlags added to (or
// overriding) the default command-line flags; the browser is stopped
// when the test ends. It skips or fails the test as NeedChromium does
// when Chromium is missing, and fails it when Chromium does not start.
func New(t *testing.T, extraFlags ...chromedp.ExecAllocatorOption) *Browser {
	t.Helper()
	NeedChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.WindowSize(1280, 800),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			// Chromium must die with the test, whatever happens.
			if cmd.SysProcAttr == nil {
				cmd.SysProcAttr = &syscall.SysProcAttr{}
			}
			cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
		}),
	}
	opts = append(opts, extraFlags...)
	// Chromium now and then dies while starting on a loaded machine (a
	// crash report and no DevTools address); that says nothing about
	// piiri, so a start is tried up to three times, each failure logged.
	var (
		ctx                 context.Context
		cancel, allocCancel context.CancelFunc
		err                 error
	)
	for attempt := 1; attempt <= 3; attempt++ {
		var allocCtx context.Context
		allocCtx, allocCancel = chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel = chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
		// The first Do starts the browser; it must not carry a timeout,
		// which would stop the browser with it.
		if err = chromedp.Do(ctx); err == nil {
			break
		}
		cancel()
		allocCancel()
		t.Logf("start chromium, attempt %d: %v", attempt, err)
	}
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &Browser{ctx: ctx, cancel: func() { cancel(); allocCancel() }}
	t.Cleanup(b.cancel)
	// The page's console errors and uncaught exceptions go to the test
	// log; exceptions are collected so tests can fail on them.
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				t.Logf("browser console %s: %s", ev.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			msg = fmt.Sprintf("%s (%s:%d:%d)", msg, d.URL, d.LineNumber+1, d.ColumnNumber+1)
			b.mu.Lock()
			b.exceptions = append(b.exceptions, msg)
			b.mu.Unlock()
			t.Logf("browser exception: %s", msg)
		}
	}); err != nil {
		t.Fatalf("listen to chromium: %v", err)
	}
	return b
}

// Ctx is the browser's chromedp context, for calls the helpers here do
// not wrap.
func (b *Browser) Ctx() context.Context { return b.ctx }

// Context returns the browser's chromedp context with a timeout of d, and
// the function that cancels it.
func (b *Browser) Context(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, d)
}

// Do runs chromedp actions in the browser, failing the test when one
// fails or they take longer than timeout.
func (b *Browser) Do(t *testing.T, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("chromium: %v", err)
	}
}

// Eval evaluates a JavaScript expression in b's page, awaiting it if it
// is a promise, and returns its value as T; it fails the test on an
// error or after 20 s.
func Eval[T any](t *testing.T, b *Browser, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("chromium: evaluate %.80q: %v", js, err)
	}
	return v
}

// Poll evaluates js in b's page every 200 ms until it returns true, and
// fails the test, naming what, when it has not within the given time.
func Poll(t *testing.T, b *Browser, within time.Duration, what, js string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if Eval[bool](t, b, js) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %v", what, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// RepoRoot is the repository root, found from this file's location, so
// that tests in any package write artifacts to the same place.
func RepoRoot() string {
	_, file, _, ok := goruntime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// AxePath is where `make test-deps` installs axe-core.
func AxePath() string {
	return filepath.Join(RepoRoot(), ".cache", "axe", "node_modules", "axe-core", "axe.min.js")
}

// ReadyJS is true once the page is set up (its code has run; Join works
// if it can).
const ReadyJS = `window.piiri?.ready === true`

// JoinThroughUI opens the link, types the name and presses Join, as a
// person would, and waits until the page reports being connected. It
// returns the participant ID.
func JoinThroughUI(t *testing.T, b *Browser, link, name string) string {
	t.Helper()
	b.Do(t, 30*time.Second,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), name),
	)
	Poll(t, b, 10*time.Second, "the page is set up", ReadyJS)
	b.Do(t, 10*time.Second, chromedp.Click(chromedp.CSS("#join-button")))
	Poll(t, b, 30*time.Second, name+" is connected", `!!(window.piiri.session && window.piiri.session.state === 'connected' && !document.getElementById('room').hidden)`)
	return Eval[string](t, b, `window.piiri.session.id`)
}

// FromParticipant is what one browser's getStats() reports receiving from
// one other participant.
type FromParticipant struct {
	Frames       int `json:"frames"`       // decoded camera frames
	Audio        int `json:"audio"`        // microphone packets received
	ScreenFrames int `json:"screenFrames"` // decoded screen-share frames
}

// StatsJS reads the subscriber connection's inbound-rtp stats and sums
// them per participant, using the mid-to-owner map the server sends with
// each offer.
const StatsJS = `(async () => {
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

// SRTPCiphers is the SRTP protection profile each of b's peer connections
// negotiated ("publisher", "subscriber"), as getStats() reports it in
// the transport's srtpCipher.
func SRTPCiphers(t *testing.T, b *Browser) map[string]string {
	t.Helper()
	return Eval[map[string]string](t, b, `(async () => {
  const s = window.piiri.session;
  const out = {};
  for (const [name, pc] of [['publisher', s && s.pub], ['subscriber', s && s.sub]]) {
    if (!pc) continue;
    (await pc.getStats()).forEach((r) => { if (r.type === 'transport' && r.srtpCipher) out[name] = r.srtpCipher; });
  }
  return out;
})()`)
}

// Received is what b's page has received so far from each other
// participant, by participant ID, as StatsJS reads it.
func Received(t *testing.T, b *Browser) map[string]FromParticipant {
	t.Helper()
	return Eval[map[string]FromParticipant](t, b, StatsJS)
}

// WaitReceiving waits until b has decoded at least frames video frames
// and received at least packets audio packets from each of ids, counted
// from the given baseline (nil for zero).
func WaitReceiving(t *testing.T, b *Browser, ids []string, base map[string]FromParticipant, frames, packets int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := Received(t, b)
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

// JoinToFirstFrame is the time from pressing Join to the first decoded
// remote video frame shown, as the page measured it.
func JoinToFirstFrame(t *testing.T, b *Browser) time.Duration {
	t.Helper()
	ms := Eval[float64](t, b, `(window.piiri.timing.firstRemoteFrame || NaN) - window.piiri.timing.joinClicked`)
	return time.Duration(ms * float64(time.Millisecond))
}

// Screenshot writes a PNG of b's page, as it is shown now, to
// artifacts/NAME.png at the repository root.
func Screenshot(t *testing.T, b *Browser, name string) {
	t.Helper()
	ctx, cancel := b.Context(20 * time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(RepoRoot(), "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// CheckAccessibility runs axe-core in b's page and fails the test on each
// violation of impact serious or critical, naming the page.
func CheckAccessibility(t *testing.T, b *Browser, page string) {
	t.Helper()
	for _, v := range AxeViolations(t, b, page) {
		t.Errorf("accessibility (%s page): %s", page, v)
	}
}

// AxeViolations injects axe-core into b's page and returns its serious
// and critical violations, one line each. Without axe-core (`make
// test-deps` installs it) it fails the test in CI and elsewhere logs that
// nothing was checked.
func AxeViolations(t *testing.T, b *Browser, page string) []string {
	t.Helper()
	path := AxePath()
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core missing (%v); `make test-deps` installs it", err)
		}
		t.Logf("NOT CHECKED: accessibility of the %s page: axe-core missing at %s; run `make test-deps`", page, path)
		return nil
	}
	Eval[chromedp.Void](t, b, string(src)+"\n;undefined")
	return Eval[[]string](t, b, `axe.run(document, { resultTypes: ['violations'] }).then((r) =>
  r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
   .map((v) => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`)
}

// JSString quotes s as a JavaScript string literal, for building
// expressions.
func JSString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ToneWAV writes a WAV file Chromium can use as its fake microphone
// (flag use-file-for-fake-audio-capture): one second of a 440 Hz tone,
// one second of silence, looped by Chromium. It gives the speaking
// detection something definite to hear, start and stop (the built-in
// fake microphone only beeps briefly).
func ToneWAV(t *testing.T) string {
	t.Helper()
	return writeWAV(t, 1, 1)
}

// SteadyToneWAV writes a WAV file, as ToneWAV does, of a 440 Hz tone
// without pauses: a participant who speaks all the time.
func SteadyToneWAV(t *testing.T) string {
	t.Helper()
	return writeWAV(t, 2, 0)
}

// SyllablesWAV writes a WAV file of talk-like sound: 250 ms bursts of
// tone, alternating in pitch, with 150 ms pauses. Unlike a steady tone,
// the browser's noise suppression does not take it for noise and fade it
// out, even on a busy machine.
func SyllablesWAV(t *testing.T) string {
	t.Helper()
	const rate = 48000
	const burst, pause = rate / 4, rate * 15 / 100
	samples := make([]int16, 0, 2*rate)
	for n := 0; len(samples)+burst+pause <= 2*rate; n++ {
		f := []float64{300, 500}[n%2]
		for i := range burst {
			samples = append(samples, int16(8000*math.Sin(2*math.Pi*f*float64(i)/rate)))
		}
		samples = append(samples, make([]int16, pause)...)
	}
	return writeSamples(t, samples)
}

// TurnsWAV writes a WAV file of a speaker who takes turns: 1.2 s of
// talk-like bursts (as SyllablesWAV's) and then 2.8 s of silence, longer
// than the merge gap of speaking turns, so every 4 s a new turn begins.
func TurnsWAV(t *testing.T) string {
	t.Helper()
	const rate = 48000
	const burst, pause = rate / 4, rate * 15 / 100
	samples := make([]int16, 0, 4*rate)
	for n := range 3 {
		f := []float64{300, 500}[n%2]
		for i := range burst {
			samples = append(samples, int16(8000*math.Sin(2*math.Pi*f*float64(i)/rate)))
		}
		samples = append(samples, make([]int16, pause)...)
	}
	return writeSamples(t, append(samples, make([]int16, 4*rate-len(samples))...))
}

// writeWAV writes a mono 48 kHz WAV file of toneSeconds of a 440 Hz tone
// (a whole number of periods, so that it loops without a click) followed
// by silenceSeconds of silence.
func writeWAV(t *testing.T, toneSeconds, silenceSeconds int) string {
	t.Helper()
	const rate = 48000
	samples := make([]int16, (toneSeconds+silenceSeconds)*rate)
	for i := range toneSeconds * rate {
		samples[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate))
	}
	return writeSamples(t, samples)
}

// writeSamples writes 48 kHz mono 16-bit samples as a WAV file.
func writeSamples(t *testing.T, samples []int16) string {
	t.Helper()
	const rate = 48000
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
