package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/internal/testwait"
	"piiri/metrics"
	"piiri/sfu"
)

// readTimeout only keeps a broken test from hanging; no test depends on
// anything happening within it.
const readTimeout = 5 * time.Second

// harness is a signalling server, over a real SFU or fake media, behind
// an httptest server.
type harness struct {
	t     *testing.T
	cfg   Config
	srv   *Server
	http  *httptest.Server
	url   string
	rooms atomic.Int64 // for fresh room names
}

// testConfig is the configuration every harness starts from.
func testConfig() Config {
	return Config{
		MaxParticipants:    11,
		MaxMessageBytes:    65536,
		MessagesPerSecond:  50,
		MessageBurst:       100,
		MaxInvalidMessages: 20,
		ResumeGrace:        2 * time.Second,
		Metrics:            metrics.New(),
	}
}

// newHarness starts a server over a real SFU with testConfig changed by
// adjust (if not nil).
func newHarness(t *testing.T, adjust func(*Config)) *harness {
	t.Helper()
	cfg := testConfig()
	if adjust != nil {
		adjust(&cfg)
	}
	media, err := sfu.New(sfu.Config{UDPListen: "127.0.0.1:0", Metrics: cfg.Metrics})
	if err != nil {
		t.Fatalf("sfu.New: %v", err)
	}
	// Registered first, so it runs after the server's shutdown.
	t.Cleanup(func() {
		if err := media.Close(); err != nil {
			t.Errorf("sfu close: %v", err)
		}
	})
	return startHarness(t, cfg, SFU(media))
}

// newFakeHarness starts a server over fake media: no pion, no sockets
// but the websocket's.
func newFakeHarness(t *testing.T, adjust func(*Config)) (*harness, *fakeMedia) {
	t.Helper()
	cfg := testConfig()
	if adjust != nil {
		adjust(&cfg)
	}
	media := newFakeMedia()
	return startHarness(t, cfg, media), media
}

// startHarness serves a signalling server over media until the test ends.
// Cleanups run last first: the server shuts down before the media closes.
func startHarness(t *testing.T, cfg Config, media Media) *harness {
	t.Helper()
	srv := New(cfg, media)
	ts := httptest.NewServer(srv)
	h := &harness{
		t:    t,
		cfg:  cfg,
		srv:  srv,
		http: ts,
		url:  "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws",
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("signaling shutdown: %v", err)
		}
		ts.Close()
	})
	return h
}

// room returns a room name no other client of this harness has used.
func (h *harness) room() string { return fmt.Sprintf("room-%d", h.rooms.Add(1)) }

// waitSessions waits until the server has n websocket sessions, so that
// whatever a session does as it ends (such as counting an error) is done.
func (h *harness) waitSessions(n int) {
	h.t.Helper()
	testwait.Until(h.t, readTimeout, "websocket sessions", func() error {
		h.srv.mu.Lock()
		got := len(h.srv.sessions)
		h.srv.mu.Unlock()
		if got != n {
			return fmt.Errorf("the server has %d sessions, want %d", got, n)
		}
		return nil
	})
}

// errorCount is piiri_signaling_errors_total{code=code}.
func (h *harness) errorCount(code Code) float64 {
	return testutil.ToFloat64(h.cfg.Metrics.SignalingErrors.WithLabelValues(string(code)))
}

// checkServes asserts that the server still admits a new client: it joins
// a fresh room and gets a pong for a ping.
func (h *harness) checkServes() {
	h.t.Helper()
	c := h.dial()
	defer c.close()
	c.join(h.room(), "fresh")
	c.ping("fresh-ping")
}

// inbound is any message the server sends, for tests to inspect.
type inbound struct {
	Type          string          `json:"type"`
	ID            string          `json:"id"`
	Code          Code            `json:"code"`
	Message       string          `json:"message"`
	Reason        string          `json:"reason"`
	Target        string          `json:"target"`
	SDP           string          `json:"sdp"`
	Candidate     *CandidateInit  `json:"candidate"`
	Version       int             `json:"version"`
	Participant   ParticipantInfo `json:"participant"`
	ParticipantID string          `json:"participantId"`
	Room          RoomInfo        `json:"room"`
	Resumed       bool            `json:"resumed"`
	ResumeToken   string          `json:"resumeToken"`
	ResumeGraceMs int64           `json:"resumeGraceMs"`
	ICEServers    []ICEServer     `json:"iceServers"`
	Tracks        []TrackInfo     `json:"tracks"`
	Speaking      bool            `json:"speaking"`
	Raw           json.RawMessage `json:"-"`
	Fields        map[string]any  `json:"-"`
}

