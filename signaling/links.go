package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"piiri/control"
)

// Links admits the people of mentoring groups by their personal link
// tokens, through the control plane, into the room of their group's open
// meeting, and reports their presence there for attendance. A join
// without a token falls back to Ad-hoc (the shared room key), so trial
// rooms keep working beside the groups. This file is the only one in
// signalling that knows of control.
type Links struct {
	Control *control.Service
	AdHoc   Admission
	Logger  *slog.Logger
	// Tracks, if set, hears of the tracks the people of meetings
	// publish, so that those who consent can be recorded.
	Tracks MeetingTracks
}

// MeetingTracks hears which person publishes which track in which
// meeting's room. Its methods are called from the room's media event
// goroutine, in the order the media plane saw the tracks, and should
// return promptly.
type MeetingTracks interface {
	Published(meetingID, personID string, t MediaTrack)
	Unpublished(meetingID, personID string, t MediaTrack)
}

// Admit implements Admission.
func (l Links) Admit(ctx context.Context, req AdmitRequest) (Admitted, error) {
	if req.Token == "" {
		return l.AdHoc.Admit(ctx, req)
	}
	a, err := l.Control.Admit(ctx, req.Token)
	switch {
	case err == nil:
	case errors.Is(err, control.ErrUnauthenticated):
		return Admitted{}, fmt.Errorf("this personal link is unknown or has been revoked; ask your facilitator for a new one: %w", ErrUnauthorized)
	case errors.Is(err, control.ErrMeetingNotOpen):
		return Admitted{}, errorf(CodeMeetingNotOpen, "the meeting's room is not open yet; the facilitator opens it shortly before the start")
	case errors.Is(err, control.ErrAgreementNotAccepted):
		return Admitted{}, errorf(CodeAgreementRequired, "accept the group's agreement on your group page before you join")
	case errors.Is(err, control.ErrForbidden):
		return Admitted{}, errorf(CodeForbidden, "this link does not join meetings")
	default:
		return Admitted{}, fmt.Errorf("signaling: admit a personal link: %w", err)
	}
	role := Role(a.Role)
	if a.Facilitating {
		role = RoleFacilitator
	}
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return Admitted{
		Room:     a.RoomName,
		Private:  true,
		Name:     a.Name,
		PersonID: a.PersonID,
		Role:     role,
		Meeting:  meetingPresence{c: l.Control, meetingID: a.MeetingID, tracks: l.Tracks, log: log.With("meeting", a.MeetingID)},
		MeetingInfo: &MeetingInfo{
			GroupName: a.GroupName,
			Number:    a.Number,
			Of:        a.Of,
			Theme:     a.Theme,
			State:     string(a.State),
		},
	}, nil
}

// meetingPresence reports one meeting's presence to the control plane.
// Failures are logged: attendance is kept by the control plane, and a
// meeting goes on even when its record cannot be written.
type meetingPresence struct {
	c         *control.Service
	meetingID string
	tracks    MeetingTracks // may be nil
	log       *slog.Logger
}

// Published implements Meeting.
func (m meetingPresence) Published(p Presence, t MediaTrack) {
	if m.tracks != nil && p.PersonID != "" {
		m.tracks.Published(m.meetingID, p.PersonID, t)
	}
}

// Unpublished implements Meeting.
func (m meetingPresence) Unpublished(p Presence, t MediaTrack) {
	if m.tracks != nil && p.PersonID != "" {
		m.tracks.Unpublished(m.meetingID, p.PersonID, t)
	}
}

func (m meetingPresence) Joined(p Presence) {
	m.report("joined", m.c.Joined(context.Background(), m.meetingID, p.PersonID, p.At))
}

func (m meetingPresence) Resumed(p Presence) {
	m.report("resumed", m.c.Resumed(context.Background(), m.meetingID, p.PersonID, p.At))
}

func (m meetingPresence) Left(p Presence, _ string) {
	m.report("left", m.c.Left(context.Background(), m.meetingID, p.PersonID, p.At))
}

// Spoke implements Meeting.
func (m meetingPresence) Spoke(p Presence, from, to time.Time) {
	m.report("spoke", m.c.Spoke(context.Background(), m.meetingID, p.PersonID, from, to))
}

