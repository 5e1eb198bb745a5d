// Package bot is a headless piiri participant. It joins a room through the
// real websocket protocol with pion peer connections, publishes synthetic
// Opus and VP8, and counts and checks what arrives from every other
// participant. The integration tests and the load tool drive it.
package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"piiri/internal/pionclient"
)

// Config says where and how a bot joins.
type Config struct {
	URL  string // websocket URL, e.g. ws://127.0.0.1:8080/ws
	Room string
	Key  string
	// Token is a personal link's token: the server then chooses the room
	// and the name, and Room, Key and Name may be empty.
	Token string
	Name  string
	// Publish makes the bot send one Opus and one VP8 track.
	Publish  bool
	VideoFPS int // default 15
	// VideoBitrate, if set, sizes the video frames for this many bits
	// per second at VideoFPS, keyframes twice as large as the others;
	// 0 keeps small frames (3,000-byte keyframes, 900-byte others).
	VideoBitrate int
	// VideoPacketsPerFrame, with VideoBitrate, splits each frame but
	// keyframes into about this many RTP packets (default 3); no packet
	// carries more than 1,200 bytes whatever it says.
	VideoPacketsPerFrame int
	// Stamp puts the time it was made into every audio packet and video
	// frame, so that receiving bots measure the forwarding delay (see
	// Delays). For bot-only rooms: a browser would play the stamp in the
	// audio as noise.
	Stamp bool
	// Configure adjusts the bot's pion settings, e.g. network types for
	// firewall tests. By default the bot uses UDP and includes loopback
	// candidates.
	Configure func(*webrtc.SettingEngine)
	// NoTURN ignores the TURN servers the server offers, to test direct
	// paths only.
	NoTURN bool
	// RelayOnly, if "udp", "tcp" or "tls", makes the bot use only the
	// server's TURN URLs for that transport, and only relayed paths. It
	// cannot be combined with NoTURN.
	RelayOnly string
	// Dialer dials the websocket; nil uses websocket.DefaultDialer. Tests
	// set one with their own TLS roots or dial function.
	Dialer *websocket.Dialer
	// Header is sent with the websocket handshake, e.g. an Origin.
	Header http.Header
	// Logger receives the bot's own logs; nil discards them.
	Logger *slog.Logger
	// Probe joins as a probe (a network check, not a person): the
	// server announces it to nobody and leaves it out of its participant
	// counts. A probe should Leave when done, so that it is gone at once
	// rather than after the resume grace period.
	Probe bool
	// ICETCPDial, if set, carries the bot's ICE-TCP connections: each
	// connection pion's ICE agent makes to a server TCP candidate goes
	// over a connection ICETCPDial opens to the candidate's address
	// ("ip:port"), such as a web proxy's CONNECT tunnel. See tcptunnel.go
	// for why it takes a loopback stand-in. It needs TCP among the
	// network types and the loopback candidate included (the default).
	ICETCPDial func(ctx context.Context, addr string) (net.Conn, error)
}

// Error is an error message the server sent.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("server error %s: %s", e.Code, e.Message) }

