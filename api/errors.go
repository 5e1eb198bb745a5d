package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"piiri/control"
)

// apiError is an error with its HTTP status and wire code. Every error a
// handler returns becomes one in toAPIError, the one place that maps
// control's errors to statuses.
type apiError struct {
	status     int
	code       string
	msg        string
	field      string
	retryAfter int // seconds, for 429
}

func (e *apiError) Error() string {
	if e.field != "" {
		return e.field + ": " + e.msg
	}
	return e.msg
}

// errorBody is the JSON of every error response:
//
//	{"error":{"code":"invalid","message":"must not be empty","field":"name"}}
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

var errInternal = &apiError{status: http.StatusInternalServerError, code: "internal", msg: "internal error; the server log has the details"}

// invalid is bad input in a named field.
func invalid(field, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "invalid", field: field, msg: msg}
}

// toAPIError maps any error to its status and body. Control's broad kinds
// give the status; the code is the most specific one (group_full, not
// conflict), so a client can tell the cases apart.
func toAPIError(err error) (*apiError, bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, true
	}
	switch {
	case errors.Is(err, ErrNoRecording), errors.Is(err, ErrNoRecordingFile):
		return &apiError{status: http.StatusNotFound, code: "not_found", msg: err.Error()}, true
	case errors.Is(err, ErrRecordingNow):
		return &apiError{status: http.StatusConflict, code: "recording_now", msg: err.Error()}, true
	}
	var fe *control.FieldError
	if errors.As(err, &fe) {
		return invalid(fe.Field, fe.Problem), true
	}
	status := 0
	switch {
	case errors.Is(err, control.ErrUnauthenticated):
		status = http.StatusUnauthorized
	case errors.Is(err, control.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, control.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, control.ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, control.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &apiError{status: http.StatusServiceUnavailable, code: "cancelled", msg: "the request was cancelled"}, true
	default:
		return errInternal, false
	}
	return &apiError{status: status, code: control.CodeOf(err), msg: err.Error()}, true
}

// writeError answers with err's status and JSON body. Errors that are not
// control's or the API's are logged (they are the server's fault) and
// answered as 500 without detail.
func writeError(w http.ResponseWriter, log *slog.Logger, r *http.Request, err error) {
	ae, known := toAPIError(err)
	if !known {
		log.Error("api: internal error", "route", r.Pattern, "err", err)
	}
	h := w.Header()
	if ae.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="piiri"`)
	}
	if ae.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ae.retryAfter))
	}
	writeJSON(w, ae.status, errorBody{Error: errorDetail{Code: ae.code, Message: ae.msg, Field: ae.field}})
}

// feedError is what a calendar feed answers: a link that does not work
// (unknown, revoked, of someone who left) or a meeting of another group
// is simply not found, so calendar programs drop the subscription.
func feedError(err error) error {
	ae, _ := toAPIError(err)
	switch ae.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return &apiError{status: http.StatusNotFound, code: "not_found", msg: "no such calendar"}
	}
	return err
}

// renamed gives a control FieldError the field's name on the wire: the
// domain says "duration" where the API says "meetingMinutes". Fields of
// list elements ("phases[1].timebox") are renamed by their last part.
func renamed(err error, names map[string]string) error {
	var fe *control.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	field := fe.Field
	if n, ok := names[field]; ok {
		field = n
	} else if i := strings.LastIndex(field, "]."); i >= 0 {
		if n, ok := names[field[i+2:]]; ok {
			field = field[:i+2] + n
		}
	}
	return invalid(field, goDurations.ReplaceAllStringFunc(fe.Problem, func(d string) string {
		v, err := time.ParseDuration(d)
		if err != nil {
			return d
		}
		return strconv.FormatFloat(v.Minutes(), 'f', -1, 64) + " min"
	}))
}

// goDurations finds Go's formatting of durations ("10m0s", "8h0m0s") in
// the domain's messages, to say them in minutes as the wire does.
var goDurations = regexp.MustCompile(`\b(\d+h)?\d+m\d+(\.\d+)?s\b`)

// The wire names of control's duration fields.
var (
	groupFields    = map[string]string{"meetingDuration": "meetingMinutes", "minHeld": "minHeldMinutes", "timebox": "timeboxMinutes"}
	templateFields = map[string]string{"duration": "meetingMinutes", "minHeld": "minHeldMinutes", "timebox": "timeboxMinutes"}
	meetingFields  = map[string]string{"duration": "durationMinutes", "timebox": "timeboxMinutes"}
)
