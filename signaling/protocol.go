package signaling

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pion/webrtc/v4"
)

// ProtocolVersion is the version of the signalling protocol this server
// speaks; a client states the version it speaks in join. PROTOCOL.md
// documents it.
const ProtocolVersion = 1

// Message types. Client to server: join, offer (publisher), answer
// (subscriber), candidate, leave, ping. Server to client: joined, offer
// (subscriber), answer (publisher), candidate, participant_joined,
// participant_left, pong, error, bye.
const (
	TypeJoin              = "join"
	TypeJoined            = "joined"
	TypeOffer             = "offer"
	TypeAnswer            = "answer"
	TypeCandidate         = "candidate"
	TypeLeave             = "leave"
	TypePing              = "ping"
	TypePong              = "pong"
	TypeParticipantJoined = "participant_joined"
	TypeParticipantLeft   = "participant_left"
	TypeError             = "error"
	TypeBye               = "bye"
)

// Targets: which of a participant's two peer connections a description or
// candidate belongs to.
const (
	TargetPublisher  = "publisher"
	TargetSubscriber = "subscriber"
)

// Field limits. They are far above what a real client sends and far below
// what would let one client waste the server's memory.
const (
	maxRoomLen      = 64
	maxNameLen      = 64
	maxIDLen        = 64
	maxKeyLen       = 256
	maxTokenLen     = 128
	maxCandidateLen = 1024
)

// Request is a decoded client message.
type Request interface {
	// RequestID is the id the reply must carry; empty when none was given.
	RequestID() string
	messageType() string
}

// header is what every message carries.
type header struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

func (h header) RequestID() string { return h.ID }

// Join is the first message of every connection. Exactly one of Key (a new
// participant) or Resume (the token from an earlier joined reply) is used.
type Join struct {
	header
	Version int    `json:"version"`
	Room    string `json:"room"`
	Name    string `json:"name"`
	Key     string `json:"key,omitempty"`
	Resume  string `json:"resume,omitempty"`
}

// Offer carries a session description offer. From a client it is always
// for the publisher connection and is a request (it has an id).
type Offer struct {
	header
	Target string `json:"target"`
	SDP    string `json:"sdp"`
}

// Answer carries a session description answer. From a client it is always
// for the subscriber connection.
type Answer struct {
	header
	Target string `json:"target"`
	SDP    string `json:"sdp"`
}

// Candidate carries one trickled ICE candidate, in the browser's
// RTCIceCandidateInit shape.
type Candidate struct {
	header
	Target    string        `json:"target"`
	Candidate CandidateInit `json:"candidate"`
}

// CandidateInit mirrors RTCIceCandidateInit.
type CandidateInit struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Leave ends the participant's presence at once, without a grace period.
type Leave struct{ header }

// Ping asks for a pong; clients use it to measure the signalling round trip.
type Ping struct{ header }

func (Join) messageType() string      { return TypeJoin }
func (Offer) messageType() string     { return TypeOffer }
func (Answer) messageType() string    { return TypeAnswer }
func (Candidate) messageType() string { return TypeCandidate }
func (Leave) messageType() string     { return TypeLeave }
func (Ping) messageType() string      { return TypePing }

// Decode parses and validates one client message. Its errors are *Error
// values with the code to send back.
func Decode(data []byte) (Request, error) {
	if !utf8.Valid(data) {
		return nil, errorf(CodeBadJSON, "message is not valid UTF-8")
	}
	var h header
	if err := json.Unmarshal(data, &h); err != nil {
		e := errorf(CodeBadJSON, "message is not a JSON object with a string \"type\": %v", err)
		// A JSON object with a field of the wrong type still yields the
		// other fields: echo a string id so the client can match the error.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && len(h.ID) <= maxIDLen {
			e.requestID = h.ID
		}
		return nil, e
	}
	if len(h.ID) > maxIDLen {
		return nil, errorf(CodeInvalidField, "id is longer than %d bytes", maxIDLen)
	}
	req, err := decodeBody(h, data)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.requestID = h.ID
		}
		return nil, err
	}
	return req, nil
}

