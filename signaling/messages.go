package signaling

import (
	"encoding/json"
	"time"
)

// Messages the server sends. Field names are camelCase like the browser's
// own WebRTC dictionaries.

// ParticipantInfo describes one participant to the others.
type ParticipantInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Role is the participant's role in a meeting's room (facilitator,
	// member, observer); guests of ad-hoc rooms have none.
	Role Role `json:"role,omitempty"`
	// PersonID is the participant's person in a meeting's room (the ID
	// the meeting state's people, round and recording use); absent in
	// ad-hoc rooms.
	PersonID   string `json:"personId,omitempty"`
	AudioMuted bool   `json:"audioMuted"`
	VideoMuted bool   `json:"videoMuted"`
	// Speaking is whether the participant is speaking now, so that a
	// newcomer sees who is talking before the next speaking message.
	Speaking bool `json:"speaking"`
	// Quality is the connection quality the participant reported (good,
	// fair, poor); absent until it reports one.
	Quality string `json:"quality,omitempty"`
}

// RoomInfo is the room as a newly joined participant sees it.
type RoomInfo struct {
	Name            string            `json:"name"`
	Participants    []ParticipantInfo `json:"participants"` // everyone else, in join order
	MaxParticipants int               `json:"maxParticipants"`
	// Meeting describes the meeting of a group's room; nil for ad-hoc
	// rooms.
	Meeting *MeetingInfo `json:"meeting,omitempty"`
	// Hands is the queue of raised hands, first raised first (version 2).
	Hands []string `json:"hands,omitempty"`
	// Chat is the room's chat so far, oldest first (version 2).
	Chat []ChatEntry `json:"chat,omitempty"`
	// MeetingState is the meeting's live state, as in meeting_state
	// (version 2, meeting rooms only).
	MeetingState json.RawMessage `json:"meetingState,omitempty"`
}

// Hands tells everyone the queue of raised hands, after every change.
type Hands struct {
	header
	Queue []string `json:"queue"` // participant IDs, first raised first
}

// ChatEntry is one chat message as everyone sees it.
type ChatEntry struct {
	Seq           int       `json:"seq"` // 1, 2, ... within the room
	ParticipantID string    `json:"participantId"`
	Name          string    `json:"name"`
	Text          string    `json:"text"`
	At            time.Time `json:"at"`
}

// ChatMessage tells everyone a chat message, the sender included.
type ChatMessage struct {
	header
	Entry ChatEntry `json:"entry"`
}

// MeetingState carries the meeting's live state (phase, its deadline on
// the server's clock, the round and whose turn it is, the task): to
// everyone after every change, and as the reply to a meeting request
// (with its id). State.version rises with every change; keep the highest.
type MeetingState struct {
	header
	State json.RawMessage `json:"state"`
}

// MuteRequest tells a participant the facilitator asked them to mute.
type MuteRequest struct {
	header
	By string `json:"by"` // the facilitator's participant ID
}

// MeetingInfo is what a participant in a meeting's room is shown of it:
// "Group name · Meeting 3 of 8: Theme".
type MeetingInfo struct {
	GroupName string `json:"groupName"`
	Number    int    `json:"number"`
	Of        int    `json:"of"`
	Theme     string `json:"theme,omitempty"`
	State     string `json:"state"` // open, running
}

// ICEServer mirrors RTCIceServer.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Joined answers a join or a resume.
type Joined struct {
	header
	Version       int             `json:"version"`
	Participant   ParticipantInfo `json:"participant"`
	Room          RoomInfo        `json:"room"`
	Resumed       bool            `json:"resumed"`
	ResumeToken   string          `json:"resumeToken"`
	ResumeGraceMs int64           `json:"resumeGraceMs"`
	ICEServers    []ICEServer     `json:"iceServers"`
}

// ParticipantJoined tells the others that someone came in.
type ParticipantJoined struct {
	header
	Participant ParticipantInfo `json:"participant"`
}

// ParticipantUpdated tells everyone that a participant's state changed.
type ParticipantUpdated struct {
	header
	Participant ParticipantInfo `json:"participant"`
}

// Speaking tells everyone, the speaker included, that a participant
// started or stopped speaking.
type Speaking struct {
	header
	ParticipantID string `json:"participantId"`
	Speaking      bool   `json:"speaking"`
}

// Reasons a participant left, in participant_left and bye.
const (
	ReasonLeft           = "left"            // the participant sent leave
	ReasonTimeout        = "timeout"         // the connection dropped and did not resume in time
	ReasonRemoved        = "removed"         // the server removed the participant
	ReasonShutdown       = "server_shutdown" // the server is stopping
	ReasonTooManyErrors  = "too_many_errors" // the client kept sending invalid messages
	ReasonResumed        = "resumed_elsewhere"
	ReasonSlowConsumer   = "slow_consumer" // the client did not read its messages
	ReasonJoinIncomplete = "join_failed"
	ReasonReplaced       = "joined_elsewhere" // the same person joined again from another tab or device
	ReasonRemovedByHost  = "removed_by_facilitator"
)

// ParticipantLeft tells the others that someone is gone for good.
type ParticipantLeft struct {
	header
	ParticipantID string `json:"participantId"`
	Reason        string `json:"reason"`
}

// ErrorMessage reports a rejected message; ID is the request's id if it had one.
type ErrorMessage struct {
	header
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Bye is the last message before the server closes the connection.
type Bye struct {
	header
	Reason string `json:"reason"`
}
