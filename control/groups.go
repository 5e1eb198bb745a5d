package control

import (
	"context"
	"slices"
	"strings"
	"time"
)

// GroupInput is what creating a group takes. Settings not here (sizes,
// quorum, meetings, cadence, duration, phases) come from the template and
// are adjusted with UpdateGroup.
type GroupInput struct {
	TemplateID   string   // default DefaultTemplate
	Name         string   // required
	Description  string   // optional
	Language     Language // default fi
	Organisation string   // the organiser, optional
	TimeZone     string   // default the server's (Europe/Helsinki)
	// Agreement is the ground rules; default the template's, in the
	// group's language.
	Agreement string
}

// GroupPatch changes a group's settings: nil fields stay as they are.
type GroupPatch struct {
	Name              *string
	Description       *string
	Language          *Language
	Organisation      *string
	TimeZone          *string
	MinMembers        *int
	MaxMembers        *int
	Quorum            *int // 0: the default
	CountFacilitators *bool
	PlannedMeetings   *int
	Cadence           *Cadence
	MeetingDuration   *time.Duration
	MinHeld           *time.Duration // 0: the server's default
	Phases            *[]Phase
	RoundOrder        *RoundOrder // "": shuffled
	LiveBalance       *bool
	ConsentMode       *ConsentMode // "": strict
	// ConsentText replaces the consent text (its version rises, and
	// consent given under the old one is asked again).
	ConsentText *string
}

// Progress is the programme's count: "meeting Held of Planned held".
type Progress struct {
	// Planned is the group's planned number of meetings, or the number
	// scheduled if more were added.
	Planned   int `json:"planned"`
	Scheduled int `json:"scheduled"` // meetings not cancelled
	Ended     int `json:"ended"`
	Held      int `json:"held"`
	Cancelled int `json:"cancelled"`
}

// GroupView is a group as one principal sees it.
type GroupView struct {
	Group Group `json:"group"`
	// People are the active people, facilitators first, then members,
	// then observers, each by name. E-mail addresses are shown only to
	// facilitators, admins and the person themself.
	People []Person `json:"people"`
	// Quorum is the effective quorum; Counted the number of people it
	// is counted from.
	Quorum   int      `json:"quorum"`
	Counted  int      `json:"counted"`
	Members  int      `json:"members"`
	Progress Progress `json:"progress"`
	// BelowMinimum: fewer members than the group's minimum.
	BelowMinimum bool `json:"belowMinimum"`
	// You is the viewer: their role ("" for an admin) and ID.
	YourRole Role   `json:"yourRole,omitempty"`
	YourID   string `json:"yourId,omitempty"`
}

// CreateGroup creates a group from a template. Admin only.
func (s *Service) CreateGroup(ctx context.Context, p Principal, in GroupInput) (Group, error) {
	if err := requireAdmin(p); err != nil {
		return Group{}, err
	}
	var g Group
	err := s.update(ctx, func(tx Tx) error {
		if in.TemplateID == "" {
			in.TemplateID = DefaultTemplate
		}
		t, err := s.template(tx, in.TemplateID)
		if err != nil {
			if isNotFound(err) {
				return invalid("templateId", "no template %q", in.TemplateID)
			}
			return err
		}
		if in.Language == "" {
			in.Language = Finnish
		}
		if err := checkLanguage("language", in.Language); err != nil {
			return err
		}
		if in.TimeZone == "" {
			in.TimeZone = s.tz
		}
		if _, err := location(in.TimeZone); err != nil {
			return err
		}
		name, err := cleanText("name", in.Name, maxTextLen, true, false)
		if err != nil {
			return err
		}
		desc, err := cleanText("description", in.Description, maxLongTextLen, false, true)
		if err != nil {
			return err
		}
		org, err := cleanText("organisation", in.Organisation, maxTextLen, false, false)
		if err != nil {
			return err
		}
		agreement := in.Agreement
		if agreement == "" {
			agreement = t.Agreement.In(in.Language)
		}
		agreement, err = cleanText("agreement", agreement, maxLongTextLen, true, true)
		if err != nil {
			return err
		}
		now := s.now()
		g = Group{
			ID: s.ids.NewID(), Name: name, Description: desc, Language: in.Language,
			Organisation: org, TemplateID: t.ID, TimeZone: in.TimeZone,
			MinMembers: t.MinMembers, MaxMembers: t.MaxMembers, Quorum: t.Quorum,
			CountFacilitators: t.CountFacilitators, PlannedMeetings: t.Meetings,
			Cadence: t.Cadence, MeetingDuration: t.Duration, MinHeld: t.MinHeld,
			Phases:    slices.Clone(t.Phases),
			Agreement: Agreement{Text: agreement, Version: 1, Changed: now},
			Consent:   ConsentText{Text: defaultConsentText(in.Language), Version: 1, Changed: now},
			Created:   now, Updated: now,
		}
		return tx.PutGroup(g)
	})
	return g, err
}

