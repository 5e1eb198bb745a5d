package api

import (
	"slices"

	"piiri/control"
)

// The running structure of a meeting (its live state and the
// facilitator's actions on it), tasks between meetings, and feedback.

// Live is a meeting's live state: the same value signalling sends to
// everyone in the room after each change, so the room and the group page
// read one shape. It is the one answer of this API whose durations are
// seconds (a countdown needs them) and whose times keep sub-second
// precision; its times are in the meeting's time zone, like the rest.
type Live = control.LiveState

// TurnRequest names the person for skip and extra-turn.
type TurnRequest struct {
	Person string `json:"person"`
}

func (r *TurnRequest) validate() error {
	if r.Person == "" {
		return invalid("person", "is required: the person's ID")
	}
	return nil
}

// OrderRequest is the new order of a round's waiting turns.
type OrderRequest struct {
	Order []string `json:"order"`
}

func (r *OrderRequest) validate() error {
	if r.Order == nil {
		return invalid("order", "is required: the person IDs of the waiting turns, in their new order")
	}
	return nil
}

// ExtendRequest adds minutes to the current phase, or the running turn.
type ExtendRequest struct {
	Minutes *Minutes `json:"minutes"`
}

func (r *ExtendRequest) validate() error {
	if r.Minutes == nil {
		return invalid("minutes", "is required: 1–60")
	}
	return nil
}

// TaskRequest sets a meeting's task for the next one; "" removes it.
type TaskRequest struct {
	Text *string `json:"text"`
}

func (r *TaskRequest) validate() error {
	if r.Text == nil {
		return invalid("text", `is required: the task, or "" to remove it`)
	}
	return nil
}

// TaskNoteRequest is a member's word on the current task.
type TaskNoteRequest struct {
	Done   bool   `json:"done"`
	Note   string `json:"note"`
	Shared bool   `json:"shared"` // false: only the member sees it
}

// FeedbackRequest answers "how useful was this meeting for you".
type FeedbackRequest struct {
	Score   *int   `json:"score"` // 1–5
	Comment string `json:"comment"`
}

func (r *FeedbackRequest) validate() error {
	if r.Score == nil {
		return invalid("score", "is required: 1–5")
	}
	return nil
}

// Task is a meeting's task as the viewer sees it. Times are in the
// meeting's time zone.
type Task struct {
	MeetingID string `json:"meetingId"` // where it was set
	Number    int    `json:"number"`    // of that meeting
	Text      string `json:"text"`
	Set       string `json:"set"`
	By        string `json:"by,omitempty"`
	// Current: the group's current task; members may still write about
	// it.
	Current bool `json:"current"`
	// Shared are the notes their writers shared with the group.
	Shared []SharedNote `json:"shared"`
	// Mine is the viewer's own note, private or shared.
	Mine *MyNote `json:"mine,omitempty"`
}

// SharedNote is a note shared with the group.
type SharedNote struct {
	PersonID string `json:"personId"`
	Name     string `json:"name"`
	Done     bool   `json:"done"`
	Note     string `json:"note,omitempty"`
	Updated  string `json:"updated"`
}

// MyNote is the viewer's own note.
type MyNote struct {
	Done    bool   `json:"done"`
	Note    string `json:"note,omitempty"`
	Shared  bool   `json:"shared"`
	Updated string `json:"updated"`
}

// CurrentTask is the group's current task, null when there is none.
type CurrentTask struct {
	Task *Task `json:"task"`
}

// Feedback is a meeting's feedback: the count, and the average once at
// least three answered; the comments (unattributed, sorted) only for the
// admin, from three answers, absent for everyone else.
type Feedback struct {
	MeetingID string   `json:"meetingId"`
	Number    int      `json:"number"`
	Count     int      `json:"count"`
	Shown     bool     `json:"shown"`
	Average   *float64 `json:"average"` // null until shown
	Comments  []string `json:"comments,omitempty"`
	Open      bool     `json:"open"`
	Opens     string   `json:"opens,omitempty"`
	Closes    string   `json:"closes,omitempty"`
	// CanAnswer: the viewer may answer now; Answered: they have.
	CanAnswer bool `json:"canAnswer"`
	Answered  bool `json:"answered"`
}

// GroupFeedback is the feedback of the group's ended meetings, and over
// all of them.
type GroupFeedback struct {
	Meetings []Feedback `json:"meetings"`
	Count    int        `json:"count"`
	Shown    bool       `json:"shown"`
	Average  *float64   `json:"average"`
}