// Bot is one joined participant.
type Bot struct {
	cfg Config
	log *slog.Logger
	api *webrtc.API

	id         string
	token      string
	room       string // as the server named it in joined
	name, role string // as the server gave them
	iceServers []webrtc.ICEServer

	sub *webrtc.PeerConnection
	pub *webrtc.PeerConnection

	audio, video *webrtc.TrackLocalStaticRTP
	keyframe     atomic.Bool // the next video frame is a keyframe
	sending      atomic.Bool
	startMedia   sync.Once

	speechMu sync.Mutex
	script   []Speech // speech.go

	sent struct {
		audioPackets, videoPackets, videoFrames, keyframes atomic.Int64
	}

	sig     atomic.Pointer[wsConn]
	nextID  atomic.Int64
	pending sync.Map // request id → chan inMsg

	mu            sync.Mutex
	remote        map[string]*remoteTrack
	participants  map[string]string // id → name, everyone else currently present
	left          []string
	errs          []Error
	subOffers     int
	subRemoteHeld []webrtc.ICECandidateInit
	pubRemoteHeld []webrtc.ICECandidateInit
	bye           string
	outOfOrder    int

	tunnels *tcpTunnels // nil unless Config.ICETCPDial is set

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Join connects, joins the room and, if configured, starts publishing. It
// returns once the server has accepted the join and the publisher's offer
// has been answered; media may still be connecting.
func Join(ctx context.Context, cfg Config) (*Bot, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.VideoFPS <= 0 {
		cfg.VideoFPS = 15
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bot{
		cfg:          cfg,
		log:          cfg.Logger.With("bot", cfg.Name),
		remote:       make(map[string]*remoteTrack),
		participants: make(map[string]string),
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	if cfg.ICETCPDial != nil {
		b.tunnels = newTCPTunnels(b.ctx, &b.wg, b.log, cfg.ICETCPDial)
	}
	api, err := newAPI(cfg)
	if err != nil {
		return nil, err
	}
	b.api = api

	if _, err := b.connect(ctx, outMsg{Type: "join", Version: 1, Room: cfg.Room, Name: cfg.Name, Key: cfg.Key, Token: cfg.Token, Probe: cfg.Probe}); err != nil {
		b.Close()
		return nil, err
	}
	b.log = b.log.With("participant", b.id)
	if cfg.Publish {
		if err := b.publish(ctx, false); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// Room is the room the server put the bot in (for a personal link, the
// meeting's room).
func (b *Bot) Room() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.room == "" {
		return b.cfg.Room
	}
	return b.room
}

// Name is the bot's display name as the server gave it.
func (b *Bot) Name() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.name == "" {
		return b.cfg.Name
	}
	return b.name
}

// Role is the role the server gave the bot in a meeting's room; empty in
// an ad-hoc room.
func (b *Bot) Role() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.role
}

// validate rejects settings that would give a bot no path at all: such a
// bot would join and then never connect, which a test could only see as a
// timeout.
func (c Config) validate() error {
	switch c.RelayOnly {
	case "", "udp", "tcp", "tls":
	default:
		return fmt.Errorf("bot: RelayOnly %q: want \"udp\", \"tcp\", \"tls\" or empty", c.RelayOnly)
	}
	if c.RelayOnly != "" && c.NoTURN {
		return fmt.Errorf("bot: RelayOnly %q with NoTURN leaves no path: relayed paths need the server's TURN servers", c.RelayOnly)
	}
	return nil
}

// newAPI is the bot's webrtc API: the one every pion client of piiri uses
// (see pionclient), with cfg.Configure applied.
func newAPI(cfg Config) (*webrtc.API, error) {
	api, err := pionclient.NewAPI(cfg.Configure)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	return api, nil
}

// connect dials the websocket, sends join (or a resume) and waits for
// joined. The subscriber connection is created on the reader goroutine
// when joined arrives, before the server's first offer is read.
func (b *Bot) connect(ctx context.Context, join outMsg) (inMsg, error) {
	dialer := b.cfg.Dialer
	if dialer == nil {
		dialer = websocket.DefaultDialer
	}
	conn, resp, err := dialer.DialContext(ctx, b.cfg.URL, b.cfg.Header)
	if err != nil {
		if resp != nil {
			return inMsg{}, fmt.Errorf("bot: dial %s: %w (HTTP %s)", b.cfg.URL, err, resp.Status)
		}
		return inMsg{}, fmt.Errorf("bot: dial %s: %w", b.cfg.URL, err)
	}
	ws := &wsConn{conn: conn}
	b.sig.Store(ws)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.readLoop(ws)
	}()
	reply, err := b.request(ctx, join)
	if err != nil {
		return inMsg{}, err
	}
	return reply, nil
}

// request sends msg with a fresh id and waits for the reply with that id.
func (b *Bot) request(ctx context.Context, msg outMsg) (inMsg, error) {
	msg.ID = strconv.FormatInt(b.nextID.Add(1), 10)
	ch := make(chan inMsg, 1)
	b.pending.Store(msg.ID, ch)
	defer b.pending.Delete(msg.ID)
	if err := b.send(msg); err != nil {
		return inMsg{}, err
	}
	select {
	case reply := <-ch:
		if reply.Type == "error" {
			return reply, &Error{Code: reply.Code, Message: reply.Message}
		}
		return reply, nil
	case <-ctx.Done():
		return inMsg{}, fmt.Errorf("bot: waiting for reply to %s: %w", msg.Type, ctx.Err())
	}
}

func (b *Bot) send(msg outMsg) error {
	ws := b.sig.Load()
	if ws == nil {
		return errors.New("bot: not connected")
	}
	return ws.write(msg)
}

// readLoop handles server messages in order. Peer connection work happens
// here, so a candidate is never applied before the description before it.
func (b *Bot) readLoop(ws *wsConn) {
	for {
		_, data, err := ws.conn.ReadMessage()
		if err != nil {
			return
		}
		var msg inMsg
		if err := json.Unmarshal(data, &msg); err != nil {
			b.log.Warn("bad message from server", "err", err)
			continue
		}
		b.handle(msg)
	}
}

func (b *Bot) handle(msg inMsg) {
	switch msg.Type {
	case "joined":
		if err := b.onJoined(msg); err != nil {
			msg = inMsg{Type: "error", ID: msg.ID, Code: "bot", Message: err.Error()}
		}
	case "offer":
		b.onSubscriberOffer(msg.SDP)
	case "answer":
		b.onPublisherAnswer(msg.SDP)
	case "candidate":
		if msg.Candidate != nil {
			b.onCandidate(msg.Target, *msg.Candidate)
		}
	case "participant_joined":
		b.mu.Lock()
		b.participants[msg.Participant.ID] = msg.Participant.Name
		b.mu.Unlock()
	case "participant_left":
		b.mu.Lock()
		delete(b.participants, msg.ParticipantID)
		b.left = append(b.left, msg.ParticipantID)
		b.mu.Unlock()
	case "error":
		b.mu.Lock()
		b.errs = append(b.errs, Error{Code: msg.Code, Message: msg.Message})
		b.mu.Unlock()
	case "bye":
		b.mu.Lock()
		b.bye = msg.Reason
		b.mu.Unlock()
	}
	if msg.ID != "" {
		if ch, ok := b.pending.Load(msg.ID); ok {
			ch.(chan inMsg) <- msg
		}
	}
}

func (b *Bot) onJoined(msg inMsg) error {
	var room roomInfo
	if err := json.Unmarshal(msg.Room, &room); err != nil {
		return fmt.Errorf("bot: joined.room: %w", err)
	}
	b.mu.Lock()
	b.id = msg.Participant.ID
	b.token = msg.ResumeToken
	b.room, b.name, b.role = room.Name, msg.Participant.Name, msg.Participant.Role
	if !b.cfg.NoTURN {
		b.iceServers = relayServers(msg.ICEServers, b.cfg.RelayOnly)
	}
	if b.cfg.RelayOnly != "" && len(b.iceServers) == 0 {
		// Relay-only without a TURN URL of that transport cannot connect.
		b.mu.Unlock()
		return fmt.Errorf("bot: RelayOnly %q: the server offers no TURN URL over %s", b.cfg.RelayOnly, b.cfg.RelayOnly)
	}
	clear(b.participants)
	for _, p := range room.Participants {
		b.participants[p.ID] = p.Name
	}
	b.mu.Unlock()
	if b.sub != nil {
		return nil // a resume keeps the peer connections
	}
	pc, err := b.api.NewPeerConnection(b.pcConfig())
	if err != nil {
		return fmt.Errorf("bot: subscriber peer connection: %w", err)
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			init := c.ToJSON()
			_ = b.send(outMsg{Type: "candidate", Target: "subscriber", Candidate: &init})
		}
	})
	pc.OnTrack(b.onTrack)
	b.sub = pc
	return nil
}

