// Package api serves piiri's JSON API under /api/v1 and the calendar
// feeds under /cal, over the mentoring domain in control. It owns the
// wire: URLs, request and response types (durations in minutes, times as
// RFC 3339 with the offset and the IANA zone name beside them), the
// decoding of request bodies with errors that name the field, the
// mapping of control's errors to HTTP statuses in one place, bearer-token
// authentication with per-address limits on failures, the reports as
// JSON and as CSV for Excel, and the iCalendar feeds (written by package
// ical).
//
// The server alone decides roles: a handler passes the principal that
// Authenticate resolved from the token to control, which checks the
// permission inside its own transaction. Nothing in a request body or URL
// can grant more.
//
// Tokens never reach a log: request lines are logged by their route
// pattern (GET /cal/{file}), never by path, and errors carry no tokens.
//
// Every endpoint is one entry in routes.go; docs/api.md documents each,
// and a test keeps the two in step.
package api
