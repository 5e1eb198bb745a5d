package ical

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// maxLine is the longest a content line may be, in octets without the
// CRLF (RFC 5545 3.1). Longer lines are folded: CRLF and one space, the
// space counting toward the next line's 75.
const maxLine = 75

type param struct{ name, value string }

// lineWriter collects content lines.
type lineWriter struct{ buf bytes.Buffer }

// line writes NAME;PARAM=V:value with value as it is (for values that
// are not TEXT: dates, numbers, URIs, keywords).
func (w *lineWriter) line(name string, params []param, value string) {
	var b strings.Builder
	b.WriteString(name)
	for _, p := range params {
		b.WriteByte(';')
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(paramValue(p.value))
	}
	b.WriteByte(':')
	b.WriteString(stripControls(value, true))
	w.fold(b.String())
}

// text writes a TEXT value, escaped.
func (w *lineWriter) text(name string, params []param, value string) {
	w.line(name, params, escapeText(value))
}

// dateTime writes an instant as a local time with TZID, or in UTC when
// loc is UTC or when the local time would be read as another instant (the
// second occurrence of a wall time in the hour a daylight-saving change
// repeats: RFC 5545 reads such a time as the first).
func (w *lineWriter) dateTime(name string, t time.Time, loc *time.Location) {
	if isUTC(loc) || !wallIsUnique(t, loc) {
		w.line(name, nil, utc(t))
		return
	}
	w.line(name, []param{{"TZID", loc.String()}}, local(t.In(loc)))
}

// fold writes one logical line, folded at 75 octets without splitting a
// UTF-8 sequence, and ends it with CRLF.
func (w *lineWriter) fold(s string) {
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon,
// comma, and newlines as \n. Other control characters are dropped; TEXT
// may not hold them. Invalid UTF-8 becomes U+FFFD.
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n':
			b.WriteString(`\n`)
		default:
			if isControl(r) && r != '\t' {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stripControls drops control characters (CR and LF included) so that no
// value can end its line early and inject a property.
func stripControls(s string, keepTab bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if isControl(r) && !(keepTab && r == '\t') {
			return -1
		}
		return r
	}, s)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// paramValue quotes a parameter value that holds ':', ';' or ',', and
// drops what a parameter cannot hold (DQUOTE, controls).
func paramValue(s string) string {
	s = stripControls(strings.ReplaceAll(s, `"`, ""), true)
	if strings.ContainsAny(s, ":;,") {
		return `"` + s + `"`
	}
	return s
}