// client is a raw websocket client: it sends exactly the bytes a test
// gives it and reads replies with a deadline.
type client struct {
	t    *testing.T
	h    *harness
	conn *websocket.Conn
	wmu  sync.Mutex // writes may come from pion callbacks too
	// seen collects every message read, in order. Only the goroutine
	// that reads touches it.
	seen []inbound
}

func (h *harness) dial() *client {
	h.t.Helper()
	return h.dialWith(websocket.DefaultDialer)
}

func (h *harness) dialWith(d *websocket.Dialer) *client {
	h.t.Helper()
	conn, resp, err := d.Dial(h.url, nil)
	if err != nil {
		h.t.Fatalf("dial %s: %v", h.url, err)
	}
	_ = resp.Body.Close()
	c := &client{t: h.t, h: h, conn: conn}
	h.t.Cleanup(c.close)
	return c
}

func (c *client) close() { _ = c.conn.Close() }

// sendRaw sends one frame of the given kind (websocket.TextMessage or
// websocket.BinaryMessage).
func (c *client) sendRaw(kind int, data []byte) {
	c.t.Helper()
	if err := c.write(kind, data); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// write sends one frame; unlike sendRaw it may be called from any
// goroutine.
func (c *client) write(kind int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(readTimeout))
	return c.conn.WriteMessage(kind, data)
}

// writeJSON is sendJSON for goroutines other than the test's.
func (c *client) writeJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.write(websocket.TextMessage, data)
}

// sendText sends s as one text message.
func (c *client) sendText(s string) {
	c.t.Helper()
	c.sendRaw(websocket.TextMessage, []byte(s))
}

// sendJSON marshals v and sends it as a text message.
func (c *client) sendJSON(v any) {
	c.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		c.t.Fatalf("marshal: %v", err)
	}
	c.sendRaw(websocket.TextMessage, data)
}

// read returns the next message, or the read error (a *websocket.CloseError
// when the server closed the connection).
func (c *client) read() (inbound, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(readTimeout))
	kind, data, err := c.conn.ReadMessage()
	if err != nil {
		return inbound{}, err
	}
	if kind != websocket.TextMessage {
		c.t.Fatalf("server sent a non-text message (kind %d)", kind)
	}
	var msg inbound
	if err := json.Unmarshal(data, &msg); err != nil {
		c.t.Fatalf("server sent invalid JSON %q: %v", data, err)
	}
	if err := json.Unmarshal(data, &msg.Fields); err != nil {
		c.t.Fatalf("server sent a JSON value that is not an object: %q", data)
	}
	msg.Raw = data
	c.seen = append(c.seen, msg)
	return msg, nil
}

// expect reads until a message of type typ arrives, skipping others (such
// as candidates), and fails on a read error.
func (c *client) expect(typ string) inbound {
	c.t.Helper()
	for {
		msg, err := c.read()
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", typ, err)
		}
		if msg.Type == typ {
			return msg
		}
	}
}

// next returns the next message that is not ICE or SDP negotiation (which
// the media side may send at any time), and fails on a read error.
func (c *client) next() inbound {
	c.t.Helper()
	for {
		msg, err := c.read()
		if err != nil {
			c.t.Fatalf("waiting for a message: %v", err)
		}
		if msg.Type != TypeCandidate && msg.Type != TypeOffer && msg.Type != TypeAnswer {
			return msg
		}
	}
}

// expectClose reads until the connection ends and returns the read error.
// Messages that arrive first are kept in c.seen.
func (c *client) expectClose() error {
	c.t.Helper()
	for {
		_, err := c.read()
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				c.t.Fatalf("the server did not close the connection within %s", readTimeout)
			}
			return err
		}
	}
}

