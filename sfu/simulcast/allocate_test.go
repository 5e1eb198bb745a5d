package simulcast

import (
	"slices"
	"testing"
)

// threeLayers is a camera published in three layers (a quarter, half and
// full 1280×720) at typical rates.
func threeLayers() []Layer {
	return []Layer{{320, 180, 150_000}, {640, 360, 500_000}, {1280, 720, 1_500_000}}
}

func camera(current int) Video { return Video{Layers: threeLayers(), Current: current} }

func TestAllocate(t *testing.T) {
	const audio = 10 * 40_000 // ten remote Opus streams
	speaker := camera(2)
	speaker.Speaker = true
	screen := Video{Layers: []Layer{{1920, 1080, 1_200_000}}, Screen: true, Current: 0}
	smallTile := camera(2)
	smallTile.TileWidth, smallTile.TileHeight = 300, 170
	unknownTile := camera(2)
	for _, tc := range []struct {
		name   string
		budget int
		videos []Video
		want   []int
	}{
		{"plenty: everyone at the top", 20_000_000, []Video{camera(2), camera(2), camera(2)}, []int{2, 2, 2}},
		{"audio first: nothing left for video", audio + 100_000, []Video{camera(0), camera(0)}, []int{NoLayer, NoLayer}},
		{"below the budget audio takes, still no video and no panic", 50_000, []Video{camera(0)}, []int{NoLayer}},
		{"the floor: as many as fit at the lowest, the rest paused", audio + 310_000, []Video{camera(0), camera(0), camera(0)}, []int{0, 0, NoLayer}},
		{"the speaker goes up first", audio + 150_000*3 + 1_350_000, []Video{camera(2), speaker, camera(2)}, []int{0, 2, 0}},
		{"the screen share and the speaker before the others", audio + 1_200_000 + 150_000, []Video{camera(0), speaker, screen}, []int{NoLayer, 0, 0}},
		{"the screen share before the speaker", audio + 1_200_000, []Video{speaker, screen}, []int{NoLayer, 0}},
		{"a small tile gets the layer that fills it, no more", 20_000_000, []Video{smallTile, unknownTile}, []int{0, 2}},
		{"no layers: nothing", 20_000_000, []Video{{Current: NoLayer}}, []int{NoLayer}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a Allocator
			out := make([]int, len(tc.videos))
			used := a.Allocate(tc.budget, audio, tc.videos, out)
			if !slices.Equal(out, tc.want) {
				t.Fatalf("layers %v, want %v", out, tc.want)
			}
			sum := 0
			for i, l := range out {
				if l != NoLayer {
					sum += tc.videos[i].Layers[l].Bitrate
				}
			}
			if used != sum || used > max(tc.budget-audio, 0) {
				t.Fatalf("used %d (the layers add up to %d) of %d for video", used, sum, tc.budget-audio)
			}
		})
	}
}

// TestAllocateHysteresis: an estimate wavering just above what the next
// layer needs does not move the video up; a fall below what the current
// layer needs moves it down at once.
func TestAllocateHysteresis(t *testing.T) {
	var a Allocator
	out := make([]int, 1)
	v := []Video{camera(1)}
	need := 500_000 // layer 1
	upNeed := 1_500_000
	a.Allocate(upNeed+10_000, 0, v, out)
	if out[0] != 1 {
		t.Fatalf("with barely enough for layer 2 the video went to %d, want it kept at 1", out[0])
	}
	a.Allocate(int(float64(upNeed)/UpgradeHeadroom)+1, 0, v, out)
	if out[0] != 2 {
		t.Fatalf("with headroom the video stayed at %d, want 2", out[0])
	}
	v[0].Current = 2
	a.Allocate(upNeed, 0, v, out)
	if out[0] != 2 {
		t.Fatalf("at exactly layer 2's rate the current layer was left: %d", out[0])
	}
	a.Allocate(need, 0, v, out)
	if out[0] != 1 {
		t.Fatalf("below layer 2's rate: %d, want 1", out[0])
	}
	v[0].Current = NoLayer
	a.Allocate(150_000, 0, v, out)
	if out[0] != NoLayer {
		t.Fatalf("a paused video resumed without headroom: %d", out[0])
	}
}

// BenchmarkAllocate: one subscriber of a room of 11 (ten remote videos),
// as the allocator would run at each new estimate.
func BenchmarkAllocate(b *testing.B) {
	videos := make([]Video, 10)
	for i := range videos {
		videos[i] = camera(1)
	}
	videos[3].Speaker = true
	out := make([]int, len(videos))
	var a Allocator
	b.ReportAllocs()
	for i := range b.N {
		a.Allocate(2_000_000+i%1000, 400_000, videos, out)
	}
}
