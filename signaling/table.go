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
	handle     func(s *session, req request) error
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
}
