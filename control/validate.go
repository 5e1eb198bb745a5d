package control

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText trims s and checks it is non-empty (when required), at most
// max bytes, valid UTF-8, and free of control characters (newlines are
// allowed in long texts only).
func cleanText(field, s string, max int, required, multiline bool) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", invalid(field, "must be valid UTF-8")
	}
	if required && s == "" {
		return "", invalid(field, "must not be empty")
	}
	if len(s) > max {
		return "", invalid(field, "must be at most %d bytes", max)
	}
	for _, r := range s {
		if r == '\n' && multiline || r == '\t' {
			continue
		}
		if unicode.IsControl(r) {
			return "", invalid(field, "must not contain control characters")
		}
	}
	return s, nil
}

// cleanEmail checks an e-mail address loosely: one @, something on each
// side, no spaces. Delivery is the real check.
func cleanEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	at := strings.LastIndexByte(s, '@')
	if len(s) > 254 || at < 1 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>,;\"") || strings.Count(s, "@") != 1 {
		return "", invalid("email", "must be an address like name@example.fi")
	}
	return s, nil
}

func checkLanguage(field string, l Language) error {
	if !l.valid() {
		return invalid(field, "must be fi, sv or en")
	}
	return nil
}
