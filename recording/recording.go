// Package recording runs the recordings of meetings. Control decides who
// is recorded (consent); the sfu forwards the tracks; this package ties
// them together: it starts a sfu/record writer for each person control
// says is recorded, gives it the tracks the person publishes, stops it
// the moment the person is no longer recorded (a withdrawal, a leave, the
// end of the meeting), and keeps each meeting's manifest.json current.
//
// It also owns the recordings directory as a whole: one directory per
// meeting, repaired after a crash (Repair), deleted after the retention
// period (DeleteExpired), listed and opened for the facilitator's
// downloads, and cut down when a person asks for their recordings to be
// erased (ErasePerson).
package recording

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"piiri/internal/clock"
	"piiri/sfu/record"
)

// Config configures a Service.
type Config struct {
	// Dir holds one directory per meeting; it is created if missing.
	Dir string
	// Retention is how long a meeting's recording is kept after its last
	// file ended; zero keeps recordings until they are deleted by hand.
	Retention time.Duration
	Clock     clock.Clock    // nil: the real clock
	Logger    *slog.Logger   // nil: discard
	Metrics   record.Metrics // nil: count nothing
	// Writer adjusts each person's writer settings (tests shorten its
	// waits); nil keeps sfu/record's defaults.
	Writer func(*record.Config)
}

// Errors of the Service, for the API to map.
var (
	// ErrNoRecording: the meeting has no recording (never recorded, or
	// deleted).
	ErrNoRecording = errors.New("recording: the meeting has no recording")
	// ErrNoFile: the file is not one of the meeting's recording.
	ErrNoFile = errors.New("recording: no such file in the meeting's recording")
)

// Service runs the recordings of all meetings.
type Service struct {
	cfg Config
	ctx context.Context

	mu       sync.Mutex
	meetings map[string]*meeting
	// versions are the highest state version SetRecorded was given per
	// meeting: control may report concurrent changes out of order, and
	// an older state must never restart a recording withdrawn since.
	versions map[string]int64
	closed   bool

	updates    *updates
	wake       chan struct{}
	stopWorker chan struct{}
	workerDone chan struct{}
}

// meeting is one meeting's live recording state.
type meeting struct {
	id  string
	dir string
	// tracks are the tracks each person publishes now.
	tracks map[string][]record.Track
	// running are the people being recorded now.
	running map[string]*running
	// manifest is what was recorded before (earlier recorders' files and
	// the closed consent intervals); running people are added when it is
	// written.
	manifest record.Manifest
	loaded   bool // manifest read from disk (once)
	dirty    chan struct{}
}

// running is one person's writer and when it started.
type running struct {
	rec   *record.Recorder
	since time.Time
}

// Track is a published track as the Service records it; *sfu.Track has it.
type Track = record.Track

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// New makes the Service; ctx bounds every writer (cancelling it stops
// them, as Close does).
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Dir == "" {
		return nil, errors.New("recording: Config.Dir is empty")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("recording: make the recordings directory: %w", err)
	}
	s := &Service{
		cfg: cfg, ctx: ctx,
		meetings: make(map[string]*meeting), versions: make(map[string]int64),
		updates: newUpdates(), wake: make(chan struct{}, 1),
		stopWorker: make(chan struct{}), workerDone: make(chan struct{}),
	}
	go s.applyUpdates()
	return s, nil
}

// meetingLocked returns the meeting's state, made on first use.
func (s *Service) meetingLocked(id string) *meeting {
	m := s.meetings[id]
	if m == nil {
		m = &meeting{
			id: id, dir: filepath.Join(s.cfg.Dir, id),
			tracks:   make(map[string][]record.Track),
			running:  make(map[string]*running),
			manifest: record.Manifest{Meeting: id},
			dirty:    make(chan struct{}, 1),
		}
		s.meetings[id] = m
	}
	return m
}

// Published adds a track the person now publishes in the meeting's room;
// a person being recorded has it recorded from now.
func (s *Service) Published(meetingID, personID string, t Track) {
	if !idPattern.MatchString(meetingID) || !idPattern.MatchString(personID) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	m := s.meetingLocked(meetingID)
	m.tracks[personID] = append(m.tracks[personID], t)
	if r := m.running[personID]; r != nil {
		if err := r.rec.Add(t); err != nil {
			s.cfg.Logger.Warn("recording: a track could not be added", "meeting", meetingID, "kind", t.Kind(), "err", err)
		}
	}
}