// join joins room as name and returns the joined reply.
func (c *client) join(room, name string) inbound {
	c.t.Helper()
	c.sendJSON(map[string]any{"type": "join", "id": "join-1", "version": 1, "room": room, "name": name, "key": c.h.cfg.RoomKey})
	msg := c.expectReply("join-1")
	if msg.Type != TypeJoined {
		c.t.Fatalf("join: got %s %s: %s", msg.Type, msg.Code, msg.Message)
	}
	return msg
}

// resume dials a new connection, asks to resume with token and returns
// the reply (joined, or an error).
func (h *harness) resume(room, token string) inbound {
	h.t.Helper()
	c := h.dial()
	c.sendJSON(joinMsg(map[string]any{"id": "resume-1", "room": room, "resume": token}))
	return c.expectReply("resume-1")
}

// expectReply reads until a message with the given id arrives.
func (c *client) expectReply(id string) inbound {
	c.t.Helper()
	for {
		msg, err := c.read()
		if err != nil {
			c.t.Fatalf("waiting for the reply to %q: %v", id, err)
		}
		if msg.ID == id {
			return msg
		}
	}
}

// ping sends a ping and waits for its pong.
func (c *client) ping(id string) {
	c.t.Helper()
	c.sendJSON(map[string]any{"type": "ping", "id": id})
	msg := c.expectReply(id)
	if msg.Type != TypePong {
		c.t.Fatalf("ping: got %s %s: %s", msg.Type, msg.Code, msg.Message)
	}
}

// checkReadable asserts that an error message is text a person can read.
func checkReadable(t *testing.T, msg string) {
	t.Helper()
	if strings.TrimSpace(msg) == "" {
		t.Errorf("error message is empty")
	}
	if !utf8.ValidString(msg) {
		t.Errorf("error message %q is not valid UTF-8", msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) {
			t.Errorf("error message %q contains control character %U", msg, r)
			break
		}
	}
	if len(msg) > 1024 {
		t.Errorf("error message is %d bytes long", len(msg))
	}
}

// publisher is a pion peer connection that sends audio, standing in for a
// browser's publisher connection.
type publisher struct {
	pc *webrtc.PeerConnection
}

func newPublisher(t *testing.T) *publisher {
	t.Helper()
	pc, err := testAPI(t).NewPeerConnection(webrtc.Configuration{BundlePolicy: webrtc.BundlePolicyMaxBundle})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	return &publisher{pc: pc}
}

// offer creates and sets a local offer and returns its SDP.
func (p *publisher) offer(t *testing.T, iceRestart bool) string {
	t.Helper()
	offer, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	return offer.SDP
}

// publish sends a publisher offer from a new pion peer connection and
// waits for the server's answer, which it applies.
func (c *client) publish(id string) (*publisher, inbound) {
	c.t.Helper()
	p := newPublisher(c.t)
	c.sendJSON(map[string]any{"type": "offer", "id": id, "target": "publisher", "sdp": p.offer(c.t, false)})
	answer := c.expectReply(id)
	if answer.Type != TypeAnswer {
		c.t.Fatalf("publish: got %s %s: %s", answer.Type, answer.Code, answer.Message)
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer.SDP}); err != nil {
		c.t.Fatalf("apply the server's answer: %v", err)
	}
	return p, answer
}

// expectBye reads until the connection ends and checks that the server's
// last message was bye with the given reason (and no id), and that it
// closed with the given close code.
func (c *client) expectBye(reason string, code int) {
	c.t.Helper()
	err := c.expectClose()
	if len(c.seen) == 0 {
		c.t.Fatalf("the connection ended (%v) without a bye", err)
	}
	last := c.seen[len(c.seen)-1]
	if last.Type != TypeBye || last.Reason != reason || last.ID != "" {
		c.t.Errorf("last message %s, want bye %q without id", last.Raw, reason)
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code {
		c.t.Errorf("connection ended with %v, want close %d", err, code)
	}
}

// rawDial opens a websocket without a test client around it, for
// goroutines other than the test's (it reports errors instead of failing).
func (h *harness) rawDial() (*websocket.Conn, error) {
	conn, resp, err := websocket.DefaultDialer.Dial(h.url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", h.url, err)
	}
	_ = resp.Body.Close()
	return conn, nil
}
