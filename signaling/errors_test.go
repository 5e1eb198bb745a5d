package signaling

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// SDP fragments for the bad-input cases.
const (
	// minimalSDP parses but describes no media: good enough to reach the
	// subscriber's "is an offer outstanding" check.
	minimalSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	// noCredentialsSDP parses, but pion rejects it: it has no ICE
	// credentials and no DTLS fingerprint.
	noCredentialsSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\n" +
		"a=rtpmap:111 opus/48000/2\r\n"
)

// tooManySectionsSDP parses but has more media sections than a publisher
// may send.
func tooManySectionsSDP() string {
	var b strings.Builder
	b.WriteString("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
	for i := range 9 {
		b.WriteString("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:")
		b.WriteString(string(rune('0' + i)))
		b.WriteString("\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n")
	}
	return b.String()
}

func joinMsg(fields map[string]any) map[string]any {
	m := map[string]any{"type": "join", "version": 1, "room": "r", "name": "Anna"}
	for k, v := range fields {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// badCase is one message (or burst) a client can get wrong.
type badCase struct {
	name   string
	adjust func(*Config)
	// joins says the case joins before sending the bad message; setup
	// runs after the join, or instead of it when joins is false.
	joins bool
	setup func(t *testing.T, h *harness, c *client)
	send  func(t *testing.T, c *client)
	code  Code
	id    string // the id the error must echo; "" when it must have none
	// burst cases cause many errors of the code, and the connection is
	// left rate-limited.
	burst bool
}

func text(s string) func(*testing.T, *client) {
	return func(t *testing.T, c *client) { c.sendText(s) }
}

func jsonMsg(v any) func(*testing.T, *client) {
	return func(t *testing.T, c *client) { c.sendJSON(v) }
}

func badCases() []badCase {
	longName := strings.Repeat("n", maxNameLen+1)
	withKey := func(cfg *Config) { cfg.RoomKey = "correct horse battery staple" }
	return []badCase{
		// bad_json
		{name: "not JSON", send: text("hello server"), code: CodeBadJSON},
		{name: "empty message", send: text(""), code: CodeBadJSON},
		{name: "truncated JSON", send: text(`{"type":"ping","id":"p1"`), code: CodeBadJSON},
		{name: "JSON array", send: text(`[{"type":"ping","id":"p1"}]`), code: CodeBadJSON},
		{name: "JSON string", send: text(`"ping"`), code: CodeBadJSON},
		{name: "trailing garbage", send: text(`{"type":"ping","id":"p1"} x`), code: CodeBadJSON},
		{name: "type is a number", send: text(`{"type":5,"id":"t1"}`), code: CodeBadJSON, id: "t1"},
		{name: "id is a number", send: text(`{"type":"ping","id":5}`), code: CodeBadJSON},
		{name: "binary frame", send: func(t *testing.T, c *client) {
			c.sendRaw(websocket.BinaryMessage, []byte(`{"type":"ping","id":"b1"}`))
		}, code: CodeBadJSON},
		{name: "invalid UTF-8", send: func(t *testing.T, c *client) {
			c.sendRaw(websocket.TextMessage, []byte("{\"type\":\"ping\",\"id\":\"p\xff\"}"))
		}, code: CodeBadJSON},

		// unknown_type
		{name: "unknown type", send: text(`{"type":"subscribe","id":"u1"}`), code: CodeUnknownType, id: "u1"},
		{name: "server-only type", send: text(`{"type":"joined","id":"u2"}`), code: CodeUnknownType, id: "u2"},
		{name: "type in wrong case", send: text(`{"type":"PING","id":"u3"}`), code: CodeUnknownType, id: "u3"},

		// missing_field
		{name: "no type", send: text(`{"id":"m1"}`), code: CodeMissingField, id: "m1"},
		{name: "empty object", send: text(`{}`), code: CodeMissingField},
		{name: "join without version", send: jsonMsg(joinMsg(map[string]any{"id": "j1", "version": nil})), code: CodeMissingField, id: "j1"},
		{name: "join without room", send: jsonMsg(joinMsg(map[string]any{"id": "j2", "room": nil})), code: CodeMissingField, id: "j2"},
		{name: "join without name", send: jsonMsg(joinMsg(map[string]any{"id": "j3", "name": nil})), code: CodeMissingField, id: "j3"},
		{name: "join with blank name", send: jsonMsg(joinMsg(map[string]any{"id": "j4", "name": " \t "})), code: CodeMissingField, id: "j4"},
		{name: "offer without sdp", joins: true, send: text(`{"type":"offer","id":"o1","target":"publisher"}`), code: CodeMissingField, id: "o1"},
		{name: "offer without id", joins: true, send: jsonMsg(map[string]any{"type": "offer", "target": "publisher", "sdp": minimalSDP}), code: CodeMissingField},
		{name: "offer without target", joins: true, send: jsonMsg(map[string]any{"type": "offer", "id": "o2", "sdp": minimalSDP}), code: CodeMissingField, id: "o2"},
		{name: "answer without sdp", joins: true, send: text(`{"type":"answer","id":"a1","target":"subscriber"}`), code: CodeMissingField, id: "a1"},
		{name: "candidate without target", joins: true, send: text(`{"type":"candidate","id":"c1","candidate":{"candidate":""}}`), code: CodeMissingField, id: "c1"},

		// invalid_field
		{name: "offer for the subscriber", joins: true, send: jsonMsg(map[string]any{"type": "offer", "id": "i1", "target": "subscriber", "sdp": minimalSDP}), code: CodeInvalidField, id: "i1"},
		{name: "answer for the publisher", joins: true, send: jsonMsg(map[string]any{"type": "answer", "id": "i2", "target": "publisher", "sdp": minimalSDP}), code: CodeInvalidField, id: "i2"},
		{name: "candidate for an unknown target", joins: true, send: text(`{"type":"candidate","id":"i3","target":"both","candidate":{"candidate":""}}`), code: CodeInvalidField, id: "i3"},
		{name: "overlong name", send: jsonMsg(joinMsg(map[string]any{"id": "i4", "name": longName})), code: CodeInvalidField, id: "i4"},
		{name: "bell in name", send: jsonMsg(joinMsg(map[string]any{"id": "i5", "name": "An\ana"})), code: CodeInvalidField, id: "i5"},
		{name: "newline in name", send: jsonMsg(joinMsg(map[string]any{"id": "i6", "name": "An\nna"})), code: CodeInvalidField, id: "i6"},
		{name: "C1 control in name", send: jsonMsg(joinMsg(map[string]any{"id": "i7", "name": "An\u0085na"})), code: CodeInvalidField, id: "i7"},
		{name: "control character in room", send: jsonMsg(joinMsg(map[string]any{"id": "i8", "room": "r\x00"})), code: CodeInvalidField, id: "i8"},
		{name: "overlong room", send: jsonMsg(joinMsg(map[string]any{"id": "i9", "room": strings.Repeat("r", maxRoomLen+1)})), code: CodeInvalidField, id: "i9"},
		{name: "overlong key", send: jsonMsg(joinMsg(map[string]any{"id": "i10", "key": strings.Repeat("k", maxKeyLen+1)})), code: CodeInvalidField, id: "i10"},
		{name: "overlong resume token", send: jsonMsg(joinMsg(map[string]any{"id": "i11", "resume": strings.Repeat("t", maxTokenLen+1)})), code: CodeInvalidField, id: "i11"},
		{name: "version is a string", send: jsonMsg(joinMsg(map[string]any{"id": "i12", "version": "1"})), code: CodeInvalidField, id: "i12"},
		{name: "version is a fraction", send: text(`{"type":"join","id":"i13","version":1.5,"room":"r","name":"Anna"}`), code: CodeInvalidField, id: "i13"},
		{name: "sdp is an object", joins: true, send: text(`{"type":"offer","id":"i14","target":"publisher","sdp":{}}`), code: CodeInvalidField, id: "i14"},
		{name: "candidate is a string", joins: true, send: text(`{"type":"candidate","id":"i15","target":"publisher","candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}`), code: CodeInvalidField, id: "i15"},
		{name: "overlong candidate", joins: true, send: jsonMsg(map[string]any{"type": "candidate", "id": "i16", "target": "publisher", "candidate": map[string]any{"candidate": strings.Repeat("c", maxCandidateLen+1)}}), code: CodeInvalidField, id: "i16"},
		{name: "id longer than 64 bytes", send: jsonMsg(map[string]any{"type": "ping", "id": strings.Repeat("x", maxIDLen+1)}), code: CodeInvalidField},

		// unsupported_version
		{name: "version 3", send: jsonMsg(joinMsg(map[string]any{"id": "v1", "version": 3})), code: CodeUnsupportedVersion, id: "v1"},
		{name: "negative version", send: jsonMsg(joinMsg(map[string]any{"id": "v2", "version": -1})), code: CodeUnsupportedVersion, id: "v2"},

		// not_joined
		{name: "offer before join", send: func(t *testing.T, c *client) {
			p := newPublisher(t)
			c.sendJSON(map[string]any{"type": "offer", "id": "n1", "target": "publisher", "sdp": p.offer(t, false)})
		}, code: CodeNotJoined, id: "n1"},
		{name: "ping before join", send: text(`{"type":"ping","id":"n2"}`), code: CodeNotJoined, id: "n2"},
		{name: "leave before join", send: text(`{"type":"leave","id":"n3"}`), code: CodeNotJoined, id: "n3"},

		// already_joined
		{name: "second join", joins: true, send: jsonMsg(joinMsg(map[string]any{"id": "aj", "room": "other"})), code: CodeAlreadyJoined, id: "aj"},

		// unauthorized
		{name: "wrong room key", adjust: withKey, send: jsonMsg(joinMsg(map[string]any{"id": "k1", "key": "wrong"})), code: CodeUnauthorized, id: "k1"},
		{name: "no room key", adjust: withKey, send: jsonMsg(joinMsg(map[string]any{"id": "k2"})), code: CodeUnauthorized, id: "k2"},

		// resume_failed
		{name: "unknown resume token", send: jsonMsg(joinMsg(map[string]any{"id": "r1", "resume": "bm90LWEtdG9rZW4"})), code: CodeResumeFailed, id: "r1"},
		{name: "resume token of another room", setup: func(t *testing.T, h *harness, c *client) {
			other := h.dial()
			joined := other.join("room-a", "Other")
			c.sendJSON(joinMsg(map[string]any{"id": "r2", "room": "room-b", "resume": joined.ResumeToken}))
		}, send: func(*testing.T, *client) {}, code: CodeResumeFailed, id: "r2"},

		// room_full
		{name: "third join into a room of two", adjust: func(cfg *Config) { cfg.MaxParticipants = 2 }, setup: func(t *testing.T, h *harness, c *client) {
			h.dial().join("full", "First")
			h.dial().join("full", "Second")
		}, send: jsonMsg(joinMsg(map[string]any{"id": "f1", "room": "full", "name": "Third"})), code: CodeRoomFull, id: "f1"},

		// state
		{name: "state without a field", joins: true, send: text(`{"type":"state","id":"st1"}`), code: CodeMissingField, id: "st1"},
		{name: "state with a non-boolean", joins: true, send: text(`{"type":"state","id":"st2","audioMuted":"yes"}`), code: CodeInvalidField, id: "st2"},
		{name: "state before join", send: text(`{"type":"state","id":"st3","audioMuted":true}`), code: CodeNotJoined, id: "st3"},

		// sources in a publisher offer
		{name: "offer with an unknown source", joins: true, send: jsonMsg(map[string]any{"type": "offer", "id": "src1", "target": "publisher", "sdp": minimalSDP, "sources": map[string]string{"0": "webcam"}}), code: CodeInvalidField, id: "src1"},
		{name: "offer with an empty mid", joins: true, send: jsonMsg(map[string]any{"type": "offer", "id": "src2", "target": "publisher", "sdp": minimalSDP, "sources": map[string]string{"": "mic"}}), code: CodeInvalidField, id: "src2"},
		// tracks is the server's field: a client's is ignored like any
		// unknown field, so this offer is judged on its (bad) SDP alone.
		{name: "offer with tracks", joins: true, send: jsonMsg(map[string]any{"type": "offer", "id": "src3", "target": "publisher", "sdp": minimalSDP, "tracks": []map[string]string{{"mid": "0"}}}), code: CodeInvalidSDP, id: "src3"},

		// invalid_sdp
		{name: "garbage publisher offer", joins: true, send: jsonMsg(map[string]any{"type": "offer", "id": "s1", "target": "publisher", "sdp": "this is not SDP"}), code: CodeInvalidSDP, id: "s1"},
		{name: "publisher offer pion rejects", joins: true, send: jsonMsg(map[string]any{"type": "offer", "id": "s2", "target": "publisher", "sdp": noCredentialsSDP}), code: CodeInvalidSDP, id: "s2"},
		{name: "publisher offer with too many sections", joins: true, send: jsonMsg(map[string]any{"type": "offer", "id": "s3", "target": "publisher", "sdp": tooManySectionsSDP()}), code: CodeInvalidSDP, id: "s3"},
		{name: "garbage subscriber answer", joins: true, send: jsonMsg(map[string]any{"type": "answer", "id": "s4", "target": "subscriber", "sdp": "v=banana"}), code: CodeInvalidSDP, id: "s4"},

		// invalid_candidate
		{name: "unparseable publisher candidate", joins: true, setup: func(t *testing.T, h *harness, c *client) {
			c.publish("pub-1")
		}, send: jsonMsg(map[string]any{"type": "candidate", "id": "ic1", "target": "publisher", "candidate": map[string]any{"candidate": "candidate:this is not a candidate", "sdpMid": "0", "sdpMLineIndex": 0}}), code: CodeInvalidCandidate, id: "ic1"},

		// no_offer_pending
		{name: "answer without an offer", joins: true, send: jsonMsg(map[string]any{"type": "answer", "id": "np", "target": "subscriber", "sdp": minimalSDP}), code: CodeNoOfferPending, id: "np"},

		// too_large
		{name: "70 KiB message", joins: true, send: func(t *testing.T, c *client) {
			c.sendJSON(map[string]any{"type": "ping", "id": "big", "padding": strings.Repeat("x", 70<<10)})
		}, code: CodeTooLarge},

		// rate_limited
		{name: "burst far above the limit", joins: true, adjust: func(cfg *Config) {
			cfg.MessagesPerSecond = 1
			cfg.MessageBurst = 10
			cfg.MaxInvalidMessages = 1000
		}, send: func(t *testing.T, c *client) {
			for i := range 200 {
				c.sendJSON(map[string]any{"type": "ping", "id": "burst-" + strings.Repeat("x", i%3)})
			}
		}, code: CodeRateLimited, burst: true},
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range badCases() {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.adjust)
			c := h.dial()
			if tc.joins {
				c.join(h.room(), "Anna")
			}
			if tc.setup != nil {
				tc.setup(t, h, c)
			}
			tc.send(t, c)

			msg := c.expect(TypeError)
			if msg.Code != tc.code {
				t.Fatalf("code = %q (message %q), want %q", msg.Code, msg.Message, tc.code)
			}
			checkReadable(t, msg.Message)
			if msg.ID != tc.id {
				t.Errorf("id = %q, want %q", msg.ID, tc.id)
			}
			if _, has := msg.Fields["id"]; has && tc.id == "" {
				t.Errorf("error has an id field %q; the message had no readable id", msg.ID)
			}
			for k := range msg.Fields {
				switch k {
				case "type", "id", "code", "message":
				default:
					t.Errorf("error has unexpected field %q", k)
				}
			}

			got := h.errorCount(tc.code)
			if tc.burst {
				if got < 1 {
					t.Errorf("piiri_signaling_errors_total{code=%q} = %v, want at least 1", tc.code, got)
				}
				h.checkServes()
				return
			}
			if got != 1 {
				t.Errorf("piiri_signaling_errors_total{code=%q} = %v, want 1", tc.code, got)
			}

			// The connection survives the error: a joined client can
			// still ping, another can still join.
			if tc.joins {
				c.ping("after")
			} else {
				c.join(h.room(), "Anna")
				c.ping("after")
			}
			h.checkServes()
		})
	}
}

// TestBadInputCoversEveryClientCode keeps the table honest: every code a
// client can cause has at least one case.
func TestBadInputCoversEveryClientCode(t *testing.T) {
	covered := map[Code]bool{}
	for _, tc := range badCases() {
		covered[tc.code] = true
	}
	for _, code := range allCodes {
		switch code {
		case CodeShuttingDown, CodeInternal, CodeGone:
			continue // the server's doing (or a race with it), not the client's
		case CodeMeetingNotOpen, CodeAgreementRequired, CodeForbidden, CodeNotPossible:
			continue // need a meeting's rules: links_test.go and meeting_structure_test.go
		}
		if !covered[code] {
			t.Errorf("no bad-input case for %q", code)
		}
	}
}

func TestTooManyInvalidMessages(t *testing.T) {
	h := newHarness(t, func(cfg *Config) { cfg.MaxInvalidMessages = 5 })
	c := h.dial()
	for i := range 5 {
		c.sendText("garbage " + strings.Repeat("!", i))
	}
	c.expectBye(ReasonTooManyErrors, websocket.ClosePolicyViolation)
	var errs int
	for i, msg := range c.seen[:len(c.seen)-1] {
		if msg.Type != TypeError {
			t.Errorf("unexpected %s before the bye", msg.Raw)
			continue
		}
		if msg.Code != CodeBadJSON {
			t.Errorf("error %d: code %q, want %q", i, msg.Code, CodeBadJSON)
		}
		errs++
	}
	if errs != 5 {
		t.Errorf("got %d errors, want 5", errs)
	}
	if got := h.errorCount(CodeBadJSON); got != 5 {
		t.Errorf("piiri_signaling_errors_total{code=bad_json} = %v, want 5", got)
	}
	h.checkServes()
}

// TestTooManyInvalidMessagesJoined checks what happens to a joined
// participant disconnected for its errors: the server treats it as a lost
// connection, so the participant can still resume within the grace period
// and the others see no participant_left.
func TestTooManyInvalidMessagesJoined(t *testing.T) {
	h := newHarness(t, func(cfg *Config) { cfg.MaxInvalidMessages = 3 })
	room := h.room()
	other := h.dial()
	other.join(room, "Other")
	c := h.dial()
	joined := c.join(room, "Anna")
	other.expect(TypeParticipantJoined)
	for range 3 {
		c.sendText("{")
	}
	c.expectBye(ReasonTooManyErrors, websocket.ClosePolicyViolation)
	// The token still resumes the participant.
	msg := h.resume(room, joined.ResumeToken)
	if msg.Type != TypeJoined || !msg.Resumed || msg.Participant.ID != joined.Participant.ID {
		t.Fatalf("resume after too_many_errors: %s", msg.Raw)
	}
	other.ping("p")
	for _, m := range other.seen {
		if m.Type == TypeParticipantLeft {
			t.Errorf("other saw %s", m.Raw)
		}
	}
}

func TestOverHardSizeLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dialer *websocket.Dialer
	}{
		// A big write buffer makes gorilla send the message as one frame,
		// whose header already shows it is too large.
		{"one frame", &websocket.Dialer{WriteBufferSize: 2 << 20}},
		// The default dialer fragments it; the server notices while
		// reading.
		{"fragmented", websocket.DefaultDialer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			c := h.dialWith(tc.dialer)
			c.join(h.room(), "Anna")
			big := `{"type":"ping","id":"huge","padding":"` + strings.Repeat("x", 16*h.cfg.MaxMessageBytes) + `"}`
			_ = c.conn.SetWriteDeadline(time.Now().Add(readTimeout))
			// The write may fail part way once the server has closed.
			_ = c.conn.WriteMessage(websocket.TextMessage, []byte(big))
			err := c.expectClose()
			t.Logf("connection ended: %v", err)
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.CloseMessageTooBig {
				t.Errorf("close code %d, want %d", ce.Code, websocket.CloseMessageTooBig)
			}
			for _, m := range c.seen {
				if m.Type == TypePong && m.ID == "huge" {
					t.Errorf("the oversized ping was answered")
				}
			}
			h.waitSessions(0)
			if got := h.errorCount(CodeTooLarge); got != 1 {
				t.Errorf("piiri_signaling_errors_total{code=too_large} = %v, want 1", got)
			}
			h.checkServes()
		})
	}
}

// TestPublisherOfferAfterRejectedOffer checks that a client whose
// publisher offer was rejected can offer again on the same connection.
func TestPublisherOfferAfterRejectedOffer(t *testing.T) {
	for _, tc := range []struct{ name, sdp string }{
		{"garbage", "this is not SDP"},
		{"too many sections", tooManySectionsSDP()},
		{"rejected by pion", noCredentialsSDP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			c := h.dial()
			c.join(h.room(), "Anna")
			c.sendJSON(map[string]any{"type": "offer", "id": "bad", "target": "publisher", "sdp": tc.sdp})
			if msg := c.expectReply("bad"); msg.Code != CodeInvalidSDP {
				t.Fatalf("bad offer: %s", msg.Raw)
			}
			p := newPublisher(t)
			c.sendJSON(map[string]any{"type": "offer", "id": "good", "target": "publisher", "sdp": p.offer(t, false)})
			msg := c.expectReply("good")
			if msg.Type != TypeAnswer {
				t.Fatalf("good offer after a bad one: %s", msg.Raw)
			}
		})
	}
}