// UpdateGroup changes a group's settings. Facilitator or admin. The
// maximum cannot go below the members the group has.
func (s *Service) UpdateGroup(ctx context.Context, p Principal, groupID string, patch GroupPatch) (Group, error) {
	var g Group
	var ch changes
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if g, err = loadFacilitated(tx, p, groupID); err != nil {
			return err
		}
		if err := applyGroupPatch(&g, patch, s.now()); err != nil {
			return err
		}
		people, err := tx.People(groupID)
		if err != nil {
			return err
		}
		if n := countRole(people, RoleMember); g.MaxMembers < n {
			return wrapf(ErrConflict, "the group has %d members, more than maxMembers %d", n, g.MaxMembers)
		}
		g.Updated = s.now()
		if err := tx.PutGroup(g); err != nil {
			return err
		}
		return s.groupChangedLive(tx, groupID, &ch)
	})
	s.tell(err, &ch)
	return g, err
}

// groupChangedLive tells the rooms of the group's open and running
// meetings of a change to the group: its consent mode decides at once
// whether the recording may run (a switch to strict pauses it while
// anyone present has not consented), and its name is in the state.
func (s *Service) groupChangedLive(tx Tx, groupID string, ch *changes) error {
	meetings, err := tx.Meetings(groupID)
	if err != nil {
		return err
	}
	for i := range meetings {
		if meetings[i].State.RoomOpen() {
			if err := s.putLive(tx, &meetings[i], ch); err != nil {
				return err
			}
		}
	}
	return nil
}

