// Package udpstat owns what piiri asks of and learns from the kernel about
// its UDP sockets (the media socket and TURN over UDP): their buffer sizes,
// set from the config and read back, because the kernel silently caps them,
// and their drop counters, read from /proc/net/udp and /proc/net/udp6,
// because a datagram the kernel dropped for a full receive buffer never
// reaches the process and so cannot be counted there.
//
// Nothing here runs per packet: buffers are set once when a socket opens,
// and the drop counter is read when Prometheus scrapes.
package udpstat

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Socket is what Tune needs of a UDP socket; *net.UDPConn has it.
type Socket interface {
	syscall.Conn
	SetReadBuffer(bytes int) error
	SetWriteBuffer(bytes int) error
}

// Buffers are a socket's buffer sizes in bytes as the kernel reports them
// (getsockopt SO_RCVBUF and SO_SNDBUF). Linux reports twice the size that
// was set, the extra being its allowance for bookkeeping; Granted converts.
type Buffers struct {
	Receive, Send int
}

// reportsDouble says the kernel reports twice the buffer size set: Linux
// does (socket(7)); the BSDs report what was set.
const reportsDouble = runtime.GOOS == "linux"

// Granted is the size in setsockopt's terms that a size reported by
// getsockopt stands for, to compare with the size asked for.
func Granted(reported int) int {
	if reportsDouble {
		return reported / 2
	}
	return reported
}

// Tune asks the kernel for receive and send buffers of size bytes each on
// s (size 0 keeps the kernel's defaults) and returns the sizes it reports
// afterwards. The kernel caps what is asked at net.core.rmem_max and
// net.core.wmem_max without an error, so a shortfall is logged as one
// warning naming the sysctl that fixes it; name is the socket's role
// ("media", "turn") in that message. An error means a size could not be
// set or read back; the socket works either way, with what it has.
func Tune(log *slog.Logger, name string, s Socket, size int) (Buffers, error) {
	var errs []error
	if size > 0 {
		if err := s.SetReadBuffer(size); err != nil {
			errs = append(errs, fmt.Errorf("udpstat: set the %s UDP socket's receive buffer to %d bytes: %w", name, size, err))
		}
		if err := s.SetWriteBuffer(size); err != nil {
			errs = append(errs, fmt.Errorf("udpstat: set the %s UDP socket's send buffer to %d bytes: %w", name, size, err))
		}
	}
	b, err := ReadBuffers(s)
	if err != nil {
		errs = append(errs, fmt.Errorf("udpstat: read back the %s UDP socket's buffer sizes: %w", name, err))
		return Buffers{}, errors.Join(errs...)
	}
	if size > 0 {
		if fix := Shortfall(size, b); fix != "" {
			log.Warn("UDP socket buffers are smaller than asked (media.udp_buffer_bytes): the kernel caps them, and under load a full receive buffer drops packets; raise the limit and restart piiri",
				"socket", name, "asked_bytes", size,
				"receive_bytes", Granted(b.Receive), "send_bytes", Granted(b.Send),
				"fix", fix)
		}
	}
	return b, errors.Join(errs...)
}

// Shortfall returns the command that raises the kernel's limits when b
// (as reported) is smaller than asked, or "" when both are as large.
func Shortfall(asked int, b Buffers) string {
	var set []string
	if Granted(b.Receive) < asked {
		set = append(set, "net.core.rmem_max="+strconv.Itoa(asked))
	}
	if Granted(b.Send) < asked {
		set = append(set, "net.core.wmem_max="+strconv.Itoa(asked))
	}
	if len(set) == 0 {
		return ""
	}
	return "sysctl -w " + strings.Join(set, " ") + " (and the same in /etc/sysctl.d/ to keep it after a reboot)"
}

// ReadBuffers returns the buffer sizes the kernel reports for c.
func ReadBuffers(c syscall.Conn) (Buffers, error) {
	return readBuffers(c)
}

// Inode returns the inode of c's socket, the key of its line in
// /proc/net/udp.
func Inode(c syscall.Conn) (uint64, error) {
	return inode(c)
}

// ErrNoSocket is returned by Drops when no line of /proc/net/udp or
// /proc/net/udp6 has the inode: the socket is closed, or belongs to
// another network namespace.
var ErrNoSocket = errors.New("udpstat: no UDP socket with this inode")

// procFiles list the kernel's UDP sockets: IPv4, then IPv6 (dual-stack
// sockets, such as one listening on ":443", are in the second).
var procFiles = []string{"/proc/net/udp", "/proc/net/udp6"}

// Drops returns the kernel's count of datagrams dropped by the UDP socket
// with inode: for a full receive buffer mostly, or a checksum or policy
// failure. It reads /proc, so it is for scrapes, not per packet. Off
// Linux it returns errors.ErrUnsupported.
func Drops(inode uint64) (uint64, error) {
	if runtime.GOOS != "linux" {
		return 0, errors.ErrUnsupported
	}
	for i, name := range procFiles {
		d, found, err := dropsIn(name, inode)
		switch {
		case i > 0 && errors.Is(err, fs.ErrNotExist):
			// No udp6 when IPv6 is disabled.
		case err != nil:
			return 0, err
		case found:
			return d, nil
		}
	}
	return 0, fmt.Errorf("%w %d", ErrNoSocket, inode)
}

func dropsIn(name string, inode uint64) (uint64, bool, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, false, fmt.Errorf("udpstat: %w", err)
	}
	defer f.Close()
	d, found, err := ParseDrops(f, inode)
	if err != nil {
		return 0, false, fmt.Errorf("udpstat: %s: %w", name, err)
	}
	return d, found, nil
}

// DropsOf returns a function that reads c's drop counter (see Drops). The
// inode is looked up once, now; an error doing so is what the function
// returns.
func DropsOf(c syscall.Conn) func() (uint64, error) {
	ino, err := Inode(c)
	if err != nil {
		err = fmt.Errorf("udpstat: socket inode: %w", err)
	}
	return func() (uint64, error) {
		if err != nil {
			return 0, err
		}
		return Drops(ino)
	}
}

// ParseDrops reads a table in the format of /proc/net/udp or
// /proc/net/udp6 and returns the drops column of the line whose inode
// column is inode; found is false when there is none.
//
// The columns are found by position, as the kernel has printed them since
// Linux 2.6.27: inode is the tenth field and drops the last. The header
// cannot name the fields' positions (some header words, such as
// "tx_queue rx_queue", are one field in the lines), so it is only checked
// to start with "sl" and end with "drops", to notice a format that changed
// rather than report a wrong number.
func ParseDrops(r io.Reader, inode uint64) (drops uint64, found bool, err error) {
	const inodeField, minFields = 9, 13
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return 0, false, fmt.Errorf("read header: %w", err)
		}
		return 0, false, errors.New("empty table, no header")
	}
	header := strings.Fields(sc.Text())
	if len(header) == 0 || header[0] != "sl" || header[len(header)-1] != "drops" {
		return 0, false, fmt.Errorf("header %q does not start with sl and end with drops: not the udp table format this parser knows", sc.Text())
	}
	want := strconv.FormatUint(inode, 10)
	for line := 2; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) < minFields {
			return 0, false, fmt.Errorf("line %d has %d fields, want at least %d", line, len(f), minFields)
		}
		if f[inodeField] != want {
			continue
		}
		d, err := strconv.ParseUint(f[len(f)-1], 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("line %d: drops column: %w", line, err)
		}
		return d, true, nil
	}
	if err := sc.Err(); err != nil {
		return 0, false, fmt.Errorf("read: %w", err)
	}
	return 0, false, nil
}
