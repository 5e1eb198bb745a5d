package control

import (
	"context"
	"time"
)

// Tasks between meetings. The facilitator (or the meeting's chair) sets a
// meeting's task while it runs, in its closing phase usually, or on the
// group page after it ended. The group's current task is the one of the
// meeting that ended last: members see it on their page until the next
// meeting, whose task review shows it, and until that meeting ends they
// may mark it done and write a short note about it, private (only they
// see it) or shared with the group (everyone in the group sees it, named,
// and the task review shows it). They may change both, and the choice,
// until then. Nobody else sees a private note, not the facilitator and
// not the admin through the API.

// Task is a meeting's task for the next one, with the members' notes.
type Task struct {
	Text  string              `json:"text"`
	Set   time.Time           `json:"set"`
	By    string              `json:"by,omitempty"`    // person ID, "" for an admin
	Notes map[string]TaskNote `json:"notes,omitempty"` // by person ID
}

// TaskNote is one member's word on a task.
type TaskNote struct {
	Done    bool      `json:"done"`
	Note    string    `json:"note,omitempty"`
	Shared  bool      `json:"shared,omitempty"`
	Updated time.Time `json:"updated"`
}

// TaskNoteInput is what a member writes about a task.
type TaskNoteInput struct {
	Done   bool
	Note   string // at most 1000 bytes; "" for none
	Shared bool   // false: only the member sees it
}

// TaskView is a task as one principal sees it.
type TaskView struct {
	MeetingID string    `json:"meetingId"` // where it was set
	Number    int       `json:"number"`    // of that meeting
	Text      string    `json:"text"`
	Set       time.Time `json:"set"`
	By        string    `json:"by,omitempty"`
	TimeZone  string    `json:"timeZone"` // the meeting's
	// Current: the group's current task, which members may still write
	// about.
	Current bool `json:"current"`
	// Shared are the notes their writers shared, by name.
	Shared []SharedNote `json:"shared"`
	// Mine is the viewer's own note, private or shared; nil if none.
	Mine *TaskNote `json:"mine,omitempty"`
}

// lastEnded is the group's meeting that ended last, or nil.
func lastEnded(meetings []Meeting) *Meeting {
	var best *Meeting
	for i := range meetings {
		if m := &meetings[i]; m.State == StateEnded && (best == nil || m.Ended.After(best.Ended)) {
			best = m
		}
	}
	return best
}

// SetTask sets the task meeting sets for the next one; "" removes it
// (ErrConflict once members have written about it). Those who may run the
// meeting, while it runs or, once it ended, while it is the group's
// meeting that ended last (ErrTaskClosed after that). Text is at most 2000
// bytes. It answers the meeting's live state.
func (s *Service) SetTask(ctx context.Context, p Principal, meetingID, text string) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(c *liveCtx, a actor) error {
		text, err := cleanText("text", text, maxTaskLen, false, true)
		if err != nil {
			return err
		}
		m := c.m
		switch m.State {
		case StateRunning:
		case StateEnded:
			meetings, err := c.tx.Meetings(m.GroupID)
			if err != nil {
				return err
			}
			if last := lastEnded(meetings); last == nil || last.ID != m.ID {
				return wrapf(ErrTaskClosed, "a later meeting has ended since")
			}
			// A meeting open or running now reviews this task.
			for _, o := range meetings {
				if o.State.RoomOpen() {
					c.also = append(c.also, o.ID)
				}
			}
		default:
			return wrapf(ErrTransition, "a task is set in a running or ended meeting; this one is %s", m.State)
		}
		switch {
		case text == "" && m.Task != nil && len(m.Task.Notes) > 0:
			return wrapf(ErrConflict, "members have written about the task; change it instead")
		case text == "":
			m.Task = nil
		case m.Task == nil:
			m.Task = &Task{Text: text, Set: c.now, By: a.id()}
		default:
			m.Task.Text, m.Task.Set, m.Task.By = text, c.now, a.id()
		}
		return nil
	})
}