func (b *Bot) pcConfig() webrtc.Configuration {
	policy := webrtc.ICETransportPolicyAll
	if b.cfg.RelayOnly != "" {
		policy = webrtc.ICETransportPolicyRelay
	}
	return webrtc.Configuration{
		ICEServers:         b.iceServers,
		ICETransportPolicy: policy,
		BundlePolicy:       webrtc.BundlePolicyMaxBundle,
	}
}

func (b *Bot) onSubscriberOffer(sdp string) {
	b.mu.Lock()
	b.subOffers++
	held := b.subRemoteHeld
	b.subRemoteHeld = nil
	b.mu.Unlock()
	pc := b.sub
	if b.tunnels != nil {
		sdp = b.tunnels.sdp(sdp)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		b.log.Error("set subscriber offer", "err", err)
		return
	}
	for _, c := range held {
		_ = pc.AddICECandidate(c)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		b.log.Error("create subscriber answer", "err", err)
		return
	}
	if err := pc.SetLocalDescription(answer); err != nil {
		b.log.Error("set subscriber answer", "err", err)
		return
	}
	if err := b.send(outMsg{Type: "answer", Target: "subscriber", SDP: answer.SDP}); err != nil {
		b.log.Debug("send subscriber answer", "err", err)
	}
}

func (b *Bot) onPublisherAnswer(sdp string) {
	if b.pub == nil {
		return
	}
	if b.tunnels != nil {
		sdp = b.tunnels.sdp(sdp)
	}
	if err := b.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		b.log.Error("set publisher answer", "err", err)
		return
	}
	b.mu.Lock()
	held := b.pubRemoteHeld
	b.pubRemoteHeld = nil
	b.mu.Unlock()
	for _, c := range held {
		_ = b.pub.AddICECandidate(c)
	}
}

