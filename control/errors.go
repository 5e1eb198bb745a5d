package control

import (
	"errors"
	"fmt"
)

// Error is one of control's typed errors. Each has a stable Code for
// programs (the API puts it in its JSON error body and maps it to an HTTP
// status in one place) and a message for people. Some are refinements of
// a broader one (ErrGroupFull is an ErrConflict), so a caller can map the
// broad kind and still tell the exact case apart:
//
//	errors.Is(err, control.ErrGroupFull) // the exact case
//	errors.Is(err, control.ErrConflict)  // any conflict, ErrGroupFull included
//
// Returned errors usually wrap these with detail ("group g1 has its
// maximum of 11 members: group full"); match them with errors.Is, never
// by comparing strings.
type Error struct {
	code   string
	msg    string
	parent *Error
}

func (e *Error) Error() string { return e.msg }

// Code is the stable machine-readable code of the error, e.g. "group_full".
func (e *Error) Code() string { return e.code }

// Unwrap gives the broader error this one refines, if any.
func (e *Error) Unwrap() error {
	if e.parent == nil {
		return nil
	}
	return e.parent
}

func newError(code, msg string, parent *Error) *Error {
	return &Error{code: code, msg: msg, parent: parent}
}

// The broad kinds. Suggested HTTP statuses are in brackets.
var (
	// ErrUnauthenticated: no principal, or a token that is unknown or
	// revoked. [401]
	ErrUnauthenticated = newError("unauthenticated", "unknown or revoked link", nil)
	// ErrForbidden: the principal is known but may not do this. [403]
	ErrForbidden = newError("forbidden", "not allowed", nil)
	// ErrNotFound: no such group, person, meeting, template or poll
	// option. [404]
	ErrNotFound = newError("not_found", "not found", nil)
	// ErrInvalid: bad input. Returned as a *FieldError naming the field. [400]
	ErrInvalid = newError("invalid", "invalid input", nil)
	// ErrConflict: the request is well formed but the current state
	// does not allow it. [409]
	ErrConflict = newError("conflict", "not possible in the current state", nil)
)

// The exact cases, each a refinement of a broad kind.
var (
	// ErrNotFacilitator: only the group's facilitator (or, for running a
	// meeting, the member it was handed to) may do this. Is ErrForbidden.
	ErrNotFacilitator = newError("not_facilitator", "only a facilitator may do this", ErrForbidden)
	// ErrNotAdmin: only an admin may do this. Is ErrForbidden.
	ErrNotAdmin = newError("not_admin", "only an admin may do this", ErrForbidden)
	// ErrAgreementNotAccepted: the person has not accepted the current
	// version of the group's agreement, which joining a meeting needs.
	// Is ErrForbidden.
	ErrAgreementNotAccepted = newError("agreement_not_accepted", "the group's agreement (current version) is not accepted", ErrForbidden)
	// ErrGroupFull: adding the person would exceed the group's maximum
	// size. Is ErrConflict.
	ErrGroupFull = newError("group_full", "group full", ErrConflict)
	// ErrMeetingNotOpen: the meeting's room is not open (not open or
	// running), so nobody can join it. Is ErrConflict.
	ErrMeetingNotOpen = newError("meeting_not_open", "the meeting is not open", ErrConflict)
	// ErrTransition: the meeting's state does not allow this step (e.g.
	// starting an ended meeting, moving a running one). Is ErrConflict.
	ErrTransition = newError("bad_transition", "not allowed in the meeting's state", ErrConflict)
	// ErrAgreementChanged: the person accepted a version of the
	// agreement that is no longer the current one. Is ErrConflict.
	ErrAgreementChanged = newError("agreement_changed", "the agreement has changed since it was shown", ErrConflict)
	// ErrPollClosed: there is no open time poll for the meeting. Is
	// ErrConflict.
	ErrPollClosed = newError("poll_closed", "no open time poll", ErrConflict)
	// ErrLastFacilitator: the step would leave the group without a
	// facilitator; hand the role over first. Is ErrConflict.
	ErrLastFacilitator = newError("last_facilitator", "the group would have no facilitator", ErrConflict)

	// The running structure (structure.go, live.go).

	// ErrLastPhase: there is no phase after the current one (end the
	// meeting instead), or the meeting has no phases. Is ErrTransition.
	ErrLastPhase = newError("last_phase", "there is no next phase", ErrTransition)
	// ErrFirstPhase: there is no phase before the current one. Is
	// ErrTransition.
	ErrFirstPhase = newError("first_phase", "there is no previous phase", ErrTransition)
	// ErrNoPhase: the meeting is running without a current phase (it
	// has none). Is ErrConflict.
	ErrNoPhase = newError("no_phase", "the meeting has no current phase", ErrConflict)
	// ErrNotRound: the current phase is not a round. Is ErrConflict.
	ErrNotRound = newError("not_round", "the current phase is not a round", ErrConflict)
	// ErrRoundOver: no turn is running and none is waiting. Is
	// ErrConflict.
	ErrRoundOver = newError("round_over", "no turn is running or waiting in this round", ErrConflict)
	// ErrNoTurn: the person has no turn running or waiting in this
	// round (or, for an extra turn, already has one coming). Is
	// ErrConflict.
	ErrNoTurn = newError("no_turn", "no turn of this person to act on", ErrConflict)
	// ErrNotPresent: the person is not in the meeting's room. Is
	// ErrConflict.
	ErrNotPresent = newError("not_present", "the person is not in the room", ErrConflict)
	// ErrTaskClosed: the task can no longer be set or written about: a
	// later meeting has ended since (tasks.go). Is ErrConflict.
	ErrTaskClosed = newError("task_closed", "the task is no longer the current one", ErrConflict)
	// ErrFeedbackClosed: the meeting's feedback is not open: the meeting
	// has not ended, or the next meeting has started, or 14 days have
	// passed (feedback.go). Is ErrConflict.
	ErrFeedbackClosed = newError("feedback_closed", "feedback for this meeting is not open", ErrConflict)
	// ErrConsentChanged: consent was given under a version of the
	// group's consent text that is no longer the current one (the page
	// shows the new text). Is ErrConflict.
	ErrConsentChanged = newError("consent_changed", "the consent text has changed since it was shown", ErrConflict)
	// ErrConsentMissing: recording cannot start, because the group's
	// consent rule does not allow it with the people present
	// (consent.go). Is ErrConflict.
	// ErrLiveBalanceOff: the meeting is running and its group has not
	// chosen to show its speaking statistics during meetings
	// (Group.LiveBalance). Is ErrConflict.
	ErrLiveBalanceOff = newError("live_balance_off", "this group shows speaking statistics only after the meeting; a facilitator can turn on the live balance in the group's settings", ErrConflict)
	ErrConsentMissing = newError("consent_missing", "the people present have not consented to recording", ErrConflict)
	// ErrAlreadyAnswered: the person already gave feedback for the
	// meeting. Is ErrConflict.
	ErrAlreadyAnswered = newError("already_answered", "feedback already given for this meeting", ErrConflict)
)

// FieldError is bad input in one named field. It is ErrInvalid.
type FieldError struct {
	Field   string // the field as the API names it, e.g. "name", "starts[2]"
	Problem string // what is wrong, for people: "must not be empty"
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Problem) }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Code is ErrInvalid's code.
func (e *FieldError) Code() string { return ErrInvalid.code }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// wrapf adds detail to a sentinel: the message reads "detail: sentinel".
func wrapf(sentinel *Error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), sentinel)
}

// CodeOf returns the code of the most specific control error in err's
// chain, or "" when err is not one of control's.
func CodeOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Code()
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Code()
	}
	return ""
}
