package signaling

import (
	"context"
	"encoding/json"
	"fmt"
	"piiri/internal/clock"
	"piiri/internal/testwait"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestJoined(t *testing.T) {
	h := newHarness(t, func(cfg *Config) {
		cfg.ICEServers = func(id string) []ICEServer {
			return []ICEServer{{URLs: []string{"turn:turn.example.org:443?transport=tcp"}, Username: "u-" + id, Credential: "c"}}
		}
	})
	room := h.room()
	first := h.dial()
	j1 := first.join(room, "  First Person ")
	// joined names the version the connection speaks: the client's own.
	if j1.Version != 1 || j1.ID != "join-1" || j1.Resumed {
		t.Errorf("joined: %s", j1.Raw)
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(j1.Participant.ID) {
		t.Errorf("participant id %q", j1.Participant.ID)
	}
	if j1.Participant.Name != "First Person" {
		t.Errorf("name %q, want the trimmed name", j1.Participant.Name)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(j1.ResumeToken) {
		t.Errorf("resume token %q", j1.ResumeToken)
	}
	if j1.ResumeGraceMs != 2000 {
		t.Errorf("resumeGraceMs %d, want 2000", j1.ResumeGraceMs)
	}
	if j1.Room.Name != room || j1.Room.MaxParticipants != 11 || j1.Room.Participants == nil || len(j1.Room.Participants) != 0 {
		t.Errorf("room %+v", j1.Room)
	}
	if len(j1.ICEServers) != 1 || j1.ICEServers[0].Username != "u-"+j1.Participant.ID {
		t.Errorf("iceServers %+v", j1.ICEServers)
	}

	second := h.dial()
	j2 := second.join(room, "Second")
	third := h.dial()
	j3 := third.join(room, "Third")
	want := []ParticipantInfo{j1.Participant, j2.Participant}
	if !slices.Equal(j3.Room.Participants, want) {
		t.Errorf("third sees %+v, want %+v in join order", j3.Room.Participants, want)
	}
	if pj := first.expect(TypeParticipantJoined); pj.Participant != j2.Participant || pj.ID != "" {
		t.Errorf("first: participant_joined %s, want %+v", pj.Raw, j2.Participant)
	}
	for _, c := range []*client{first, second} {
		if pj := c.expect(TypeParticipantJoined); pj.Participant != j3.Participant || pj.ID != "" {
			t.Errorf("participant_joined %s, want %+v", pj.Raw, j3.Participant)
		}
	}
	if got := h.srv.Counts(); got != (Counts{Rooms: 1, Participants: 3, Connected: 3}) {
		t.Errorf("counts %+v", got)
	}
}

func TestJoinedWithoutICEServersIsEmptyList(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	j := c.join(h.room(), "Anna")
	if !strings.Contains(string(j.Raw), `"iceServers":[]`) {
		t.Errorf("joined %s: iceServers should be an empty list", j.Raw)
	}
}

func TestLeave(t *testing.T) {
	h := newHarness(t, nil)
	room := h.room()
	stay := h.dial()
	stay.join(room, "Stay")
	leave := h.dial()
	j := leave.join(room, "Leave")
	stay.expect(TypeParticipantJoined)

	leave.sendText(`{"type":"leave","id":"l1"}`)
	leave.expectBye(ReasonLeft, websocket.CloseNormalClosure)
	pl := stay.expect(TypeParticipantLeft)
	if pl.ParticipantID != j.Participant.ID || pl.Reason != ReasonLeft {
		t.Errorf("participant_left %s", pl.Raw)
	}
	// Leaving is final: the token no longer resumes.
	if msg := h.resume(room, j.ResumeToken); msg.Code != CodeResumeFailed {
		t.Errorf("resume after leave: %s", msg.Raw)
	}
	if got := h.srv.Counts(); got.Participants != 1 {
		t.Errorf("counts %+v", got)
	}
}

// TestGraceExpires: a participant whose connection dropped is removed when
// the grace period ends, not before, on the server's clock.
func TestGraceExpires(t *testing.T) {
	for _, grace := range []time.Duration{0, 30 * time.Second} {
		t.Run(fmt.Sprint(grace), func(t *testing.T) {
			clk := clock.NewFake(time.Unix(1_800_000_000, 0))
			clk.Sync = true // an expiry runs inside Advance
			h := newHarness(t, func(cfg *Config) { cfg.ResumeGrace = grace; cfg.Clock = clk })
			room := h.room()
			stay := h.dial()
			stay.join(room, "Stay")
			drop := h.dial()
			j := drop.join(room, "Drop")
			if j.ResumeGraceMs != grace.Milliseconds() {
				t.Errorf("resumeGraceMs %d", j.ResumeGraceMs)
			}
			stay.expect(TypeParticipantJoined)
			_ = drop.conn.NetConn().Close() // a network failure: no close frame

			if grace > 0 {
				testwait.Until(t, readTimeout, "the grace period to start", func() error {
					if c := h.srv.Counts(); c.Connected != 1 || clk.Pending() != 1 {
						return fmt.Errorf("counts %+v, %d timers", c, clk.Pending())
					}
					return nil
				})
				clk.Advance(grace - time.Millisecond)
				stay.ping("still-here")
				for _, m := range stay.seen {
					if m.Type == TypeParticipantLeft {
						t.Fatalf("participant_left before the grace period ended: %s", m.Raw)
					}
				}
				clk.Advance(time.Millisecond)
			}
			pl := stay.expect(TypeParticipantLeft)
			if pl.ParticipantID != j.Participant.ID || pl.Reason != ReasonTimeout {
				t.Errorf("participant_left %s", pl.Raw)
			}
			if msg := h.resume(room, j.ResumeToken); msg.Code != CodeResumeFailed {
				t.Errorf("resume after the grace period: %s", msg.Raw)
			}
		})
	}
}

func TestCleanCloseWithoutLeaveIsADrop(t *testing.T) {
	h := newHarness(t, func(cfg *Config) { cfg.ResumeGrace = time.Minute })
	room := h.room()
	stay := h.dial()
	stay.join(room, "Stay")
	drop := h.dial()
	j := drop.join(room, "Drop")
	stay.expect(TypeParticipantJoined)
	_ = drop.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	_ = drop.expectClose()

	if msg := h.resume(room, j.ResumeToken); msg.Type != TypeJoined || !msg.Resumed {
		t.Errorf("resume after a close without leave: %s", msg.Raw)
	}
	stay.ping("p")
	for _, m := range stay.seen {
		if m.Type == TypeParticipantLeft {
			t.Errorf("stay saw %s", m.Raw)
		}
	}
}

func TestResumeElsewhere(t *testing.T) {
	h := newHarness(t, nil)
	room := h.room()
	old := h.dial()
	j := old.join(room, "Anna")
	// The old connection still looks alive to the server.
	now := h.dial()
	now.sendJSON(joinMsg(map[string]any{"id": "r", "room": room, "name": "ignored", "resume": j.ResumeToken}))
	msg := now.expectReply("r")
	if msg.Type != TypeJoined || !msg.Resumed || msg.Participant != j.Participant || msg.ResumeToken != j.ResumeToken {
		t.Fatalf("resume: %s", msg.Raw)
	}
	old.expectBye(ReasonResumed, websocket.CloseNormalClosure)
	now.ping("p")
	if got := h.srv.Counts(); got != (Counts{Rooms: 1, Participants: 1, Connected: 1}) {
		t.Errorf("counts %+v", got)
	}
}

func TestShutdownSaysBye(t *testing.T) {
	h := newHarness(t, nil)
	joined := h.dial()
	joined.join(h.room(), "Anna")
	idle := h.dial()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{joined, idle, h.dial()} {
		c.expectBye(ReasonShutdown, websocket.CloseGoingAway)
	}
}

// mediaClient is a client with pion peer connections that handles the
// server's descriptions and candidates on its reader goroutine, as a
// browser client would, and checks the ordering guarantee.
type mediaClient struct {
	t    *testing.T
	h    *harness
	cur  atomic.Pointer[client]
	msgs chan inbound // every message, after it has been handled

	pub *webrtc.PeerConnection
	sub *webrtc.PeerConnection

	mu          sync.Mutex
	pubAnswered bool // a publisher answer has arrived
	subOffered  bool // a subscriber offer has arrived
	subOffers   []string
	violations  []string
}

func newMediaClient(t *testing.T, h *harness) *mediaClient {
	m := &mediaClient{t: t, h: h, msgs: make(chan inbound, 4096)}
	api := testAPI(t)
	var err error
	m.sub, err = api.NewPeerConnection(webrtc.Configuration{BundlePolicy: webrtc.BundlePolicyMaxBundle})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.sub.Close() })
	m.sub.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			_ = m.cur.Load().writeJSON(map[string]any{"type": "candidate", "target": "subscriber", "candidate": c.ToJSON()})
		}
	})
	return m
}

