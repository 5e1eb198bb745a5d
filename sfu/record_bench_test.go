package sfu_test

import (
	"context"
	"testing"

	"piiri/sfu"
	"piiri/sfu/record"
)

// BenchmarkForwardRecording is BenchmarkForward (one video track to 10
// subscribers, pion's writer replaced by a counter) without and with a
// recording of the track. The recorder's writer goroutine cannot keep up
// with packets at benchmark speed, so with recording most packets take
// the drop path; dropped/op says how many. The cost of a packet the
// recorder keeps is BenchmarkSinkWriteRTP in sfu/record.
func BenchmarkForwardRecording(b *testing.B) {
	for _, rec := range []bool{false, true} {
		name := "off"
		if rec {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			track, forward := sfu.BenchTrack(b, 10)
			var r *record.Recorder
			if rec {
				var err error
				r, err = record.Start(context.Background(), record.Config{Dir: b.TempDir(), Person: "pub"}, track)
				if err != nil {
					b.Fatal(err)
				}
			}
			pkt := sfu.VP8KeyframePacket(1000)
			b.ReportAllocs()
			for b.Loop() {
				pkt.SequenceNumber++
				pkt.Timestamp += 3000
				forward(&pkt)
			}
			b.StopTimer()
			if r != nil {
				b.ReportMetric(float64(r.Dropped())/float64(b.N), "dropped/op")
				if err := r.Stop(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
