package control

import (
	"slices"
	"time"
)

// The counting rule. A meeting counts as held when at least the quorum of
// counted people (members; facilitators too when the group says so;
// never observers) were present at the same time, without a break, for at
// least the minimum duration. Who they are may change within the stretch:
// if one member leaves at the moment another arrives, the stretch goes on.
// Presence intervals are half-open, [From, To): at the instant a person
// leaves they are no longer counted. A stretch exactly as long as the
// minimum is enough.
//
// The facilitator is not counted by default because the rule is
// a quorum of members: a facilitator with one member is not a peer
// meeting. The member a meeting was handed to (its chair) is still a
// member and counts. Pair mentoring sets CountFacilitators, since there
// the mentor is the facilitator and a meeting is the two of them.

// countHeld decides the meeting as of until (the end for an ended meeting,
// else now): intervals still open are taken to last until then.
func countHeld(m Meeting, counted map[string]bool, quorum int, minHeld time.Duration, until time.Time) HeldResult {
	r := HeldResult{Quorum: quorum, MinHeld: minHeld, Decided: until}
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for id, ivs := range m.Attendance {
		if !counted[id] {
			continue
		}
		for _, iv := range ivs {
			to := iv.To
			if to.IsZero() || to.After(until) {
				to = until
			}
			if !to.After(iv.From) {
				continue
			}
			edges = append(edges, edge{iv.From, +1}, edge{to, -1})
		}
	}
	// At equal times leaves come first: the half-open rule. The count
	// between two distinct times is what matters, so the order within
	// one instant changes nothing but MostTogether, which must not
	// count a leaver and an arriver as together.
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	present := 0
	var stretchStart time.Time
	inStretch := false
	for i, e := range edges {
		present += e.delta
		r.MostTogether = max(r.MostTogether, present)
		// Look at the count on the segment after this time: only once
		// all edges at this instant are applied.
		if i+1 < len(edges) && edges[i+1].at.Equal(e.at) {
			continue
		}
		switch {
		case present >= quorum && !inStretch:
			inStretch, stretchStart = true, e.at
		case present < quorum && inStretch:
			inStretch = false
			r.Longest = max(r.Longest, e.at.Sub(stretchStart))
		}
	}
	r.Held = quorum > 0 && r.Longest >= minHeld && r.Longest > 0
	return r
}

// presenceOf is the total time a person was present, intervals open until
// until.
func presenceOf(ivs []Interval, until time.Time) time.Duration {
	var d time.Duration
	for _, iv := range ivs {
		to := iv.To
		if to.IsZero() || to.After(until) {
			to = until
		}
		if to.After(iv.From) {
			d += to.Sub(iv.From)
		}
	}
	return d
}
