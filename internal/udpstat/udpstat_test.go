package udpstat

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"piiri/internal/testwait"
)

// Taken from a Linux 6.18 machine: a socket with a full receive buffer
// (inode 324915, 199 drops, 0x900 bytes queued), a connected socket,
// and in udp6 a dual-stack socket bound to [::] and one bound to [::1]
// (its uid and drops edited, to check a wide counter). The kernel pads
// udp's lines (not udp6's) with trailing spaces.
const (
	sampleUDP = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            \n" +
		" 1186: 0100007F:D04C 00000000:0000 07 00000000:00000900 00:00000000 00000000     0        0 324915 2 000000009f10e8f1 199      \n" +
		"14704: 0100007F:C51A 0100007F:D04C 01 00000000:00000000 00:00000000 00000000     0        0 324918 2 00000000cb827be2 0        \n"
	sampleUDP6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
		" 3449: 00000000000000000000000000000000:9923 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 324917 2 00000000803b350b 0\n" +
		"10395: 00000000000000000000000001000000:B445 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 324916 2 000000000406f683 18446744073709551615\n"
	headerOnly = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
)

func TestParseDrops(t *testing.T) {
	for _, tc := range []struct {
		name, table string
		inode       uint64
		drops       uint64
		found       bool
		err         string
	}{
		{name: "udp, full buffer", table: sampleUDP, inode: 324915, drops: 199, found: true},
		{name: "udp, second line", table: sampleUDP, inode: 324918, drops: 0, found: true},
		{name: "udp, absent", table: sampleUDP, inode: 324917},
		{name: "inode is not a prefix match", table: sampleUDP, inode: 32491},
		{name: "udp6, dual stack", table: sampleUDP6, inode: 324917, drops: 0, found: true},
		{name: "udp6, counter near wrap", table: sampleUDP6, inode: 324916, drops: 18446744073709551615, found: true},
		{name: "no sockets", table: headerOnly, inode: 1},
		{name: "blank line skipped", table: headerOnly + "\n" + strings.SplitN(sampleUDP, "\n", 2)[1], inode: 324915, drops: 199, found: true},
		{name: "empty", table: "", inode: 1, err: "no header"},
		{name: "not the udp table", table: "Inter-|   Receive\n face |bytes\n", inode: 1, err: "not the udp table format"},
		{name: "short line", table: headerOnly + " 1: 0100007F:D04C 00000000:0000 07\n", inode: 1, err: "line 2 has 4 fields"},
		{name: "bad drops", table: headerOnly + " 1: 0100007F:D04C 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 7 2 0000000000000000 x\n", inode: 7, err: "line 2: drops column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			drops, found, err := ParseDrops(strings.NewReader(tc.table), tc.inode)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if drops != tc.drops || found != tc.found {
				t.Errorf("got %d, %v; want %d, %v", drops, found, tc.drops, tc.found)
			}
		})
	}
}

func TestShortfall(t *testing.T) {
	double := 1
	if reportsDouble {
		double = 2
	}
	const asked = 4 << 20
	for _, tc := range []struct {
		name string
		b    Buffers
		want []string // fragments; none means ""
	}{
		{"both granted", Buffers{asked * double, asked * double}, nil},
		{"more than asked", Buffers{2 * asked * double, 2 * asked * double}, nil},
		{"receive capped", Buffers{212992 * double, asked * double}, []string{"sysctl -w net.core.rmem_max=4194304 ("}},
		{"send capped", Buffers{asked * double, 212992 * double}, []string{"sysctl -w net.core.wmem_max=4194304 ("}},
		{"both capped", Buffers{212992 * double, 212992 * double}, []string{"net.core.rmem_max=4194304 net.core.wmem_max=4194304"}},
	} {
		got := Shortfall(asked, tc.b)
		if len(tc.want) == 0 && got != "" {
			t.Errorf("%s: Shortfall = %q, want none", tc.name, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: Shortfall = %q, want it to contain %q", tc.name, got, w)
			}
		}
	}
}

