package simulcast

import "slices"

// Layer is one encoding of a published video as the SFU measures it.
type Layer struct {
	Width, Height int
	Bitrate       int // bits per second, as received lately
}

// Video is one remote video a subscriber could receive.
type Video struct {
	Layers []Layer // lowest first; a video without simulcast has one
	// Speaker: its publisher is the active speaker. Screen: a screen
	// share. Both get higher layers before the other videos.
	Speaker, Screen bool
	// TileWidth and TileHeight are the size of its tile on the
	// subscriber's screen in device pixels (0: not known): more pixels
	// than the tile shows are bandwidth for nothing.
	TileWidth, TileHeight int
	// Current is the layer it gets now (NoLayer: none); going above it
	// needs headroom, so an estimate wavering at the edge does not make
	// it flap.
	Current int
}

// UpgradeHeadroom is the share of the budget a video may fill when it
// goes above its current layer: a switch up costs a keyframe, and the
// estimate must clearly allow it before it is worth one.
const UpgradeHeadroom = 0.85

// Allocator chooses, for one subscriber, a layer of each remote video
// within the bandwidth estimated for it. Its scratch space is reused, so
// an allocation allocates nothing once the room's size has been seen.
type Allocator struct {
	order []int
}

// Allocate writes into out (one entry per video) the layer each video
// gets, or NoLayer for a paused one, and returns the bits per second
// chosen. budget is the subscriber's estimated bandwidth and audio what
// the room's audio takes of it: audio is never cut, video gets what is
// left. The rules, in order:
//
//  1. every video gets its lowest layer, screen shares first, then the
//     active speaker, then the others in the order given, while it fits;
//     one that does not fit is paused (below the floor, video stops
//     rather than audio stalling);
//  2. then, in the same order, each video goes as high as fits, but no
//     higher than the smallest layer that fills its tile; so the speaker
//     and the screen share get higher layers before the others do;
//  3. a video goes above its current layer only within UpgradeHeadroom
//     of the budget.
func (a *Allocator) Allocate(budget, audio int, videos []Video, out []int) int {
	avail := max(budget-audio, 0)
	a.order = a.order[:0]
	for i := range videos {
		a.order = append(a.order, i)
		out[i] = NoLayer
	}
	slices.SortStableFunc(a.order, func(x, y int) int { return rank(videos[x]) - rank(videos[y]) })
	used := 0
	for _, i := range a.order {
		v := videos[i]
		if len(v.Layers) == 0 {
			continue
		}
		if fits(used+v.Layers[0].Bitrate, avail, 0 > v.Current) {
			out[i] = 0
			used += v.Layers[0].Bitrate
		}
	}
	for _, i := range a.order {
		v := videos[i]
		if out[i] == NoLayer {
			continue
		}
		top := fillingLayer(v)
		for out[i] < top {
			next := out[i] + 1
			more := used - v.Layers[out[i]].Bitrate + v.Layers[next].Bitrate
			if !fits(more, avail, next > v.Current) {
				break
			}
			out[i], used = next, more
		}
	}
	return used
}

// rank orders videos for the allocation: screen shares, the speaker, the
// rest.
func rank(v Video) int {
	switch {
	case v.Screen:
		return 0
	case v.Speaker:
		return 1
	}
	return 2
}

// fits reports whether total bits per second fit in avail; for a move up
// only within the headroom.
func fits(total, avail int, up bool) bool {
	if up {
		return float64(total) <= float64(avail)*UpgradeHeadroom
	}
	return total <= avail
}

// fillingLayer is the smallest layer at least as large as the tile in
// either dimension (the top one when the tile's size is not known or no
// layer is that large).
func fillingLayer(v Video) int {
	top := len(v.Layers) - 1
	if v.TileWidth <= 0 || v.TileHeight <= 0 {
		return top
	}
	for i, l := range v.Layers {
		if l.Width >= v.TileWidth || l.Height >= v.TileHeight {
			return i
		}
	}
	return top
}
