// Package logfilter keeps personal data out of piiri's logs. By the
// project's convention personal data is logged only under two attribute
// keys, "name" (display names) and "remote" (the addresses clients connect
// from); Redact wraps a slog.Handler so that their values, at any depth of
// groups and in attributes added with With, are written as "[redacted]".
//
// Text that cannot follow the convention, the messages of pion and the
// standard library and the text of errors ("read tcp 10.0.0.1:443->
// 198.51.100.7:50123: connection reset"), has its IP addresses redacted
// too. Loopback and unspecified addresses are no one's and stay.
package logfilter

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
)

// Redacted replaces personal data.
const Redacted = "[redacted]"

// Personal reports whether an attribute key carries personal data by the
// project's convention.
func Personal(key string) bool { return key == "name" || key == "remote" }

// Redact returns a handler that writes to next with personal data
// replaced by Redacted.
func Redact(next slog.Handler) slog.Handler { return handler{next: next} }

type handler struct{ next slog.Handler }

func (h handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Addresses(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{next: h.next.WithAttrs(redactAll(attrs))}
}

// WithGroup needs nothing of its own: keys are matched at every depth.
func (h handler) WithGroup(name string) slog.Handler {
	return handler{next: h.next.WithGroup(name)}
}

func redactAll(attrs []slog.Attr) []slog.Attr {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = attr(a)
	}
	return out
}

// attr redacts one attribute: all of a personal key's value (a group
// under "remote" is an address too), the personal keys inside groups, and
// the addresses in errors.
func attr(a slog.Attr) slog.Attr {
	if Personal(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(redactAll(v.Group())...)}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok && err != nil {
			return slog.String(a.Key, Addresses(err.Error()))
		}
	case slog.KindString:
		// Errors are sometimes logged as their text.
		if a.Key == "err" || a.Key == "error" {
			return slog.String(a.Key, Addresses(v.String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// Addresses replaces every IP address in s, with its port if it has one,
// by Redacted, except loopback and unspecified addresses.
func Addresses(s string) string {
	var b strings.Builder
	rest := s
	changed := false
	for rest != "" {
		i := strings.IndexFunc(rest, addrChar)
		if i < 0 {
			break
		}
		j := strings.IndexFunc(rest[i:], func(r rune) bool { return !addrChar(r) })
		if j < 0 {
			j = len(rest) - i
		}
		run := rest[i : i+j]
		// A sentence may end right after an address.
		word := strings.TrimRight(run, ".:")
		if personalAddr(word) && (i == 0 || !wordChar(rest[i-1])) && !(i+len(word) < len(rest) && wordChar(rest[i+len(word)])) {
			b.WriteString(rest[:i])
			b.WriteString(Redacted)
			b.WriteString(rest[i+len(word) : i+j])
			changed = true
		} else {
			b.WriteString(rest[:i+j])
		}
		rest = rest[i+j:]
	}
	if !changed {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// addrChar is a character that can appear in an IP address with a port.
func addrChar(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' || r == '.' || r == ':'
}

// wordChar is a letter or digit that would make a match part of a longer
// word, such as "udp4" before nothing or "1.2.3.4x".
func wordChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// personalAddr reports whether w is an IP address, with or without a port,
// that might be someone's.
func personalAddr(w string) bool {
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(w); err == nil {
		ip = ap.Addr()
	} else if a, err := netip.ParseAddr(w); err == nil {
		ip = a
	} else {
		return false
	}
	ip = ip.Unmap()
	return !ip.IsLoopback() && !ip.IsUnspecified()
}