func taskOut(v control.TaskView) Task {
	loc := zoneOf(v.TimeZone)
	out := Task{MeetingID: v.MeetingID, Number: v.Number, Text: v.Text, Set: ts(v.Set, loc), By: v.By, Current: v.Current, Shared: []SharedNote{}}
	for _, n := range v.Shared {
		out.Shared = append(out.Shared, SharedNote{PersonID: n.PersonID, Name: n.Name, Done: n.Done, Note: n.Note, Updated: ts(n.Updated, loc)})
	}
	if n := v.Mine; n != nil {
		out.Mine = &MyNote{Done: n.Done, Note: n.Note, Shared: n.Shared, Updated: ts(n.Updated, loc)}
	}
	return out
}

func feedbackOut(v control.FeedbackSummary) Feedback {
	loc := zoneOf(v.TimeZone)
	out := Feedback{
		MeetingID: v.MeetingID, Number: v.Number, Count: v.Count, Shown: v.Shown, Comments: slices.Clone(v.Comments),
		Open: v.Open, Opens: ts(v.Opens, loc), Closes: ts(v.Closes, loc), CanAnswer: v.CanAnswer, Answered: v.Answered,
	}
	if v.Shown {
		avg := v.Average
		out.Average = &avg
	}
	return out
}

func (a *API) live(c *call) (Live, error) {
	return a.svc.LiveState(c.ctx, c.p, c.pathValue("meeting"))
}

func (a *API) nextPhase(c *call) (Live, error) {
	return a.svc.NextPhase(c.ctx, c.p, c.pathValue("meeting"))
}

func (a *API) previousPhase(c *call) (Live, error) {
	return a.svc.PreviousPhase(c.ctx, c.p, c.pathValue("meeting"))
}

func (a *API) nextSpeaker(c *call) (Live, error) {
	return a.svc.NextSpeaker(c.ctx, c.p, c.pathValue("meeting"))
}

func (a *API) pass(c *call) (Live, error) {
	return a.svc.Pass(c.ctx, c.p, c.pathValue("meeting"))
}

func (a *API) skip(c *call, in *TurnRequest) (Live, error) {
	return a.svc.Skip(c.ctx, c.p, c.pathValue("meeting"), in.Person)
}

func (a *API) extraTurn(c *call, in *TurnRequest) (Live, error) {
	return a.svc.ExtraTurn(c.ctx, c.p, c.pathValue("meeting"), in.Person)
}

func (a *API) reorder(c *call, in *OrderRequest) (Live, error) {
	return a.svc.Reorder(c.ctx, c.p, c.pathValue("meeting"), in.Order)
}

func (a *API) extend(c *call, in *ExtendRequest) (Live, error) {
	d, err := in.Minutes.duration("minutes")
	if err != nil {
		return Live{}, err
	}
	st, err := a.svc.Extend(c.ctx, c.p, c.pathValue("meeting"), d)
	return st, renamed(err, map[string]string{"by": "minutes"})
}

func (a *API) setTask(c *call, in *TaskRequest) (Live, error) {
	return a.svc.SetTask(c.ctx, c.p, c.pathValue("meeting"), *in.Text)
}

func (a *API) meetingTask(c *call) (Task, error) {
	v, err := a.svc.MeetingTask(c.ctx, c.p, c.pathValue("meeting"))
	return taskOut(v), err
}

func (a *API) currentTask(c *call) (CurrentTask, error) {
	v, err := a.svc.CurrentTask(c.ctx, c.p, c.pathValue("group"))
	if err != nil || v == nil {
		return CurrentTask{}, err
	}
	t := taskOut(*v)
	return CurrentTask{Task: &t}, nil
}

func (a *API) writeTaskNote(c *call, in *TaskNoteRequest) (Task, error) {
	v, err := a.svc.WriteTaskNote(c.ctx, c.p, c.pathValue("meeting"), control.TaskNoteInput{Done: in.Done, Note: in.Note, Shared: in.Shared})
	return taskOut(v), err
}

func (a *API) submitFeedback(c *call, in *FeedbackRequest) (Feedback, error) {
	mid := c.pathValue("meeting")
	if err := a.svc.SubmitFeedback(c.ctx, c.p, mid, *in.Score, in.Comment); err != nil {
		return Feedback{}, err
	}
	return a.meetingFeedback(c)
}

func (a *API) meetingFeedback(c *call) (Feedback, error) {
	v, err := a.svc.MeetingFeedback(c.ctx, c.p, c.pathValue("meeting"))
	return feedbackOut(v), err
}

func (a *API) groupFeedback(c *call) (GroupFeedback, error) {
	v, err := a.svc.Feedback(c.ctx, c.p, c.pathValue("group"))
	if err != nil {
		return GroupFeedback{}, err
	}
	out := GroupFeedback{Meetings: make([]Feedback, 0, len(v.Meetings)), Count: v.Count, Shown: v.Shown}
	for _, m := range v.Meetings {
		out.Meetings = append(out.Meetings, feedbackOut(m))
	}
	if v.Shown {
		avg := v.Average
		out.Average = &avg
	}
	return out, nil
}
