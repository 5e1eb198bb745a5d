package histogram

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestEmpty(t *testing.T) {
	var h H
	if h.Quantile(0.5) != 0 || h.Count() != 0 || h.Max() != 0 {
		t.Fatalf("empty histogram: %v %d %v", h.Quantile(0.5), h.Count(), h.Max())
	}
}

// TestQuantilesWithinABucket compares with exact quantiles of the same
// samples: the estimate is never below the true value and at most one
// bucket (5%) above it, or 10 µs for the smallest.
func TestQuantilesWithinABucket(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h H
	var all []time.Duration
	for range 100000 {
		d := time.Duration(r.ExpFloat64() * float64(3*time.Millisecond))
		h.Add(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := all[int(q*float64(len(all)))-1]
		got := h.Quantile(q)
		if got < exact || float64(got) > float64(exact)*growth+float64(smallest) {
			t.Errorf("q%.3f: %v, exact %v", q, got, exact)
		}
	}
	if h.Max() != all[len(all)-1] || h.Quantile(1) != h.Max() {
		t.Errorf("max %v, quantile(1) %v, want %v", h.Max(), h.Quantile(1), all[len(all)-1])
	}
}

func TestExtremesAndMerge(t *testing.T) {
	var a, b H
	a.Add(-time.Second) // counts as 0
	a.Add(0)
	b.Add(time.Hour) // beyond the last bucket
	a.Merge(&b)
	if a.Count() != 3 || a.Max() != time.Hour {
		t.Fatalf("count %d max %v", a.Count(), a.Max())
	}
	if q := a.Quantile(0.5); q > smallest {
		t.Errorf("median %v, want at most the first bucket's %v", q, smallest)
	}
	if q := a.Quantile(1); q != time.Hour {
		t.Errorf("q1 %v, want 1h", q)
	}
}

func BenchmarkAdd(b *testing.B) {
	var h H
	d := 1234 * time.Microsecond
	for b.Loop() {
		h.Add(d)
	}
}
