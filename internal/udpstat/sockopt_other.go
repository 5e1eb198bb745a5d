//go:build !unix

package udpstat

import (
	"errors"
	"syscall"
)

// Without golang.org/x/sys/unix there is no getsockopt or fstat here; the
// sockets keep working, only unmeasured.

func readBuffers(syscall.Conn) (Buffers, error) { return Buffers{}, errors.ErrUnsupported }

func inode(syscall.Conn) (uint64, error) { return 0, errors.ErrUnsupported }
