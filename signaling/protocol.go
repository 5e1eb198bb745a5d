package signaling

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ProtocolVersion is the version of the signalling protocol this server
// speaks; a client states the version it speaks in join. PROTOCOL.md
// documents it.
const ProtocolVersion = 2

// MinProtocolVersion is the oldest version this server still speaks:
// version 1 clients (ad-hoc rooms, media and presence only) keep working
// and are simply not sent what version 2 added.
const MinProtocolVersion = 1

// Message types. Client to server: join, offer (publisher), answer
// (subscriber), candidate, state, leave, ping. Server to client: joined,
// offer (subscriber), answer (publisher), candidate, participant_joined,
// participant_updated, participant_left, speaking, pong, error, bye.
const (
	TypeJoin               = "join"
	TypeJoined             = "joined"
	TypeOffer              = "offer"
	TypeAnswer             = "answer"
	TypeCandidate          = "candidate"
	TypeState              = "state"
	TypeLeave              = "leave"
	TypePing               = "ping"
	TypePong               = "pong"
	TypeParticipantJoined  = "participant_joined"
	TypeParticipantUpdated = "participant_updated"
	TypeParticipantLeft    = "participant_left"
	TypeSpeaking           = "speaking"
	TypeError              = "error"
	TypeBye                = "bye"

	// Version 2.
	TypeHand         = "hand"          // client: raise or lower a hand
	TypeHands        = "hands"         // server: the queue of raised hands
	TypeChat         = "chat"          // both: a chat message
	TypeMute         = "mute"          // client (facilitator): ask someone to mute
	TypeMuteRequest  = "mute_request"  // server: the facilitator asks you to mute
	TypeRemove       = "remove"        // client (facilitator): remove someone from the meeting
	TypeMeeting      = "meeting"       // client: a request about the meeting's structure
	TypeMeetingState = "meeting_state" // server: the meeting's live state
)

// Meeting requests (the action of a meeting message).
const (
	ActionStart         = "start"
	ActionNextPhase     = "next_phase"
	ActionPreviousPhase = "previous_phase"
	ActionNextSpeaker   = "next_speaker"
	ActionPass          = "pass"
	ActionSkip          = "skip"
	ActionExtraTurn     = "extra_turn"
	ActionReorder       = "reorder"
	ActionExtend        = "extend"
	ActionSetTask       = "set_task"
	ActionEnd           = "end"
	ActionRecordStart   = "record_start"
	ActionRecordStop    = "record_stop"
	ActionConsent       = "consent"
)

// MeetingRequest asks the meeting to change: run its structure. Who may
// ask what is the meeting's rule (the facilitator for most; the speaker
// for pass).
type MeetingRequest struct {
	header
	Action string `json:"action"`
	// PersonID is the person for skip and extra_turn.
	PersonID string `json:"personId,omitempty"`
	// Order is the round's new order (person IDs) for reorder.
	Order []string `json:"order,omitempty"`
	// Minutes extend the phase (or the turn) for extend.
	Minutes int `json:"minutes,omitempty"`
	// Text is the task for set_task.
	Text string `json:"text,omitempty"`
	// Record, Stats and TextVersion are the sender's own consent, for
	// consent: to recording, to speaking statistics, under that version
	// of the group's consent text.
	Record      *bool `json:"record,omitempty"`
	Stats       *bool `json:"stats,omitempty"`
	TextVersion *int  `json:"textVersion,omitempty"`
}

func (MeetingRequest) messageType() string { return TypeMeeting }

const (
	maxOrderLen    = 50
	maxTaskTextLen = 2000
)

func (r *MeetingRequest) validate() error {
	switch r.Action {
	case "":
		return errorf(CodeMissingField, "meeting: \"action\" is required")
	case ActionStart, ActionNextPhase, ActionPreviousPhase, ActionNextSpeaker, ActionPass, ActionEnd, ActionRecordStart, ActionRecordStop:
	case ActionConsent:
		for _, f := range []struct {
			name string
			set  bool
		}{{"record", r.Record != nil}, {"stats", r.Stats != nil}, {"textVersion", r.TextVersion != nil}} {
			if !f.set {
				return errorf(CodeMissingField, "meeting: %q is required for consent", f.name)
			}
		}
	case ActionSkip, ActionExtraTurn:
		if err := needParticipantField("meeting", "personId", r.PersonID); err != nil {
			return err
		}
	case ActionReorder:
		if len(r.Order) == 0 {
			return errorf(CodeMissingField, "meeting: \"order\" is required for reorder")
		}
		if len(r.Order) > maxOrderLen {
			return errorf(CodeInvalidField, "meeting: \"order\" has %d entries, at most %d", len(r.Order), maxOrderLen)
		}
		for _, id := range r.Order {
			if id == "" || len(id) > maxIDLen {
				return errorf(CodeInvalidField, "meeting: \"order\" has an empty or overlong person id")
			}
		}
	case ActionExtend:
		if r.Minutes < 1 || r.Minutes > 60 {
			return errorf(CodeInvalidField, "meeting: \"minutes\" must be from 1 to 60 for extend")
		}
	case ActionSetTask:
		if utf8.RuneCountInString(r.Text) > maxTaskTextLen {
			return errorf(CodeInvalidField, "meeting: \"text\" is longer than %d characters", maxTaskTextLen)
		}
	default:
		return errorf(CodeInvalidField, "meeting: unknown action %q", truncate(r.Action, 32))
	}
	return nil
}

