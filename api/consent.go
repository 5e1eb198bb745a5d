package api

import (
	"piiri/control"
)

// Consent: a person's two choices for a meeting (recording, speaking
// statistics) under the group's versioned consent text, the meeting's
// consent log, and the facilitator's start and stop of recording. The
// rules are control's (consent.go); the room shows the result through the
// live state's "recording".

// ConsentRequest sets the caller's choices for a meeting.
type ConsentRequest struct {
	Record      *bool `json:"record"`
	Stats       *bool `json:"stats"`
	TextVersion *int  `json:"textVersion"` // the version of the text shown
}

func (r *ConsentRequest) validate() error {
	switch {
	case r.Record == nil:
		return invalid("record", "is required: true or false")
	case r.Stats == nil:
		return invalid("stats", "is required: true or false")
	case r.TextVersion == nil:
		return invalid("textVersion", "is required: the version of the consent text shown")
	}
	return nil
}

// Consent is the caller's consent for a meeting, with the text asked
// under.
type Consent struct {
	MeetingID string    `json:"meetingId"`
	Mode      string    `json:"mode"` // strict or per_person
	Text      Agreement `json:"text"`
	// Given: the caller has answered for this meeting; Stale: under an
	// older version of the text (the page asks again).
	Given  bool `json:"given"`
	Stale  bool `json:"stale"`
	Record bool `json:"record"`
	Stats  bool `json:"stats"`
}

// ConsentEntry is one answer in a meeting's consent log.
type ConsentEntry struct {
	PersonID    string `json:"personId"`
	At          string `json:"at"`
	Record      bool   `json:"record"`
	Stats       bool   `json:"stats"`
	TextVersion int    `json:"textVersion"`
}

func consentOut(v control.ConsentView, timeZone string) Consent {
	return Consent{
		MeetingID: v.MeetingID, Mode: string(v.Mode),
		Text:  Agreement{Text: v.Text.Text, Version: v.Text.Version, Changed: ts(v.Text.Changed, zoneOf(timeZone))},
		Given: v.Given, Stale: v.Stale, Record: v.Consent.Record, Stats: v.Consent.Stats,
	}
}

func (a *API) myConsent(c *call) (Consent, error) {
	v, err := a.svc.MyConsent(c.ctx, c.p, c.pathValue("meeting"))
	if err != nil {
		return Consent{}, err
	}
	return consentOut(v, a.meetingZone(c)), nil
}

func (a *API) setConsent(c *call, in *ConsentRequest) (Consent, error) {
	v, err := a.svc.SetConsent(c.ctx, c.p, c.pathValue("meeting"), control.Consent{Record: *in.Record, Stats: *in.Stats}, *in.TextVersion)
	if err != nil {
		return Consent{}, err
	}
	return consentOut(v, a.meetingZone(c)), nil
}

func (a *API) consentLog(c *call) ([]ConsentEntry, error) {
	log, err := a.svc.ConsentLog(c.ctx, c.p, c.pathValue("meeting"))
	if err != nil {
		return nil, err
	}
	loc := zoneOf(a.meetingZone(c))
	out := make([]ConsentEntry, 0, len(log))
	for _, e := range log {
		out = append(out, ConsentEntry{PersonID: e.PersonID, At: ts(e.At, loc), Record: e.Record, Stats: e.Stats, TextVersion: e.TextVersion})
	}
	return out, nil
}

// meetingZone is the time zone of the call's meeting, for its times ("" if
// it cannot be read; the caller already had its answer checked).
func (a *API) meetingZone(c *call) string {
	v, err := a.svc.Meeting(c.ctx, c.p, c.pathValue("meeting"))
	if err != nil {
		return ""
	}
	return v.Meeting.TimeZone
}

func (a *API) startRecording(c *call) (Live, error) {
	return a.svc.StartRecording(c.ctx, c.p, c.pathValue("meeting"))
}

func (a *API) stopRecording(c *call) (Live, error) {
	return a.svc.StopRecording(c.ctx, c.p, c.pathValue("meeting"))
}
