package control

import (
	"log/slog"
	"time"
)

// Language is a user-interface language: one of fi, sv, en.
type Language string

// The languages piiri speaks.
const (
	Finnish Language = "fi"
	Swedish Language = "sv"
	English Language = "en"
)

func (l Language) valid() bool { return l == Finnish || l == Swedish || l == English }

// LocalText is a text in several languages, keyed by Language ("fi", "sv",
// "en"). Templates carry all three; a facilitator's edit may carry one.
type LocalText map[Language]string

// In returns the text in lang, else in English, else in any language
// present (the lowest key, so the choice is stable).
func (t LocalText) In(lang Language) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	if s, ok := t[English]; ok && s != "" {
		return s
	}
	best := Language("")
	for l, s := range t {
		if s != "" && (best == "" || l < best) {
			best = l
		}
	}
	return t[best]
}

// Role is what a person is in a group. The server alone assigns it.
type Role string

// The roles. Only members count for quorum and size limits (facilitators
// too when the group's CountFacilitators is set, as in pair mentoring,
// where the mentor is the facilitator). Observers are present and visible
// as observers but never counted.
const (
	RoleFacilitator Role = "facilitator"
	RoleMember      Role = "member"
	RoleObserver    Role = "observer"
)

func (r Role) valid() bool { return r == RoleFacilitator || r == RoleMember || r == RoleObserver }

// Cadence is the planned interval between meetings, in the group's time
// zone: months are calendar months (the same day of the month, the same
// local time, across daylight-saving changes), days are calendar days.
type Cadence struct {
	Months int `json:"months,omitempty" yaml:"months,omitempty"`
	Days   int `json:"days,omitempty" yaml:"days,omitempty"`
}

func (c Cadence) zero() bool { return c.Months == 0 && c.Days == 0 }

// Phase is one step of a meeting's structure: the room shows and times it
// (structure.go). A round gives each present member a turn; for a round
// Timebox is the time per turn, otherwise for the whole phase.
type Phase struct {
	Name        LocalText     `json:"name" yaml:"name"`
	Timebox     time.Duration `json:"timebox" yaml:"timebox"`
	Description LocalText     `json:"description,omitempty" yaml:"description,omitempty"`
	Round       bool          `json:"round,omitempty" yaml:"round,omitempty"`
	// Kind says what the phase is for, so the room shows the right
	// panel: the task review, or the closing where the next task is set.
	Kind PhaseKind `json:"kind,omitempty" yaml:"kind,omitempty"`
}

// Agreement is a group's ground rules (confidentiality, respect, how
// recordings are used). Version rises by one whenever Text changes; each
// person accepts each version once.
type Agreement struct {
	Text    string    `json:"text"`
	Version int       `json:"version"`
	Changed time.Time `json:"changed"`
}

// ThemeProposal is a theme a member or facilitator proposed for the group;
// the facilitator chooses proposals for meetings.
type ThemeProposal struct {
	ID       string    `json:"id"`
	Text     string    `json:"text"`
	By       string    `json:"by"` // person ID
	Proposed time.Time `json:"proposed"`
	// ChosenFor is the meeting the facilitator chose it for, or "".
	ChosenFor string `json:"chosenFor,omitempty"`
}

// Group is a mentoring group and its settings. Most settings come from the
// template it was created from; the facilitator adjusts them.
type Group struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Language     Language `json:"language"`
	Organisation string   `json:"organisation,omitempty"` // the organiser
	TemplateID   string   `json:"templateId,omitempty"`
	TimeZone     string   `json:"timeZone"` // IANA name, default Europe/Helsinki

	MinMembers int `json:"minMembers"`
	MaxMembers int `json:"maxMembers"`
	// Quorum is the number of counted people who must be present
	// together; 0 means the default, DefaultQuorum of the counted
	// people.
	Quorum int `json:"quorum,omitempty"`
	// CountFacilitators makes facilitators count for quorum (not for
	// size limits): for pair mentoring, where the mentor facilitates.
	CountFacilitators bool `json:"countFacilitators,omitempty"`

	PlannedMeetings int           `json:"plannedMeetings"`
	Cadence         Cadence       `json:"cadence"`
	MeetingDuration time.Duration `json:"meetingDuration"`
	// MinHeld is how long the quorum must be present together for a
	// meeting to count as held; 0 means the server's default.
	MinHeld time.Duration `json:"minHeld,omitempty"`
	// Phases is the phase template new meetings start from.
	Phases []Phase `json:"phases,omitempty"`
	// RoundOrder is how a round's turns are ordered: shuffled (the
	// default, "") or alphabetical.
	RoundOrder RoundOrder `json:"roundOrder,omitempty"`
	// LiveBalance: those who study the meetings (the facilitator first)
	// see the speaking statistics while a meeting runs, as a balance of
	// talk time; otherwise only after it ended. Off by default.
	LiveBalance bool `json:"liveBalance,omitempty"`

	Agreement Agreement       `json:"agreement"`
	Themes    []ThemeProposal `json:"themes,omitempty"`
	// Consent is the text people consent to recording and statistics
	// under, and ConsentMode the recording rule (consent.go).
	Consent     ConsentText `json:"consent"`
	ConsentMode ConsentMode `json:"consentMode,omitempty"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Acceptance records that a person accepted a version of the agreement.
type Acceptance struct {
	Version  int       `json:"version"`
	Accepted time.Time `json:"accepted"`
}

// Person is someone in one group. A person belongs to exactly one group
// (someone in two groups has two persons, and two links).
type Person struct {
	ID           string       `json:"id"`
	GroupID      string       `json:"groupId"`
	Name         string       `json:"name"` // display name
	Organisation string       `json:"organisation,omitempty"`
	Email        string       `json:"email,omitempty"`
	Language     Language     `json:"language"`
	Role         Role         `json:"role"`
	Accepted     []Acceptance `json:"accepted,omitempty"`
	Added        time.Time    `json:"added"`
	// Research: a facilitator granted this person the study of the
	// group's meetings: their recordings and turn index (GrantResearch).
	Research bool `json:"research,omitempty"`
	// Removed is when the person left or was removed; zero while in the
	// group. Removed people stay stored for the reports.
	Removed time.Time `json:"removed,omitzero"`
}

// Active reports whether the person is still in the group.
func (p Person) Active() bool { return p.Removed.IsZero() }

// HasAccepted reports whether the person accepted the given version.
func (p Person) HasAccepted(version int) bool {
	for _, a := range p.Accepted {
		if a.Version == version {
			return true
		}
	}
	return false
}

// Link is a personal link's secret token. Its token is shown only to the
// person, their facilitator and admins, and never logged.
type Link struct {
	PersonID string    `json:"personId"` // "" for the admin link
	Token    string    `json:"token"`
	Issued   time.Time `json:"issued"`
}

// Hash is the index key of the link's token.
func (l Link) Hash() TokenHash { return HashToken(l.Token) }

// LogValue keeps the token out of logs even if a Link is logged whole.
func (l Link) LogValue() slog.Value {
	return slog.GroupValue(slog.String("person", l.PersonID), slog.String("token", "REDACTED"))
}
