package control

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	_ "time/tzdata" // time zones work on hosts without /usr/share/zoneinfo

	"piiri/internal/clock"
)

// Defaults, used when Options leaves a setting zero.
const (
	DefaultMinHeld  = 30 * time.Minute
	DefaultTimeZone = "Europe/Helsinki"
	// DefaultTemplate is the template of a group created without one.
	DefaultTemplate = "peer-group"
	// DefaultEmptyGrace is how long a running meeting may stay empty
	// before it ends by itself.
	DefaultEmptyGrace = 10 * time.Minute
)

// Options configure a Service. The zero value of every field means its
// default.
type Options struct {
	Clock clock.Clock // default clock.Real
	IDs   IDSource    // default RandomIDs
	// MinHeld is the server's default for how long the quorum must be
	// present together for a meeting to count as held (a group may set
	// its own). Default 30 min.
	MinHeld time.Duration
	// TimeZone is the default time zone of new groups. Default
	// Europe/Helsinki.
	TimeZone string
	// AdminToken, when set (from config), is the admin's token; the
	// stored admin link then plays no part.
	AdminToken string
	// Templates from config: they add to the shipped ones or override
	// them by ID; templates stored through PutTemplate override both.
	Templates []Template
	// Notifier, when set, hears of committed changes people should be
	// told of by e-mail (notify.go); nil (no SMTP relay) sends nothing.
	Notifier Notifier
	// Log takes what an operation cannot return: a notice whose data
	// could not be read after its change committed. Default: discard.
	Log *slog.Logger
	// Observer, when set, hears of every committed change of a
	// meeting's live state and of the events metrics count
	// (observer.go). Default: none.
	Observer Observer
	// EmptyGrace is how long a running meeting may stay with nobody in
	// its room before it ends by itself (EndEmptyMeetings). Default
	// 10 min.
	EmptyGrace time.Duration
}

// Service is the mentoring domain over a Store. It is safe for concurrent
// use: all state is in the store, and every operation is one
// transaction.
type Service struct {
	st         Store
	clk        clock.Clock
	ids        IDSource
	minHeld    time.Duration
	tz         string
	adminToken string
	adminHash  TokenHash
	shipped    []Template // from templates.yaml
	configured []Template // from Options
	notifier   Notifier
	log        *slog.Logger
	observer   Observer
	emptyGrace time.Duration
}

// New returns a Service over st.
func New(st Store, opt Options) (*Service, error) {
	s := &Service{st: st, clk: opt.Clock, ids: opt.IDs, minHeld: opt.MinHeld, tz: opt.TimeZone, notifier: opt.Notifier, log: opt.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clk == nil {
		s.clk = clock.Real{}
	}
	if s.ids == nil {
		s.ids = RandomIDs{}
	}
	if s.minHeld == 0 {
		s.minHeld = DefaultMinHeld
	}
	if s.minHeld < 0 || s.minHeld > maxMeetingLen {
		return nil, invalid("minHeld", "must be 0 (30 min) to %v", maxMeetingLen)
	}
	if s.tz == "" {
		s.tz = DefaultTimeZone
	}
	if s.observer, s.emptyGrace = opt.Observer, opt.EmptyGrace; s.emptyGrace == 0 {
		s.emptyGrace = DefaultEmptyGrace
	}
	if s.emptyGrace < 0 || s.emptyGrace > maxMeetingLen {
		return nil, invalid("emptyGrace", "must be 0 (10 min) to %v", maxMeetingLen)
	}
	if _, err := time.LoadLocation(s.tz); err != nil {
		return nil, invalid("timeZone", "unknown time zone %q", s.tz)
	}
	if opt.AdminToken != "" {
		if !plausibleToken(opt.AdminToken) || len(opt.AdminToken) < 22 {
			return nil, invalid("adminToken", "must be at least 22 characters (128 bits) of A–Z, a–z, 0–9, - and _")
		}
		s.adminToken = opt.AdminToken
		s.adminHash = HashToken(opt.AdminToken)
	}
	shipped, err := ShippedTemplates()
	if err != nil {
		return nil, fmt.Errorf("shipped templates: %w", err)
	}
	s.shipped = shipped
	for i, t := range opt.Templates {
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("templates[%d]: %w", i, err)
		}
	}
	s.configured = append([]Template(nil), opt.Templates...)
	return s, nil
}

// now is the clock's time in UTC without a monotonic reading, so that
// it compares equal to itself after a trip through the store.
func (s *Service) now() time.Time { return s.clk.Now().UTC().Round(0) }

// norm puts a caller's time in the same form.
func norm(t time.Time) time.Time { return t.UTC().Round(0) }

func (s *Service) view(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.st.View(fn)
}

func (s *Service) update(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.st.Update(fn)
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// loadMeeting reads a meeting, its group and the actor, checking that the
// actor may see the group.
func loadMeeting(tx Tx, p Principal, meetingID string) (Meeting, Group, actor, error) {
	if p.IsZero() {
		return Meeting{}, Group{}, actor{}, ErrUnauthenticated
	}
	m, err := tx.Meeting(meetingID)
	if err != nil {
		return m, Group{}, actor{}, err
	}
	g, err := tx.Group(m.GroupID)
	if err != nil {
		return m, g, actor{}, err
	}
	a, err := resolveActor(tx, p, g.ID)
	return m, g, a, err
}

// loadGroup reads a group and the actor.
func loadGroup(tx Tx, p Principal, groupID string) (Group, actor, error) {
	if p.IsZero() {
		return Group{}, actor{}, ErrUnauthenticated
	}
	g, err := tx.Group(groupID)
	if err != nil {
		return g, actor{}, err
	}
	a, err := resolveActor(tx, p, g.ID)
	return g, a, err
}

func location(name string) (*time.Location, error) {
	if name == "" {
		return nil, invalid("timeZone", "must not be empty")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, invalid("timeZone", "unknown time zone %q", name)
	}
	return loc, nil
}