// Unpublished removes a track that ended.
func (s *Service) Unpublished(meetingID, personID string, t Track) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.meetings[meetingID]
	if m == nil {
		return
	}
	m.tracks[personID] = slices.DeleteFunc(m.tracks[personID], func(x record.Track) bool { return x == t })
	if len(m.tracks[personID]) == 0 {
		delete(m.tracks, personID)
	}
	if r := m.running[personID]; r != nil {
		r.rec.Remove(t)
	}
	s.forgetLocked(m)
}

// SetRecorded makes the people recorded in the meeting exactly those
// given, as of the meeting's state version: writers start for those newly
// in the list and stop (their files finalised) for those no longer in it,
// before SetRecorded returns. An empty list stops the meeting's
// recording. A version lower than one given before is ignored; ended
// says the meeting is over, so its version need not be kept.
func (s *Service) SetRecorded(meetingID string, version int64, ended bool, people []string) {
	if !idPattern.MatchString(meetingID) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || version < s.versions[meetingID] {
		return
	}
	s.versions[meetingID] = version
	if ended {
		delete(s.versions, meetingID)
		people = nil
	}
	m := s.meetings[meetingID]
	if m == nil && len(people) == 0 {
		return
	}
	m = s.meetingLocked(meetingID)
	now := s.cfg.Clock.Now()
	changed := false
	for person, r := range m.running {
		if !slices.Contains(people, person) {
			s.stopLocked(m, person, r, now)
			changed = true
		}
	}
	for _, person := range people {
		if m.running[person] != nil || !idPattern.MatchString(person) {
			continue
		}
		if err := s.startLocked(m, person, now); err != nil {
			s.cfg.Logger.Error("recording: could not start a person's recording", "meeting", meetingID, "err", err)
			continue
		}
		changed = true
	}
	if changed {
		s.writeManifestLocked(m)
	}
	s.forgetLocked(m)
}

// startLocked starts the person's writer with the tracks they publish.
func (s *Service) startLocked(m *meeting, person string, now time.Time) error {
	if err := os.MkdirAll(m.dir, 0o700); err != nil {
		return fmt.Errorf("make the meeting's directory: %w", err)
	}
	if err := s.loadLocked(m); err != nil {
		return err
	}
	cfg := record.Config{
		Dir: m.dir, Person: person,
		Clock:   s.cfg.Clock,
		Logger:  s.cfg.Logger.With("meeting", m.id),
		Metrics: s.cfg.Metrics,
		OnFiles: func() {
			select {
			case m.dirty <- struct{}{}:
				go s.flushManifest(m)
			default: // a write is already due
			}
		},
	}
	if s.cfg.Writer != nil {
		s.cfg.Writer(&cfg)
	}
	rec, err := record.Start(s.ctx, cfg, m.tracks[person]...)
	if err != nil {
		return err
	}
	m.running[person] = &running{rec: rec, since: now}
	s.cfg.Logger.Info("recording: started for a person", "meeting", m.id, "tracks", len(m.tracks[person]))
	return nil
}

// stopLocked stops the person's writer and moves what it wrote into the
// manifest.
func (s *Service) stopLocked(m *meeting, person string, r *running, now time.Time) {
	if err := r.rec.Stop(); err != nil {
		s.cfg.Logger.Error("recording: a person's recording ended with an error", "meeting", m.id, "err", err)
	}
	delete(m.running, person)
	pr := personIn(&m.manifest, person)
	pr.Consent = append(pr.Consent, record.Interval{From: r.since, To: now})
	pr.Files = append(pr.Files, r.rec.Files()...)
	s.cfg.Logger.Info("recording: stopped for a person", "meeting", m.id, "files", len(pr.Files))
}

// personIn is the person's entry in the manifest, added if missing.
func personIn(man *record.Manifest, person string) *record.PersonRecords {
	for i := range man.People {
		if man.People[i].Person == person {
			return &man.People[i]
		}
	}
	man.People = append(man.People, record.PersonRecords{Person: person, Consent: []record.Interval{}, Files: []record.File{}})
	return &man.People[len(man.People)-1]
}

// loadLocked reads the meeting's manifest from an earlier run (a meeting
// recorded before a restart goes on in the same directory).
func (s *Service) loadLocked(m *meeting) error {
	if m.loaded {
		return nil
	}
	man, err := record.ReadManifest(m.dir)
	switch {
	case err == nil:
		m.manifest = man
	case errors.Is(err, fs.ErrNotExist):
	default:
		return fmt.Errorf("read the meeting's manifest: %w", err)
	}
	m.loaded = true
	return nil
}

