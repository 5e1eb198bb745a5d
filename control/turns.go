package control

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Speaking turns and their statistics (issue 11): from the stretches of
// voice activity the sfu's speech detector reports per person, the turns
// of a meeting and what the pilots studied with them: who spoke, how long,
// how often, after whom. Only people who consented to speaking statistics
// are named; everyone else is one aggregate speaker, "others", from the
// start, so that no statistic (not the follows matrix either) tells them
// apart. Which people consented, and when, is the caller's to say.

// Defaults of TurnRules.
const (
	// DefaultTurnMergeGap: a person's speech separated by a silence
	// shorter than 1 s is one turn. The detector already bridges pauses
	// under its 200 ms hangover (Brady 1968; ITU-T P.56); the longer
	// pauses within a turn, to breathe or to think, are typically a
	// quarter to half a second (Lundholm Fors 2015, "Production and
	// perception of pauses in speech"), and Heldner & Edlund (2010,
	// "Pauses, gaps and overlaps in conversations", Journal of Phonetics
	// 38) find within-speaker pauses mostly under a second. A silence of
	// a second or more without anyone else taking the floor starts a new
	// turn of the same speaker (a self-transition in the follows matrix).
	DefaultTurnMergeGap = time.Second
	// DefaultFollowWindow: a turn follows the previous one when it starts
	// at most 3 s after that one ended (or overlaps it). Heldner & Edlund
	// (2010) find the bulk of between-speaker gaps well under a second,
	// with a long tail; a video meeting adds network delay and the time to
	// unmute, so the window is generous. A longer silence is a lull, not
	// a reply.
	DefaultFollowWindow = 3 * time.Second
)

// maxTurnRule bounds the thresholds: beyond an hour they mean nothing for a
// meeting of a few hours and invite overflow.
const maxTurnRule = time.Hour

// TurnRules are the thresholds of turn building. A zero field takes its
// default.
type TurnRules struct {
	// MergeGap: a person's speech with a silence strictly shorter than
	// this in between is one turn; a silence of exactly MergeGap splits.
	MergeGap time.Duration `json:"mergeGap"`
	// FollowWindow: a turn follows the previous one when it starts at most
	// this long (inclusive) after the previous one ended.
	FollowWindow time.Duration `json:"followWindow"`
}

// WithDefaults returns r with every zero field set to its default.
func (r TurnRules) WithDefaults() TurnRules {
	if r.MergeGap == 0 {
		r.MergeGap = DefaultTurnMergeGap
	}
	if r.FollowWindow == 0 {
		r.FollowWindow = DefaultFollowWindow
	}
	return r
}

// Validate names the first threshold out of range (after defaults).
func (r TurnRules) Validate() error {
	r = r.WithDefaults()
	if r.MergeGap < 0 || r.MergeGap > maxTurnRule {
		return fmt.Errorf("turn merge gap %v: must be between 0 and %v: %w", r.MergeGap, maxTurnRule, ErrInvalid)
	}
	if r.FollowWindow < 0 || r.FollowWindow > maxTurnRule {
		return fmt.Errorf("turn follow window %v: must be between 0 and %v: %w", r.FollowWindow, maxTurnRule, ErrInvalid)
	}
	return nil
}

