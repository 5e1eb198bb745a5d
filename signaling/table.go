package signaling

// request is a decoded, validated client message.
type request interface {
	Request
	validate() error
}

// messageSpec is everything about one client message type: the struct it
// decodes into (whose validate method checks it), whether it needs a
// joined participant, and its handler. Adding a message is one entry here
// and one handler in the file of its domain.
type messageSpec struct {
	decodeInto func() request
	needsJoin  bool
	// since is the protocol version that brought the message (0: 1).
	since int
	// facilitator messages are refused (forbidden) from anyone else.
	facilitator bool
	handle      func(s *session, req request) error
}

// messages is the table of every client message; it is never changed.
var messages = map[string]messageSpec{
	TypeJoin:      {decodeInto: func() request { return &Join{} }, handle: handleJoin},
	TypeLeave:     {decodeInto: func() request { return &Leave{} }, needsJoin: true, handle: handleLeave},
	TypePing:      {decodeInto: func() request { return &Ping{} }, needsJoin: true, handle: handlePing},
	TypeState:     {decodeInto: func() request { return &State{} }, needsJoin: true, handle: handleState},
	TypeOffer:     {decodeInto: func() request { return &Offer{} }, needsJoin: true, handle: handleOffer},
	TypeAnswer:    {decodeInto: func() request { return &Answer{} }, needsJoin: true, handle: handleAnswer},
	TypeCandidate: {decodeInto: func() request { return &Candidate{} }, needsJoin: true, handle: handleCandidate},

	// Version 2: the meeting room.
	TypeHand:    {decodeInto: func() request { return &Hand{} }, needsJoin: true, since: 2, handle: handleHand},
	TypeChat:    {decodeInto: func() request { return &Chat{} }, needsJoin: true, since: 2, handle: handleChat},
	TypeMute:    {decodeInto: func() request { return &Mute{} }, needsJoin: true, since: 2, facilitator: true, handle: handleMute},
	TypeRemove:  {decodeInto: func() request { return &Remove{} }, needsJoin: true, since: 2, facilitator: true, handle: handleRemove},
	TypeMeeting: {decodeInto: func() request { return &MeetingRequest{} }, needsJoin: true, since: 2, handle: handleMeeting},
}