func applyGroupPatch(g *Group, patch GroupPatch, now time.Time) error {
	var err error
	if patch.Name != nil {
		if g.Name, err = cleanText("name", *patch.Name, maxTextLen, true, false); err != nil {
			return err
		}
	}
	if patch.Description != nil {
		if g.Description, err = cleanText("description", *patch.Description, maxLongTextLen, false, true); err != nil {
			return err
		}
	}
	if patch.Organisation != nil {
		if g.Organisation, err = cleanText("organisation", *patch.Organisation, maxTextLen, false, false); err != nil {
			return err
		}
	}
	if patch.Language != nil {
		if err := checkLanguage("language", *patch.Language); err != nil {
			return err
		}
		g.Language = *patch.Language
	}
	if patch.TimeZone != nil {
		if _, err := location(*patch.TimeZone); err != nil {
			return err
		}
		g.TimeZone = *patch.TimeZone
	}
	setInt(&g.MinMembers, patch.MinMembers)
	setInt(&g.MaxMembers, patch.MaxMembers)
	setInt(&g.Quorum, patch.Quorum)
	setInt(&g.PlannedMeetings, patch.PlannedMeetings)
	if patch.CountFacilitators != nil {
		g.CountFacilitators = *patch.CountFacilitators
	}
	if patch.Cadence != nil {
		g.Cadence = *patch.Cadence
	}
	if patch.MeetingDuration != nil {
		g.MeetingDuration = *patch.MeetingDuration
	}
	if patch.MinHeld != nil {
		g.MinHeld = *patch.MinHeld
	}
	if patch.Phases != nil {
		g.Phases = slices.Clone(*patch.Phases)
	}
	if patch.RoundOrder != nil {
		if !patch.RoundOrder.valid() {
			return invalid("roundOrder", "must be shuffled or alphabetical")
		}
		g.RoundOrder = *patch.RoundOrder
	}
	if patch.LiveBalance != nil {
		g.LiveBalance = *patch.LiveBalance
	}
	if patch.ConsentMode != nil {
		if !patch.ConsentMode.Valid() {
			return invalid("consentMode", "must be strict or per_person")
		}
		g.ConsentMode = *patch.ConsentMode
	}
	if patch.ConsentText != nil {
		text, err := cleanText("consentText", *patch.ConsentText, maxLongTextLen, true, true)
		if err != nil {
			return err
		}
		if cur := g.ConsentText(); text != cur.Text {
			g.Consent = ConsentText{Text: text, Version: cur.Version + 1, Changed: now}
		}
	}
	err = validateSettings(settings{
		min: g.MinMembers, max: g.MaxMembers, quorum: g.Quorum, meetings: g.PlannedMeetings,
		cadence: g.Cadence, duration: g.MeetingDuration, minHeld: g.MinHeld, phases: g.Phases,
	})
	if fe, ok := err.(*FieldError); ok {
		// The group's names for the template's fields.
		switch fe.Field {
		case "meetings":
			fe.Field = "plannedMeetings"
		case "duration":
			fe.Field = "meetingDuration"
		}
	}
	return err
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

// Group returns the group as p sees it. Any person of the group, or an
// admin.
func (s *Service) Group(ctx context.Context, p Principal, groupID string) (GroupView, error) {
	var v GroupView
	err := s.view(ctx, func(tx Tx) error {
		g, a, err := loadGroup(tx, p, groupID)
		if err != nil {
			return err
		}
		people, err := tx.People(groupID)
		if err != nil {
			return err
		}
		meetings, err := tx.Meetings(groupID)
		if err != nil {
			return err
		}
		v = groupView(g, people, meetings, a)
		return nil
	})
	return v, err
}

func groupView(g Group, people []Person, meetings []Meeting, a actor) GroupView {
	active := visiblePeople(people, a)
	v := GroupView{
		Group: g, People: active,
		Quorum: quorumOf(g, people), Counted: len(countedIDs(g, people)),
		Members: countRole(people, RoleMember), Progress: progressOf(g, meetings),
		YourID: a.id(),
	}
	if !a.admin {
		v.YourRole = a.person.Role
	}
	v.BelowMinimum = v.Members < g.MinMembers
	return v
}

// visiblePeople: the active people, sorted, with e-mail hidden from those
// who may not see it.
func visiblePeople(people []Person, a actor) []Person {
	out := make([]Person, 0, len(people))
	for _, p := range people {
		if !p.Active() {
			continue
		}
		if !a.isFacilitator() && p.ID != a.id() {
			p.Email = ""
		}
		out = append(out, p)
	}
	rank := map[Role]int{RoleFacilitator: 0, RoleMember: 1, RoleObserver: 2}
	slices.SortFunc(out, func(x, y Person) int {
		if d := rank[x.Role] - rank[y.Role]; d != 0 {
			return d
		}
		if c := strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

// Groups lists the groups p can see: all for an admin, the person's own
// for a person.
func (s *Service) Groups(ctx context.Context, p Principal) ([]Group, error) {
	var out []Group
	err := s.view(ctx, func(tx Tx) error {
		if p.IsZero() {
			return ErrUnauthenticated
		}
		if !p.IsAdmin() {
			person, err := tx.Person(p.PersonID())
			if err != nil || !person.Active() {
				return ErrUnauthenticated
			}
			g, err := tx.Group(person.GroupID)
			if err != nil {
				return err
			}
			out = []Group{g}
			return nil
		}
		all, err := tx.Groups()
		if err != nil {
			return err
		}
		slices.SortFunc(all, func(x, y Group) int {
			if c := strings.Compare(x.Name, y.Name); c != 0 {
				return c
			}
			return strings.Compare(x.ID, y.ID)
		})
		out = all
		return nil
	})
	return out, err
}

// countRole counts the active people with the role.
func countRole(people []Person, r Role) int {
	n := 0
	for _, p := range people {
		if p.Active() && p.Role == r {
			n++
		}
	}
	return n
}

// countedIDs are the active people who count for quorum: members, and
// facilitators when the group says so.
func countedIDs(g Group, people []Person) map[string]bool {
	ids := map[string]bool{}
	for _, p := range people {
		if p.Active() && counts(g, p.Role) {
			ids[p.ID] = true
		}
	}
	return ids
}

// countingIDs are the people whose attendance counts for a meeting's
// decision: by role, removed people included (someone removed during a
// meeting was there).
func countingIDs(g Group, people []Person) map[string]bool {
	ids := map[string]bool{}
	for _, p := range people {
		if counts(g, p.Role) {
			ids[p.ID] = true
		}
	}
	return ids
}

func counts(g Group, r Role) bool {
	return r == RoleMember || r == RoleFacilitator && g.CountFacilitators
}

// DefaultQuorum is the quorum of a group that sets none: half the counted
// people rounded up, and at least 2.
func DefaultQuorum(counted int) int { return max(2, (counted+1)/2) }

func quorumOf(g Group, people []Person) int {
	if g.Quorum > 0 {
		return g.Quorum
	}
	return DefaultQuorum(len(countedIDs(g, people)))
}

func (s *Service) minHeldOf(g Group) time.Duration {
	if g.MinHeld > 0 {
		return g.MinHeld
	}
	return s.minHeld
}

func progressOf(g Group, meetings []Meeting) Progress {
	var pr Progress
	for _, m := range meetings {
		switch {
		case m.State == StateCancelled:
			pr.Cancelled++
			continue
		case m.State == StateEnded:
			pr.Ended++
		}
		pr.Scheduled++
		if m.Held() {
			pr.Held++
		}
	}
	pr.Planned = max(g.PlannedMeetings, pr.Scheduled)
	return pr
}
