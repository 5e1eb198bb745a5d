// Package ical writes iCalendar (RFC 5545) calendars: the feeds members
// subscribe to and the one-event files attached to e-mails or downloaded
// from the member page. It owns the text format (content lines escaped
// and folded at 75 octets, CRLF line ends), the VTIMEZONE of every time
// zone an event uses (derived from Go's time zone data, in the yearly
// RRULE form Outlook needs where the zone has one), and the mapping of a
// piiri meeting to an event (a UID that never changes, SEQUENCE,
// STATUS:CANCELLED, the personal room link).
//
// It only writes; tests read its output back with an independent parser.
package ical
