package control

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

var turnT0 = time.Date(2030, 3, 4, 17, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return turnT0.Add(time.Duration(ms) * time.Millisecond) }

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func sp(id string, from, to int) Speech { return Speech{PersonID: id, Start: at(from), End: at(to)} }

func turnOf(id string, from, to int) SpeakingTurn {
	return SpeakingTurn{Speaker: Speaker{PersonID: id}, Start: at(from), End: at(to)}
}

func othersTurn(from, to int) SpeakingTurn {
	return SpeakingTurn{Speaker: Speaker{Others: true}, Start: at(from), End: at(to)}
}

func person(id string, turns, talk, mean, median int, share float64) SpeakerStats {
	return SpeakerStats{Speaker: Speaker{PersonID: id}, Turns: turns, Talk: ms(talk), Share: share, MeanTurn: ms(mean), MedianTurn: ms(median)}
}

func othersStats(turns, talk, mean, median int, share float64) SpeakerStats {
	s := person("", turns, talk, mean, median, share)
	s.Speaker = Speaker{Others: true}
	return s
}

func consentedSet(ids ...string) func(string) bool {
	set := map[string]bool{}
	for _, id := range ids {
		set[id] = true
	}
	return func(id string) bool { return set[id] }
}

// Non-consenting people in these tests; their IDs must appear nowhere in
// the statistics.
const (
	xavier = "xavier-id-not-consenting"
	yvonne = "yvonne-id-not-consenting"
)