// onCandidate applies a server candidate. The protocol has the server send
// a candidate only after the description it belongs to, and the reader
// goroutine applies both in the order they arrive. So a candidate that
// finds no remote description, or one of another ICE generation, came
// before its description: each is counted in outOfOrder, for the tests to
// catch. A candidate without a description is still held and applied after
// the description, as a browser queues it, so that the violation shows in
// the count rather than as a connection that never comes up.
func (b *Bot) onCandidate(target string, c webrtc.ICECandidateInit) {
	if b.tunnels != nil {
		c = b.tunnels.init(c)
	}
	pc := b.sub
	if target == "publisher" {
		pc = b.pub
	}
	if pc == nil || pc.RemoteDescription() == nil {
		b.mu.Lock()
		b.outOfOrder++
		if target == "publisher" {
			b.pubRemoteHeld = append(b.pubRemoteHeld, c)
		} else {
			b.subRemoteHeld = append(b.subRemoteHeld, c)
		}
		b.mu.Unlock()
		return
	}
	if u := candidateUfrag(c.Candidate); u != "" && u != b.RemoteICEUfrag(target) {
		// A candidate of an ICE generation (a restart) whose
		// description has not arrived.
		b.mu.Lock()
		b.outOfOrder++
		b.mu.Unlock()
	}
	if err := pc.AddICECandidate(c); err != nil {
		b.log.Debug("add candidate", "target", target, "err", err)
	}
}

// publish creates the publisher connection (first time) and negotiates it.
func (b *Bot) publish(ctx context.Context, iceRestart bool) error {
	if b.pub == nil {
		if err := b.newPublisher(); err != nil {
			return err
		}
	}
	offer, err := b.pub.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		return fmt.Errorf("bot: create offer: %w", err)
	}
	if err := b.pub.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("bot: set offer: %w", err)
	}
	// The answer is applied on the reader goroutine (onPublisherAnswer),
	// in order with the candidates that follow it.
	if _, err := b.request(ctx, outMsg{Type: "offer", Target: "publisher", SDP: offer.SDP}); err != nil {
		return fmt.Errorf("bot: publish: %w", err)
	}
	return nil
}

func (b *Bot) newPublisher() error {
	pc, err := b.api.NewPeerConnection(b.pcConfig())
	if err != nil {
		return fmt.Errorf("bot: publisher peer connection: %w", err)
	}
	b.pub = pc
	b.audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "bot-"+b.id)
	if err != nil {
		return fmt.Errorf("bot: audio track: %w", err)
	}
	b.video, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "bot-"+b.id)
	if err != nil {
		return fmt.Errorf("bot: video track: %w", err)
	}
	sendonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}
	if _, err := pc.AddTransceiverFromTrack(b.audio, sendonly); err != nil {
		return fmt.Errorf("bot: add audio: %w", err)
	}
	vt, err := pc.AddTransceiverFromTrack(b.video, sendonly)
	if err != nil {
		return fmt.Errorf("bot: add video: %w", err)
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			init := c.ToJSON()
			_ = b.send(outMsg{Type: "candidate", Target: "publisher", Candidate: &init})
		}
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			b.startMedia.Do(func() {
				b.keyframe.Store(true)
				b.sending.Store(true)
				b.wg.Add(2)
				go b.sendAudio()
				go b.sendVideo()
			})
		}
	})
	b.wg.Add(1)
	go b.readVideoRTCP(vt.Sender())
	return nil
}

// ID is the participant ID the server gave the bot.
func (b *Bot) ID() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.id
}