// State implements Meeting.
func (m meetingPresence) State(ctx context.Context) (json.RawMessage, error) {
	st, err := m.c.LiveState(ctx, control.AdminPrincipal(), m.meetingID)
	if err != nil {
		return nil, err
	}
	return json.Marshal(st)
}

// Facilitates implements Meeting.
func (m meetingPresence) Facilitates(ctx context.Context, personID string) bool {
	st, err := m.c.LiveState(ctx, control.AdminPrincipal(), m.meetingID)
	if err != nil {
		return false
	}
	for _, p := range st.People {
		if p.PersonID == personID {
			return p.Facilitating
		}
	}
	return false
}

// Act implements Meeting: the request runs as the person who sent it, so
// control's rules decide what they may do.
func (m meetingPresence) Act(ctx context.Context, p Presence, r *MeetingRequest) (json.RawMessage, error) {
	who := control.PersonPrincipal(p.PersonID)
	var (
		st  control.LiveState
		err error
	)
	switch r.Action {
	case ActionStart:
		st, err = m.c.Start(ctx, who, m.meetingID)
	case ActionNextPhase:
		st, err = m.c.NextPhase(ctx, who, m.meetingID)
	case ActionPreviousPhase:
		st, err = m.c.PreviousPhase(ctx, who, m.meetingID)
	case ActionNextSpeaker:
		st, err = m.c.NextSpeaker(ctx, who, m.meetingID)
	case ActionPass:
		st, err = m.c.Pass(ctx, who, m.meetingID)
	case ActionSkip:
		st, err = m.c.Skip(ctx, who, m.meetingID, r.PersonID)
	case ActionExtraTurn:
		st, err = m.c.ExtraTurn(ctx, who, m.meetingID, r.PersonID)
	case ActionReorder:
		st, err = m.c.Reorder(ctx, who, m.meetingID, r.Order)
	case ActionExtend:
		st, err = m.c.Extend(ctx, who, m.meetingID, time.Duration(r.Minutes)*time.Minute)
	case ActionSetTask:
		st, err = m.c.SetTask(ctx, who, m.meetingID, r.Text)
	case ActionEnd:
		st, err = m.c.End(ctx, who, m.meetingID)
	case ActionRecordStart:
		st, err = m.c.StartRecording(ctx, who, m.meetingID)
	case ActionRecordStop:
		st, err = m.c.StopRecording(ctx, who, m.meetingID)
	case ActionConsent:
		if _, err = m.c.SetConsent(ctx, who, m.meetingID, control.Consent{Record: *r.Record, Stats: *r.Stats}, *r.TextVersion); err == nil {
			st, err = m.c.LiveState(ctx, who, m.meetingID)
		}
	default:
		return nil, errorf(CodeInvalidField, "meeting: unknown action %q", r.Action)
	}
	if err != nil {
		return nil, meetingError(err)
	}
	return json.Marshal(st)
}

// meetingError turns control's refusal into a protocol error that says why.
func meetingError(err error) error {
	var fe *control.FieldError
	switch {
	case errors.As(err, &fe):
		return errorf(CodeInvalidField, "meeting: %s: %s", fe.Field, fe.Problem)
	case errors.Is(err, control.ErrForbidden):
		return errorf(CodeForbidden, "%v", err)
	case errors.Is(err, control.ErrNotFound):
		return errorf(CodeInvalidField, "%v", err)
	case errors.Is(err, control.ErrConflict):
		return errorf(CodeNotPossible, "%v", err)
	}
	return fmt.Errorf("signaling: meeting request: %w", err)
}

// MeetingNotices returns what the control plane's observer calls with each
// meeting change: the new live state goes to everyone in that meeting's
// room.
func MeetingNotices(s *Server) func(meetingID string, st control.LiveState) {
	return func(meetingID string, st control.LiveState) {
		data, err := json.Marshal(st)
		if err != nil {
			return
		}
		s.MeetingChanged(control.Meeting{ID: meetingID}.RoomName(), data, st.State == control.StateEnded)
	}
}

func (m meetingPresence) report(what string, err error) {
	if err != nil {
		m.log.Warn("attendance not recorded", "event", what, "err", err)
	}
}