func testAPI(t *testing.T) *webrtc.API {
	t.Helper()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se))
}

// connect dials and sends join (with resume when token is set); the
// joined reply arrives on msgs.
func (m *mediaClient) connect(room, name, token string) {
	c := m.h.dial()
	m.cur.Store(c)
	go m.readLoop(c)
	c.sendJSON(joinMsg(map[string]any{"id": "join", "room": room, "name": name, "resume": token, "key": m.h.cfg.RoomKey}))
}

func (m *mediaClient) violate(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.violations = append(m.violations, fmt.Sprintf(format, args...))
}

func (m *mediaClient) readLoop(c *client) {
	for {
		_ = c.conn.SetReadDeadline(time.Time{})
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		var msg inbound
		if err := json.Unmarshal(data, &msg); err != nil {
			m.violate("invalid JSON %q", data)
			continue
		}
		msg.Raw = data
		m.handle(c, msg)
		m.msgs <- msg
	}
}

func (m *mediaClient) handle(c *client, msg inbound) {
	switch msg.Type {
	case TypeAnswer:
		if msg.Target != TargetPublisher {
			m.violate("answer for %q", msg.Target)
			return
		}
		m.mu.Lock()
		m.pubAnswered = true
		m.mu.Unlock()
		if err := m.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: msg.SDP}); err != nil {
			m.violate("apply publisher answer: %v", err)
		}
	case TypeOffer:
		if msg.Target != TargetSubscriber {
			m.violate("offer for %q", msg.Target)
			return
		}
		m.mu.Lock()
		m.subOffered = true
		m.subOffers = append(m.subOffers, msg.SDP)
		m.mu.Unlock()
		if err := m.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: msg.SDP}); err != nil {
			m.violate("apply subscriber offer: %v", err)
			return
		}
		answer, err := m.sub.CreateAnswer(nil)
		if err == nil {
			err = m.sub.SetLocalDescription(answer)
		}
		if err != nil {
			m.violate("answer subscriber offer: %v", err)
			return
		}
		_ = c.writeJSON(map[string]any{"type": "answer", "target": "subscriber", "sdp": answer.SDP})
	case TypeCandidate:
		if msg.Candidate == nil {
			m.violate("candidate without candidate: %s", msg.Raw)
			return
		}
		init := webrtc.ICECandidateInit{Candidate: msg.Candidate.Candidate, SDPMid: msg.Candidate.SDPMid, SDPMLineIndex: msg.Candidate.SDPMLineIndex}
		m.mu.Lock()
		pubOK, subOK := m.pubAnswered, m.subOffered
		m.mu.Unlock()
		switch msg.Target {
		case TargetPublisher:
			if !pubOK {
				m.violate("publisher candidate before the publisher answer: %s", msg.Raw)
				return
			}
			if err := m.pub.AddICECandidate(init); err != nil {
				m.violate("add publisher candidate: %v", err)
			}
		case TargetSubscriber:
			if !subOK {
				m.violate("subscriber candidate before the subscriber offer: %s", msg.Raw)
				return
			}
			if err := m.sub.AddICECandidate(init); err != nil {
				m.violate("add subscriber candidate: %v", err)
			}
		default:
			m.violate("candidate for %q", msg.Target)
		}
	}
}