// Sources: what a publisher's media section carries.
const (
	SourceMic         = "mic"
	SourceCamera      = "camera"
	SourceScreen      = "screen"
	SourceScreenAudio = "screen-audio"
)

func validSource(s string) bool {
	switch s {
	case SourceMic, SourceCamera, SourceScreen, SourceScreenAudio:
		return true
	}
	return false
}

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
	maxSources      = 8 // as many as a publisher offer may have media sections
	maxMidLen       = 32
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
	// Token is a personal link's token: the server then decides the room
	// and the name, and Room and Name may be left out.
	Token  string `json:"token,omitempty"`
	Resume string `json:"resume,omitempty"`
	// The participant's microphone and camera state as chosen before
	// joining; both default to false (on).
	AudioMuted bool `json:"audioMuted,omitempty"`
	VideoMuted bool `json:"videoMuted,omitempty"`
	// Probe marks a network check (piiri netcheck, the pre-join page):
	// it is put in a room of its own, seen by nobody and not counted as a
	// participant.
	Probe bool `json:"probe,omitempty"`
}

// Offer carries a session description offer. From a client it is always
// for the publisher connection and is a request (it has an id); Sources
// may name what each media section (by mid) carries. From the server it is
// for the subscriber connection and Tracks says whose track each media
// section carries.
type Offer struct {
	header
	Target  string            `json:"target"`
	SDP     string            `json:"sdp"`
	Sources map[string]string `json:"sources,omitempty"`
	Tracks  []TrackInfo       `json:"tracks,omitempty"`
}

// TrackInfo says whose track a subscriber offer's media section carries.
type TrackInfo struct {
	Mid           string `json:"mid"`
	ParticipantID string `json:"participantId"`
	Source        string `json:"source"` // mic, camera, screen, screen-audio
	Kind          string `json:"kind"`   // audio or video
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

// State changes what the others see of the participant's microphone and
// camera. A field left out keeps its value.
type State struct {
	header
	AudioMuted *bool `json:"audioMuted,omitempty"`
	VideoMuted *bool `json:"videoMuted,omitempty"`
	// Quality is the client's own judgement of its connection (from its
	// getStats): good, fair or poor. Version 2.
	Quality *string `json:"quality,omitempty"`
}

// Leave ends the participant's presence at once, without a grace period.
type Leave struct{ header }

// Ping asks for a pong; clients use it to measure the signalling round trip.
type Ping struct{ header }

// Hand raises or lowers the sender's hand; a facilitator may lower
// another participant's (ParticipantID).
type Hand struct {
	header
	Raised        *bool  `json:"raised"`
	ParticipantID string `json:"participantId,omitempty"`
}

// Chat sends a message to everyone in the room. Chat is kept only while
// the room exists, never stored.
type Chat struct {
	header
	Text string `json:"text"`
}

// Mute asks a participant to turn their microphone off.
type Mute struct {
	header
	ParticipantID string `json:"participantId"`
}

// Remove takes a participant out of the meeting; the same person cannot
// come back into this room until it closes.
type Remove struct {
	header
	ParticipantID string `json:"participantId"`
}

func (Hand) messageType() string   { return TypeHand }
func (Chat) messageType() string   { return TypeChat }
func (Mute) messageType() string   { return TypeMute }
func (Remove) messageType() string { return TypeRemove }

const maxChatLen = 1000

func (h *Hand) validate() error {
	if h.Raised == nil {
		return errorf(CodeMissingField, "hand: \"raised\" is required")
	}
	if len(h.ParticipantID) > maxIDLen {
		return errorf(CodeInvalidField, "hand: \"participantId\" is longer than %d bytes", maxIDLen)
	}
	if h.ParticipantID != "" && *h.Raised {
		return errorf(CodeInvalidField, "hand: only one's own hand can be raised; leave out \"participantId\"")
	}
	return nil
}

func (c *Chat) validate() error {
	c.Text = strings.TrimSpace(c.Text)
	if c.Text == "" {
		return errorf(CodeMissingField, "chat: \"text\" is required")
	}
	if utf8.RuneCountInString(c.Text) > maxChatLen {
		return errorf(CodeInvalidField, "chat: \"text\" is longer than %d characters", maxChatLen)
	}
	for _, r := range c.Text {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return errorf(CodeInvalidField, "chat: \"text\" contains a control character")
		}
	}
	return nil
}

