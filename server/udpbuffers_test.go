package server_test

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"piiri/config"
	"piiri/server/servertest"
)

// procSysInt reads a number from /proc/sys, or skips the test.
func procSysInt(t *testing.T, name string) int {
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

// metricValue returns the value of the series named exactly series (name
// and labels as the text format writes them) in a /metrics body.
func metricValue(body, series string) (float64, bool) {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// TestUDPSocketMetrics: the media and TURN sockets get the configured
// buffers (as far as the kernel grants them), and their sizes and drop
// counters are on /metrics.
func TestUDPSocketMetrics(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("buffer sizes and drop counters are checked as Linux reports them; this is %s", runtime.GOOS)
	}
	rmemMax, wmemMax := procSysInt(t, "net.core.rmem_max"), procSysInt(t, "net.core.wmem_max")
	rmemDefault, wmemDefault := procSysInt(t, "net.core.rmem_default"), procSysInt(t, "net.core.wmem_default")
	for _, tc := range []struct {
		name          string
		size          int
		receive, send int // as Linux reports them
	}{
		// Linux grants at most the limit and reports twice what it
		// granted.
		{"default size", config.Default().Media.UDPBufferBytes, 2 * min(4<<20, rmemMax), 2 * min(4<<20, wmemMax)},
		{"small", 64 << 10, 2 * min(64<<10, rmemMax), 2 * min(64<<10, wmemMax)},
		// The kernel's default, reported as it is.
		{"kernel default", 0, rmemDefault, wmemDefault},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := servertest.Start(t, func(c *config.Config) { c.Media.UDPBufferBytes = tc.size })
			_, body := get(t, "http://"+srv.AdminAddr()+"/metrics")
			for _, socket := range []string{"media", "turn"} {
				for dir, want := range map[string]int{"receive": tc.receive, "send": tc.send} {
					series := fmt.Sprintf(`piiri_udp_buffer_bytes{direction=%q,socket=%q}`, dir, socket)
					got, ok := metricValue(body, series)
					if !ok {
						t.Errorf("/metrics lacks %s", series)
					} else if got != float64(want) {
						t.Errorf("%s = %v, want %d", series, got, want)
					}
				}
				series := fmt.Sprintf(`piiri_udp_socket_drops_total{socket=%q}`, socket)
				if _, ok := metricValue(body, series); !ok {
					t.Errorf("/metrics lacks %s", series)
				}
			}
		})
	}
}

// TestUDPMetricsWithoutTURNUDP: with TURN over UDP off there is no turn
// socket to report.
func TestUDPMetricsWithoutTURNUDP(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) { c.TURN.UDPListen = config.TURNUDPOff })
	_, body := get(t, "http://"+srv.AdminAddr()+"/metrics")
	if strings.Contains(body, `socket="turn"`) {
		t.Errorf("/metrics reports a TURN UDP socket that is off")
	}
	if runtime.GOOS == "linux" && !strings.Contains(body, `piiri_udp_socket_drops_total{socket="media"}`) {
		t.Errorf("/metrics lacks the media socket's drops")
	}
}
