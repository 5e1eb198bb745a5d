package control

import (
	"context"
	"slices"
	"time"
)

// Consent to recording and to speaking statistics: per person per
// meeting, two separate choices, each change kept in the meeting's
// append-only consent log (who, when, what, under which version of the
// group's consent text). Nothing about a person is recorded or analysed
// without their consent, refusing never keeps anyone out of the meeting,
// and a withdrawal takes effect in the next state the sfu sees.
//
// Recording is the facilitator's request plus the consent rule of the
// group's mode:
//   - strict (the default): recording runs only while everyone present
//     (observers and facilitators too) consents to it; it pauses when
//     someone who has not joins, and goes on by itself once they consent
//     or leave;
//   - per-person: it runs while requested, and only the present people
//     who consent are written.
//
// The server starts recording only when the rule allows it at that
// moment (ErrConsentMissing otherwise), so a facilitator cannot start a
// recording that would write nobody or, in strict mode, that someone
// present has not agreed to.

// ConsentMode is a group's recording rule.
type ConsentMode string

// The modes.
const (
	ConsentStrict    ConsentMode = "strict"
	ConsentPerPerson ConsentMode = "per_person"
)

// Valid reports whether m is a mode ("" is the default, strict).
func (m ConsentMode) Valid() bool { return m == "" || m == ConsentStrict || m == ConsentPerPerson }

// OrDefault is m, or strict for "".
func (m ConsentMode) OrDefault() ConsentMode {
	if m == "" {
		return ConsentStrict
	}
	return m
}

// ConsentText is the text a person consents under, with its version:
// shown on the pre-join page, and named in every consent log entry.
type ConsentText struct {
	Text    string    `json:"text"`
	Version int       `json:"version"`
	Changed time.Time `json:"changed"`
}

// Consent is one person's two choices for one meeting.
type Consent struct {
	Record bool `json:"record"` // record my audio and video
	Stats  bool `json:"stats"`  // include me in speaking statistics
}

// ConsentEvent is one entry of a meeting's consent log: a person set
// their choices (the same twice is logged twice: the log is what was
// asked and answered, not only what changed).
type ConsentEvent struct {
	PersonID    string    `json:"personId"`
	At          time.Time `json:"at"`
	Record      bool      `json:"record"`
	Stats       bool      `json:"stats"`
	TextVersion int       `json:"textVersion"`
}

// RecordingRequest is the facilitator's request to record, kept while it
// stands, with each start and stop in the log.
type RecordingRequest struct {
	On  bool              `json:"on"`
	Log []RecordingChange `json:"log,omitempty"`
}

// RecordingChange is one start or stop of the request.
type RecordingChange struct {
	On bool      `json:"on"`
	At time.Time `json:"at"`
	By string    `json:"by"` // person ID, or "admin"
}

// LiveRecording is the recording as everyone in the room sees it.
type LiveRecording struct {
	Mode ConsentMode `json:"mode"`
	// Requested: the facilitator has started recording and not stopped.
	Requested bool `json:"requested"`
	// Active: media is being written now.
	Active bool `json:"active"`
	// Recorded are the present people whose media is written now (empty
	// unless Active).
	Recorded []string `json:"recorded"`
	// Waiting, in strict mode while requested, are the present people
	// whose consent the recording waits for (it is paused until they
	// consent or leave).
	Waiting []string `json:"waiting,omitempty"`
}

// ConsentView is one person's consent for a meeting, with the text they
// are asked under.
type ConsentView struct {
	MeetingID string      `json:"meetingId"`
	Mode      ConsentMode `json:"mode"`
	Text      ConsentText `json:"text"`
	// Given: the person has answered in this meeting (otherwise Consent
	// is the default: nothing).
	Given   bool    `json:"given"`
	Consent Consent `json:"consent"`
	// Stale: they answered under an older version of the text, so the
	// page asks again; their answer stands until they do.
	Stale bool `json:"stale"`
}

