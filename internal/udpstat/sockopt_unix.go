//go:build unix

package udpstat

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

func readBuffers(c syscall.Conn) (Buffers, error) {
	var b Buffers
	var rerr, serr error
	if err := control(c, func(fd int) {
		b.Receive, rerr = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
		b.Send, serr = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
	}); err != nil {
		return Buffers{}, err
	}
	if rerr != nil {
		return Buffers{}, fmt.Errorf("getsockopt SO_RCVBUF: %w", rerr)
	}
	if serr != nil {
		return Buffers{}, fmt.Errorf("getsockopt SO_SNDBUF: %w", serr)
	}
	return b, nil
}

func inode(c syscall.Conn) (uint64, error) {
	var st unix.Stat_t
	var serr error
	if err := control(c, func(fd int) { serr = unix.Fstat(fd, &st) }); err != nil {
		return 0, err
	}
	if serr != nil {
		return 0, fmt.Errorf("fstat: %w", serr)
	}
	// Ino is not a uint64 on every platform.
	return uint64(st.Ino), nil
}

// control runs f with c's file descriptor.
func control(c syscall.Conn, f func(fd int)) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("syscall conn: %w", err)
	}
	if err := rc.Control(func(fd uintptr) { f(int(fd)) }); err != nil {
		return fmt.Errorf("socket control: %w", err)
	}
	return nil
}
