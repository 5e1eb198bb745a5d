package api

import (
	"strings"
	"time"

	"piiri/control"
)

// Speaking turns: a meeting's turn statistics (so far, while it runs) and
// its turns, as JSON and as CSV for analysis tools. Only people who
// consented to speaking statistics are named; everyone else is "others".

// Turns is a meeting's turn statistics. Durations are seconds.
type Turns struct {
	MeetingID           string         `json:"meetingId"`
	MergeGapSeconds     float64        `json:"mergeGapSeconds"`
	FollowWindowSeconds float64        `json:"followWindowSeconds"`
	Speakers            []TurnSpeaker  `json:"speakers"`
	TotalTurns          int            `json:"totalTurns"`
	TalkSeconds         float64        `json:"talkSeconds"`
	MeanTurnSeconds     float64        `json:"meanTurnSeconds"`
	MedianTurnSeconds   float64        `json:"medianTurnSeconds"`
	OverlapSeconds      float64        `json:"overlapSeconds"`
	Follows             [][]int        `json:"follows"` // [i][j]: a turn of speakers[j] followed one of speakers[i]
	Gini                float64        `json:"gini"`    // of the named speakers' talk time: 0 even, towards 1 one speaker
	SpanSeconds         float64        `json:"spanSeconds"`
	TurnsPerMinute      float64        `json:"turnsPerMinute"`
	Phases              []TurnPhase    `json:"phases"`
	Turns               []TurnInterval `json:"turns"`
}

// TurnPhase is one stretch of a phase of the meeting, named in the
// group's language (Name, as the CSV has it) and in every language it has
// (Names, for a page in another); To is empty while it runs.
type TurnPhase struct {
	Phase int               `json:"phase"` // its index in the meeting's phases
	Name  string            `json:"name"`
	Names map[string]string `json:"names"`
	From  string            `json:"from"`
	To    string            `json:"to,omitempty"`
}

// TurnSpeaker is one speaker: a consenting person, or others.
type TurnSpeaker struct {
	PersonID          string  `json:"personId,omitempty"`
	Name              string  `json:"name,omitempty"`
	Others            bool    `json:"others,omitempty"`
	Turns             int     `json:"turns"`
	TalkSeconds       float64 `json:"talkSeconds"`
	Share             float64 `json:"share"`
	MeanTurnSeconds   float64 `json:"meanTurnSeconds"`
	MedianTurnSeconds float64 `json:"medianTurnSeconds"`
}

// TurnInterval is one turn: its speaker (an index into speakers), start
// and end in the meeting's time zone to the millisecond, and the phase it
// began in (PhaseIndex into phases; -1 and no name outside every phase).
type TurnInterval struct {
	Speaker    int     `json:"speaker"`
	Start      string  `json:"start"`
	End        string  `json:"end"`
	Seconds    float64 `json:"seconds"`
	PhaseIndex int     `json:"phaseIndex"`
	Phase      string  `json:"phase"`
}

func secs(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

func turnsOut(v control.MeetingTurnsView) Turns {
	loc := zoneOf(v.TimeZone)
	out := Turns{
		MeetingID: v.MeetingID, MergeGapSeconds: secs(v.Rules.MergeGap), FollowWindowSeconds: secs(v.Rules.FollowWindow),
		Speakers: []TurnSpeaker{}, TotalTurns: v.TotalTurns, TalkSeconds: secs(v.Talk), MeanTurnSeconds: secs(v.MeanTurn),
		MedianTurnSeconds: secs(v.MedianTurn), OverlapSeconds: secs(v.Overlap), Follows: v.Follows, Gini: v.Gini,
		SpanSeconds: secs(v.Span), TurnsPerMinute: v.TurnsPerMinute, Phases: []TurnPhase{}, Turns: []TurnInterval{},
	}
	for _, ph := range v.Phases {
		out.Phases = append(out.Phases, TurnPhase{Phase: ph.Phase, Name: ph.Name.In(v.Language), Names: textOut(ph.Name), From: tsMilli(ph.From, loc), To: tsMilli(ph.To, loc)})
	}
	if out.Follows == nil {
		out.Follows = [][]int{}
	}
	index := map[control.Speaker]int{}
	for i, sp := range v.Speakers {
		index[sp.Speaker] = i
		out.Speakers = append(out.Speakers, TurnSpeaker{
			PersonID: sp.Speaker.PersonID, Name: v.Names[sp.Speaker.PersonID], Others: sp.Speaker.Others,
			Turns: sp.Turns, TalkSeconds: secs(sp.Talk), Share: sp.Share, MeanTurnSeconds: secs(sp.MeanTurn), MedianTurnSeconds: secs(sp.MedianTurn),
		})
	}
	for i, t := range v.Turns {
		turn := TurnInterval{Speaker: index[t.Speaker], Start: tsMilli(t.Start, loc), End: tsMilli(t.End, loc), Seconds: secs(t.Length()), PhaseIndex: -1}
		if i < len(v.TurnPhases) && v.TurnPhases[i] >= 0 {
			turn.PhaseIndex = v.TurnPhases[i]
			turn.Phase = out.Phases[turn.PhaseIndex].Name
		}
		out.Turns = append(out.Turns, turn)
	}
	return out
}

func (a *API) meetingTurns(c *call) (Turns, error) {
	v, err := a.svc.MeetingTurns(c.ctx, c.p, c.pathValue("meeting"))
	if err != nil {
		return Turns{}, err
	}
	return turnsOut(v), nil
}

func (a *API) meetingTurnsCSV(c *call) (written, error) {
	f, err := csvFormatOf(c.r)
	if err != nil {
		return written{}, err
	}
	t, err := a.meetingTurns(c)
	if err != nil {
		return written{}, err
	}
	tab := table{header: []string{"turn", "speaker", "start", "end", "seconds", "phase"}}
	for i, turn := range t.Turns {
		sp := t.Speakers[turn.Speaker]
		who := sp.Name
		if sp.Others {
			who = "others"
		}
		tab.rows = append(tab.rows, []cell{num(i + 1), txt(who), txt(secondsTime(turn.Start)), txt(secondsTime(turn.End)), {num: turn.Seconds, isNum: true}, txt(turn.Phase)})
	}
	return writeCSV(c, f, "turns-"+t.MeetingID, tab)
}

// secondsTime is an RFC 3339 time as a spreadsheet reads it, to the
// second: turns are seconds long.
func secondsTime(s string) string {
	if len(s) < 19 {
		return s
	}
	return strings.Replace(s[:19], "T", " ", 1)
}
