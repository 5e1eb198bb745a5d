package metrics

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestWatchUDPSocket(t *testing.T) {
	m := New()
	drops := uint64(3)
	m.WatchUDPSocket(SocketMedia, 8<<20, 425984, func() (uint64, error) { return drops, nil })
	// A socket whose counter cannot be read (off Linux, closed) is left
	// out, and its unknown buffer sizes too; the scrape still succeeds.
	m.WatchUDPSocket(SocketTURN, 0, 0, func() (uint64, error) { return 0, errors.ErrUnsupported })
	drops = 5 // read at the scrape, not when watched

	want := `
# HELP piiri_udp_socket_drops_total ` + "Datagrams the kernel dropped on a UDP socket (media, turn), mostly for a full receive buffer: the drops column of /proc/net/udp and udp6. Absent off Linux." + `
# TYPE piiri_udp_socket_drops_total counter
piiri_udp_socket_drops_total{socket="media"} 5
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "piiri_udp_socket_drops_total"); err != nil {
		t.Error(err)
	}
	if got := testutil.ToFloat64(m.UDPBufferBytes.WithLabelValues(SocketMedia, DirectionReceive)); got != 8<<20 {
		t.Errorf("media receive buffer %v, want %d", got, 8<<20)
	}
	if n := testutil.CollectAndCount(m.UDPBufferBytes); n != 2 {
		t.Errorf("%d buffer series, want 2 (media receive and send only)", n)
	}

	// Watching a socket again replaces what it read.
	m.WatchUDPSocket(SocketMedia, 0, 0, func() (uint64, error) { return 9, nil })
	if got := testutil.ToFloat64(m.UDPSocketDrops); got != 9 {
		t.Errorf("drops after rewatching %v, want 9", got)
	}
}
