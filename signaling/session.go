package signaling

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// Connection timing. A silent client is noticed within pongWait; its
// participant then waits out the resume grace period.
const (
	pingInterval  = 10 * time.Second
	pongWait      = 25 * time.Second
	writeWait     = 10 * time.Second
	closeLinger   = time.Second // how long to wait for the client's close frame
	sendQueueSize = 256
)

// session is one websocket connection. Its reader runs in the HTTP
// handler's goroutine and handles messages one at a time, in order; its
// writer goroutine owns all writes.
type session struct {
	srv    *Server
	conn   *websocket.Conn
	remote string     // the client's address, as logged (key "remote")
	source netip.Addr // the client's address, for per-source limits
	log    *slog.Logger

	out      chan outgoing
	done     chan struct{} // closed when the session is ending
	doneOnce sync.Once
	finished chan struct{} // closed when run has returned

	// Used by the reader goroutine only.
	limiter *rate.Limiter
	invalid int
	member  *member
	left    bool
}

// outgoing is one item for the writer: a message, a close, or both.
type outgoing struct {
	data        []byte
	closeCode   int
	closeReason string
}

func newSession(s *Server, conn *websocket.Conn, remote string) *session {
	var source netip.Addr
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		source = ap.Addr().Unmap()
	}
	return &session{
		srv:      s,
		conn:     conn,
		remote:   remote,
		source:   source,
		log:      s.log.With("remote", remote),
		out:      make(chan outgoing, sendQueueSize),
		done:     make(chan struct{}),
		finished: make(chan struct{}),
		limiter:  rate.NewLimiter(rate.Limit(s.cfg.MessagesPerSecond), s.cfg.MessageBurst),
	}
}

// run serves the connection until it ends.
func (s *session) run() {
	defer close(s.finished)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		s.writeLoop()
	}()
	if s.readLoop() {
		s.drain()
	}
	s.end()
	<-writerDone
	if s.member != nil && !s.left {
		s.member.detach(s)
	}
}

func (s *session) end() { s.doneOnce.Do(func() { close(s.done) }) }

// send marshals msg and queues it without blocking. A client that does not
// read its messages fills the queue and is cut off: one slow client must not
// hold up the goroutines that send to it.
func (s *session) send(msg any) {
	data, err := json.Marshal(msg)
	if err != nil {
		s.log.Error("marshal outgoing message", "err", err)
		return
	}
	s.sendData(data)
}

// sendData queues a marshalled message; see send. The data is shared
// between the sessions of a broadcast and never changed.
func (s *session) sendData(data []byte) {
	select {
	case <-s.done:
	case s.out <- outgoing{data: data}:
	default:
		s.log.Warn("client is not reading its messages; disconnecting")
		s.srv.metrics.Disconnects.WithLabelValues(ReasonSlowConsumer).Inc()
		s.cut()
	}
}

// closeWith sends bye with the reason and closes the connection cleanly.
func (s *session) closeWith(reason string) {
	data, _ := json.Marshal(&Bye{header: header{Type: TypeBye}, Reason: reason})
	code := websocket.CloseNormalClosure
	switch reason {
	case ReasonShutdown:
		code = websocket.CloseGoingAway
	case ReasonTooManyErrors:
		code = websocket.ClosePolicyViolation
	}
	select {
	case <-s.done:
	case s.out <- outgoing{data: data, closeCode: code, closeReason: reason}:
	default:
		s.cut()
	}
}

// cut drops the connection at once, as a network failure would.
func (s *session) cut() {
	_ = s.conn.NetConn().Close()
	s.end()
}

func (s *session) writeLoop() {
	ping := time.NewTicker(pingInterval)
	defer ping.Stop()
	defer s.conn.Close() // also ends the reader
	for {
		select {
		case o := <-s.out:
			_ = s.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if o.data != nil {
				if err := s.conn.WriteMessage(websocket.TextMessage, o.data); err != nil {
					return
				}
			}
			if o.closeCode != 0 {
				_ = s.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(o.closeCode, o.closeReason))
				select {
				case <-s.done:
				case <-time.After(closeLinger):
				}
				return
			}
		case <-ping.C:
			if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		case <-s.done:
			return
		}
	}
}