// With the default rules: a silence under 1 s joins a person's speech, a
// silence of exactly 1 s splits it; a turn follows the previous one when it
// starts at most 3 s (inclusive) after it ended.
func TestTurnStatistics(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        TurnInput
		rules     TurnRules
		consented func(string) bool
		want      TurnStats // Rules is filled in from rules
	}{
		{
			name:      "nobody speaking",
			in:        TurnInput{People: []string{"anna", "ben"}},
			consented: consentedSet("anna", "ben"),
			want: TurnStats{
				Turns:    []SpeakingTurn{},
				Speakers: []SpeakerStats{person("anna", 0, 0, 0, 0, 0), person("ben", 0, 0, 0, 0, 0)},
				Follows:  [][]int{{0, 0}, {0, 0}},
			},
		},
		{
			name:      "nobody speaking in a meeting of a minute",
			in:        TurnInput{People: []string{"anna"}, From: at(0), To: at(60000)},
			consented: consentedSet("anna"),
			want: TurnStats{
				Turns:    []SpeakingTurn{},
				Speakers: []SpeakerStats{person("anna", 0, 0, 0, 0, 0)},
				Follows:  [][]int{{0}},
				Span:     time.Minute,
			},
		},
		{
			name: "one speaker: a 500 ms pause joins, a pause of exactly the merge gap splits",
			in: TurnInput{Speech: []Speech{
				sp("anna", 0, 2000), sp("anna", 2500, 4000), sp("anna", 5000, 6000),
			}},
			consented: consentedSet("anna"),
			want: TurnStats{
				Turns:      []SpeakingTurn{turnOf("anna", 0, 4000), turnOf("anna", 5000, 6000)},
				Speakers:   []SpeakerStats{person("anna", 2, 5000, 2500, 2500, 1)},
				TotalTurns: 2, Talk: ms(5000), MeanTurn: ms(2500), MedianTurn: ms(2500),
				Follows:        [][]int{{1}}, // she resumed 1 s later, within the window
				Span:           ms(6000),
				TurnsPerMinute: 20,
			},
		},
		{
			name: "a pause 1 ms under the merge gap joins; overlapping and empty stretches of one person",
			in: TurnInput{Speech: []Speech{
				sp("anna", 1999, 3000), sp("anna", 0, 1000), sp("anna", 500, 800), sp("anna", 5000, 5000),
			}},
			consented: consentedSet("anna"),
			want: TurnStats{
				Turns:      []SpeakingTurn{turnOf("anna", 0, 3000)},
				Speakers:   []SpeakerStats{person("anna", 1, 3000, 3000, 3000, 1)},
				TotalTurns: 1, Talk: ms(3000), MeanTurn: ms(3000), MedianTurn: ms(3000),
				Follows:        [][]int{{0}},
				Span:           ms(3000),
				TurnsPerMinute: 20,
			},
		},
		{
			name: "two people: overlap, a reply 2 s later, a lull of 4 s",
			in: TurnInput{
				Speech: []Speech{sp("ben", 3000, 6000), sp("anna", 0, 4000), sp("anna", 8000, 9000), sp("ben", 13000, 14000)},
				From:   at(0), To: at(60000),
			},
			consented: consentedSet("anna", "ben"),
			want: TurnStats{
				Turns: []SpeakingTurn{turnOf("anna", 0, 4000), turnOf("ben", 3000, 6000), turnOf("anna", 8000, 9000), turnOf("ben", 13000, 14000)},
				Speakers: []SpeakerStats{
					person("anna", 2, 5000, 2500, 2500, 5.0/9),
					person("ben", 2, 4000, 2000, 2000, 4.0/9),
				},
				TotalTurns: 4, Talk: ms(9000), MeanTurn: ms(2250), MedianTurn: ms(2000), // lengths 1, 1, 3, 4 s
				Overlap: ms(1000),
				// anna→ben (overlapping), ben→anna (2 s); ben's last
				// turn came 4 s after anna's: no transition.
				Follows:        [][]int{{0, 1}, {1, 0}},
				Gini:           1.0 / 18, // |5-4| / (2 · 2 · 4.5)
				Span:           time.Minute,
				TurnsPerMinute: 4,
			},
		},
		{
			name:      "a start exactly at the follow window counts, 1 ms later does not",
			in:        TurnInput{Speech: []Speech{sp("anna", 0, 1000), sp("ben", 4000, 5000), sp("anna", 8001, 9000)}},
			consented: consentedSet("anna", "ben"),
			want: TurnStats{
				Turns:    []SpeakingTurn{turnOf("anna", 0, 1000), turnOf("ben", 4000, 5000), turnOf("anna", 8001, 9000)},
				Speakers: []SpeakerStats{{Speaker: Speaker{PersonID: "anna"}, Turns: 2, Talk: ms(1999), MeanTurn: 999500 * time.Microsecond, MedianTurn: 999500 * time.Microsecond, Share: 1999.0 / 2999}, person("ben", 1, 1000, 1000, 1000, 1000.0/2999)},
				// lengths 999, 1000, 1000 ms
				TotalTurns: 3, Talk: ms(2999), MeanTurn: ms(2999) / 3, MedianTurn: ms(1000),
				Follows:        [][]int{{0, 1}, {0, 0}},
				Gini:           999.0 / (2 * 2999), // |1999-1000| / (2 · 2 · 2999/2)
				Span:           ms(9000),
				TurnsPerMinute: 20,
			},
		},
		{
			name: "an interjection inside a long turn: the long turn is the one the next follows",
			in:   TurnInput{Speech: []Speech{sp("anna", 0, 10000), sp("ben", 3000, 4000), sp("anna", 12000, 13000), sp("cecilia", 20000, 21000)}},
			// cecilia starts 7 s after anna's last turn: no transition.
			consented: consentedSet("anna", "ben", "cecilia"),
			want: TurnStats{
				Turns: []SpeakingTurn{turnOf("anna", 0, 10000), turnOf("ben", 3000, 4000), turnOf("anna", 12000, 13000), turnOf("cecilia", 20000, 21000)},
				Speakers: []SpeakerStats{
					person("anna", 2, 11000, 5500, 5500, 11.0/13),
					person("ben", 1, 1000, 1000, 1000, 1.0/13),
					person("cecilia", 1, 1000, 1000, 1000, 1.0/13),
				},
				TotalTurns: 4, Talk: ms(13000), MeanTurn: ms(3250), MedianTurn: ms(1000),
				Overlap: ms(1000),
				// anna→ben (inside her turn), anna→anna (2 s after her
				// turn ended: ben's ended earlier).
				Follows: [][]int{{1, 1, 0}, {0, 0, 0}, {0, 0, 0}},
				// sorted 1, 1, 11: Σ(2i-n+1)x = -2+0+22 = 20; 20/(3·13)
				Gini:           20.0 / 39,
				Span:           ms(21000),
				TurnsPerMinute: 4.0 / 21 * 60,
			},
		},
		{
			name: "a silent person counts in the balance; touching turns neither overlap nor miss the transition",
			in: TurnInput{
				Speech: []Speech{sp("anna", 0, 3000), sp("ben", 3000, 4000)},
				People: []string{"cecilia", "anna", "ben", "anna"},
			},
			consented: consentedSet("anna", "ben", "cecilia"),
			want: TurnStats{
				Turns:      []SpeakingTurn{turnOf("anna", 0, 3000), turnOf("ben", 3000, 4000)},
				Speakers:   []SpeakerStats{person("anna", 1, 3000, 3000, 3000, 0.75), person("ben", 1, 1000, 1000, 1000, 0.25), person("cecilia", 0, 0, 0, 0, 0)},
				TotalTurns: 2, Talk: ms(4000), MeanTurn: ms(2000), MedianTurn: ms(2000),
				Follows:        [][]int{{0, 1, 0}, {0, 0, 0}, {0, 0, 0}},
				Gini:           0.5, // sorted 0, 1, 3: (0+0+6)/(3·4)
				Span:           ms(4000),
				TurnsPerMinute: 30,
			},
		},
		{
			name: "speech outside the meeting is cut off",
			in: TurnInput{
				Speech: []Speech{sp("anna", 0, 2000), sp("ben", 4000, 7000), sp("anna", 6000, 7000)},
				From:   at(1000), To: at(5000),
			},
			consented: consentedSet("anna", "ben"),
			want: TurnStats{
				Turns:      []SpeakingTurn{turnOf("anna", 1000, 2000), turnOf("ben", 4000, 5000)},
				Speakers:   []SpeakerStats{person("anna", 1, 1000, 1000, 1000, 0.5), person("ben", 1, 1000, 1000, 1000, 0.5)},
				TotalTurns: 2, Talk: ms(2000), MeanTurn: ms(1000), MedianTurn: ms(1000),
				Follows:        [][]int{{0, 1}, {0, 0}},
				Span:           ms(4000),
				TurnsPerMinute: 30,
			},
		},
		{
			name: "people who did not consent are one speaker, others",
			in: TurnInput{Speech: []Speech{
				sp("anna", 0, 2000),
				sp(xavier, 2500, 4000), sp(yvonne, 3500, 5000), // overlapping: one speaker's turn, no overlap
				sp(yvonne, 5500, 6000), // 500 ms after xavier's and her own: the same turn
				sp("anna", 7000, 8000),
				sp(xavier, 8500, 9000),
				sp(yvonne, 10500, 11000), // 1.5 s after xavier: others follow others
			}},
			consented: consentedSet("anna"),
			want: TurnStats{
				Turns: []SpeakingTurn{turnOf("anna", 0, 2000), othersTurn(2500, 6000), turnOf("anna", 7000, 8000), othersTurn(8500, 9000), othersTurn(10500, 11000)},
				Speakers: []SpeakerStats{
					person("anna", 2, 3000, 1500, 1500, 0.4),
					othersStats(3, 4500, 1500, 500, 0.6),
				},
				TotalTurns: 5, Talk: ms(7500), MeanTurn: ms(1500), MedianTurn: ms(1000),
				Follows:        [][]int{{0, 2}, {1, 1}},
				Gini:           0, // anna alone: others are not one person
				Span:           ms(11000),
				TurnsPerMinute: 5 / (11.0 / 60),
			},
		},
		{
			name:      "nobody consented",
			in:        TurnInput{Speech: []Speech{sp(xavier, 0, 1000), sp(yvonne, 500, 2000)}, People: []string{xavier, yvonne}},
			consented: nil,
			want: TurnStats{
				Turns:      []SpeakingTurn{othersTurn(0, 2000)},
				Speakers:   []SpeakerStats{othersStats(1, 2000, 2000, 2000, 1)},
				TotalTurns: 1, Talk: ms(2000), MeanTurn: ms(2000), MedianTurn: ms(2000),
				Follows:        [][]int{{0}},
				Span:           ms(2000),
				TurnsPerMinute: 30,
			},
		},
		{
			name: "a silent person who did not consent makes others appear, empty",
			in:   TurnInput{Speech: []Speech{sp("anna", 0, 1000)}, People: []string{xavier}},
			// No turn of others: the entry tells only that someone
			// present is not named.
			consented: consentedSet("anna"),
			want: TurnStats{
				Turns:      []SpeakingTurn{turnOf("anna", 0, 1000)},
				Speakers:   []SpeakerStats{person("anna", 1, 1000, 1000, 1000, 1), othersStats(0, 0, 0, 0, 0)},
				TotalTurns: 1, Talk: ms(1000), MeanTurn: ms(1000), MedianTurn: ms(1000),
				Follows:        [][]int{{0, 0}, {0, 0}},
				Span:           ms(1000),
				TurnsPerMinute: 60,
			},
		},
		{
			name:  "other thresholds: a merge gap of 3 s and a follow window of 1 s",
			in:    TurnInput{Speech: []Speech{sp("anna", 0, 1000), sp("anna", 3500, 4000), sp("ben", 5500, 6000)}},
			rules: TurnRules{MergeGap: 3 * time.Second, FollowWindow: time.Second},
			// anna's 2.5 s pause is within her turn; ben comes 1.5 s
			// after it: no transition.
			consented: consentedSet("anna", "ben"),
			want: TurnStats{
				Turns:      []SpeakingTurn{turnOf("anna", 0, 4000), turnOf("ben", 5500, 6000)},
				Speakers:   []SpeakerStats{person("anna", 1, 4000, 4000, 4000, 8.0/9), person("ben", 1, 500, 500, 500, 1.0/9)},
				TotalTurns: 2, Talk: ms(4500), MeanTurn: ms(2250), MedianTurn: ms(2250),
				Follows:        [][]int{{0, 0}, {0, 0}},
				Gini:           3500.0 / (2 * 4500),
				Span:           ms(6000),
				TurnsPerMinute: 20,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TurnStatistics(tc.in, tc.rules, tc.consented)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.Rules = tc.rules.WithDefaults()
			checkTurnStats(t, got, want)
			checkNotNamed(t, got, xavier, yvonne)
		})
	}
}

