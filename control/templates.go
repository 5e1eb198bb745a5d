package control

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Template is a mentoring model as data: sizes, the number of meetings,
// their cadence and duration, the agreement to start from and the phases
// of a meeting. A group created from a template copies these settings;
// the facilitator then adjusts them for the group. The shipped templates
// are in templates.yaml; the config and the store add to them or override
// them by ID.
type Template struct {
	ID          string    `json:"id" yaml:"id"`
	Name        LocalText `json:"name" yaml:"name"`
	Description LocalText `json:"description,omitempty" yaml:"description,omitempty"`

	MinMembers        int  `json:"minMembers" yaml:"minMembers"`
	MaxMembers        int  `json:"maxMembers" yaml:"maxMembers"`
	Quorum            int  `json:"quorum,omitempty" yaml:"quorum,omitempty"`
	CountFacilitators bool `json:"countFacilitators,omitempty" yaml:"countFacilitators,omitempty"`

	Meetings int           `json:"meetings" yaml:"meetings"`
	Cadence  Cadence       `json:"cadence" yaml:"cadence"`
	Duration time.Duration `json:"duration" yaml:"duration"`
	MinHeld  time.Duration `json:"minHeld,omitempty" yaml:"minHeld,omitempty"`

	Agreement LocalText `json:"agreement,omitempty" yaml:"agreement,omitempty"`
	Phases    []Phase   `json:"phases,omitempty" yaml:"phases,omitempty"`
}

// TemplateInfo is a template as Service.Templates lists it: with where it
// comes from.
type TemplateInfo struct {
	Template
	Shipped    bool `json:"shipped"`    // one of templates.yaml
	Overridden bool `json:"overridden"` // replaced by a stored or configured one
}

//go:embed templates.yaml
var shippedYAML []byte

// ShippedTemplates parses the templates that come with piiri.
func ShippedTemplates() ([]Template, error) {
	return ParseTemplates(shippedYAML)
}

// ParseTemplates reads a YAML list of templates (the format of
// templates.yaml, also used for templates in the config) and validates
// each.
func ParseTemplates(data []byte) ([]Template, error) {
	var doc struct {
		Templates []Template `yaml:"templates"`
		// Keys starting with "x-" hold YAML anchors shared by templates.
		Extra map[string]yaml.Node `yaml:",inline"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	for k := range doc.Extra {
		if !strings.HasPrefix(k, "x-") {
			return nil, fmt.Errorf("templates: %w", invalid(k, "unknown key (only templates and x-... anchors are allowed)"))
		}
	}
	seen := map[string]bool{}
	for i, t := range doc.Templates {
		if err := t.Validate(); err != nil {
			if t.ID != "" {
				return nil, fmt.Errorf("templates[%d] (%s): %w", i, t.ID, err)
			}
			return nil, fmt.Errorf("templates[%d]: %w", i, err)
		}
		if seen[t.ID] {
			return nil, fmt.Errorf("templates[%d]: %w", i, invalid("id", "%q appears twice", t.ID))
		}
		seen[t.ID] = true
	}
	return doc.Templates, nil
}

// Limits on settings, so that no input makes a group nonsensical.
const (
	maxGroupSize   = 200
	maxMeetings    = 200
	minMeetingLen  = 10 * time.Minute
	maxMeetingLen  = 8 * time.Hour
	maxPhases      = 20
	maxTextLen     = 200   // names, themes, organisations
	maxLongTextLen = 20000 // descriptions, agreements
)

// Validate checks a template's settings.
func (t Template) Validate() error {
	if !validID(t.ID) {
		return invalid("id", "must be 1–64 characters of a–z, 0–9 and -")
	}
	if t.Name.In(English) == "" {
		return invalid("name", "must not be empty")
	}
	return validateSettings(settings{
		min: t.MinMembers, max: t.MaxMembers, quorum: t.Quorum,
		meetings: t.Meetings, cadence: t.Cadence, duration: t.Duration,
		minHeld: t.MinHeld, phases: t.Phases,
	})
}

// settings are the fields a template and a group share.
type settings struct {
	min, max, quorum, meetings int
	cadence                    Cadence
	duration, minHeld          time.Duration
	phases                     []Phase
}

func validateSettings(s settings) error {
	switch {
	case s.min < 1 || s.min > maxGroupSize:
		return invalid("minMembers", "must be 1–%d", maxGroupSize)
	case s.max < s.min || s.max > maxGroupSize:
		return invalid("maxMembers", "must be at least minMembers (%d) and at most %d", s.min, maxGroupSize)
	case s.quorum < 0 || s.quorum > maxGroupSize:
		return invalid("quorum", "must be 0 (the default) or a number of people")
	case s.meetings < 0 || s.meetings > maxMeetings:
		return invalid("meetings", "must be 0–%d", maxMeetings)
	case s.cadence.Months < 0 || s.cadence.Days < 0 || s.cadence.Months > 12 || s.cadence.Days > 366:
		return invalid("cadence", "months must be 0–12 and days 0–366")
	case s.duration < minMeetingLen || s.duration > maxMeetingLen:
		return invalid("duration", "must be %v–%v", minMeetingLen, maxMeetingLen)
	case s.minHeld < 0 || s.minHeld > maxMeetingLen:
		return invalid("minHeld", "must be 0 (the server's default) to %v", maxMeetingLen)
	}
	return validatePhases(s.phases)
}

func validatePhases(phases []Phase) error {
	if len(phases) > maxPhases {
		return invalid("phases", "at most %d", maxPhases)
	}
	for i, p := range phases {
		f := fmt.Sprintf("phases[%d]", i)
		if p.Name.In(English) == "" {
			return invalid(f+".name", "must not be empty")
		}
		for _, s := range p.Name {
			if len(s) > maxTextLen {
				return invalid(f+".name", "at most %d bytes", maxTextLen)
			}
		}
		if p.Timebox <= 0 || p.Timebox > maxMeetingLen {
			return invalid(f+".timebox", "must be more than 0 and at most %v", maxMeetingLen)
		}
		if !p.Kind.valid() {
			return invalid(f+".kind", "must be review, closing or absent")
		}
	}
	return nil
}

func validID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	return !slices.ContainsFunc([]byte(s), func(c byte) bool {
		return !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')
	})
}
