// Package pionlog routes the logs of pion's components (WebRTC, ICE,
// TURN) into the server's slog logger, so they share one format and level
// with ours.
package pionlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"

	"github.com/pion/logging"
)

// Factory returns a pion logger factory that writes to log. Pion reports
// routine events at info and the races of an ordinary teardown ("stream is
// already closed") at warn, so each level is lowered one step: info and
// warn become debug, error becomes warn. Trace is dropped. Errors that
// only say a connection was closed, by either side, are debug whatever
// pion calls them (see ExpectedClose).
func Factory(log *slog.Logger) logging.LoggerFactory { return factory{log: log} }

type factory struct{ log *slog.Logger }

func (f factory) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

// ExpectedClose reports whether a pion message, or the errors among its
// arguments, says no more than that a connection was closed. Members leave,
// tabs close and networks drop all the time: the TURN relay then fails one
// write per packet still on its way ("Failed to send ChannelData ...:
// broken pipe") until the allocation goes, which at warn was thousands of
// lines an hour for nothing an operator can act on.
func ExpectedClose(msg string, args ...any) bool {
	// The errors of a connection that is gone: written to after the peer
	// closed it (EPIPE), reset by the peer, closed here, or at its end.
	closedErrors := [...]error{syscall.EPIPE, syscall.ECONNRESET, net.ErrClosed, io.ErrClosedPipe, io.EOF}
	// The same as pion formats them into its messages, and pion's own
	// words for a closed stream, agent or peer connection.
	closedTexts := [...]string{
		"broken pipe", "connection reset by peer", "use of closed network connection",
		"read/write on closed pipe", "stream is already closed", "the agent is closed",
		"InvalidStateError: connection closed",
	}
	for _, a := range args {
		if err, ok := a.(error); ok {
			for _, c := range closedErrors {
				if errors.Is(err, c) {
					return true
				}
			}
		}
	}
	for _, t := range closedTexts {
		if strings.Contains(msg, t) {
			return true
		}
	}
	// "TLS handshake failed: EOF", "Exit read loop on error: EOF".
	return strings.HasSuffix(msg, ": EOF")
}

func (l pionLogger) emit(level slog.Level, msg string, args ...any) {
	if level > slog.LevelDebug && ExpectedClose(msg, args...) {
		level = slog.LevelDebug
	}
	// Enabled first: most of pion's messages are dropped.
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, msg)
	}
}

func (l pionLogger) emitf(level slog.Level, format string, args ...any) {
	// Levels are only ever lowered, so a level that is off stays off and
	// the message need not be formatted.
	if l.log.Enabled(context.Background(), level) {
		l.emit(level, fmt.Sprintf(format, args...), args...)
	}
}

func (pionLogger) Trace(string)                   {}
func (pionLogger) Tracef(string, ...any)          {}
func (l pionLogger) Debug(msg string)             { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Debugf(f string, args ...any) { l.emitf(slog.LevelDebug, f, args...) }
func (l pionLogger) Info(msg string)              { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Infof(f string, args ...any)  { l.emitf(slog.LevelDebug, f, args...) }
func (l pionLogger) Warn(msg string)              { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Warnf(f string, args ...any)  { l.emitf(slog.LevelDebug, f, args...) }
func (l pionLogger) Error(msg string)             { l.emit(slog.LevelWarn, msg) }
func (l pionLogger) Errorf(f string, args ...any) { l.emitf(slog.LevelWarn, f, args...) }
