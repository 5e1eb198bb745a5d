package api

import (
	"fmt"
	"time"

	"piiri/control"
)

// MeetingRequest plans one meeting.
type MeetingRequest struct {
	// Start is RFC 3339 with an offset, or a local time
	// ("2026-03-09T09:00") in TimeZone.
	Start           string   `json:"start"`
	TimeZone        string   `json:"timeZone"`        // default the group's
	DurationMinutes *Minutes `json:"durationMinutes"` // default the group's
	Theme           string   `json:"theme"`
}

// PlanRequest plans the rest of the programme from the group's cadence.
type PlanRequest struct {
	First string `json:"first"` // the first meeting's start, as MeetingRequest.Start
}

// MeetingPatch changes a meeting's duration, theme or phases.
type MeetingPatch struct {
	DurationMinutes *Minutes `json:"durationMinutes"`
	Theme           *string  `json:"theme"`
	Phases          *[]Phase `json:"phases"`
}

// MoveRequest gives a planned meeting a new start.
type MoveRequest struct {
	Start    string `json:"start"`
	TimeZone string `json:"timeZone"` // default the meeting's
}

// ChairRequest hands the facilitator role for one meeting to a member;
// "to": "" takes it back.
type ChairRequest struct {
	To *string `json:"to"`
}

func (r *ChairRequest) validate() error {
	if r.To == nil {
		return invalid("to", `is required: the member's ID, or "" to take the role back`)
	}
	return nil
}

// ThemeChoice makes a proposed theme the meeting's.
type ThemeChoice struct {
	ProposalID string `json:"proposalId"`
}

func (r *ThemeChoice) validate() error {
	if r.ProposalID == "" {
		return invalid("proposalId", "is required")
	}
	return nil
}

// RSVPRequest is an answer for a meeting.
type RSVPRequest struct {
	Answer string `json:"answer"` // coming, not_coming, maybe
}

func (r *RSVPRequest) validate() error {
	if r.Answer == "" {
		return invalid("answer", "is required: coming, not_coming or maybe")
	}
	return nil
}

// zoneIn resolves a request's time zone name, or def when it is "".
func zoneIn(field, name, def string) (*time.Location, string, error) {
	if name == "" {
		name = def
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return nil, "", invalid(field, fmt.Sprintf("unknown time zone %q", name))
	}
	return loc, name, nil
}

// meetingResult answers a change with the meeting as the group sees it.
func (a *API) meetingResult(c *call, m control.Meeting, err error) (Meeting, error) {
	if err != nil {
		return Meeting{}, err
	}
	mv, err := a.svc.Meeting(c.ctx, c.p, m.ID)
	return meetingOut(mv), err
}

func (a *API) programme(c *call) (Programme, error) {
	pv, err := a.svc.Programme(c.ctx, c.p, c.pathValue("group"))
	return programmeOut(pv), err
}

func (a *API) addMeeting(c *call, in *MeetingRequest) (Meeting, error) {
	gid := c.pathValue("group")
	gv, err := a.svc.Group(c.ctx, c.p, gid)
	if err != nil {
		return Meeting{}, err
	}
	loc, zone, err := zoneIn("timeZone", in.TimeZone, gv.Group.TimeZone)
	if err != nil {
		return Meeting{}, err
	}
	start, err := parseTime("start", in.Start, loc)
	if err != nil {
		return Meeting{}, err
	}
	var d time.Duration
	if in.DurationMinutes != nil {
		if d, err = in.DurationMinutes.duration("durationMinutes"); err != nil {
			return Meeting{}, err
		}
	}
	m, err := a.svc.AddMeeting(c.ctx, c.p, gid, control.MeetingInput{Start: start, TimeZone: zone, Duration: d, Theme: in.Theme})
	return a.meetingResult(c, m, renamed(err, meetingFields))
}

