package bot

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// newTestBot is a bot that has "joined" without a server: it has a
// subscriber connection and no websocket, so what it would send is dropped.
func newTestBot(t *testing.T, cfg Config, servers []webrtc.ICEServer) (*Bot, error) {
	t.Helper()
	api, err := newAPI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := &Bot{
		cfg:          cfg,
		log:          slog.New(slog.DiscardHandler),
		api:          api,
		remote:       make(map[string]*remoteTrack),
		participants: make(map[string]string),
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	t.Cleanup(b.Close)
	return b, b.onJoined(inMsg{Type: "joined", Room: []byte(`{"name":"r","participants":[]}`), ICEServers: servers})
}

// serverOffer is an offer with one video track, as the server's subscriber
// offer would be, and its ICE username fragment.
func serverOffer(t *testing.T) (sdp, ufrag string) {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(offer.SDP, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-ufrag:"); ok {
			return offer.SDP, v
		}
	}
	t.Fatal("offer without ice-ufrag")
	return "", ""
}

func candidate(ufrag string) *webrtc.ICECandidateInit {
	c := "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host ufrag " + ufrag
	return &webrtc.ICECandidateInit{Candidate: c}
}

// TestOutOfOrderCandidates: every server candidate that arrives before its
// description is counted, the first generation's as well as a restart's,
// and one after its description is not.
func TestOutOfOrderCandidates(t *testing.T) {
	b, err := newTestBot(t, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sdp, ufrag := serverOffer(t)

	b.handle(inMsg{Type: "candidate", Target: "subscriber", Candidate: candidate(ufrag)})
	if n := b.OutOfOrderCandidates(); n != 1 {
		t.Fatalf("a candidate before any subscriber offer: OutOfOrderCandidates = %d, want 1", n)
	}
	b.handle(inMsg{Type: "offer", Target: "subscriber", SDP: sdp})
	b.mu.Lock()
	held := len(b.subRemoteHeld)
	b.mu.Unlock()
	if held != 0 {
		t.Errorf("%d candidates still held after the offer", held)
	}

	b.handle(inMsg{Type: "candidate", Target: "subscriber", Candidate: candidate(ufrag)})
	if n := b.OutOfOrderCandidates(); n != 1 {
		t.Errorf("a candidate after its offer was counted: OutOfOrderCandidates = %d, want 1", n)
	}
	b.handle(inMsg{Type: "candidate", Target: "subscriber", Candidate: candidate("nextgeneration")})
	if n := b.OutOfOrderCandidates(); n != 2 {
		t.Errorf("a candidate of the next ICE generation: OutOfOrderCandidates = %d, want 2", n)
	}
	// A publisher candidate before the bot has even offered.
	b.handle(inMsg{Type: "candidate", Target: "publisher", Candidate: candidate(ufrag)})
	if n := b.OutOfOrderCandidates(); n != 3 {
		t.Errorf("a publisher candidate without a publisher: OutOfOrderCandidates = %d, want 3", n)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string // in the error; empty for none
	}{
		{Config{}, ""},
		{Config{NoTURN: true}, ""},
		{Config{RelayOnly: "udp"}, ""},
		{Config{RelayOnly: "tcp"}, ""},
		{Config{RelayOnly: "tls"}, ""},
		{Config{RelayOnly: "turns"}, `RelayOnly "turns"`},
		{Config{RelayOnly: "UDP"}, `RelayOnly "UDP"`},
		{Config{RelayOnly: "udp", NoTURN: true}, "NoTURN"},
	} {
		err := tc.cfg.validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: validate() = %v, want %q", tc.cfg, err, tc.want)
		}
		if tc.want == "" {
			continue
		}
		// Join refuses before it dials: the error is the setting's, not
		// the unreachable server's.
		tc.cfg.URL = "ws://127.0.0.1:1/ws"
		if _, err := Join(context.Background(), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: Join = %v, want an error about %q", tc.cfg, err, tc.want)
		}
	}
}

// TestRelayOnlyWithoutThatTURN: a relay-only bot that the server offers no
// TURN URL of its transport fails the join instead of never connecting.
func TestRelayOnlyWithoutThatTURN(t *testing.T) {
	servers := []webrtc.ICEServer{{URLs: []string{"turn:h:3478?transport=udp", "turn:h:443?transport=tcp"}, Username: "u", Credential: "p"}}
	if _, err := newTestBot(t, Config{RelayOnly: "tls"}, servers); err == nil || !strings.Contains(err.Error(), "no TURN URL over tls") {
		t.Errorf("RelayOnly tls without turns: %v", err)
	}
	b, err := newTestBot(t, Config{RelayOnly: "tcp"}, servers)
	if err != nil {
		t.Fatalf("RelayOnly tcp: %v", err)
	}
	if got := b.pcConfig(); got.ICETransportPolicy != webrtc.ICETransportPolicyRelay || len(got.ICEServers) != 1 || !slices.Equal(got.ICEServers[0].URLs, []string{"turn:h:443?transport=tcp"}) {
		t.Errorf("RelayOnly tcp: configuration %+v", got)
	}
	b, err = newTestBot(t, Config{}, servers)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.pcConfig(); got.ICETransportPolicy != webrtc.ICETransportPolicyAll || len(got.ICEServers) != 1 || len(got.ICEServers[0].URLs) != 2 {
		t.Errorf("default: configuration %+v", got)
	}
}

