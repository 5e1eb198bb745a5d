package api

import "time"

// PollRequest proposes 2–4 alternative times for a planned meeting.
type PollRequest struct {
	// Starts as MeetingRequest.Start; local times are in the meeting's
	// zone.
	Starts []string `json:"starts"`
}

func (r *PollRequest) validate() error {
	if len(r.Starts) < 2 || len(r.Starts) > 4 {
		return invalid("starts", "must be 2–4 times")
	}
	return nil
}

// MarksRequest says which of the poll's options (by index) suit the
// acting person; [] means none does.
type MarksRequest struct {
	Suits []int `json:"suits"`
}

func (r *MarksRequest) validate() error {
	if r.Suits == nil {
		return invalid("suits", "is required: the indexes of the times that suit you ([] for none)")
	}
	return nil
}

// PickRequest closes the poll with one option, moving the meeting there.
type PickRequest struct {
	Option *int `json:"option"`
}

func (r *PickRequest) validate() error {
	if r.Option == nil {
		return invalid("option", "is required: the index of the chosen time")
	}
	if *r.Option < 0 {
		return invalid("option", "must be an index, 0 or more")
	}
	return nil
}

func (a *API) proposeTimes(c *call, in *PollRequest) (Meeting, error) {
	mv, err := a.svc.Meeting(c.ctx, c.p, c.pathValue("meeting"))
	if err != nil {
		return Meeting{}, err
	}
	loc := zoneOf(mv.Meeting.TimeZone)
	starts := make([]time.Time, 0, len(in.Starts))
	for i, s := range in.Starts {
		t, err := parseTime(fieldIndex("starts", i), s, loc)
		if err != nil {
			return Meeting{}, err
		}
		starts = append(starts, t)
	}
	m, err := a.svc.ProposeTimes(c.ctx, c.p, mv.Meeting.ID, starts)
	return a.meetingResult(c, m, err)
}

func (a *API) markTimes(c *call, in *MarksRequest) (Meeting, error) {
	m, err := a.svc.MarkTimes(c.ctx, c.p, c.pathValue("meeting"), in.Suits)
	return a.meetingResult(c, m, err)
}

func (a *API) pickTime(c *call, in *PickRequest) (Meeting, error) {
	m, err := a.svc.PickTime(c.ctx, c.p, c.pathValue("meeting"), *in.Option)
	return a.meetingResult(c, m, err)
}

func (a *API) withdrawPoll(c *call) (Meeting, error) {
	m, err := a.svc.WithdrawPoll(c.ctx, c.p, c.pathValue("meeting"))
	return a.meetingResult(c, m, err)
}
