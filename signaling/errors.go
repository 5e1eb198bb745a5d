package signaling

import (
	"errors"
	"fmt"

	"piiri/sfu"
)

// Code is a stable error code sent to clients in error messages. Codes are
// part of the protocol: clients branch on them, so they never change
// meaning. PROTOCOL.md lists them.
type Code string

// Error codes.
const (
	CodeBadJSON            Code = "bad_json"            // not a JSON object, or not UTF-8
	CodeUnknownType        Code = "unknown_type"        // type is not one this server knows
	CodeMissingField       Code = "missing_field"       // a required field is absent or empty
	CodeInvalidField       Code = "invalid_field"       // a field has a value of the wrong form
	CodeTooLarge           Code = "too_large"           // the message exceeds the size limit
	CodeRateLimited        Code = "rate_limited"        // too many messages per second
	CodeUnsupportedVersion Code = "unsupported_version" // join names a protocol version this server does not speak
	CodeNotJoined          Code = "not_joined"          // a message that needs a joined participant came first
	CodeAlreadyJoined      Code = "already_joined"      // a second join on one connection
	CodeUnauthorized       Code = "unauthorized"        // wrong room key
	CodeResumeFailed       Code = "resume_failed"       // unknown or expired resume token; join afresh
	CodeRoomFull           Code = "room_full"           // the room has its maximum of participants
	CodeInvalidSDP         Code = "invalid_sdp"         // a session description that does not parse or cannot be applied
	CodeInvalidCandidate   Code = "invalid_candidate"   // an ICE candidate that cannot be applied
	CodeNoOfferPending     Code = "no_offer_pending"    // an answer when the server is not waiting for one
	CodeShuttingDown       Code = "shutting_down"       // the server is stopping and takes no new participants
	CodeGone               Code = "gone"                // the participant's media session has ended; join afresh
	CodeMeetingNotOpen     Code = "meeting_not_open"    // a personal link's meeting room is not open
	CodeAgreementRequired  Code = "agreement_required"  // the person must accept the group's agreement first
	CodeForbidden          Code = "forbidden"           // the participant's role does not allow this
	CodeNotPossible        Code = "not_possible"        // the meeting's state does not allow this request now
	CodeInternal           Code = "internal"            // a server fault; the message is logged
)

// Error is a protocol error: a code for programs and a message for people.
type Error struct {
	Code    Code
	Message string
	// requestID is the id of the message that caused the error, when
	// decoding got far enough to read it.
	requestID string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// toProtocolError maps any error from handling a message to the error the
// client sees. Errors the client did not cause become CodeInternal with a
// generic message; the details stay in the server log.
func toProtocolError(err error) *Error {
	var pe *Error
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, sfu.ErrInvalidSDP), errors.Is(err, sfu.ErrTooManyTracks):
		return &Error{Code: CodeInvalidSDP, Message: err.Error()}
	case errors.Is(err, sfu.ErrInvalidICE):
		return &Error{Code: CodeInvalidCandidate, Message: err.Error()}
	case errors.Is(err, sfu.ErrNoOfferPending):
		return &Error{Code: CodeNoOfferPending, Message: err.Error()}
	case errors.Is(err, sfu.ErrInvalidTarget):
		return &Error{Code: CodeInvalidField, Message: err.Error()}
	case errors.Is(err, sfu.ErrClosed):
		return &Error{Code: CodeGone, Message: "the media session has ended (the participant left or the server is stopping); join again"}
	default:
		return &Error{Code: CodeInternal, Message: "internal server error"}
	}
}
