package bot

import (
	"encoding/json"

	"github.com/pion/webrtc/v4"
)

// The bot speaks the protocol from signaling/PROTOCOL.md with its own wire
// types rather than the server's, so that it tests the protocol as
// documented, the way a browser client sees it.

type outMsg struct {
	Type      string                   `json:"type"`
	ID        string                   `json:"id,omitempty"`
	Version   int                      `json:"version,omitempty"`
	Room      string                   `json:"room,omitempty"`
	Name      string                   `json:"name,omitempty"`
	Key       string                   `json:"key,omitempty"`
	Token     string                   `json:"token,omitempty"`
	Resume    string                   `json:"resume,omitempty"`
	Probe     bool                     `json:"probe,omitempty"`
	Target    string                   `json:"target,omitempty"`
	SDP       string                   `json:"sdp,omitempty"`
	Candidate *webrtc.ICECandidateInit `json:"candidate,omitempty"`
}

type participantInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

type inMsg struct {
	Type          string                   `json:"type"`
	ID            string                   `json:"id"`
	Target        string                   `json:"target"`
	SDP           string                   `json:"sdp"`
	Candidate     *webrtc.ICECandidateInit `json:"candidate"`
	Participant   participantInfo          `json:"participant"`
	ParticipantID string                   `json:"participantId"`
	Reason        string                   `json:"reason"`
	Code          string                   `json:"code"`
	Message       string                   `json:"message"`
	Resumed       bool                     `json:"resumed"`
	ResumeToken   string                   `json:"resumeToken"`
	ICEServers    []webrtc.ICEServer       `json:"iceServers"`
	Room          json.RawMessage          `json:"room"`
}

type roomInfo struct {
	Name         string            `json:"name"`
	Participants []participantInfo `json:"participants"`
}