// checkTurnStats compares exactly, floats to within rounding.
func checkTurnStats(t *testing.T, got, want TurnStats) {
	t.Helper()
	const eps = 1e-12
	near := func(a, b float64) bool { return math.Abs(a-b) <= eps*max(1, math.Abs(b)) }
	if !near(got.Gini, want.Gini) {
		t.Errorf("Gini %v, want %v", got.Gini, want.Gini)
	}
	if !near(got.TurnsPerMinute, want.TurnsPerMinute) {
		t.Errorf("turns per minute %v, want %v", got.TurnsPerMinute, want.TurnsPerMinute)
	}
	if len(got.Speakers) == len(want.Speakers) {
		for i := range got.Speakers {
			if !near(got.Speakers[i].Share, want.Speakers[i].Share) {
				t.Errorf("speaker %d (%+v): share %v, want %v", i, got.Speakers[i].Speaker, got.Speakers[i].Share, want.Speakers[i].Share)
			}
			got.Speakers[i].Share, want.Speakers[i].Share = 0, 0
		}
	}
	got.Gini, want.Gini, got.TurnsPerMinute, want.TurnsPerMinute = 0, 0, 0, 0
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"turns", got.Turns, want.Turns},
		{"speakers", got.Speakers, want.Speakers},
		{"follows", got.Follows, want.Follows},
		{"rules", got.Rules, want.Rules},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", f.name, f.got, f.want)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals: got total turns %d, talk %v, mean %v, median %v, overlap %v, span %v; want %d, %v, %v, %v, %v, %v",
			got.TotalTurns, got.Talk, got.MeanTurn, got.MedianTurn, got.Overlap, got.Span,
			want.TotalTurns, want.Talk, want.MeanTurn, want.MedianTurn, want.Overlap, want.Span)
	}
}