func (a *API) planProgramme(c *call, in *PlanRequest) (Programme, error) {
	gid := c.pathValue("group")
	gv, err := a.svc.Group(c.ctx, c.p, gid)
	if err != nil {
		return Programme{}, err
	}
	first, err := parseTime("first", in.First, zoneOf(gv.Group.TimeZone))
	if err != nil {
		return Programme{}, err
	}
	if _, err := a.svc.PlanProgramme(c.ctx, c.p, gid, first); err != nil {
		return Programme{}, err
	}
	return a.programme(c)
}

func (a *API) meeting(c *call) (Meeting, error) {
	mv, err := a.svc.Meeting(c.ctx, c.p, c.pathValue("meeting"))
	return meetingOut(mv), err
}

func (a *API) updateMeeting(c *call, in *MeetingPatch) (Meeting, error) {
	var patch control.MeetingPatch
	var err error
	if patch.Duration, err = optMinutes("durationMinutes", in.DurationMinutes); err != nil {
		return Meeting{}, err
	}
	patch.Theme = in.Theme
	if in.Phases != nil {
		ps, err := phasesIn(*in.Phases)
		if err != nil {
			return Meeting{}, err
		}
		patch.Phases = &ps
	}
	m, err := a.svc.UpdateMeeting(c.ctx, c.p, c.pathValue("meeting"), patch)
	return a.meetingResult(c, m, renamed(err, meetingFields))
}

func (a *API) moveMeeting(c *call, in *MoveRequest) (Meeting, error) {
	mv, err := a.svc.Meeting(c.ctx, c.p, c.pathValue("meeting"))
	if err != nil {
		return Meeting{}, err
	}
	loc, zone, err := zoneIn("timeZone", in.TimeZone, mv.Meeting.TimeZone)
	if err != nil {
		return Meeting{}, err
	}
	start, err := parseTime("start", in.Start, loc)
	if err != nil {
		return Meeting{}, err
	}
	m, err := a.svc.MoveMeeting(c.ctx, c.p, mv.Meeting.ID, start, zone)
	return a.meetingResult(c, m, err)
}

func (a *API) cancelMeeting(c *call) (Meeting, error) {
	m, err := a.svc.CancelMeeting(c.ctx, c.p, c.pathValue("meeting"))
	return a.meetingResult(c, m, err)
}

func (a *API) openMeeting(c *call) (Meeting, error) {
	m, err := a.svc.OpenMeeting(c.ctx, c.p, c.pathValue("meeting"))
	return a.meetingResult(c, m, err)
}

func (a *API) startMeeting(c *call) (Meeting, error) {
	m, err := a.svc.StartMeeting(c.ctx, c.p, c.pathValue("meeting"))
	return a.meetingResult(c, m, err)
}

func (a *API) endMeeting(c *call) (Meeting, error) {
	m, err := a.svc.EndMeeting(c.ctx, c.p, c.pathValue("meeting"))
	return a.meetingResult(c, m, err)
}

func (a *API) setChair(c *call, in *ChairRequest) (Meeting, error) {
	m, err := a.svc.HandOverMeeting(c.ctx, c.p, c.pathValue("meeting"), *in.To)
	return a.meetingResult(c, m, err)
}

func (a *API) chooseTheme(c *call, in *ThemeChoice) (Meeting, error) {
	m, err := a.svc.ChooseTheme(c.ctx, c.p, c.pathValue("meeting"), in.ProposalID)
	return a.meetingResult(c, m, err)
}

func (a *API) setRSVP(c *call, in *RSVPRequest) (Meeting, error) {
	m, err := a.svc.SetRSVP(c.ctx, c.p, c.pathValue("meeting"), c.pathValue("person"), control.Answer(in.Answer))
	return a.meetingResult(c, m, err)
}

func (a *API) attendance(c *call) (Attendance, error) {
	mid := c.pathValue("meeting")
	v, err := a.svc.Attendance(c.ctx, c.p, mid)
	if err != nil {
		return Attendance{}, err
	}
	mv, err := a.svc.Meeting(c.ctx, c.p, mid)
	return attendanceOut(v, mv.Meeting), err
}