func TestRelayServers(t *testing.T) {
	servers := []webrtc.ICEServer{
		{URLs: []string{"turn:h:3478?transport=udp", "turn:h:443?transport=tcp", "turns:h:443?transport=tcp"}, Username: "a"},
		{URLs: []string{"turn:other:3478"}, Username: "b"},
		{URLs: []string{"stun:h:3478"}, Username: "c"},
	}
	for _, tc := range []struct {
		transport string
		want      map[string][]string // username → URLs kept
	}{
		{"", map[string][]string{"a": servers[0].URLs, "b": servers[1].URLs, "c": servers[2].URLs}},
		{"udp", map[string][]string{"a": {"turn:h:3478?transport=udp"}, "b": {"turn:other:3478"}, "c": {"stun:h:3478"}}},
		{"tcp", map[string][]string{"a": {"turn:h:443?transport=tcp"}}},
		{"tls", map[string][]string{"a": {"turns:h:443?transport=tcp"}}},
	} {
		got := map[string][]string{}
		for _, s := range relayServers(servers, tc.transport) {
			got[s.Username] = s.URLs
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: got %v, want %v", tc.transport, got, tc.want)
			continue
		}
		for user, urls := range tc.want {
			if !slices.Equal(got[user], urls) {
				t.Errorf("%q: server %s keeps %v, want %v", tc.transport, user, got[user], urls)
			}
		}
	}
	// Filtering must not change the caller's servers.
	if len(servers[0].URLs) != 3 {
		t.Errorf("relayServers changed its input: %v", servers[0].URLs)
	}
}

func TestCandidateUfrag(t *testing.T) {
	for in, want := range map[string]string{
		"candidate:1 1 udp 2130706431 10.0.0.1 443 typ host ufrag abcd":                 "abcd",
		"candidate:1 1 udp 2130706431 10.0.0.1 443 typ host ufrag abcd network-cost 10": "abcd",
		"candidate:1 1 tcp 1671430143 10.0.0.1 443 typ host tcptype passive":            "",
		"candidate:1 1 udp 2130706431 10.0.0.1 443 typ host ufrag":                      "",
		"": "",
	} {
		if got := candidateUfrag(in); got != want {
			t.Errorf("candidateUfrag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSelectedPath(t *testing.T) {
	pair := func(local string, nominated bool, state webrtc.StatsICECandidatePairState) webrtc.ICECandidatePairStats {
		return webrtc.ICECandidatePairStats{ID: "pair-" + local, Type: webrtc.StatsTypeCandidatePair, LocalCandidateID: local, RemoteCandidateID: "r", Nominated: nominated, State: state}
	}
	locals := webrtc.StatsReport{
		"host-udp": webrtc.ICECandidateStats{ID: "host-udp", Type: webrtc.StatsTypeLocalCandidate, CandidateType: webrtc.ICECandidateTypeHost, Protocol: "udp"},
		"host-tcp": webrtc.ICECandidateStats{ID: "host-tcp", Type: webrtc.StatsTypeLocalCandidate, CandidateType: webrtc.ICECandidateTypeHost, Protocol: "tcp"},
		"relay":    webrtc.ICECandidateStats{ID: "relay", Type: webrtc.StatsTypeLocalCandidate, CandidateType: webrtc.ICECandidateTypeRelay, Protocol: "udp", RelayProtocol: "tls"},
	}
	succeeded := webrtc.StatsICECandidatePairStateSucceeded
	for _, tc := range []struct {
		name string
		pair webrtc.ICECandidatePairStats
		want string
	}{
		{"udp", pair("host-udp", true, succeeded), "udp"},
		{"ice-tcp", pair("host-tcp", true, succeeded), "tcp"},
		{"relay", pair("relay", true, succeeded), "turn-tls"},
		{"not nominated", pair("host-udp", false, succeeded), ""},
		{"in progress", pair("host-udp", true, webrtc.StatsICECandidatePairStateInProgress), ""},
		{"unknown local", pair("gone", true, succeeded), ""},
	} {
		report := webrtc.StatsReport{tc.pair.ID: tc.pair}
		for k, v := range locals {
			report[k] = v
		}
		if got := selectedPath(report); got != tc.want {
			t.Errorf("%s: selectedPath = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRemoteAddresses(t *testing.T) {
	report := webrtc.StatsReport{
		"a": webrtc.ICECandidateStats{ID: "a", Type: webrtc.StatsTypeRemoteCandidate, IP: "10.0.0.1", Port: 443, Protocol: "tcp", Priority: 10},
		"b": webrtc.ICECandidateStats{ID: "b", Type: webrtc.StatsTypeRemoteCandidate, IP: "10.0.0.1", Port: 3479, Protocol: "udp", Priority: 20},
		"c": webrtc.ICECandidateStats{ID: "c", Type: webrtc.StatsTypeRemoteCandidate, IP: "::1", Port: 3479, Protocol: "udp", Priority: 5},
		"d": webrtc.ICECandidateStats{ID: "d", Type: webrtc.StatsTypeRemoteCandidate, IP: "10.0.0.1", Port: 3479, Protocol: "udp", Priority: 1},
		"l": webrtc.ICECandidateStats{ID: "l", Type: webrtc.StatsTypeLocalCandidate, IP: "10.0.0.2", Port: 5000, Protocol: "udp", Priority: 99},
	}
	want := []string{"10.0.0.1:3479/udp", "10.0.0.1:443/tcp", "[::1]:3479/udp"}
	if got := remoteAddresses(report, nil); !slices.Equal(got, want) {
		t.Errorf("remoteAddresses = %v, want %v", got, want)
	}
}
