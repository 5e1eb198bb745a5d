package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"piiri/api"
	"piiri/control"
	"piiri/recording"
	"piiri/sfu/record"
	"piiri/signaling"
)

// retentionSweep is how often recordings past their retention are looked
// for.
const retentionSweep = time.Hour

// openRecordings makes the recordings service over recording.dir,
// repairing what a crash left there before anything records again.
func (s *Server) openRecordings() error {
	m := record.NewPromMetrics()
	for _, c := range m.Collectors() {
		if err := s.metrics.Registry.Register(c); err != nil {
			return fmt.Errorf("server: recording metrics: %w", err)
		}
	}
	svc, err := recording.New(context.Background(), recording.Config{
		Dir:       s.cfg.RecordingDir(),
		Retention: time.Duration(s.cfg.Recording.RetentionDays) * 24 * time.Hour,
		Logger:    s.log.With("component", "recording"),
		Metrics:   m,
	})
	if err != nil {
		return fmt.Errorf("server: recording.dir %q: %w", s.cfg.RecordingDir(), err)
	}
	if n, err := svc.Repair(); err != nil {
		s.log.Error("recordings left by a crash could not be repaired", "err", err)
	} else if n > 0 {
		s.log.Info("recordings left by a crash were repaired", "files", n)
	}
	s.recordings = svc
	return nil
}

// recordMeeting hands control's word on who is recorded to the recordings
// service (which applies it in the background, in version order).
func (s *Server) recordMeeting(meetingID string, st control.LiveState) {
	if s.recordings == nil {
		return
	}
	var people []string
	if r := st.Recording; r != nil && r.Active {
		people = r.Recorded
	}
	ended := st.State == control.StateEnded || st.State == control.StateCancelled
	s.recordings.Update(meetingID, st.Version, ended, people)
}

// meetingTracks passes the tracks people publish in meetings' rooms to the
// recordings service. The tracks come from the sfu through signalling,
// which carries them as opaque handles.
type meetingTracks struct{ r *recording.Service }

var _ signaling.MeetingTracks = meetingTracks{}

func (t meetingTracks) Published(meetingID, personID string, tr signaling.MediaTrack) {
	if rt, ok := tr.(recording.Track); ok {
		t.r.Published(meetingID, personID, rt)
	}
}

func (t meetingTracks) Unpublished(meetingID, personID string, tr signaling.MediaTrack) {
	if rt, ok := tr.(recording.Track); ok {
		t.r.Unpublished(meetingID, personID, rt)
	}
}

// Recordings is the recordings service, for tests.
func (s *Server) Recordings() *recording.Service { return s.recordings }

// RecordingDir is where the recordings go (recording.dir).
func (s *Server) RecordingDir() string { return s.cfg.RecordingDir() }

// apiRecordings gives the API the recordings service in its own terms.
type apiRecordings struct{ r *recording.Service }

var _ api.Recordings = apiRecordings{}

func (a apiRecordings) Files(meetingID string) ([]api.RecordedPerson, error) {
	man, err := a.r.Manifest(meetingID)
	if errors.Is(err, recording.ErrNoRecording) {
		return nil, api.ErrNoRecording
	}
	if err != nil {
		return nil, err
	}
	out := make([]api.RecordedPerson, 0, len(man.People))
	for _, p := range man.People {
		rp := api.RecordedPerson{PersonID: p.Person, Consent: []api.RecordedSpan{}, Files: []api.RecordingFile{}}
		for _, c := range p.Consent {
			rp.Consent = append(rp.Consent, api.RecordedSpan{From: wireTime(c.From), To: wireTime(c.To)})
		}
		for _, f := range p.Files {
			kinds := []string{}
			for _, t := range f.Tracks {
				kinds = append(kinds, t.Kind)
			}
			rp.Files = append(rp.Files, api.RecordingFile{
				Name: f.Name, Start: wireTime(f.Start), DurationSeconds: f.Duration.Seconds(), Kinds: kinds, Final: f.Final,
			})
		}
		out = append(out, rp)
	}
	return out, nil
}

func (a apiRecordings) Open(meetingID, name string) (*os.File, error) {
	f, err := a.r.Open(meetingID, name)
	switch {
	case errors.Is(err, recording.ErrNoRecording):
		return nil, api.ErrNoRecording
	case errors.Is(err, recording.ErrNoFile):
		return nil, api.ErrNoRecordingFile
	}
	return f, err
}

func (a apiRecordings) PersonMeetings(personID string) ([]string, error) {
	return a.r.PersonMeetings(personID)
}

func (a apiRecordings) ErasePerson(personID string) (int, error) {
	n, err := a.r.ErasePerson(personID)
	if errors.Is(err, recording.ErrRecordingNow) {
		return n, api.ErrRecordingNow
	}
	return n, err
}

// wireTime is an RFC 3339 UTC time to the millisecond (players line the
// files up by it), or "" for none.
func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