// next waits for a message that matches.
func (m *mediaClient) next(what string, match func(inbound) bool) inbound {
	m.t.Helper()
	timeout := time.After(readTimeout)
	for {
		select {
		case msg := <-m.msgs:
			if match(msg) {
				return msg
			}
		case <-timeout:
			m.t.Fatalf("no %s within %s", what, readTimeout)
		}
	}
}

func isType(typ string) func(inbound) bool {
	return func(msg inbound) bool { return msg.Type == typ }
}

// publishAudio creates the publisher connection with an Opus track,
// negotiates it and sends RTP until the test ends.
func (m *mediaClient) publishAudio(ctx context.Context) {
	m.t.Helper()
	var err error
	m.pub, err = testAPI(m.t).NewPeerConnection(webrtc.Configuration{BundlePolicy: webrtc.BundlePolicyMaxBundle})
	if err != nil {
		m.t.Fatal(err)
	}
	m.t.Cleanup(func() { _ = m.pub.Close() })
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "stream")
	if err != nil {
		m.t.Fatal(err)
	}
	if _, err := m.pub.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		m.t.Fatal(err)
	}
	m.pub.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			_ = m.cur.Load().writeJSON(map[string]any{"type": "candidate", "target": "publisher", "candidate": c.ToJSON()})
		}
	})
	m.offerPublisher("pub-1", false)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var seq uint16
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			seq++
			_ = track.WriteRTP(&rtp.Packet{
				Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: uint32(seq) * 960},
				Payload: []byte{0xf8, 0xff, 0xfe},
			})
		}
	}()
}

