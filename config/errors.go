package config

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	// Key is the dotted config key ("rooms.key") or, for a problem with an
	// environment variable itself, the variable name. Empty for problems
	// with the file as a whole, such as a YAML syntax error.
	Key string
	// File and Line locate the problem in the config file; Line is 0 when
	// the value did not come from the file.
	File string
	Line int
	// Message says what is wrong and how to fix it.
	Message string
}

func (p Problem) Error() string {
	var b strings.Builder
	if p.Line > 0 {
		if p.File != "" {
			b.WriteString(p.File)
			b.WriteString(":")
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Errors is every problem found in a configuration. Load, Parse and Validate
// return it as their error; use errors.As to get the list.
type Errors []Problem

func (e Errors) Error() string {
	if len(e) == 0 {
		return "config: no problems"
	}
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// err returns e as an error, or nil when there are no problems, so callers
// never see a non-nil error holding an empty list.
func (e Errors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// quote renders a user-supplied value for a message: quoted so whitespace and
// control characters are visible, and shortened so a huge value cannot drown
// the other problems.
func quote(s string) string {
	const maxRunes = 60
	if utf8.RuneCountInString(s) > maxRunes {
		r := []rune(s)
		return strconv.Quote(string(r[:maxRunes])) + "..."
	}
	return strconv.Quote(s)
}

// keyName renders a key read from the file. Ordinary names are shown bare,
// as operators write them; anything odd is quoted so one problem stays on
// one line.
func keyName(k string) string {
	if k == "" {
		return `""`
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return quote(k)
		}
	}
	if len(k) > 60 {
		return quote(k)
	}
	return k
}

// suggest returns the candidate closest to name within edit distance 2,
// ignoring case, or "" if none is close enough to be a likely typo.
func suggest(name string, candidates []string) string {
	best, bestDist := "", 3
	lname := strings.ToLower(name)
	for _, c := range candidates {
		d := editDistance(lname, strings.ToLower(c), bestDist)
		// A distance equal to the name's length means nothing was kept,
		// which is a coincidence rather than a typo.
		if d < bestDist && d < utf8.RuneCountInString(name) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, or limit when it
// is at least limit. The length check up front keeps it cheap on the huge
// keys a fuzzer or a broken file can produce.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}
