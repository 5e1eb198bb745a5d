package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"time"
)

// The seams below are signalling's view of the parts it drives, defined
// here, by their consumer, and kept as small as signalling's needs. The
// sfu package satisfies Media through the adapter in sfumedia.go; a test
// fake satisfies it without pion. Admission and Meeting are where the
// mentoring control plane plugs in without signalling knowing about groups.

// Media is what signalling needs of the media plane: rooms to put
// participants in.
type Media interface {
	// NewRoom creates an empty media room that reports to events. The
	// caller closes it when its last participant has left.
	NewRoom(name string, events MediaEvents) (MediaRoom, error)
}

// MediaEvents receives what the media plane observes in one room. Its
// methods must not block: they queue messages at most.
type MediaEvents interface {
	// Speaking reports that a participant started or stopped speaking, at
	// the time the media plane noticed it.
	Speaking(participantID string, speaking bool, at time.Time)
	// TrackPublished reports a track a participant now publishes, and
	// TrackEnded that it ended; each published track ends exactly once.
	TrackPublished(participantID string, t MediaTrack)
	TrackEnded(participantID string, t MediaTrack)
}

// MediaTrack is a published track as signalling passes it on: an opaque
// handle that the meeting's recorder knows the full type of (the sfu's
// track), and signalling needs only the kind of.
type MediaTrack interface {
	Kind() string // "audio" or "video"
}

// MediaRoom is one room of the media plane.
type MediaRoom interface {
	// Join adds a participant with both of its peer connections. Its first
	// subscriber offer may go out through sig before Join returns.
	Join(participantID string, sig MediaSignaller) (MediaParticipant, error)
	// Close removes every participant and forgets the room.
	Close()
}

// MediaParticipant is one participant's media: what signalling hands the
// client's descriptions and candidates to.
type MediaParticipant interface {
	// HandleOffer applies a publisher offer; deliver gets the answer
	// before any of its candidates are signalled. sources names the
	// source of media sections by mid.
	HandleOffer(sdp string, sources map[string]string, deliver func(answer string)) error
	// HandleAnswer applies the client's answer to the last subscriber offer.
	HandleAnswer(sdp string) error
	// AddCandidate adds a remote ICE candidate to the target connection.
	AddCandidate(target string, c CandidateInit) error
	// Resume restarts ICE after the client's signalling came back.
	Resume()
	// Close ends the participant's media; safe to call more than once.
	Close()
}

// MediaSignaller carries what the media plane needs to tell one client.
// Implementations only queue: the media plane calls it with its own locks
// held.
type MediaSignaller interface {
	SendOffer(sdp string, tracks []TrackInfo)
	SendCandidate(target string, c CandidateInit)
}

// Admission decides who a joining client is. The server alone decides:
// what a client says of itself (its name, the room it asks for) is input
// that Admission may accept, replace or refuse.
type Admission interface {
	Admit(ctx context.Context, req AdmitRequest) (Admitted, error)
}

// AdmitRequest is what a client presented in join.
type AdmitRequest struct {
	Room   string // the room the client asked for
	Name   string // the display name the client gave
	Key    string // the shared room key of ad-hoc rooms
	Token  string // a personal link token (secret: never log it)
	Remote netip.Addr
}

// Admitted is the identity the server gives a participant.
type Admitted struct {
	// Room is the room the participant goes into, by the name clients see.
	Room string
	// Private rooms are reachable only through this admission (a
	// meeting's room, from personal links), never by a client naming
	// them: an ad-hoc room of the same name is another room.
	Private bool
	// Name is the display name others see.
	Name string
	// PersonID is the participant's lasting identity (a person in a
	// group); empty for ad-hoc guests.
	PersonID string
	// Role is what the participant may do in the room.
	Role Role
	// Meeting, if not nil, is told of the participant's presence.
	Meeting Meeting
	// MeetingInfo, if not nil, describes the meeting to the client.
	MeetingInfo *MeetingInfo
}

// roomKey is the registry's name for the room: private rooms live apart
// from every name a client can ask for (which has no control characters).
func (a Admitted) roomKey() string {
	if a.Private {
		return "\x00" + a.Room
	}
	return a.Room
}

// Role is a participant's role in its room, decided by Admission.
type Role string

// Roles.
const (
	RoleGuest       Role = "guest" // an ad-hoc room with the shared key
	RoleMember      Role = "member"
	RoleFacilitator Role = "facilitator"
	RoleObserver    Role = "observer"
)

// ErrUnauthorized is what an Admission returns (wrapped, with a message
// for the person) when the credential is wrong. Signalling counts it
// against the source address's failed attempts.
var ErrUnauthorized = errors.New("signaling: the credential was refused")

// Meeting is told of every participant's presence in a room, so that
// attendance can be kept. Its methods are called in order for one
// participant (Joined, then any Resumed, then Left), outside signalling's
// locks; they must not call back into signalling.
type Meeting interface {
	Joined(p Presence)
	Resumed(p Presence)
	Left(p Presence, reason string)
	// State is the meeting's live state as the wire carries it (phase,
	// round, task: protocol version 2), or nil when there is none.
	State(ctx context.Context) (json.RawMessage, error)
	// Act runs a participant's request on the meeting (start, next
	// phase, ...) and returns the new state; the meeting decides who may
	// do what, and its errors say why not.
	Act(ctx context.Context, p Presence, req *MeetingRequest) (json.RawMessage, error)
	// Facilitates reports whether the person runs the meeting now (the
	// facilitator, or the member it was handed to).
	Facilitates(ctx context.Context, personID string) bool
	// Spoke reports a stretch of the participant's speech, as the media
	// plane heard it, for the meeting's speaking turns. It is called off
	// the room's lock and may take a disk write.
	Spoke(p Presence, from, to time.Time)
	// Published and Unpublished report the tracks the participant
	// publishes, in the order the media plane saw them, so that the
	// meeting can record the media of those who consented. They are
	// called off the room's lock.
	Published(p Presence, t MediaTrack)
	Unpublished(p Presence, t MediaTrack)
}

// Presence is one participant at one moment.
type Presence struct {
	ParticipantID string
	PersonID      string
	Name          string
	Role          Role
	At            time.Time
}

// noMeeting is the Meeting of ad-hoc rooms: nothing is kept.
type noMeeting struct{}

func (noMeeting) State(context.Context) (json.RawMessage, error) { return nil, nil }
func (noMeeting) Act(context.Context, Presence, *MeetingRequest) (json.RawMessage, error) {
	return nil, errorf(CodeForbidden, "this room has no meeting to run")
}
func (noMeeting) Facilitates(context.Context, string) bool { return false }
func (noMeeting) Spoke(Presence, time.Time, time.Time)     {}
func (noMeeting) Published(Presence, MediaTrack)           {}
func (noMeeting) Unpublished(Presence, MediaTrack)         {}
func (noMeeting) Joined(Presence)                          {}
func (noMeeting) Resumed(Presence)                         {}
func (noMeeting) Left(Presence, string)                    {}
