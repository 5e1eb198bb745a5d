package sfu_test

import (
	"context"
	"syscall"
	"testing"

	"piiri/sfu"
	"piiri/sfu/record"
)

// BenchmarkForwardRecording is BenchmarkForward (one video track to 10
// subscribers, pion's writer replaced by a counter) without and with a
// recording of the track: the forwarding goroutine's own cost. Fed at
// benchmark speed, the recorder's writer goroutine cannot keep up, so most
// packets take the drop path (dropped/op), as under a CPU shortage: what
// a recording costs forwarding then. (Letting the writer catch up within
// this loop measures mostly the writer competing for the two cores; the
// whole cost of a kept packet, writer included, against real pion
// forwarding is BenchmarkForwardPionRecording.)
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

// BenchmarkForwardPionRecording is BenchmarkForwardPion (one video track
// to 10 subscribers through real pion connections, SRTP and loopback UDP)
// without and with a recording of the track: cpu-ns/fwd-pkt is the whole
// process's CPU per forwarded packet, the recorder's writer goroutine
// (rebuilding frames, writing WebM to disk) included. Every packet is a
// whole 1000-byte keyframe, so the recorder writes a frame per packet,
// three times what a camera's frames of three packets cost it.
func BenchmarkForwardPionRecording(b *testing.B) {
	const subscribers = 10
	for _, rec := range []bool{false, true} {
		name := "off"
		if rec {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			track, forward, pkt, done := sfu.BenchPionTrack(b, subscribers)
			defer done()
			var r *record.Recorder
			if rec {
				var err error
				r, err = record.Start(context.Background(), record.Config{Dir: b.TempDir(), Person: "pub"}, track)
				if err != nil {
					b.Fatal(err)
				}
			}
			var before, after syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			b.ReportAllocs()
			for b.Loop() {
				pkt.SequenceNumber++
				pkt.Timestamp += 3000
				forward(&pkt)
			}
			if r != nil {
				if err := r.Sync(); err != nil { // its work counts
					b.Fatal(err)
				}
			}
			b.StopTimer()
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
			b.ReportMetric(float64(cpu)/float64(b.N*subscribers), "cpu-ns/fwd-pkt")
			if r != nil {
				b.ReportMetric(float64(r.Dropped())/float64(b.N), "dropped/op")
				if err := r.Stop(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