func (m *Mute) validate() error   { return needParticipant("mute", m.ParticipantID) }
func (r *Remove) validate() error { return needParticipant("remove", r.ParticipantID) }

func needParticipant(typ, id string) error { return needParticipantField(typ, "participantId", id) }

func needParticipantField(typ, field, id string) error {
	if id == "" {
		return errorf(CodeMissingField, "%s: %q is required", typ, field)
	}
	if len(id) > maxIDLen {
		return errorf(CodeInvalidField, "%s: %q is longer than %d bytes", typ, field, maxIDLen)
	}
	return nil
}

func (Join) messageType() string      { return TypeJoin }
func (Offer) messageType() string     { return TypeOffer }
func (Answer) messageType() string    { return TypeAnswer }
func (Candidate) messageType() string { return TypeCandidate }
func (State) messageType() string     { return TypeState }
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
	if h.Type == "" {
		return nil, errorf(CodeMissingField, "message has no \"type\"")
	}
	spec, ok := messages[h.Type]
	if !ok {
		return nil, errorf(CodeUnknownType, "unknown message type %q", truncate(h.Type, 32))
	}
	req := spec.decodeInto()
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
		return errorf(CodeMissingField, "join: \"version\" is required (this server speaks versions %d to %d)", MinProtocolVersion, ProtocolVersion)
	}
	if j.Version < MinProtocolVersion || j.Version > ProtocolVersion {
		return errorf(CodeUnsupportedVersion, "join: protocol version %d is not supported; this server speaks versions %d to %d", j.Version, MinProtocolVersion, ProtocolVersion)
	}
	// With a personal link the server knows the room and the name.
	byLink := j.Token != "" && j.Resume == ""
	if j.Room == "" && !byLink {
		return errorf(CodeMissingField, "join: \"room\" is required")
	}
	if err := checkText("room", j.Room, maxRoomLen); err != nil {
		return err
	}
	j.Name = strings.TrimSpace(j.Name)
	if j.Name == "" && !byLink {
		return errorf(CodeMissingField, "join: \"name\" is required")
	}
	if err := checkText("name", j.Name, maxNameLen); err != nil {
		return err
	}
	if len(j.Key) > maxKeyLen {
		return errorf(CodeInvalidField, "join: \"key\" is longer than %d bytes", maxKeyLen)
	}
	if len(j.Token) > maxTokenLen {
		return errorf(CodeInvalidField, "join: \"token\" is longer than %d bytes", maxTokenLen)
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
	if len(o.Sources) > maxSources {
		return errorf(CodeInvalidField, "offer: \"sources\" names %d media sections, at most %d", len(o.Sources), maxSources)
	}
	for mid, src := range o.Sources {
		if mid == "" || len(mid) > maxMidLen {
			return errorf(CodeInvalidField, "offer: \"sources\" has a mid that is empty or longer than %d bytes", maxMidLen)
		}
		if !validSource(src) {
			return errorf(CodeInvalidField, "offer: sources[%q]: unknown source %q: want %q, %q, %q or %q",
				truncate(mid, maxMidLen), truncate(src, 32), SourceMic, SourceCamera, SourceScreen, SourceScreenAudio)
		}
	}
	// Tracks is the server's field; from a client it is ignored, like any
	// field the server does not read (PROTOCOL.md).
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

func (st *State) validate() error {
	if st.AudioMuted == nil && st.VideoMuted == nil && st.Quality == nil {
		return errorf(CodeMissingField, "state: give \"audioMuted\", \"videoMuted\", \"quality\" or some of them")
	}
	if q := st.Quality; q != nil && *q != QualityGood && *q != QualityFair && *q != QualityPoor {
		return errorf(CodeInvalidField, "state: \"quality\" must be %q, %q or %q", QualityGood, QualityFair, QualityPoor)
	}
	return nil
}

// Connection qualities a client reports in state.
const (
	QualityGood = "good"
	QualityFair = "fair"
	QualityPoor = "poor"
)

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