// offerPublisher sends a publisher offer and waits for its answer.
func (m *mediaClient) offerPublisher(id string, iceRestart bool) inbound {
	m.t.Helper()
	offer, err := m.pub.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		m.t.Fatal(err)
	}
	if err := m.pub.SetLocalDescription(offer); err != nil {
		m.t.Fatal(err)
	}
	m.cur.Load().sendJSON(map[string]any{"type": "offer", "id": id, "target": "publisher", "sdp": offer.SDP})
	answer := m.next("answer "+id, func(msg inbound) bool { return msg.ID == id })
	if answer.Type != TypeAnswer || answer.Target != TargetPublisher {
		m.t.Fatalf("publisher offer %s: got %s", id, answer.Raw)
	}
	return answer
}

func (m *mediaClient) checkViolations() {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.violations {
		m.t.Error(v)
	}
}

var ufragRE = regexp.MustCompile(`a=ice-ufrag:(\S+)`)

func ufrag(t *testing.T, sdp string) string {
	t.Helper()
	m := ufragRE.FindStringSubmatch(sdp)
	if m == nil {
		t.Fatalf("no ice-ufrag in SDP")
	}
	return m[1]
}

// TestNegotiationAndResume runs the media side of the protocol: a publisher
// offer and its answer, a subscriber offer once another participant's
// track arrives, trickled candidates always after their description, and
// a resume with an ICE restart on both connections.
func TestNegotiationAndResume(t *testing.T) {
	h := newHarness(t, func(cfg *Config) { cfg.ResumeGrace = time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	room := h.room()

	bea := newMediaClient(t, h)
	bea.connect(room, "Bea", "")
	bea.next("joined", isType(TypeJoined))
	aki := newMediaClient(t, h)
	aki.connect(room, "Aki", "")
	akiJoined := aki.next("joined", isType(TypeJoined))
	bea.next("participant_joined", isType(TypeParticipantJoined))

	// Aki publishes too (media need not flow), so that it can restart
	// its publisher after the resume.
	aki.pub, _ = testAPI(t).NewPeerConnection(webrtc.Configuration{})
	t.Cleanup(func() { _ = aki.pub.Close() })
	if _, err := aki.pub.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	firstPubAnswer := aki.offerPublisher("aki-pub", false)

	// Bea's RTP reaches the server, which offers Aki a subscription.
	bea.publishAudio(ctx)
	offer := aki.next("subscriber offer", isType(TypeOffer))
	if offer.ID != "" {
		t.Errorf("subscriber offer has id %q", offer.ID)
	}
	if !strings.Contains(offer.SDP, "m=audio") {
		t.Errorf("subscriber offer has no audio section:\n%s", offer.SDP)
	}
	firstUfrag := ufrag(t, offer.SDP)
	// Aki has answered (next returns a message once it is handled); a
	// ping's pong shows the server has applied the answer, since it
	// handles a connection's messages in order. An offer still
	// outstanding at the drop would be re-sent as it was instead.
	aki.cur.Load().sendJSON(map[string]any{"type": "ping", "id": "aki-ping"})
	aki.next("pong after the subscriber answer", func(msg inbound) bool { return msg.ID == "aki-ping" })

	// The connection drops; the participant stays.
	_ = aki.cur.Load().conn.NetConn().Close()
	aki.connect(room, "Aki", akiJoined.ResumeToken)
	resumed := aki.next("joined", isType(TypeJoined))
	if !resumed.Resumed || resumed.Participant != akiJoined.Participant {
		t.Fatalf("resume: %s", resumed.Raw)
	}
	if len(resumed.Room.Participants) != 1 || resumed.Room.Participants[0].Name != "Bea" {
		t.Errorf("resumed room %+v", resumed.Room)
	}
	restart := aki.next("subscriber offer after resume", isType(TypeOffer))
	if u := ufrag(t, restart.SDP); u == firstUfrag {
		t.Errorf("the subscriber offer after resume keeps ice-ufrag %q; want an ICE restart", u)
	}
	pubRestart := aki.offerPublisher("aki-pub-2", true)
	if ufrag(t, pubRestart.SDP) == ufrag(t, firstPubAnswer.SDP) {
		t.Errorf("the publisher answer to an ICE restart offer keeps its ice-ufrag")
	}

	// Bea saw neither a leave nor a second join.
	bea.cur.Load().sendJSON(map[string]any{"type": "ping", "id": "bea-ping"})
	for {
		msg := bea.next("pong", func(inbound) bool { return true })
		if msg.Type == TypeParticipantLeft || msg.Type == TypeParticipantJoined {
			t.Errorf("Bea saw %s during Aki's resume", msg.Raw)
		}
		if msg.Type == TypePong {
			break
		}
	}
	if got := testutil.ToFloat64(h.cfg.Metrics.Resumes); got != 1 {
		t.Errorf("piiri_resumes_total = %v, want 1", got)
	}
	aki.checkViolations()
	bea.checkViolations()
}

// TestConcurrentJoinsAnnounceEachParticipantOnce joins a room full of
// clients at once, as at the start of a meeting: each client must learn
// of every other exactly once, either in its joined reply or from one
// participant_joined.
func TestConcurrentJoinsAnnounceEachParticipantOnce(t *testing.T) {
	h := newHarness(t, nil)
	room := h.room()
	const n = 11
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = h.dial()
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			if err := c.writeJSON(joinMsg(map[string]any{"id": "j", "room": room, "name": fmt.Sprintf("P%d", i)})); err != nil {
				t.Errorf("client %d: send join: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i, c := range clients {
		known := map[string]int{}
		var self string
		for len(known) < n-1 || self == "" {
			msg, err := c.read()
			if err != nil {
				t.Fatalf("client %d knows %d others: %v", i, len(known), err)
			}
			switch msg.Type {
			case TypeJoined:
				self = msg.Participant.ID
				for _, p := range msg.Room.Participants {
					known[p.ID]++
				}
			case TypeParticipantJoined:
				if self == "" {
					t.Errorf("client %d: participant_joined before joined", i)
				}
				known[msg.Participant.ID]++
			case TypeError:
				t.Fatalf("client %d: %s", i, msg.Raw)
			}
		}
		// Anything still queued arrives before the pong.
		c.sendJSON(map[string]any{"type": "ping", "id": "flush"})
		for {
			msg, err := c.read()
			if err != nil {
				t.Fatalf("client %d: waiting for pong: %v", i, err)
			}
			if msg.Type == TypeParticipantJoined {
				known[msg.Participant.ID]++
			}
			if msg.Type == TypePong {
				break
			}
		}
		for id, times := range known {
			if times != 1 {
				t.Errorf("client %d learned of %s %d times", i, id, times)
			}
		}
		if known[self] != 0 {
			t.Errorf("client %d was told of itself", i)
		}
	}
}

// TestGoneIsCalledOnceWhenAParticipantIsGone: Config.Gone (which lets go of
// the participant's TURN relays) runs once when a participant leaves or
// its grace period ends, and not while it may still resume.
func TestGoneIsCalledOnceWhenAParticipantIsGone(t *testing.T) {
	var mu sync.Mutex
	gone := map[string]int{}
	h := newHarness(t, func(cfg *Config) {
		cfg.ResumeGrace = 2 * time.Second
		cfg.Gone = func(id string) {
			mu.Lock()
			gone[id]++
			mu.Unlock()
		}
	})
	calls := func(id string) int {
		mu.Lock()
		defer mu.Unlock()
		return gone[id]
	}
	room := h.room()
	stay := h.dial()
	js := stay.join(room, "Stay")
	leaver := h.dial()
	jl := leaver.join(room, "Leaver")
	dropper := h.dial()
	jd := dropper.join(room, "Dropper")

	leaver.sendJSON(map[string]any{"type": "leave"})
	_ = stay.expect(TypeParticipantLeft)
	// Gone runs just after participant_left is sent.
	testwait.Until(t, readTimeout, "Gone for the participant who left", func() error {
		if n := calls(jl.Participant.ID); n != 1 {
			return fmt.Errorf("called %d times, want 1", n)
		}
		return nil
	})

	_ = dropper.conn.NetConn().Close() // a network failure: may resume
	h.waitSessions(1)
	if n := calls(jd.Participant.ID); n != 0 {
		t.Errorf("Gone called %d times during the grace period, want 0", n)
	}
	if pl := stay.expect(TypeParticipantLeft); pl.ParticipantID != jd.Participant.ID {
		t.Fatalf("participant_left %s", pl.Raw)
	}
	testwait.Until(t, readTimeout, "Gone after the grace period", func() error {
		if n := calls(jd.Participant.ID); n != 1 {
			return fmt.Errorf("called %d times, want 1", n)
		}
		return nil
	})
	if n := calls(js.Participant.ID); n != 0 {
		t.Errorf("Gone called %d times for the participant who stayed", n)
	}
	if n := calls(jl.Participant.ID); n != 1 {
		t.Errorf("Gone called %d times in all for the participant who left, want 1", n)
	}
}