// CurrentTask returns the group's current task, nil if there is none.
// Any person of the group, or an admin.
func (s *Service) CurrentTask(ctx context.Context, p Principal, groupID string) (*TaskView, error) {
	var v *TaskView
	err := s.view(ctx, func(tx Tx) error {
		g, a, err := loadGroup(tx, p, groupID)
		if err != nil {
			return err
		}
		meetings, err := tx.Meetings(g.ID)
		if err != nil {
			return err
		}
		if last := lastEnded(meetings); last != nil && last.Task != nil {
			tv, err := taskView(tx, g, meetings, *last, a)
			v = &tv
			return err
		}
		return nil
	})
	return v, err
}

// MeetingTask returns the task set in a meeting (ErrNotFound if none).
// Any person of the group, or an admin.
func (s *Service) MeetingTask(ctx context.Context, p Principal, meetingID string) (TaskView, error) {
	var v TaskView
	err := s.view(ctx, func(tx Tx) error {
		m, g, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		if m.Task == nil {
			return wrapf(ErrNotFound, "meeting %s has no task", m.ID)
		}
		meetings, err := tx.Meetings(g.ID)
		if err != nil {
			return err
		}
		v, err = taskView(tx, g, meetings, m, a)
		return err
	})
	return v, err
}

func taskView(tx Tx, g Group, meetings []Meeting, m Meeting, a actor) (TaskView, error) {
	people, err := tx.People(g.ID)
	if err != nil {
		return TaskView{}, err
	}
	byID := map[string]Person{}
	for _, p := range people {
		byID[p.ID] = p
	}
	sortMeetings(meetings)
	n, number := 0, 0
	for _, o := range meetings {
		if o.State != StateCancelled {
			n++
		}
		if o.ID == m.ID {
			number = n
		}
	}
	last := lastEnded(meetings)
	v := TaskView{
		MeetingID: m.ID, Number: number, Text: m.Task.Text, Set: m.Task.Set, By: m.Task.By, TimeZone: m.TimeZone,
		Current: last != nil && last.ID == m.ID, Shared: sharedNotes(m, byID),
	}
	if v.Shared == nil {
		v.Shared = []SharedNote{}
	}
	if note, ok := m.Task.Notes[a.id()]; ok && !a.admin {
		v.Mine = &note
	}
	return v, nil
}

// WriteTaskNote records the acting member's note on the task of a
// meeting, replacing their earlier one. Members only (ErrForbidden for
// others); the task must be the group's current one (ErrTaskClosed) and
// exist (ErrNotFound).
func (s *Service) WriteTaskNote(ctx context.Context, p Principal, meetingID string, in TaskNoteInput) (TaskView, error) {
	var v TaskView
	var ch changes
	err := s.update(ctx, func(tx Tx) error {
		m, g, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		if a.admin || a.person.Role != RoleMember {
			return wrapf(ErrForbidden, "only members write about their task")
		}
		if m.Task == nil {
			return wrapf(ErrNotFound, "meeting %s has no task", m.ID)
		}
		meetings, err := tx.Meetings(g.ID)
		if err != nil {
			return err
		}
		if last := lastEnded(meetings); last == nil || last.ID != m.ID {
			return wrapf(ErrTaskClosed, "the next meeting has ended since this task was set")
		}
		note, err := cleanText("note", in.Note, maxTaskNoteLen, false, true)
		if err != nil {
			return err
		}
		if m.Task.Notes == nil {
			m.Task.Notes = map[string]TaskNote{}
		}
		was, had := m.Task.Notes[a.id()]
		m.Task.Notes[a.id()] = TaskNote{Done: in.Done, Note: note, Shared: in.Shared, Updated: s.now()}
		if err := tx.PutMeeting(m); err != nil {
			return err
		}
		// The task review of a meeting open or running now shows shared
		// notes: it changes when a shared note does.
		if in.Shared || had && was.Shared {
			var ids []string
			for _, o := range meetings {
				if o.State.RoomOpen() {
					ids = append(ids, o.ID)
				}
			}
			if err := s.refresh(tx, ids, &ch); err != nil {
				return err
			}
		}
		meetings, err = tx.Meetings(g.ID)
		if err != nil {
			return err
		}
		v, err = taskView(tx, g, meetings, m, a)
		return err
	})
	s.tell(err, &ch)
	return v, err
}
