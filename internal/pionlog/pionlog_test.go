package pionlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestLevels: pion's messages land one level lower, and the ones that only
// say a connection closed land at debug, whatever level pion gives them,
// so WARN is left for what an operator can act on.
func TestLevels(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l := Factory(log).NewLogger("turn")
	// The errors pion's TURN relay writes per packet to a client whose
	// TCP connection is gone, as net reports them.
	epipe := &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, tc := range []struct {
		log  func()
		want string
	}{
		{func() { l.Errorf("Failed to send ChannelData from allocation %v %v", "203.0.113.9:5000", epipe) }, "DEBUG"},
		{func() { l.Errorf("Failed to send DataIndication from allocation %v %v", "203.0.113.9:5000", reset) }, "DEBUG"},
		{func() { l.Errorf("Failed to close conn: %s", fmt.Errorf("close: %w", net.ErrClosed)) }, "DEBUG"},
		{func() { l.Errorf("Exit read loop on error: %v", io.EOF) }, "DEBUG"},
		{func() { l.Error("TLS handshake failed: EOF") }, "DEBUG"},
		{func() { l.Error("Failed to accept RTP stream is already closed") }, "DEBUG"},
		{func() { l.Error("write tcp 10.0.0.1:443->203.0.113.9:5000: write: broken pipe") }, "DEBUG"},
		{func() { l.Errorf("Failed to read: %s", io.ErrClosedPipe) }, "DEBUG"},
		// Not about a closed connection: pion's error stays visible.
		{func() { l.Errorf("Failed to create DTLS client: %v", errors.New("handshake timeout")) }, "WARN"},
		{func() { l.Error("Failed to handle datagram") }, "WARN"},
		{func() { l.Warn("Receive buffer full") }, "DEBUG"},
		{func() { l.Infof("Listening on %s", "127.0.0.1:3478") }, "DEBUG"},
	} {
		buf.Reset()
		tc.log()
		if !strings.Contains(buf.String(), "level="+tc.want+" ") {
			t.Errorf("got %q, want level %s", buf.String(), tc.want)
		}
	}
	// A level that is off is not formatted or written.
	var quiet bytes.Buffer
	q := Factory(slog.New(slog.NewTextHandler(&quiet, &slog.HandlerOptions{Level: slog.LevelError}))).NewLogger("ice")
	q.Errorf("Failed to create DTLS client: %v", errors.New("x"))
	q.Tracef("%v", "x")
	if quiet.Len() != 0 {
		t.Errorf("written below the logger's level: %q", quiet.String())
	}
}
