package recording

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"piiri/sfu/record"
)

// ErrRecordingNow: the person is being recorded at this moment; their
// recordings can be erased once the recording of them has stopped (a
// withdrawal of consent stops it at once).
var ErrRecordingNow = errors.New("recording: the person is being recorded now")

// meetingDirs lists the meeting directories under Config.Dir.
func (s *Service) meetingDirs() ([]string, error) {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("recording: read the recordings directory: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && idPattern.MatchString(e.Name()) {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// PersonMeetings lists the meetings whose recording holds the person
// (their files and consent spans), for the person's own view of what is
// stored about them.
func (s *Service) PersonMeetings(personID string) ([]string, error) {
	if !idPattern.MatchString(personID) {
		return nil, nil
	}
	ids, err := s.meetingDirs()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		man, err := s.Manifest(id)
		if errors.Is(err, ErrNoRecording) {
			continue
		}
		if err != nil {
			return out, err
		}
		if slices.ContainsFunc(man.People, func(p record.PersonRecords) bool { return p.Person == personID }) {
			out = append(out, id)
		}
	}
	return out, nil
}

// Repair finalises the partial files a crash left in every meeting's
// directory, so they play and seek up to the crash, and brings the
// manifests up to date: repaired files become final with their duration,
// intervals left open are closed where the person's last file ends.
// Call it at start, before any recording. It returns how many files it
// repaired.
func (s *Service) Repair() (int, error) {
	ids, err := s.meetingDirs()
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		dir := filepath.Join(s.cfg.Dir, id)
		repaired, err := record.Repair(dir)
		if err != nil {
			s.cfg.Logger.Error("recording: repair", "meeting", id, "err", err)
			continue
		}
		for _, r := range repaired {
			switch {
			case r.Err != nil:
				s.cfg.Logger.Error("recording: a file left by a crash could not be repaired", "meeting", id, "file", r.Name, "err", r.Err)
			case r.Removed:
				s.cfg.Logger.Info("recording: an empty file left by a crash was removed", "meeting", id, "file", r.Name)
			default:
				total++
				s.cfg.Logger.Info("recording: a file left by a crash was repaired", "meeting", id, "file", r.Name, "duration", r.Duration)
			}
		}
		if err := s.repairManifest(dir, id, repaired); err != nil {
			s.cfg.Logger.Error("recording: the manifest could not be repaired", "meeting", id, "err", err)
		}
	}
	return total, nil
}

// repairManifest applies the repairs to the meeting's manifest.
func (s *Service) repairManifest(dir, id string, repaired []record.Repaired) error {
	man, err := record.ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		man, err = record.Manifest{Meeting: id}, nil
	}
	if err != nil {
		return err
	}
	changed := false
	for _, r := range repaired {
		if r.Err != nil {
			continue
		}
		found := false
		for pi := range man.People {
			p := &man.People[pi]
			i := slices.IndexFunc(p.Files, func(f record.File) bool { return f.Name == r.Name })
			if i < 0 {
				continue
			}
			found, changed = true, true
			if r.Removed {
				p.Files = slices.Delete(p.Files, i, i+1)
			} else {
				p.Files[i].Final, p.Files[i].Duration = true, r.Duration
			}
		}
		if !found && !r.Removed {
			// Created just before the crash, before the manifest said so:
			// its start is known only from the file's last write.
			person, _, _ := strings.Cut(r.Name, "-")
			start := time.Time{}
			if fi, err := os.Stat(filepath.Join(dir, r.Name)); err == nil {
				start = fi.ModTime().Add(-r.Duration).UTC()
			}
			pr := personIn(&man, person)
			pr.Files = append(pr.Files, record.File{Name: r.Name, Person: person, Start: start, Duration: r.Duration, Final: true})
			changed = true
		}
	}
	for pi := range man.People {
		p := &man.People[pi]
		for i := range p.Consent {
			if !p.Consent[i].To.IsZero() {
				continue
			}
			end := p.Consent[i].From
			for _, f := range p.Files {
				if e := f.Start.Add(f.Duration); e.After(end) {
					end = e
				}
			}
			p.Consent[i].To, changed = end, true
		}
	}
	if !changed {
		return nil
	}
	return record.WriteManifest(dir, man)
}