// Participants returns the IDs of everyone else the bot knows is present.
func (b *Bot) Participants() map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]string, len(b.participants))
	for k, v := range b.participants {
		out[k] = v
	}
	return out
}

// LeftSeen returns the IDs from every participant_left the bot received.
func (b *Bot) LeftSeen() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.left...)
}

// Errors returns the error messages the server sent that were not replies
// to a request of the bot's.
func (b *Bot) Errors() []Error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Error(nil), b.errs...)
}

// SubscriberOffers counts the subscriber offers received (each
// renegotiation or ICE restart is one).
func (b *Bot) SubscriberOffers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.subOffers
}

// Bye is the reason of the server's bye message, if one came.
func (b *Bot) Bye() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bye
}

// SubscriberICEState is the subscriber connection's ICE state.
func (b *Bot) SubscriberICEState() webrtc.ICEConnectionState {
	if b.sub == nil {
		return webrtc.ICEConnectionStateNew
	}
	return b.sub.ICEConnectionState()
}

// SelectedCandidatePair returns the subscriber connection's selected pair.
func (b *Bot) SelectedCandidatePair() (*webrtc.ICECandidatePair, error) {
	if b.sub == nil {
		return nil, errors.New("bot: no subscriber connection")
	}
	return b.sub.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
}

// CutSignaling drops the websocket without a close handshake, as a network
// failure would. Media keeps flowing; Resume reconnects.
func (b *Bot) CutSignaling() {
	if ws := b.sig.Swap(nil); ws != nil {
		_ = ws.conn.NetConn().Close()
	}
}

// Resume reconnects the websocket with the resume token, and restarts the
// publisher's ICE as a client whose network changed would.
func (b *Bot) Resume(ctx context.Context) error {
	b.CutSignaling()
	b.mu.Lock()
	token := b.token
	b.mu.Unlock()
	reply, err := b.connect(ctx, outMsg{Type: "join", Version: 1, Room: b.Room(), Name: b.Name(), Resume: token, Probe: b.cfg.Probe})
	if err != nil {
		return err
	}
	if !reply.Resumed {
		return errors.New("bot: server did not resume the participant")
	}
	if b.pub != nil {
		return b.publish(ctx, true)
	}
	return nil
}

// StopSending stops the media loops; the connections stay up.
func (b *Bot) StopSending() { b.sending.Store(false) }

// Leave says goodbye and closes everything.
func (b *Bot) Leave(ctx context.Context) error {
	// The peer connections close first, as a browser's do when its tab
	// leaves: once the server has removed the participant its TURN
	// relays are gone, and pion's ICE agent would otherwise sit out a
	// TURN transaction timeout (seconds) before it can close.
	b.closePeerConnections()
	err := b.send(outMsg{Type: "leave"})
	if ws := b.sig.Load(); ws != nil && err == nil {
		// Wait for the server to close the connection after its bye.
		for b.Bye() == "" && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	b.Close()
	return err
}

func (b *Bot) closePeerConnections() {
	b.sending.Store(false)
	if b.pub != nil {
		_ = b.pub.GracefulClose()
	}
	if b.sub != nil {
		_ = b.sub.GracefulClose()
	}
}

// Close drops everything without a leave.
func (b *Bot) Close() {
	b.cancel()
	if ws := b.sig.Swap(nil); ws != nil {
		_ = ws.conn.Close()
	}
	b.closePeerConnections()
	b.wg.Wait()
}

// wsConn serialises writes to one websocket.
type wsConn struct {
	mu   sync.Mutex
	conn *websocket.Conn
}

func (w *wsConn) write(msg outMsg) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := w.conn.WriteJSON(msg); err != nil {
		return fmt.Errorf("bot: send %s: %w", msg.Type, err)
	}
	return nil
}

// RemoteICEUfrag is the server's ICE username fragment on the "publisher"
// or "subscriber" connection; an ICE restart changes it.
func (b *Bot) RemoteICEUfrag(target string) string {
	pc := b.sub
	if target == "publisher" {
		pc = b.pub
	}
	if pc == nil {
		return ""
	}
	desc := pc.RemoteDescription()
	if desc == nil {
		return ""
	}
	for _, line := range strings.Split(desc.SDP, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-ufrag:"); ok {
			return v
		}
	}
	return ""
}

