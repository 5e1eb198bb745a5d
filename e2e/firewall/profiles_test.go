package firewall

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pion/webrtc/v4"

	"piiri/bot"
	"piiri/e2e/chrome"
	"piiri/internal/testwait"
	"piiri/netcheck"
)

// profile is a firewall profile, the paths media may take through it, and
// which checks of piiri netcheck pass through it.
type profile struct {
	name    string
	allowed []string // paths as the server and the clients name them
	passing []string // netcheck checks that pass; the others must fail
	prejoin string   // the pre-join page's network verdict
}

var (
	always  = []string{netcheck.CheckHTTPS, netcheck.CheckWebsocket}
	tcpWays = []string{netcheck.CheckTURNTCP, netcheck.CheckTURNTLS, netcheck.CheckICETCP}
	udpWays = []string{netcheck.CheckTURNUDP, netcheck.CheckICEUDP}
)

var profiles = []profile{
	{"open", []string{"udp"}, concat(always, tcpWays, udpWays), "good"},
	{"no-udp", []string{"tcp", "turn-tcp", "turn-tls"}, concat(always, tcpWays), "tcp"},
	{"tcp443", []string{"tcp", "turn-tcp", "turn-tls"}, concat(always, tcpWays), "tcp"},
	{"tls443", []string{"turn-tls"}, concat(always, []string{netcheck.CheckTURNTLS}), "tls"},
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// TestProfiles: for every firewall profile, a Go bot and two Chromium
// browsers join one room from the client namespace; media flows every
// way; and every connection, as the browsers, the bot and the server each
// see it, took a path the profile allows. A profile that silently used a
// path it should not have had fails.
func TestProfiles(t *testing.T) {
	var firstFrame = map[string]time.Duration{}
	for _, p := range profiles {
		t.Run(p.name, func(t *testing.T) {
			applyProfile(t, p.name)
			if p.name == "tls443" {
				gate := startTLSGate(t)
				defer func() {
					passed, refused := gate.counts()
					t.Logf("TLS gate: %d connections passed, %d refused", passed, refused)
					if refused == 0 {
						t.Error("nothing tried a non-TLS connection to port 443: the gate was not tested")
					}
				}()
			}
			firstFrame[p.name] = runRoom(t, p)
			runNetcheck(t, p)
		})
	}
	names := make([]string, 0, len(firstFrame))
	for n := range firstFrame {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("join to first remote frame, %s: %v", n, firstFrame[n].Round(time.Millisecond))
	}
}

func applyProfile(t testing.TB, name string) {
	t.Helper()
	sim := filepath.Join(chrome.RepoRoot(), "scripts", "firewall-sim.sh")
	if out, err := exec.Command(sim, "profile", name).CombinedOutput(); err != nil {
		t.Fatalf("firewall profile %s: %v\n%s", name, err, out)
	}
	// Connections made under the previous profile must not carry over
	// into this one: its rules drop them mid-stream (nothing exempts
	// established connections), and a check that reused one from the
	// shared HTTP transport's pool (netcheck's client uses it) would time
	// out instead of testing the new profile.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// runRoom joins a bot and two browsers, checks media and paths, and
// returns the second browser's time from Join to its first remote frame.
func runRoom(t *testing.T, p profile) time.Duration {
	room := fmt.Sprintf("fw-%s-%d", p.name, time.Now().UnixNano())
	link := fmt.Sprintf("https://%s/?room=%s#key=%s", serverHost, room, roomKey)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bot.Join(ctx, bot.Config{
		URL: "wss://" + serverHost + "/ws", Room: room, Key: roomKey, Name: "bot", Publish: true,
		Configure: func(se *webrtc.SettingEngine) {
			se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
			// The bot offers its publisher connection, so its ICE agent
			// picks the path. pion nominates the first pair that
			// answers, and on a loaded machine ICE-TCP can answer before
			// UDP; a browser waits for the better pairs. Waiting a while
			// before nominating a direct pair does the same, so where
			// UDP works (open) the bot takes it, as members' browsers do.
			se.SetHostAcceptanceMinWait(2 * time.Second)
		},
	})
	if err != nil {
		t.Fatalf("bot join: %v", err)
	}
	defer b.Close()

	flags := []chromedp.ExecAllocatorOption{
		chromedp.Flag("host-resolver-rules", "MAP "+serverHost+" "+serverIP),
		chromedp.Flag("ignore-certificate-errors-spki-list", spki),
	}
	browsers := []*chrome.Browser{chrome.New(t, flags...), chrome.New(t, flags...)}
	// The pre-join page's own network check says what this network lets
	// through, in words a member understands.
	browsers[0].Do(t, 30*time.Second, chromedp.Navigate(link))
	chrome.Poll(t, browsers[0], 30*time.Second, "pre-join network check done", `document.getElementById('net-status').dataset.result !== 'checking'`)
	if got := chrome.Eval[string](t, browsers[0], `document.getElementById('net-status').dataset.result`); got != p.prejoin {
		t.Errorf("pre-join network check says %q (%s), want %q", got, chrome.Eval[string](t, browsers[0], `JSON.stringify(window.piiri.netcheck)`), p.prejoin)
	}
	ids := make([]string, len(browsers))
	for i, br := range browsers {
		ids[i] = chrome.JoinThroughUI(t, br, link, fmt.Sprintf("Browser %d", i+1))
	}
	// Browsers decode each other's video and hear everyone, the bot too
	// (its synthetic video is not decodable, so for it audio counts).
	for i, br := range browsers {
		chrome.WaitReceiving(t, br, []string{ids[1-i]}, nil, 20, 20, 45*time.Second)
		chrome.Poll(t, br, 30*time.Second, "audio from the bot",
			chrome.StatsJS+fmt.Sprintf(`.then((s) => (s[%s] || {}).audio > 20)`, chrome.JSString(b.ID())))
	}
	// The bot receives both browsers' audio and video.
	waitBot(t, b, ids)

	// Every path, seen from every side, is one the profile allows.
	for i, br := range browsers {
		for pc, path := range browserPaths(t, br) {
			if !slices.Contains(p.allowed, path) {
				t.Errorf("browser %d %s connection took %q; %s allows %v", i+1, pc, path, p.name, p.allowed)
			}
		}
	}
	botPaths := b.Paths()
	if len(botPaths) != 2 {
		t.Errorf("bot paths %v: want both connections", botPaths)
	}
	for pc, path := range botPaths {
		if !slices.Contains(p.allowed, path) {
			t.Errorf("bot %s connection took %q; %s allows %v", pc, path, p.name, p.allowed)
		}
	}
	serverPaths := pathsInServerLog(t, append(slices.Clone(ids), b.ID()))
	if len(serverPaths) < 6 {
		t.Errorf("server counted %d connected peer connections for this room, want 6 (3 participants x 2): %v", len(serverPaths), serverPaths)
	}
	for _, path := range serverPaths {
		if !slices.Contains(p.allowed, path) {
			t.Errorf("server counted path %q; %s allows %v", path, p.name, p.allowed)
		}
	}
	t.Logf("%s: browsers %v, bot %v, server %v", p.name, []map[string]string{browserPaths(t, browsers[0]), browserPaths(t, browsers[1])}, botPaths, serverPaths)
	for _, br := range browsers {
		br.CheckNoExceptions(t)
	}
	return chrome.JoinToFirstFrame(t, browsers[1])
}

func waitBot(t *testing.T, b *bot.Bot, from []string) {
	t.Helper()
	testwait.Until(t, 30*time.Second, "the bot receives the browsers", func() error {
		got := b.Received()
		for _, id := range from {
			if got[id+"/audio"].Packets < 20 || got[id+"/video"].Packets < 20 {
				return fmt.Errorf("from %s: %+v", id, got)
			}
		}
		return nil
	})
}

// browserPaths reads the selected candidate pair of each of the page's
// connections from getStats(): relay candidates by how the browser reaches
// TURN, others by their protocol.
func browserPaths(t *testing.T, b *chrome.Browser) map[string]string {
	t.Helper()
	return chrome.Eval[map[string]string](t, b, `(async () => {
  const s = window.piiri.session;
  const out = {};
  for (const [name, pc] of [['publisher', s.pub], ['subscriber', s.sub]]) {
    if (!pc) continue;
    const stats = await pc.getStats();
    let pair;
    stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId); });
    if (!pair) continue;
    const local = stats.get(pair.localCandidateId);
    out[name] = local.candidateType === 'relay' ? 'turn-' + local.relayProtocol : (local.protocol === 'tcp' ? 'tcp' : 'udp');
  }
  return out;
})()`)
}

// pathsInServerLog returns the paths the server logged ("media connected")
// for the given participants.
func pathsInServerLog(t *testing.T, ids []string) []string {
	t.Helper()
	f, err := os.Open(serverLog)
	if err != nil {
		t.Fatalf("server log: %v", err)
	}
	defer f.Close()
	var paths []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if !strings.Contains(sc.Text(), "media connected") {
			continue
		}
		var entry struct {
			Participant string `json:"participant"`
			Path        string `json:"path"`
		}
		if json.Unmarshal(sc.Bytes(), &entry) == nil && slices.Contains(ids, entry.Participant) {
			paths = append(paths, entry.Path)
		}
	}
	return paths
}

// runNetcheck runs piiri netcheck's checks from the client namespace: it
// must report as working exactly what the profile lets through.
func runNetcheck(t *testing.T, p profile) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	link := fmt.Sprintf("https://%s/?room=x#key=%s", serverHost, roomKey)
	results, err := netcheck.Run(ctx, link, netcheck.Options{Timeout: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		want := netcheck.Failed
		if slices.Contains(p.passing, r.Check) {
			want = netcheck.OK
		}
		if r.Status != want {
			t.Errorf("netcheck %s: %s (%s), want %s under %s", r.Check, r.Status, r.Detail, want, p.name)
		}
	}
	v := netcheck.Judge(results, serverHost, "443")
	if !v.Works {
		t.Errorf("netcheck says meetings do not work under %s: %s", p.name, v.Summary)
	}
	var out strings.Builder
	netcheck.Print(&out, results, v)
	t.Logf("piiri netcheck under %s:\n%s", p.name, out.String())
}
