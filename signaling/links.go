package signaling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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
		Meeting:  meetingPresence{c: l.Control, meetingID: a.MeetingID, log: log.With("meeting", a.MeetingID)},
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
	log       *slog.Logger
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

func (m meetingPresence) report(what string, err error) {
	if err != nil {
		m.log.Warn("attendance not recorded", "event", what, "err", err)
	}
}
