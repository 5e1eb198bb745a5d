package control

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"
)

// Feedback after a meeting: each member who was there answers "how
// useful was this meeting for you", 1–5, with an optional comment, once.
// Facilitators do not answer (the question evaluates the peer meeting for
// its members, and a facilitator who answered could subtract their own
// score from the average); observers neither.
//
// Nobody can see who said what: not the facilitator, not an admin, not
// the API. The stored record keeps who answered (to refuse a second
// answer) apart from the answers, which carry no person and no time and
// are kept sorted by score and comment, so their order says nothing about
// who answered when. The API shows the count at once, and the average only
// once at least FeedbackShownAt people answered, since with one or two
// answers a member who answered could work out the others'. The group and
// its facilitators see only the average and the count, as members are
// told; the comments (unattributed, sorted) go only to the admin, the
// programme's staff who evaluate it, and also only from FeedbackShownAt
// answers. A person sees only whether they answered.
//
// Feedback opens when the meeting ends and closes when the group's next
// meeting starts, or FeedbackWindow after the end, whichever is first.

// FeedbackShownAt is how many answers a meeting needs before its average
// and comments are shown.
const FeedbackShownAt = 3

// FeedbackWindow is the longest feedback stays open after a meeting.
const FeedbackWindow = 14 * 24 * time.Hour

// Feedback is a meeting's feedback as stored.
type Feedback struct {
	// Answered are the people who answered, sorted: only to refuse a
	// second answer, and never shown beside the answers.
	Answered []string `json:"answered,omitempty"`
	// Answers carry no person and no time, sorted by score and comment.
	Answers []FeedbackAnswer `json:"answers,omitempty"`
}

