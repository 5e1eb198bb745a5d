package ical

import (
	"fmt"
	"strings"
	"time"

	"piiri/control"
)

// MeetingInfo is what an event for one meeting needs beyond the meeting.
type MeetingInfo struct {
	GroupName string
	Language  control.Language // of the person the calendar is for
	// Host is the server's host name: the UID's right-hand side, so
	// UIDs of two servers never collide.
	Host string
	// RoomURL is the person's own link to the group (BaseURL/g/TOKEN),
	// written in URL and DESCRIPTION.
	RoomURL string
	Stamp   time.Time // DTSTAMP
}

// MeetingEvent is the event of one meeting. Its UID is the meeting's
// calendar UID (fixed when the meeting was planned) at Host, so it stays
// the same when the meeting moves; SEQUENCE is the meeting's, raised by
// control on every move, change of time or theme, and cancellation.
func MeetingEvent(mv control.MeetingView, info MeetingInfo) (Event, error) {
	m := mv.Meeting
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return Event{}, fmt.Errorf("meeting %s: time zone: %w", m.ID, err)
	}
	uid := m.UID
	if uid == "" {
		uid = m.ID
	}
	w := wordsFor(info.Language)
	summary := info.GroupName
	if mv.Number > 0 {
		summary += ": " + fmt.Sprintf(w.number, mv.Number, mv.Of)
	}
	if m.Theme != "" {
		summary += " – " + m.Theme
	}
	var desc strings.Builder
	desc.WriteString(info.GroupName)
	if m.Theme != "" {
		desc.WriteString("\n" + w.theme + ": " + m.Theme)
	}
	status := StatusConfirmed
	if m.State == control.StateCancelled {
		status = StatusCancelled
		desc.WriteString("\n" + w.cancelled)
	}
	if info.RoomURL != "" {
		desc.WriteString("\n\n" + w.join + ": " + info.RoomURL)
	}
	return Event{
		UID: uid + "@" + info.Host, Sequence: m.Sequence, Stamp: info.Stamp, Created: m.Created,
		Start: m.Start, End: m.End(), Location: loc,
		Summary: summary, Description: desc.String(), URL: info.RoomURL, Place: info.RoomURL,
		Status: status,
	}, nil
}

// words are the few phrases an event holds, per language. (The web
// client's strings live in its language files; these are written by the
// server into calendar files.)
type words struct{ number, theme, cancelled, join string }

func wordsFor(l control.Language) words {
	switch l {
	case control.Finnish:
		return words{"tapaaminen %d/%d", "Teema", "Tapaaminen on peruttu.", "Liity tapaamiseen"}
	case control.Swedish:
		return words{"träff %d/%d", "Tema", "Träffen är inställd.", "Delta i träffen"}
	}
	return words{"meeting %d of %d", "Theme", "The meeting is cancelled.", "Join the meeting"}
}