// readLoop handles messages until the connection ends (false) or the
// session has queued a bye and a close frame and stops handling (true).
func (s *session) readLoop() (closing bool) {
	maxBytes := s.srv.cfg.MaxMessageBytes
	// Messages up to maxBytes are handled; larger ones up to the hard
	// limit are read, discarded and answered with too_large; beyond it the
	// websocket library closes the connection.
	s.conn.SetReadLimit(int64(maxBytes) * 16)
	_ = s.conn.SetReadDeadline(time.Now().Add(pongWait))
	s.conn.SetPongHandler(func(string) error {
		return s.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		kind, r, err := s.conn.NextReader()
		if err != nil {
			s.logReadEnd(err)
			return false
		}
		_ = s.conn.SetReadDeadline(time.Now().Add(pongWait))
		data, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
		if err != nil {
			s.logReadEnd(err)
			return false
		}
		if len(data) > maxBytes {
			if _, err := io.Copy(io.Discard, r); err != nil {
				// Over the hard limit: the websocket library has
				// already sent close 1009, so an error message could
				// not follow; logReadEnd counts it. Or the connection
				// failed.
				s.logReadEnd(err)
				return false
			}
			if s.reject(errorf(CodeTooLarge, "message is larger than %d bytes", maxBytes)) {
				return true
			}
			continue
		}
		if !s.limiter.Allow() {
			if s.reject(errorf(CodeRateLimited, "more than %g messages per second; message dropped", s.srv.cfg.MessagesPerSecond)) {
				return true
			}
			continue
		}
		if kind != websocket.TextMessage {
			if s.reject(errorf(CodeBadJSON, "binary messages are not part of the protocol; send JSON text")) {
				return true
			}
			continue
		}
		req, err := Decode(data)
		if err != nil {
			if s.reject(toProtocolError(err)) {
				return true
			}
			continue
		}
		if s.handleSafely(req) {
			return true
		}
	}
}

// drain reads and discards messages after the reader has queued a bye and
// a close frame, until the client answers the close or the writer, done
// with its queue, closes the connection. Ending the session at once
// instead would let the writer see done before it had written the queued
// messages, and drop the bye and the close frame.
func (s *session) drain() {
	s.conn.SetPongHandler(nil)
	_ = s.conn.SetReadDeadline(time.Now().Add(writeWait + closeLinger))
	for {
		_, r, err := s.conn.NextReader()
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return
		}
	}
}

func (s *session) logReadEnd(err error) {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce):
		s.log.Debug("websocket closed by client", "code", ce.Code)
	case errors.Is(err, websocket.ErrReadLimit):
		s.log.Info("websocket message over the hard size limit; connection closed")
		s.srv.metrics.SignalingErrors.WithLabelValues(string(CodeTooLarge)).Inc()
	default:
		s.log.Debug("websocket read ended", "err", err)
	}
}

// reject sends an error for a bad message and counts it. It reports true
// when the client has sent too many and the session must end.
func (s *session) reject(e *Error) (stop bool) {
	s.srv.metrics.SignalingErrors.WithLabelValues(string(e.Code)).Inc()
	s.send(&ErrorMessage{header: header{Type: TypeError, ID: e.requestID}, Code: e.Code, Message: e.Message})
	s.invalid++
	if s.invalid >= s.srv.cfg.MaxInvalidMessages {
		s.log.Warn("too many invalid messages; disconnecting", "count", s.invalid)
		s.closeWith(ReasonTooManyErrors)
		return true
	}
	return false
}

// handleSafely handles one message. A panic while handling it is a server
// bug: it is logged with its stack, the client gets an internal error and
// this one session ends; the server and every other client carry on.
func (s *session) handleSafely(req Request) (stop bool) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic while handling a message", "type", req.messageType(), "panic", r, "stack", string(debug.Stack()))
			s.reject(&Error{Code: CodeInternal, Message: "internal server error", requestID: req.RequestID()})
			s.closeWith(ReasonRemoved)
			stop = true
		}
	}()
	err := s.handle(req)
	if err == nil {
		s.srv.metrics.SignalingMessages.WithLabelValues(req.messageType()).Inc()
		return s.left
	}
	pe := toProtocolError(err)
	if pe.Code == CodeInternal {
		s.log.Error("handle message", "type", req.messageType(), "err", err)
	} else {
		s.log.Debug("rejected message", "type", req.messageType(), "err", err)
	}
	pe.requestID = req.RequestID()
	return s.reject(pe)
}

// handle dispatches one message through the message table.
func (s *session) handle(req Request) error {
	spec, ok := messages[req.messageType()]
	if !ok {
		return fmt.Errorf("signaling: no handler for %T", req)
	}
	if spec.needsJoin && s.member == nil {
		return errorf(CodeNotJoined, "%s before join; the first message must be join", req.messageType())
	}
	if s.member != nil && spec.since > s.member.version() {
		return errorf(CodeUnsupportedVersion, "%s is part of protocol version %d; this connection joined with version %d", req.messageType(), spec.since, s.member.version())
	}
	if spec.facilitator && !s.member.facilitates() {
		return errorf(CodeForbidden, "only the meeting's facilitator may send %s", req.messageType())
	}
	return spec.handle(s, req.(request))
}