// Speech is one stretch of a person's voice activity, [Start, End), as the
// sfu's speech detector reported it (speaking from Start, silent from End).
type Speech struct {
	PersonID string    `json:"personId"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// Speaker is whose turn it is: a person who consented to speaking
// statistics, or Others, everyone who did not, together and unnamed.
type Speaker struct {
	PersonID string `json:"personId,omitempty"`
	Others   bool   `json:"others,omitempty"`
}

// SpeakingTurn is one turn: Speaker held it over [Start, End).
type SpeakingTurn struct {
	Speaker Speaker   `json:"speaker"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// Length is how long the turn lasted.
func (t SpeakingTurn) Length() time.Duration { return t.End.Sub(t.Start) }

// TurnInput is one meeting's speech and what frames it.
type TurnInput struct {
	Speech []Speech
	// People present in the meeting, whether or not they spoke: a
	// consenting person who never spoke is listed with no talk time and
	// counts in the balance. Those who spoke need not be listed.
	People []string
	// From and To bound the meeting: speech outside is cut off, and the
	// turn-taking rate is per minute of [From, To). A zero bound is
	// open; the rate then runs from the first turn's start or to the last
	// turn's end.
	From, To time.Time
}

// SpeakerStats is one speaker's share of a meeting.
type SpeakerStats struct {
	Speaker Speaker `json:"speaker"`
	Turns   int     `json:"turns"`
	// Talk is the sum of the speaker's turns (pauses shorter than the
	// merge gap included).
	Talk time.Duration `json:"talk"`
	// Share is Talk over all speakers' talk; 0 when nobody spoke.
	Share      float64       `json:"share"`
	MeanTurn   time.Duration `json:"meanTurn"`
	MedianTurn time.Duration `json:"medianTurn"`
}

// TurnStats is a meeting's speaking-turn statistics.
type TurnStats struct {
	Rules TurnRules `json:"rules"`
	// Turns in order of start (ties: earlier end, then Speakers' order).
	Turns []SpeakingTurn `json:"turns"`
	// Speakers: the consenting people in order of ID, then Others if
	// anyone present or speaking did not consent.
	Speakers   []SpeakerStats `json:"speakers"`
	TotalTurns int            `json:"totalTurns"`
	// Talk is all speakers' talk; overlapping talk counts once per
	// speaker.
	Talk       time.Duration `json:"talk"`
	MeanTurn   time.Duration `json:"meanTurn"`
	MedianTurn time.Duration `json:"medianTurn"`
	// Overlap is the time during which two or more speakers held turns at
	// once (Others counts as one speaker).
	Overlap time.Duration `json:"overlap"`
	// Follows[i][j] is how many times a turn of Speakers[j] followed one
	// of Speakers[i]: it started at most FollowWindow after that turn
	// ended, or while it ran, and that turn was the one that had ended
	// last (or was still running longest) among those begun before. The
	// diagonal is a speaker resuming after a silence nobody filled.
	Follows [][]int `json:"follows"`
	// Gini is the Gini coefficient of the consenting people's talk time:
	// 0 when all talked equally (or nobody did, or there is at most one of
	// them), towards 1 when one person did all the talking. Others is
	// left out: it is not one person, and splitting it would use what its
	// members did not consent to.
	Gini float64 `json:"gini"`
	// Span is the time the rate is measured over; TurnsPerMinute is
	// TotalTurns per minute of it (0 for an empty span).
	Span           time.Duration `json:"span"`
	TurnsPerMinute float64       `json:"turnsPerMinute"`
}

// SpeakingTurns builds the turns of speech, each person's own: a person's
// stretches with silences shorter than rules.MergeGap between them (or
// overlapping) become one turn. It returns them in order of start (ties:
// earlier end, then person ID). A stretch that ends before it starts or
// names nobody is an error; an empty stretch is no speech.
func SpeakingTurns(speech []Speech, rules TurnRules) ([]SpeakingTurn, error) {
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	if err := checkSpeech(speech); err != nil {
		return nil, err
	}
	rules = rules.WithDefaults()
	turns := buildTurns(speech, func(id string) Speaker { return Speaker{PersonID: id} }, rules.MergeGap)
	slices.SortFunc(turns, func(a, b SpeakingTurn) int {
		return cmp.Or(a.Start.Compare(b.Start), a.End.Compare(b.End), cmp.Compare(a.Speaker.PersonID, b.Speaker.PersonID))
	})
	return turns, nil
}

// TurnStatistics computes a meeting's turns and statistics. consented says
// who consented to speaking statistics (nil: nobody); the rest are merged
// into Others before anything is computed, so their speech is one
// speaker's: two of them overlapping is no overlap, one following another
// is Others following itself.
func TurnStatistics(in TurnInput, rules TurnRules, consented func(personID string) bool) (TurnStats, error) {
	if err := rules.Validate(); err != nil {
		return TurnStats{}, err
	}
	if !in.From.IsZero() && !in.To.IsZero() && in.To.Before(in.From) {
		return TurnStats{}, fmt.Errorf("turn statistics: the meeting ends (%v) before it starts (%v): %w", in.To, in.From, ErrInvalid)
	}
	if err := checkSpeech(in.Speech); err != nil {
		return TurnStats{}, err
	}
	rules = rules.WithDefaults()
	if consented == nil {
		consented = func(string) bool { return false }
	}

	// The speakers: consenting people by ID, then Others.
	named := map[string]bool{}
	anyOthers := false
	note := func(id string) {
		if consented(id) {
			named[id] = true
		} else {
			anyOthers = true
		}
	}
	for _, id := range in.People {
		note(id)
	}
	speech := clipSpeech(in.Speech, in.From, in.To)
	for _, s := range speech {
		note(s.PersonID)
	}
	ids := make([]string, 0, len(named))
	for id := range named {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	speakers := make([]Speaker, 0, len(ids)+1)
	index := make(map[Speaker]int, len(ids)+1)
	for _, id := range ids {
		index[Speaker{PersonID: id}] = len(speakers)
		speakers = append(speakers, Speaker{PersonID: id})
	}
	others := Speaker{Others: true}
	if anyOthers {
		index[others] = len(speakers)
		speakers = append(speakers, others)
	}

	turns := buildTurns(speech, func(id string) Speaker {
		if named[id] {
			return Speaker{PersonID: id}
		}
		return others
	}, rules.MergeGap)
	slices.SortFunc(turns, func(a, b SpeakingTurn) int {
		return cmp.Or(a.Start.Compare(b.Start), a.End.Compare(b.End), cmp.Compare(index[a.Speaker], index[b.Speaker]))
	})

	st := TurnStats{Rules: rules, Turns: turns, TotalTurns: len(turns)}
	if st.Turns == nil {
		st.Turns = []SpeakingTurn{}
	}
	lengths := make([][]time.Duration, len(speakers))
	all := make([]time.Duration, 0, len(turns))
	for _, t := range turns {
		i := index[t.Speaker]
		lengths[i] = append(lengths[i], t.Length())
		all = append(all, t.Length())
	}
	st.Speakers = make([]SpeakerStats, len(speakers))
	for i, sp := range speakers {
		ss := SpeakerStats{Speaker: sp, Turns: len(lengths[i])}
		ss.Talk, ss.MeanTurn, ss.MedianTurn = lengthStats(lengths[i])
		st.Talk += ss.Talk
		st.Speakers[i] = ss
	}
	if st.Talk > 0 {
		for i := range st.Speakers {
			st.Speakers[i].Share = float64(st.Speakers[i].Talk) / float64(st.Talk)
		}
	}
	_, st.MeanTurn, st.MedianTurn = lengthStats(all)
	st.Overlap = overlap(turns)
	st.Follows = follows(turns, index, len(speakers), rules.FollowWindow)
	talk := make([]float64, 0, len(ids))
	for _, ss := range st.Speakers {
		if !ss.Speaker.Others {
			talk = append(talk, float64(ss.Talk))
		}
	}
	st.Gini = gini(talk)

	from, to := in.From, in.To
	if len(turns) > 0 {
		if from.IsZero() {
			from = turns[0].Start
		}
		if to.IsZero() {
			to = turns[0].End
			for _, t := range turns {
				if t.End.After(to) {
					to = t.End
				}
			}
		}
	}
	if !from.IsZero() && !to.IsZero() && to.After(from) {
		st.Span = to.Sub(from)
		st.TurnsPerMinute = float64(len(turns)) / st.Span.Minutes()
	}
	return st, nil
}

// maxSpeech bounds one stretch of speech: no meeting lasts a day, and the
// bound keeps sums of talk time far from overflow.
const maxSpeech = 24 * time.Hour

// checkSpeech names the first stretch that makes no sense.
func checkSpeech(speech []Speech) error {
	for i, s := range speech {
		if s.PersonID == "" {
			return fmt.Errorf("speech %d names no person: %w", i, ErrInvalid)
		}
		if s.End.Before(s.Start) {
			return fmt.Errorf("speech %d of person %s ends (%v) before it starts (%v): %w", i, s.PersonID, s.End, s.Start, ErrInvalid)
		}
		if s.End.Sub(s.Start) > maxSpeech {
			return fmt.Errorf("speech %d of person %s lasts %v, more than %v: %w", i, s.PersonID, s.End.Sub(s.Start), maxSpeech, ErrInvalid)
		}
	}
	return nil
}

// clipSpeech cuts speech to [from, to) (a zero bound is open) and drops
// what is left empty.
func clipSpeech(speech []Speech, from, to time.Time) []Speech {
	out := make([]Speech, 0, len(speech))
	for _, s := range speech {
		if !from.IsZero() && s.Start.Before(from) {
			s.Start = from
		}
		if !to.IsZero() && s.End.After(to) {
			s.End = to
		}
		if s.End.After(s.Start) {
			out = append(out, s)
		}
	}
	return out
}

// buildTurns groups speech by speakerOf(person) and, per speaker, joins
// stretches that overlap or have a silence shorter than mergeGap between
// them. Empty stretches are dropped. The turns come grouped by speaker.
func buildTurns(speech []Speech, speakerOf func(personID string) Speaker, mergeGap time.Duration) []SpeakingTurn {
	bySpeaker := map[Speaker][]SpeakingTurn{}
	var order []Speaker
	for _, s := range speech {
		if !s.End.After(s.Start) {
			continue
		}
		sp := speakerOf(s.PersonID)
		if _, ok := bySpeaker[sp]; !ok {
			order = append(order, sp)
		}
		bySpeaker[sp] = append(bySpeaker[sp], SpeakingTurn{Speaker: sp, Start: s.Start, End: s.End})
	}
	var turns []SpeakingTurn
	for _, sp := range order {
		ss := bySpeaker[sp]
		slices.SortFunc(ss, func(a, b SpeakingTurn) int {
			return cmp.Or(a.Start.Compare(b.Start), a.End.Compare(b.End))
		})
		cur := ss[0]
		for _, s := range ss[1:] {
			if s.Start.Sub(cur.End) < mergeGap {
				if s.End.After(cur.End) {
					cur.End = s.End
				}
				continue
			}
			turns = append(turns, cur)
			cur = s
		}
		turns = append(turns, cur)
	}
	return turns
}

// lengthStats is the sum, mean and median of lengths (zeros for none; the
// median of an even count is the mean of the middle two).
func lengthStats(lengths []time.Duration) (sum, mean, median time.Duration) {
	if len(lengths) == 0 {
		return 0, 0, 0
	}
	for _, l := range lengths {
		sum += l
	}
	sorted := slices.Clone(lengths)
	slices.Sort(sorted)
	n := len(sorted)
	median = sorted[n/2]
	if n%2 == 0 {
		median = sorted[n/2-1] + (sorted[n/2]-sorted[n/2-1])/2
	}
	return sum, sum / time.Duration(n), median
}

// overlap is the time during which two or more of turns run at once. A
// speaker's own turns never overlap (buildTurns joined them), so that is
// two or more speakers. Turns are [Start, End): touching is no overlap.
func overlap(turns []SpeakingTurn) time.Duration {
	type edge struct {
		at    time.Time
		delta int
	}
	edges := make([]edge, 0, 2*len(turns))
	for _, t := range turns {
		edges = append(edges, edge{t.Start, +1}, edge{t.End, -1})
	}
	// Ends before starts at the same instant.
	slices.SortFunc(edges, func(a, b edge) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.delta, b.delta)) })
	var total time.Duration
	running := 0
	for i, e := range edges {
		if running >= 2 {
			total += e.at.Sub(edges[i-1].at)
		}
		running += e.delta
	}
	return total
}

// follows counts transitions between speakers (see TurnStats.Follows).
// turns are in order of start.
func follows(turns []SpeakingTurn, index map[Speaker]int, n int, window time.Duration) [][]int {
	m := make([][]int, n)
	for i := range m {
		m[i] = make([]int, n)
	}
	var prev SpeakingTurn // of those begun before t, the one that ended last
	for i, t := range turns {
		if i > 0 && t.Start.Sub(prev.End) <= window {
			m[index[prev.Speaker]][index[t.Speaker]]++
		}
		if i == 0 || !t.End.Before(prev.End) {
			prev = t
		}
	}
	return m
}

// gini is the Gini coefficient of values: the mean absolute difference
// over all pairs divided by twice the mean. 0 for no values, one value or
// all zero.
func gini(values []float64) float64 {
	n := len(values)
	var sum float64
	for _, v := range values {
		sum += v
	}
	if n < 2 || sum == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	// Σ_i Σ_j |x_i - x_j| = 2 Σ_i (2i - n + 1) x_(i) for sorted x, i from 0.
	var weighted float64
	for i, v := range sorted {
		weighted += float64(2*i-n+1) * v
	}
	g := weighted / (float64(n) * sum)
	return min(max(g, 0), 1)
}