func decodeBody(h header, data []byte) (Request, error) {
	var req interface {
		Request
		validate() error
	}
	switch h.Type {
	case "":
		return nil, errorf(CodeMissingField, "message has no \"type\"")
	case TypeJoin:
		req = &Join{}
	case TypeOffer:
		req = &Offer{}
	case TypeAnswer:
		req = &Answer{}
	case TypeCandidate:
		req = &Candidate{}
	case TypeLeave:
		req = &Leave{}
	case TypePing:
		req = &Ping{}
	default:
		return nil, errorf(CodeUnknownType, "unknown message type %q", truncate(h.Type, 32))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(req); err != nil {
		return nil, errorf(CodeInvalidField, "%s: %v", h.Type, err)
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	return req, nil
}

func (j *Join) validate() error {
	if j.Version == 0 {
		return errorf(CodeMissingField, "join: \"version\" is required (this server speaks version %d)", ProtocolVersion)
	}
	if j.Version != ProtocolVersion {
		return errorf(CodeUnsupportedVersion, "join: protocol version %d is not supported; this server speaks version %d", j.Version, ProtocolVersion)
	}
	if j.Room == "" {
		return errorf(CodeMissingField, "join: \"room\" is required")
	}
	if err := checkText("room", j.Room, maxRoomLen); err != nil {
		return err
	}
	j.Name = strings.TrimSpace(j.Name)
	if j.Name == "" {
		return errorf(CodeMissingField, "join: \"name\" is required")
	}
	if err := checkText("name", j.Name, maxNameLen); err != nil {
		return err
	}
	if len(j.Key) > maxKeyLen {
		return errorf(CodeInvalidField, "join: \"key\" is longer than %d bytes", maxKeyLen)
	}
	if len(j.Resume) > maxTokenLen {
		return errorf(CodeInvalidField, "join: \"resume\" is longer than %d bytes", maxTokenLen)
	}
	return nil
}

func (o *Offer) validate() error {
	if o.ID == "" {
		return errorf(CodeMissingField, "offer: \"id\" is required; the answer is its reply")
	}
	if o.Target == "" {
		return errorf(CodeMissingField, "offer: \"target\" is required")
	}
	if o.Target != TargetPublisher {
		return errorf(CodeInvalidField, "offer: target must be %q; the server offers for the subscriber", TargetPublisher)
	}
	if o.SDP == "" {
		return errorf(CodeMissingField, "offer: \"sdp\" is required")
	}
	return nil
}

func (a *Answer) validate() error {
	if a.Target == "" {
		return errorf(CodeMissingField, "answer: \"target\" is required")
	}
	if a.Target != TargetSubscriber {
		return errorf(CodeInvalidField, "answer: target must be %q; publisher answers come from the server", TargetSubscriber)
	}
	if a.SDP == "" {
		return errorf(CodeMissingField, "answer: \"sdp\" is required")
	}
	return nil
}

func (c *Candidate) validate() error {
	switch c.Target {
	case "":
		return errorf(CodeMissingField, "candidate: \"target\" is required")
	case TargetPublisher, TargetSubscriber:
	default:
		return errorf(CodeInvalidField, "candidate: target must be %q or %q", TargetPublisher, TargetSubscriber)
	}
	if len(c.Candidate.Candidate) > maxCandidateLen {
		return errorf(CodeInvalidField, "candidate: candidate is longer than %d bytes", maxCandidateLen)
	}
	return nil
}

func (*Leave) validate() error { return nil }
func (*Ping) validate() error  { return nil }

// checkText rejects control characters and overlong values in fields that
// other participants will see.
func checkText(field, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return errorf(CodeInvalidField, "%q is longer than %d characters", field, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return errorf(CodeInvalidField, "%q contains a control character", field)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func (c CandidateInit) toWebRTC() webrtc.ICECandidateInit {
	return webrtc.ICECandidateInit{
		Candidate:        c.Candidate,
		SDPMid:           c.SDPMid,
		SDPMLineIndex:    c.SDPMLineIndex,
		UsernameFragment: c.UsernameFragment,
	}
}
