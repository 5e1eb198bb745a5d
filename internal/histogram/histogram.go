// Package histogram owns a small fixed-size latency histogram: durations in
// logarithmic buckets (about 5% wide, from 10 µs to over a minute), so that
// quantiles of millions of samples cost a few kilobytes and no sorting.
// The load tool uses it for forwarding delay and join times.
package histogram

import (
	"math"
	"time"
)

const (
	// smallest is the upper bound of the first bucket: everything up to
	// it counts as it.
	smallest = 10 * time.Microsecond
	// growth is the ratio of one bucket's upper bound to the previous
	// one's, and so a quantile's worst relative error.
	growth  = 1.05
	buckets = 330 // 10 µs × 1.05^330 ≈ 100 s; longer goes in the last
)

// H counts durations. The zero value is empty and ready; it is not safe
// for concurrent use (each receiver keeps its own and they are merged).
type H struct {
	counts [buckets]uint64
	n      uint64
	max    time.Duration
}

var logGrowth = math.Log(growth)

func bucketOf(d time.Duration) int {
	if d <= smallest {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(smallest)) / logGrowth))
	return min(i, buckets-1)
}

// upper is the upper bound of bucket i.
func upper(i int) time.Duration {
	return time.Duration(float64(smallest) * math.Pow(growth, float64(i)))
}

// Add counts one duration; a negative one (clocks that disagree) counts
// as zero.
func (h *H) Add(d time.Duration) {
	d = max(d, 0)
	h.counts[bucketOf(d)]++
	h.n++
	h.max = max(h.max, d)
}

// Merge adds o's counts to h.
func (h *H) Merge(o *H) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count is how many durations were added.
func (h *H) Count() uint64 { return h.n }

// Max is the longest duration added.
func (h *H) Max() time.Duration { return h.max }

// Quantile returns the duration below which the fraction q (0 to 1) of
// the added durations lie, as the upper bound of its bucket (never more
// than Max), or 0 when empty.
func (h *H) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			if i == buckets-1 {
				return h.max // the last bucket has no upper bound
			}
			return min(upper(i), h.max)
		}
	}
	return h.max
}