// FeedbackAnswer is one anonymous answer.
type FeedbackAnswer struct {
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

// FeedbackSummary is a meeting's feedback as the group sees it.
type FeedbackSummary struct {
	MeetingID string `json:"meetingId"`
	Number    int    `json:"number"`
	Count     int    `json:"count"`
	// Shown: Count reached FeedbackShownAt, so Average is given (and
	// Comments, to the admin).
	Shown   bool    `json:"shown"`
	Average float64 `json:"average,omitempty"` // to two decimals
	// Comments: only for the admin, only once Shown; sorted, with no
	// person. Nil for everyone else.
	Comments []string `json:"comments,omitempty"`
	// Open: answers are taken now, from Opens until Closes.
	Open     bool      `json:"open"`
	Opens    time.Time `json:"opens,omitzero"`
	Closes   time.Time `json:"closes,omitzero"`
	TimeZone string    `json:"timeZone"` // the meeting's
	// CanAnswer: the viewer is a member who was at the meeting and has
	// not answered, and feedback is open. Answered: they have answered.
	CanAnswer bool `json:"canAnswer"`
	Answered  bool `json:"answered"`
}

// GroupFeedback is the feedback of a group's ended meetings, and over all
// of them (shown, like a meeting's, from FeedbackShownAt answers).
type GroupFeedback struct {
	Meetings []FeedbackSummary `json:"meetings"` // by start
	Count    int               `json:"count"`
	Shown    bool              `json:"shown"`
	Average  float64           `json:"average,omitempty"`
}

// feedbackWindow is when m's feedback is open: from its end until the
// next of the group's meetings starts, or the window's length.
func feedbackWindow(m Meeting, meetings []Meeting) (opens, closes time.Time) {
	if m.State != StateEnded {
		return time.Time{}, time.Time{}
	}
	opens, closes = m.Ended, m.Ended.Add(FeedbackWindow)
	for _, o := range meetings {
		if o.ID != m.ID && !o.Started.IsZero() && !o.Started.Before(m.Ended) && o.Started.Before(closes) {
			closes = o.Started
		}
	}
	return opens, closes
}

// SubmitFeedback records the acting member's answer for an ended meeting
// they were at: score 1–5, comment optional (at most 1000 bytes).
// ErrForbidden for anyone but a member; ErrFeedbackClosed outside the
// window; ErrForbidden for a member who was not there;
// ErrAlreadyAnswered for a second answer.
func (s *Service) SubmitFeedback(ctx context.Context, p Principal, meetingID string, score int, comment string) error {
	return s.update(ctx, func(tx Tx) error {
		m, g, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		if a.admin || a.person.Role != RoleMember {
			return wrapf(ErrForbidden, "only members give feedback")
		}
		meetings, err := tx.Meetings(g.ID)
		if err != nil {
			return err
		}
		opens, closes := feedbackWindow(m, meetings)
		if now := s.now(); opens.IsZero() || now.Before(opens) || !now.Before(closes) {
			return ErrFeedbackClosed
		}
		if len(m.Attendance[a.id()]) == 0 {
			return wrapf(ErrForbidden, "only members who were at the meeting give feedback on it")
		}
		if score < 1 || score > 5 {
			return invalid("score", "must be 1–5")
		}
		if comment, err = cleanText("comment", comment, maxFeedbackText, false, true); err != nil {
			return err
		}
		if m.Feedback == nil {
			m.Feedback = &Feedback{}
		}
		fb := m.Feedback
		i, found := slices.BinarySearch(fb.Answered, a.id())
		if found {
			return ErrAlreadyAnswered
		}
		fb.Answered = slices.Insert(fb.Answered, i, a.id())
		fb.Answers = append(fb.Answers, FeedbackAnswer{Score: score, Comment: comment})
		slices.SortFunc(fb.Answers, func(x, y FeedbackAnswer) int {
			return cmp.Or(cmp.Compare(x.Score, y.Score), strings.Compare(x.Comment, y.Comment))
		})
		return tx.PutMeeting(m)
	})
}

// MeetingFeedback returns a meeting's feedback summary. Any person of the
// group, or an admin.
func (s *Service) MeetingFeedback(ctx context.Context, p Principal, meetingID string) (FeedbackSummary, error) {
	var v FeedbackSummary
	err := s.view(ctx, func(tx Tx) error {
		m, g, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		meetings, err := tx.Meetings(g.ID)
		if err != nil {
			return err
		}
		sortMeetings(meetings)
		v = s.feedbackSummary(m, meetings, a)
		return nil
	})
	return v, err
}

// Feedback returns the feedback of a group's ended meetings. Any person
// of the group, or an admin.
func (s *Service) Feedback(ctx context.Context, p Principal, groupID string) (GroupFeedback, error) {
	v := GroupFeedback{Meetings: []FeedbackSummary{}}
	err := s.view(ctx, func(tx Tx) error {
		g, a, err := loadGroup(tx, p, groupID)
		if err != nil {
			return err
		}
		meetings, err := tx.Meetings(g.ID)
		if err != nil {
			return err
		}
		sortMeetings(meetings)
		var all []FeedbackAnswer
		for _, m := range meetings {
			if m.State != StateEnded {
				continue
			}
			v.Meetings = append(v.Meetings, s.feedbackSummary(m, meetings, a))
			if m.Feedback != nil {
				all = append(all, m.Feedback.Answers...)
			}
		}
		v.Count = len(all)
		if v.Shown = v.Count >= FeedbackShownAt; v.Shown {
			v.Average = average(all)
		}
		return nil
	})
	return v, err
}

// feedbackSummary; meetings are the group's, sorted.
func (s *Service) feedbackSummary(m Meeting, meetings []Meeting, a actor) FeedbackSummary {
	v := FeedbackSummary{MeetingID: m.ID, TimeZone: m.TimeZone}
	n := 0
	for _, o := range meetings {
		if o.State != StateCancelled {
			n++
		}
		if o.ID == m.ID {
			v.Number = n
		}
	}
	v.Opens, v.Closes = feedbackWindow(m, meetings)
	now := s.now()
	v.Open = !v.Opens.IsZero() && !now.Before(v.Opens) && now.Before(v.Closes)
	var answers []FeedbackAnswer
	if m.Feedback != nil {
		answers = m.Feedback.Answers
		_, v.Answered = slices.BinarySearch(m.Feedback.Answered, a.id())
		v.Answered = v.Answered && !a.admin
	}
	v.Count = len(answers)
	if v.Shown = v.Count >= FeedbackShownAt; v.Shown {
		v.Average = average(answers)
	}
	if v.Shown && a.admin {
		v.Comments = []string{}
		for _, ans := range answers {
			if ans.Comment != "" {
				v.Comments = append(v.Comments, ans.Comment)
			}
		}
		slices.Sort(v.Comments)
	}
	v.CanAnswer = v.Open && !a.admin && a.person.Role == RoleMember && len(m.Attendance[a.id()]) > 0 && !v.Answered
	return v
}

func average(answers []FeedbackAnswer) float64 {
	if len(answers) == 0 {
		return 0
	}
	sum := 0
	for _, a := range answers {
		sum += a.Score
	}
	return math.Round(float64(sum)/float64(len(answers))*100) / 100
}