// ended is when the meeting's recording last had media: the latest end of
// a file or a consent interval; the directory's time when there is no
// manifest.
func ended(dir string) time.Time {
	man, err := record.ReadManifest(dir)
	if err != nil {
		if fi, err := os.Stat(dir); err == nil {
			return fi.ModTime()
		}
		return time.Time{}
	}
	var last time.Time
	for _, p := range man.People {
		for _, f := range p.Files {
			if e := f.Start.Add(f.Duration); e.After(last) {
				last = e
			}
		}
		for _, c := range p.Consent {
			if c.To.After(last) {
				last = c.To
			}
		}
	}
	return last
}

// DeleteExpired deletes the recordings whose last media is older than the
// retention period, logging each deletion, and returns how many meetings'
// recordings it deleted. A meeting being recorded is never deleted.
func (s *Service) DeleteExpired() (int, error) {
	if s.cfg.Retention <= 0 {
		return 0, nil
	}
	ids, err := s.meetingDirs()
	if err != nil {
		return 0, err
	}
	now := s.cfg.Clock.Now()
	deleted := 0
	for _, id := range ids {
		dir := filepath.Join(s.cfg.Dir, id)
		last := ended(dir)
		if now.Sub(last) < s.cfg.Retention {
			continue
		}
		s.mu.Lock()
		live := s.meetings[id] != nil && len(s.meetings[id].running) > 0
		if !live {
			delete(s.meetings, id)
			err = os.RemoveAll(dir)
		}
		s.mu.Unlock()
		switch {
		case live:
		case err != nil:
			s.cfg.Logger.Error("recording: an expired recording could not be deleted", "meeting", id, "err", err)
		default:
			deleted++
			s.cfg.Logger.Info("recording deleted: its retention period is over", "meeting", id, "last_media", last.UTC().Format(time.RFC3339), "retention", s.cfg.Retention.String())
		}
	}
	return deleted, nil
}

// KeepDeleting deletes expired recordings now and then every interval
// until ctx ends.
func (s *Service) KeepDeleting(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.DeleteExpired(); err != nil {
			s.cfg.Logger.Error("recording: retention", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ErasePerson deletes every recording file of the person, in every
// meeting, and takes them out of the manifests; it returns how many files
// it deleted. It refuses (ErrRecordingNow) while the person is being
// recorded.
func (s *Service) ErasePerson(personID string) (int, error) {
	if !idPattern.MatchString(personID) {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.meetings {
		if m.running[personID] != nil {
			return 0, ErrRecordingNow
		}
	}
	ids, err := s.meetingDirs()
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, id := range ids {
		dir := filepath.Join(s.cfg.Dir, id)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return deleted, fmt.Errorf("recording: erase: %w", err)
		}
		n := 0
		for _, e := range entries {
			if !isPersonFile(e.Name(), personID) {
				continue
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return deleted, fmt.Errorf("recording: erase: %w", err)
			}
			n++
		}
		man, err := record.ReadManifest(dir)
		if err == nil {
			i := slices.IndexFunc(man.People, func(p record.PersonRecords) bool { return p.Person == personID })
			if i >= 0 {
				man.People = slices.Delete(man.People, i, i+1)
				if err := record.WriteManifest(dir, man); err != nil {
					return deleted, fmt.Errorf("recording: erase: %w", err)
				}
			}
		}
		if m := s.meetings[id]; m != nil && m.loaded {
			i := slices.IndexFunc(m.manifest.People, func(p record.PersonRecords) bool { return p.Person == personID })
			if i >= 0 {
				m.manifest.People = slices.Delete(m.manifest.People, i, i+1)
			}
		}
		if n > 0 {
			s.cfg.Logger.Info("recording: a person's recordings were erased at their request", "meeting", id, "files", n)
		}
		deleted += n
	}
	return deleted, nil
}