// current is the manifest as it stands: what was recorded before, and the
// running people's open interval and files so far.
func (m *meeting) current() record.Manifest {
	man := record.Manifest{Meeting: m.id}
	for _, p := range m.manifest.People {
		p.Consent = slices.Clone(p.Consent)
		p.Files = slices.Clone(p.Files)
		man.People = append(man.People, p)
	}
	persons := make([]string, 0, len(m.running))
	for p := range m.running {
		persons = append(persons, p)
	}
	slices.Sort(persons)
	for _, person := range persons {
		r := m.running[person]
		pr := personIn(&man, person)
		pr.Consent = append(pr.Consent, record.Interval{From: r.since})
		pr.Files = append(pr.Files, r.rec.Files()...)
	}
	return man
}

func (s *Service) writeManifestLocked(m *meeting) {
	if err := record.WriteManifest(m.dir, m.current()); err != nil {
		s.cfg.Logger.Error("recording: the manifest could not be written", "meeting", m.id, "err", err)
	}
}

// flushManifest writes the manifest after a writer opened or finalised a
// file (off the writer's goroutine, which must not wait for s.mu).
func (s *Service) flushManifest(m *meeting) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-m.dirty:
	default:
	}
	if !s.closed && s.meetings[m.id] == m && m.loaded {
		s.writeManifestLocked(m)
	}
}

// forgetLocked drops a meeting's state once nothing of it is live.
func (s *Service) forgetLocked(m *meeting) {
	if len(m.running) == 0 && len(m.tracks) == 0 {
		delete(s.meetings, m.id)
	}
}

// Recording reports whether the person is being recorded in the meeting
// now.
func (s *Service) Recording(meetingID, personID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.meetings[meetingID]
	return m != nil && m.running[personID] != nil
}

// Close stops every writer, finalising its files, and writes the
// manifests. Later calls do nothing.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stopWorker)
	<-s.workerDone
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock.Now()
	for _, m := range s.meetings {
		if len(m.running) == 0 {
			continue
		}
		for person, r := range m.running {
			s.stopLocked(m, person, r, now)
		}
		s.writeManifestLocked(m)
	}
}

// meetingDir is the meeting's directory, if the ID is a valid one.
func (s *Service) meetingDir(meetingID string) (string, error) {
	if !idPattern.MatchString(meetingID) {
		return "", ErrNoRecording
	}
	return filepath.Join(s.cfg.Dir, meetingID), nil
}

// Manifest is the meeting's recording as it stands, running writers
// included.
func (s *Service) Manifest(meetingID string) (record.Manifest, error) {
	dir, err := s.meetingDir(meetingID)
	if err != nil {
		return record.Manifest{}, err
	}
	s.mu.Lock()
	m := s.meetings[meetingID]
	if m != nil && m.loaded {
		man := m.current()
		s.mu.Unlock()
		return man, nil
	}
	s.mu.Unlock()
	man, err := record.ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return record.Manifest{}, ErrNoRecording
	}
	if err != nil {
		return record.Manifest{}, fmt.Errorf("recording: %w", err)
	}
	return man, nil
}

// Open opens one finished file of the meeting's recording, by the name the
// manifest gives it.
func (s *Service) Open(meetingID, name string) (*os.File, error) {
	man, err := s.Manifest(meetingID)
	if err != nil {
		return nil, err
	}
	for _, p := range man.People {
		for _, f := range p.Files {
			if f.Name == name && f.Final && filepath.Base(name) == name {
				dir, _ := s.meetingDir(meetingID)
				file, err := os.Open(filepath.Join(dir, name))
				if errors.Is(err, fs.ErrNotExist) {
					return nil, ErrNoFile
				}
				return file, err
			}
		}
	}
	return nil, ErrNoFile
}

// isPersonFile reports whether name is one of the person's files
// (person-NNN.webm, finished or partial).
func isPersonFile(name, person string) bool {
	rest, ok := strings.CutPrefix(name, person+"-")
	if !ok {
		return false
	}
	rest = strings.TrimSuffix(rest, record.PartSuffix)
	num, ok := strings.CutSuffix(rest, ".webm")
	if !ok || num == "" {
		return false
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
