package sfu

import (
	"bytes"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/metrics"
)

func candidatePair(localProto webrtc.ICEProtocol, remoteAddr string, remotePort uint16) *webrtc.ICECandidatePair {
	return webrtc.NewICECandidatePair(
		&webrtc.ICECandidate{Protocol: localProto, Address: "192.0.2.1", Port: 3478},
		&webrtc.ICECandidate{Protocol: localProto, Address: remoteAddr, Port: remotePort},
	)
}

// TestPathRecorder: a connection's path is counted once when it connects,
// and each later change of the selected pair to another path is counted
// and logged at info without the client's address, which appears only
// under "remote" at debug.
func TestPathRecorder(t *testing.T) {
	m := metrics.New()
	var logs bytes.Buffer
	relay := netip.MustParseAddrPort("127.0.0.1:40000")
	r := &pathRecorder{
		target: Subscriber,
		relayPath: func(a netip.AddrPort) (string, bool) {
			return metrics.PathTURNTLS, a == relay
		},
		paths:   m.ConnectionPaths,
		changes: m.ConnectionPathChanges,
		log:     slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	const client = "198.51.100.7"
	udp := candidatePair(webrtc.ICEProtocolUDP, client, 5000)
	udp2 := candidatePair(webrtc.ICEProtocolUDP, client, 5002)
	turn := candidatePair(webrtc.ICEProtocolUDP, relay.Addr().String(), relay.Port())
	tcp := candidatePair(webrtc.ICEProtocolTCP, client, 6000)

	r.selected(turn) // before the connection is up: not counted
	r.connectedWith(turn)
	r.selected(turn) // the same pair again
	r.selected(udp)  // a better path after connecting
	r.selected(udp2) // another pair on the same path: no change
	r.selected(tcp)
	r.connectedWith(tcp) // connected again after an ICE restart, same path

	for path, want := range map[string]float64{metrics.PathTURNTLS: 1, metrics.PathUDP: 0, metrics.PathTCP: 0} {
		if got := testutil.ToFloat64(m.ConnectionPaths.WithLabelValues(path)); got != want {
			t.Errorf("connections on %s: %v, want %v", path, got, want)
		}
	}
	for _, c := range []struct {
		from, to string
		want     float64
	}{
		{metrics.PathTURNTLS, metrics.PathUDP, 1},
		{metrics.PathUDP, metrics.PathTCP, 1},
		{metrics.PathUDP, metrics.PathUDP, 0},
		{metrics.PathTCP, metrics.PathTCP, 0},
	} {
		if got := testutil.ToFloat64(m.ConnectionPathChanges.WithLabelValues(c.from, c.to)); got != c.want {
			t.Errorf("changes %s→%s: %v, want %v", c.from, c.to, got, c.want)
		}
	}
	var changes int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, "level=INFO") && strings.Contains(line, "media path changed") {
			changes++
			if strings.Contains(line, client) || strings.Contains(line, "remote=") {
				t.Errorf("address at info: %s", line)
			}
		}
		if strings.Contains(line, client) && !strings.Contains(line, "remote="+client) {
			t.Errorf("address under another key than remote: %s", line)
		}
	}
	if changes != 2 {
		t.Errorf("%d path changes logged at info, want 2:\n%s", changes, logs.String())
	}
	if !strings.Contains(logs.String(), "from=turn-tls to=udp") || !strings.Contains(logs.String(), "from=udp to=tcp") {
		t.Errorf("log lacks the old and new path:\n%s", logs.String())
	}
}

// TestConnectionPathCounted: a real connection's path is counted when it
// connects.
func TestConnectionPathCounted(t *testing.T) {
	s := newTestSFU(t)
	api := newClientAPI(t)
	room, _ := s.NewRoom("r", nopEvents{})
	p0 := joinPeer(t, api, room, "p0")
	defer p0.close()
	p0.publish(api)
	waitFor(t, 10*time.Second, "the publisher's path counted", func() error {
		return errIf(testutil.ToFloat64(s.metrics.ConnectionPaths.WithLabelValues(metrics.PathUDP)) != 1, "udp connections %v", testutil.ToFloat64(s.metrics.ConnectionPaths.WithLabelValues(metrics.PathUDP)))
	})
}