// checkNotNamed: the statistics, as they would be stored or sent, carry
// none of the given person IDs.
func checkNotNamed(t *testing.T, st TurnStats, ids ...string) {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if strings.Contains(string(b), id) {
			t.Errorf("the statistics name %s, who did not consent: %s", id, b)
		}
	}
}

func TestSpeakingTurns(t *testing.T) {
	got, err := SpeakingTurns([]Speech{
		sp("ben", 500, 1500), sp("anna", 0, 1000), sp("anna", 1900, 2500), sp("ben", 2500, 3000), sp("anna", 0, 200),
	}, TurnRules{})
	if err != nil {
		t.Fatal(err)
	}
	// anna's 900 ms pause joins; ben's 1 s pause splits.
	want := []SpeakingTurn{turnOf("anna", 0, 2500), turnOf("ben", 500, 1500), turnOf("ben", 2500, 3000)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("turns\n got %+v\nwant %+v", got, want)
	}
}

func TestTurnProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    TurnInput
		rules TurnRules
		want  string
	}{
		{"speech ending before it starts", TurnInput{Speech: []Speech{sp("anna", 0, 10), sp("ben", 2000, 1000)}}, TurnRules{}, "speech 1 of person ben ends"},
		{"speech of nobody", TurnInput{Speech: []Speech{sp("", 0, 10)}}, TurnRules{}, "speech 0 names no person"},
		{"speech of more than a day", TurnInput{Speech: []Speech{sp("anna", 0, 25*3600*1000)}}, TurnRules{}, "lasts 25h0m0s, more than 24h0m0s"},
		{"a meeting ending before it starts", TurnInput{From: at(1000), To: at(0)}, TurnRules{}, "the meeting ends"},
		{"a negative merge gap", TurnInput{}, TurnRules{MergeGap: -time.Second}, "turn merge gap -1s"},
		{"a follow window of a day", TurnInput{}, TurnRules{FollowWindow: 24 * time.Hour}, "turn follow window 24h0m0s"},
	} {
		_, err := TurnStatistics(tc.in, tc.rules, consentedSet("anna"))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid with %q", tc.name, err, tc.want)
		}
		if len(tc.in.Speech) > 0 || tc.rules != (TurnRules{}) {
			if _, err := SpeakingTurns(tc.in.Speech, tc.rules); err == nil {
				t.Errorf("%s: SpeakingTurns accepted it", tc.name)
			}
		}
	}
}