// OutOfOrderCandidates counts server candidates that arrived before the
// description they belong to, which the protocol forbids.
func (b *Bot) OutOfOrderCandidates() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.outOfOrder
}

// candidateUfrag returns the "ufrag" extension of an ICE candidate line.
func candidateUfrag(candidate string) string {
	fields := strings.Fields(candidate)
	for i := 0; i+1 < len(fields); i++ {
		if fields[i] == "ufrag" {
			return fields[i+1]
		}
	}
	return ""
}

// Paths reports the path each of the bot's peer connections took, as the
// server counts them: "udp", "tcp" (ICE-TCP), or "turn-udp", "turn-tcp",
// "turn-tls" (relayed, by how the bot reaches TURN). A connection without
// a selected pair is missing.
func (b *Bot) Paths() map[string]string {
	out := map[string]string{}
	for name, pc := range map[string]*webrtc.PeerConnection{"publisher": b.pub, "subscriber": b.sub} {
		if pc == nil {
			continue
		}
		if p := selectedPath(pc.GetStats()); p != "" {
			out[name] = p
		}
	}
	return out
}

func selectedPath(report webrtc.StatsReport) string {
	for _, s := range report {
		pair, ok := s.(webrtc.ICECandidatePairStats)
		if !ok || !pair.Nominated || pair.State != webrtc.StatsICECandidatePairStateSucceeded {
			continue
		}
		local, ok := report[pair.LocalCandidateID].(webrtc.ICECandidateStats)
		if !ok {
			continue
		}
		switch {
		case local.CandidateType == webrtc.ICECandidateTypeRelay:
			return "turn-" + local.RelayProtocol
		case local.Protocol == "tcp":
			return "tcp"
		default:
			return "udp"
		}
	}
	return ""
}

// ServerCandidates returns the addresses of the server's ICE candidates on
// the "publisher" or "subscriber" connection, as "host:port/udp" or
// "host:port/tcp", highest priority first. They are known once the
// server's description and candidates have arrived, whether or not any
// path to them works: a network check names from them the port a
// firewall blocks.
func (b *Bot) ServerCandidates(target string) []string {
	pc := b.sub
	if target == "publisher" {
		pc = b.pub
	}
	if pc == nil {
		return nil
	}
	return remoteAddresses(pc.GetStats(), b.tunnels)
}

// remoteAddresses lists the remote candidates' addresses; those of the
// loopback stand-ins of tunnels (which may be nil) are given as the
// server addresses they stand for.
func remoteAddresses(report webrtc.StatsReport, tunnels *tcpTunnels) []string {
	var cands []webrtc.ICECandidateStats
	for _, s := range report {
		if c, ok := s.(webrtc.ICECandidateStats); ok && c.Type == webrtc.StatsTypeRemoteCandidate {
			cands = append(cands, c)
		}
	}
	// Stats come from a map: sort for a stable answer.
	slices.SortFunc(cands, func(a, b webrtc.ICECandidateStats) int {
		return cmp.Or(cmp.Compare(b.Priority, a.Priority), cmp.Compare(a.ID, b.ID))
	})
	var out []string
	for _, c := range cands {
		hostPort := net.JoinHostPort(c.IP, strconv.Itoa(int(c.Port)))
		if tunnels != nil && c.Protocol == "tcp" {
			if server, ok := tunnels.serverAddress(hostPort); ok {
				hostPort = server
			}
		}
		addr := hostPort + "/" + c.Protocol
		if !slices.Contains(out, addr) {
			out = append(out, addr)
		}
	}
	return out
}

// relayServers keeps only the TURN URLs of one transport ("udp", "tcp",
// "tls"), or all of them when transport is empty.
func relayServers(servers []webrtc.ICEServer, transport string) []webrtc.ICEServer {
	if transport == "" {
		return servers
	}
	var out []webrtc.ICEServer
	for _, s := range servers {
		var urls []string
		for _, u := range s.URLs {
			tls := strings.HasPrefix(u, "turns:")
			tcp := strings.Contains(u, "transport=tcp")
			if (transport == "tls" && tls) || (transport == "tcp" && tcp && !tls) || (transport == "udp" && !tcp && !tls) {
				urls = append(urls, u)
			}
		}
		if len(urls) > 0 {
			s.URLs = urls
			out = append(out, s)
		}
	}
	return out
}
