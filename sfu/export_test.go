package sfu

import (
	"testing"

	"github.com/pion/rtp"
)

// BenchTrack is a synthetic video track with n bound subscribers and its
// forwarding step (what the forwarding loop does per packet), for the
// benchmarks in package sfu_test, which may import sfu/record.
func BenchTrack(tb testing.TB, n int) (*Track, func(*rtp.Packet)) {
	t, _ := boundTrack(tb, n)
	return t, t.writeToAll
}

// BenchPionTrack is a synthetic video track forwarded to n subscribers
// through real pion connections (see BenchmarkForwardPion), its
// forwarding step, the packet to go on from, and the function that closes
// the connections.
func BenchPionTrack(b *testing.B, n int) (*Track, func(*rtp.Packet), rtp.Packet, func()) {
	t, pkt, done := pionTrack(b, n)
	return t, t.writeToAll, pkt, done
}

// VP8KeyframePacket is vp8KeyframePacket for package sfu_test.
func VP8KeyframePacket(size int) rtp.Packet { return vp8KeyframePacket(size) }