func listen(t *testing.T, network, addr string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP(network, &net.UDPAddr{IP: net.ParseIP(addr)})
	if err != nil {
		t.Skipf("no %s socket on %s here: %v", network, addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func needLinuxProc(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("drop counters are read from Linux's /proc; this is %s", runtime.GOOS)
	}
	if _, err := os.Stat(procFiles[0]); err != nil {
		t.Skipf("no drop counters to read: %v", err)
	}
}

// TestDropsRise fills a real socket's receive buffer and watches the
// kernel count what no longer fits.
func TestDropsRise(t *testing.T) {
	needLinuxProc(t)
	for _, tc := range []struct{ network, addr string }{{"udp4", "127.0.0.1"}, {"udp6", "::1"}} {
		t.Run(tc.network, func(t *testing.T) {
			rx := listen(t, tc.network, tc.addr)
			// The kernel raises this to its minimum, a few kilobytes: a
			// handful of datagrams fill it.
			if err := rx.SetReadBuffer(1); err != nil {
				t.Fatal(err)
			}
			tx := listen(t, tc.network, tc.addr)
			drops := DropsOf(rx)
			before, err := drops()
			if err != nil {
				t.Fatalf("drops of a fresh socket: %v", err)
			}
			payload := make([]byte, 1000)
			testwait.Until(t, 10*time.Second, "the kernel counts drops on a full socket", func() error {
				// Nothing reads rx, so every burst overflows it; on
				// loopback the drop is counted before WriteTo returns.
				for range 50 {
					if _, err := tx.WriteTo(payload, rx.LocalAddr()); err != nil {
						return fmt.Errorf("send: %w", err)
					}
				}
				d, err := drops()
				if err != nil {
					return err
				}
				if d <= before {
					return fmt.Errorf("drops %d, was %d", d, before)
				}
				return nil
			})
		})
	}
}

func TestDropsOfClosedSocket(t *testing.T) {
	needLinuxProc(t)
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	drops := DropsOf(c)
	if _, err := drops(); err != nil {
		t.Fatalf("open socket: %v", err)
	}
	_ = c.Close()
	if _, err := drops(); !errors.Is(err, ErrNoSocket) {
		t.Errorf("closed socket: err = %v, want ErrNoSocket", err)
	}
}

// sysctl reads a number from /proc/sys, or skips.
func sysctl(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
	if err != nil {
		t.Skipf("cannot read %s: %v", name, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

func TestTune(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the kernel's caps and reporting are Linux's here; this is %s", runtime.GOOS)
	}
	rmemMax, wmemMax := sysctl(t, "net.core.rmem_max"), sysctl(t, "net.core.wmem_max")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	t.Run("within the limits", func(t *testing.T) {
		logs.Reset()
		size := min(64<<10, rmemMax, wmemMax)
		b, err := Tune(log, "media", listen(t, "udp4", "127.0.0.1"), size)
		if err != nil {
			t.Fatal(err)
		}
		if b.Receive != 2*size || b.Send != 2*size {
			t.Errorf("buffers %+v, want twice %d each", b, size)
		}
		if logs.Len() != 0 {
			t.Errorf("logged %q, want nothing", logs.String())
		}
	})
	t.Run("kernel defaults", func(t *testing.T) {
		logs.Reset()
		b, err := Tune(log, "media", listen(t, "udp4", "127.0.0.1"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if b.Receive <= 0 || b.Send <= 0 {
			t.Errorf("buffers %+v, want the defaults", b)
		}
		if logs.Len() != 0 {
			t.Errorf("logged %q, want nothing", logs.String())
		}
	})
	t.Run("over rmem_max", func(t *testing.T) {
		logs.Reset()
		asked := rmemMax + 64<<10
		b, err := Tune(log, "turn", listen(t, "udp4", "127.0.0.1"), asked)
		if err != nil {
			t.Fatal(err)
		}
		if Granted(b.Receive) != rmemMax {
			t.Errorf("receive buffer %d reported, want twice rmem_max %d", b.Receive, rmemMax)
		}
		out := logs.String()
		for _, want := range []string{"level=WARN", "socket=turn", "asked_bytes=" + strconv.Itoa(asked),
			"receive_bytes=" + strconv.Itoa(rmemMax), "sysctl -w net.core.rmem_max=" + strconv.Itoa(asked)} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
		if n := strings.Count(out, "\n"); n != 1 {
			t.Errorf("%d log lines, want one warning:\n%s", n, out)
		}
	})
}