// consentFor is personID's current consent in m. A consent given under
// an older text still stands (withdrawing needs no new reading); giving
// a new one needs the current version.
func (m Meeting) consentFor(personID string) Consent {
	return m.Consents[personID]
}

// recording computes the recording as the rule of mode allows it now.
func (m Meeting) recording(mode ConsentMode) LiveRecording {
	open := m.State == StateRunning || m.State == StateOpen
	r := LiveRecording{Mode: mode.OrDefault(), Requested: open && m.Recording != nil && m.Recording.On, Recorded: []string{}}
	if !r.Requested {
		return r
	}
	present := m.presentIDs()
	var consenting []string
	for _, id := range present {
		if m.consentFor(id).Record {
			consenting = append(consenting, id)
		} else {
			r.Waiting = append(r.Waiting, id)
		}
	}
	switch r.Mode {
	case ConsentPerPerson:
		r.Waiting = nil
		r.Active = len(consenting) > 0
	default:
		r.Active = len(r.Waiting) == 0 && len(consenting) > 0
	}
	if r.Active {
		r.Recorded = consenting
	}
	return r
}

// presentIDs are the people in the room now, sorted.
func (m Meeting) presentIDs() []string {
	var ids []string
	for id := range m.Attendance {
		if m.Present(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// SetConsent sets the acting person's two choices for a meeting, under
// version textVersion of the group's consent text: ErrConsentChanged
// when that is not the current version (the page shows the new text), except for
// a withdrawal (both false), which never needs a new reading. A person
// answers for themself only (the admin has no consent to give:
// ErrForbidden). The meeting must not be over (ErrTransition).
func (s *Service) SetConsent(ctx context.Context, p Principal, meetingID string, c Consent, textVersion int) (ConsentView, error) {
	var view ConsentView
	_, err := s.liveOp(ctx, p, meetingID, false, func(lc *liveCtx, a actor) error {
		if a.admin {
			return wrapf(ErrForbidden, "the admin gives no consent; each person answers for themself")
		}
		m, g := lc.m, lc.g
		if m.State == StateEnded || m.State == StateCancelled {
			return wrapf(ErrTransition, "the meeting is %s", m.State)
		}
		withdrawal := !c.Record && !c.Stats
		if !withdrawal && textVersion != g.ConsentText().Version {
			return wrapf(ErrConsentChanged, "version %d was shown; the current one is %d", textVersion, g.ConsentText().Version)
		}
		if textVersion < 0 || textVersion > g.ConsentText().Version {
			return invalid("textVersion", "must be a version of the group's consent text (current: %d)", g.ConsentText().Version)
		}
		if m.Consents == nil {
			m.Consents = map[string]Consent{}
		}
		m.Consents[a.id()] = c
		m.ConsentLog = append(m.ConsentLog, ConsentEvent{PersonID: a.id(), At: lc.now, Record: c.Record, Stats: c.Stats, TextVersion: textVersion})
		view = consentView(*m, g, a.id())
		return nil
	})
	return view, err
}

// MyConsent is the acting person's consent for a meeting.
func (s *Service) MyConsent(ctx context.Context, p Principal, meetingID string) (ConsentView, error) {
	var view ConsentView
	err := s.st.View(func(tx Tx) error {
		m, g, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		if a.admin {
			return wrapf(ErrForbidden, "the admin gives no consent; each person answers for themself")
		}
		view = consentView(m, g, a.id())
		return nil
	})
	return view, err
}

func consentView(m Meeting, g Group, personID string) ConsentView {
	v := ConsentView{MeetingID: m.ID, Mode: g.ConsentMode.OrDefault(), Text: g.ConsentText(), Consent: m.consentFor(personID)}
	for i := len(m.ConsentLog) - 1; i >= 0; i-- {
		if e := m.ConsentLog[i]; e.PersonID == personID {
			v.Given, v.Stale = true, e.TextVersion != g.ConsentText().Version
			break
		}
	}
	return v
}

// ConsentLog is a meeting's consent log, oldest first: for the group's
// facilitators and the admin (the data-protection record), and for a
// person their own entries.
func (s *Service) ConsentLog(ctx context.Context, p Principal, meetingID string) ([]ConsentEvent, error) {
	var out []ConsentEvent
	err := s.st.View(func(tx Tx) error {
		m, _, a, err := loadMeeting(tx, p, meetingID)
		if err != nil {
			return err
		}
		out = []ConsentEvent{}
		for _, e := range m.ConsentLog {
			if a.isFacilitator() || e.PersonID == a.id() {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// StartRecording asks for the meeting to be recorded from now: for who
// may run it, while it is open or running (ErrTransition), and only when
// the group's rule allows it now (ErrConsentMissing: in strict mode
// someone present has not consented; in either mode, nobody present has).
func (s *Service) StartRecording(ctx context.Context, p Principal, meetingID string) (LiveState, error) {
	return s.setRecording(ctx, p, meetingID, true)
}

// StopRecording withdraws the request; recording stops at once.
func (s *Service) StopRecording(ctx context.Context, p Principal, meetingID string) (LiveState, error) {
	return s.setRecording(ctx, p, meetingID, false)
}

func (s *Service) setRecording(ctx context.Context, p Principal, meetingID string, on bool) (LiveState, error) {
	return s.liveOp(ctx, p, meetingID, true, func(lc *liveCtx, a actor) error {
		m := lc.m
		if m.State != StateRunning && m.State != StateOpen {
			return wrapf(ErrTransition, "the meeting is %s", m.State)
		}
		was := m.Recording != nil && m.Recording.On
		if was == on {
			return nil // already so: nothing to log
		}
		if m.Recording == nil {
			m.Recording = &RecordingRequest{}
		}
		if on {
			trial := *m
			trial.Recording = &RecordingRequest{On: true}
			if r := trial.recording(lc.g.ConsentMode); !r.Active {
				if len(r.Waiting) > 0 {
					return wrapf(ErrConsentMissing, "%d present have not consented to recording", len(r.Waiting))
				}
				return wrapf(ErrConsentMissing, "nobody present has consented to recording")
			}
		}
		by := a.id()
		if a.admin {
			by = "admin"
		}
		m.Recording.On = on
		m.Recording.Log = append(m.Recording.Log, RecordingChange{On: on, At: lc.now, By: by})
		return nil
	})
}

// ConsentText is the group's consent text; a group stored before consent
// existed reads as having the default text of its language, version 1,
// since its creation (written into the record with its next change).
func (g Group) ConsentText() ConsentText {
	if g.Consent.Version == 0 {
		return ConsentText{Text: defaultConsentText(g.Language), Version: 1, Changed: g.Created}
	}
	return g.Consent
}

// defaultConsentText is the consent text a new group starts with, in its
// language.
func defaultConsentText(l Language) string {
	switch l {
	case Finnish:
		return "Tapaamisen voi tallentaa vain jokaisen läsnäolijan luvalla. Valitse erikseen, saako ääntäsi ja kuvaasi tallentaa ja saako puheenvuorojasi laskea tilastoon (kuka puhui, kuinka kauan ja kenen jälkeen). Voit muuttaa valintaasi milloin tahansa tapaamisen aikana; peruttu lupa tulee voimaan heti. Tallenteita käytetään vain ryhmän sopimaan tarkoitukseen, eikä niitä jaeta ryhmän ulkopuolelle."
	case Swedish:
		return "Mötet kan spelas in bara med varje närvarandes tillstånd. Välj för sig om ditt ljud och din bild får spelas in och om dina inlägg får räknas i statistiken (vem talade, hur länge och efter vem). Du kan ändra ditt val när som helst under mötet; ett återkallat tillstånd gäller genast. Inspelningar används bara för det syfte gruppen kommit överens om och delas inte utanför gruppen."
	default:
		return "A meeting can be recorded only with the permission of everyone present. Choose separately whether your audio and video may be recorded and whether your speaking turns may be counted in statistics (who spoke, how long and after whom). You can change your choice at any moment during the meeting; a withdrawal takes effect at once. Recordings are used only for the purpose the group agreed on and are never shared outside the group."
	}
}