// FuzzTurnStatistics: arbitrary speech never panics, and what comes back
// holds together: shares sum to 1 when anyone spoke, the Gini coefficient
// is in [0, 1], a speaker's turns neither overlap nor sit closer than the
// merge gap, transitions are fewer than turns, and nobody who did not
// consent is named. Each 4 bytes are one stretch: person, start step,
// length, and the rules come from the first two bytes.
// go test ./control -run '^$' -fuzz FuzzTurnStatistics -fuzztime=2000x
func FuzzTurnStatistics(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{10, 30, 0, 0, 20, 1, 1, 10, 30, 2, 2, 5, 20})
	f.Add([]byte{0, 0, 4, 3, 3, 3, 4, 0, 0, 0, 2, 9, 1, 1, 250, 250, 3, 3})
	f.Add([]byte{5, 5, 1, 200, 7, 2, 1, 0, 7, 3, 0, 255, 255, 4, 1, 1, 1})
	people := []string{"anna", "ben", xavier, "cecilia", yvonne}
	consented := consentedSet("anna", "ben", "cecilia")
	f.Fuzz(func(t *testing.T, data []byte) {
		var rules TurnRules
		if len(data) >= 2 {
			rules = TurnRules{MergeGap: time.Duration(data[0]) * 50 * time.Millisecond, FollowWindow: time.Duration(data[1]) * 50 * time.Millisecond}
			data = data[2:]
		}
		var speech []Speech
		var cursor int
		for ; len(data) >= 4; data = data[4:] {
			cursor += int(int8(data[1])) * 100 // steps back too: out of order
			length := int(int8(data[2])) * 50  // negative: an error
			speech = append(speech, sp(people[int(data[0])%len(people)], cursor, cursor+length))
			if data[3]%7 == 0 {
				speech[len(speech)-1].PersonID = "" // an error
			}
		}
		st, err := TurnStatistics(TurnInput{Speech: speech, People: people[:int(len(speech))%len(people)]}, rules, consented)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		rules = rules.WithDefaults()
		var shares float64
		for _, s := range st.Speakers {
			shares += s.Share
		}
		if st.Talk > 0 && math.Abs(shares-1) > 1e-9 {
			t.Errorf("shares sum to %v", shares)
		}
		if st.Gini < 0 || st.Gini > 1 || math.IsNaN(st.Gini) {
			t.Errorf("Gini %v", st.Gini)
		}
		if st.Overlap < 0 || st.Overlap > st.Talk {
			t.Errorf("overlap %v of talk %v", st.Overlap, st.Talk)
		}
		last := map[Speaker]SpeakingTurn{}
		for i, turn := range st.Turns {
			if !turn.End.After(turn.Start) {
				t.Errorf("turn %d is empty: %+v", i, turn)
			}
			if i > 0 && turn.Start.Before(st.Turns[i-1].Start) {
				t.Errorf("turn %d starts before turn %d", i, i-1)
			}
			if prev, ok := last[turn.Speaker]; ok && turn.Start.Sub(prev.End) < rules.MergeGap {
				t.Errorf("turns %+v and %+v of one speaker were not merged", prev, turn)
			}
			last[turn.Speaker] = turn
		}
		transitions := 0
		for _, row := range st.Follows {
			for _, n := range row {
				transitions += n
			}
		}
		if transitions > max(0, st.TotalTurns-1) {
			t.Errorf("%d transitions among %d turns", transitions, st.TotalTurns)
		}
		checkNotNamed(t, st, xavier, yvonne)
	})
}

// BenchmarkTurnStatistics: a 90-minute meeting of 10 people, 4 of whom
// did not consent, speaking in turns that overlap some and leave gaps
// some (the stretches metric says how many).
func BenchmarkTurnStatistics(b *testing.B) {
	ids := []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"}
	var speech []Speech
	for i, t := 0, 0; t < 90*60*1000; i++ {
		length := 300 + (i*7919)%4000
		speech = append(speech, sp(ids[(i*31)%len(ids)], t, t+length))
		t += length - 200 + (i*104729)%1500 // overlaps some, gaps some
	}
	in := TurnInput{Speech: speech, People: ids, From: at(0), To: at(90 * 60 * 1000)}
	consented := consentedSet(ids[:6]...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := TurnStatistics(in, TurnRules{}, consented); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(speech)), "stretches")
}
