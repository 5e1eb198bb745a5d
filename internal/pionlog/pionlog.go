// Package pionlog routes the logs of pion's components (WebRTC, ICE,
// TURN) into the server's slog logger, so they share one format and level
// with ours.
package pionlog

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/pion/logging"
)

// Factory returns a pion logger factory that writes to log. Pion reports
// routine events at info and the races of an ordinary teardown ("stream is
// already closed") at warn, so each level is lowered one step: info and
// warn become debug, error becomes warn. Trace is dropped.
func Factory(log *slog.Logger) logging.LoggerFactory { return factory{log: log} }

type factory struct{ log *slog.Logger }

func (f factory) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

// benign are pion messages that report the ordinary end of a connection
// (a packet for a socket closed a moment earlier), whatever level pion
// gives them.
var benign = []string{"read/write on closed pipe", "use of closed network connection", "stream is already closed"}

func (l pionLogger) emit(level slog.Level, msg string) {
	if level > slog.LevelDebug {
		for _, b := range benign {
			if strings.Contains(msg, b) {
				level = slog.LevelDebug
				break
			}
		}
	}
	// Enabled first: most of pion's messages are dropped.
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, msg)
	}
}

func (l pionLogger) emitf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) {
		l.emit(level, fmt.Sprintf(format, args...))
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
