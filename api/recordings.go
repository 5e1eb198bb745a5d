package api

import (
	"errors"
	"mime"
	"net/http"
	"os"
)

// Recordings: a meeting's recording files, listed and downloaded by those
// who run the meeting (control decides: RecordingAccess), and a person's
// recordings erased at their request. The files are kept by the recording
// package; the API reaches them through Recordings.

// Recordings is what the API needs of the recordings kept on disk.
type Recordings interface {
	// Files lists the meeting's recording: per person the consented
	// spans and the files. ErrNoRecording when there is none.
	Files(meetingID string) ([]RecordedPerson, error)
	// Open opens one finished file of the meeting's recording by its
	// listed name; ErrNoRecordingFile for any other name.
	Open(meetingID, name string) (*os.File, error)
	// PersonMeetings lists the meetings whose recording holds the person.
	PersonMeetings(personID string) ([]string, error)
	// ErasePerson deletes the person's recordings everywhere, returning
	// how many files; ErrRecordingNow while they are being recorded.
	ErasePerson(personID string) (int, error)
}

// Errors a Recordings implementation returns (wrapped or as is).
var (
	ErrNoRecording     = errors.New("this meeting has no recording")
	ErrNoRecordingFile = errors.New("no such file in this meeting's recording")
	ErrRecordingNow    = errors.New("the person is being recorded now; withdraw the consent to recording first, which stops it at once")
)

// RecordedPerson is one person's part of a meeting's recording.
type RecordedPerson struct {
	PersonID string          `json:"personId"`
	Name     string          `json:"name"`
	Consent  []RecordedSpan  `json:"consent"` // when they were recorded
	Files    []RecordingFile `json:"files"`
}

// RecordedSpan is a span of wall-clock time; To is empty while it lasts.
type RecordedSpan struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
}

// RecordingFile is one WebM file (Opus audio, VP8 video).
type RecordingFile struct {
	Name            string   `json:"name"`
	Start           string   `json:"start"` // wall-clock time of its time 0
	DurationSeconds float64  `json:"durationSeconds"`
	Kinds           []string `json:"kinds"` // audio, video
	Final           bool     `json:"final"` // false while it is written
}

// RecordingList is a meeting's recording.
type RecordingList struct {
	MeetingID string           `json:"meetingId"`
	People    []RecordedPerson `json:"people"`
}

// recordingsFor checks that the caller may study the meeting of the
// path and returns its ID with the names of its people.
func (a *API) recordingsFor(c *call) (Recordings, string, map[string]string, error) {
	id := c.pathValue("meeting")
	names, err := a.svc.RecordingAccess(c.ctx, c.p, id)
	if err != nil {
		return nil, "", nil, err
	}
	if a.recordings == nil {
		return nil, "", nil, ErrNoRecording
	}
	return a.recordings, id, names, nil
}

func (a *API) listRecordings(c *call) (RecordingList, error) {
	recs, id, names, err := a.recordingsFor(c)
	if err != nil {
		return RecordingList{}, err
	}
	people, err := recs.Files(id)
	if err != nil {
		return RecordingList{}, err
	}
	for i := range people {
		people[i].Name = names[people[i].PersonID]
	}
	if people == nil {
		people = []RecordedPerson{}
	}
	return RecordingList{MeetingID: id, People: people}, nil
}

// downloadRecording serves one file, with ranges (players seek by them).
func (a *API) downloadRecording(c *call) (written, error) {
	recs, id, _, err := a.recordingsFor(c)
	if err != nil {
		return written{}, err
	}
	return serveRecording(c, recs, id, c.pathValue("file"))
}

// PersonRecordings is what the recordings hold of one person: per meeting
// their consented spans and files. Name is not set in it.
type PersonRecordings struct {
	PersonID string                  `json:"personId"`
	Meetings []PersonMeetingRecorded `json:"meetings"`
}

// PersonMeetingRecorded is one meeting's recording of the person.
type PersonMeetingRecorded struct {
	MeetingID string          `json:"meetingId"`
	Consent   []RecordedSpan  `json:"consent"`
	Files     []RecordingFile `json:"files"`
}

// personRecordings lists the person's own part of every recording; the
// same people may see it as may see the person's data.
func (a *API) personRecordings(c *call) (PersonRecordings, error) {
	person := c.pathValue("person")
	if _, err := a.svc.PersonData(c.ctx, c.p, person); err != nil {
		return PersonRecordings{}, err
	}
	out := PersonRecordings{PersonID: person, Meetings: []PersonMeetingRecorded{}}
	if a.recordings == nil {
		return out, nil
	}
	ids, err := a.recordings.PersonMeetings(person)
	if err != nil {
		return out, err
	}
	for _, id := range ids {
		people, err := a.recordings.Files(id)
		if errors.Is(err, ErrNoRecording) {
			continue // deleted since it was listed
		}
		if err != nil {
			return out, err
		}
		for _, p := range people {
			if p.PersonID == person {
				out.Meetings = append(out.Meetings, PersonMeetingRecorded{MeetingID: id, Consent: p.Consent, Files: p.Files})
			}
		}
	}
	return out, nil
}

// downloadPersonRecording serves one of the person's own files.
func (a *API) downloadPersonRecording(c *call) (written, error) {
	mine, err := a.personRecordings(c)
	if err != nil {
		return written{}, err
	}
	id, name := c.pathValue("meeting"), c.pathValue("file")
	for _, m := range mine.Meetings {
		if m.MeetingID != id {
			continue
		}
		for _, f := range m.Files {
			if f.Name == name {
				return serveRecording(c, a.recordings, id, name)
			}
		}
	}
	return written{}, ErrNoRecordingFile
}

// serveRecording writes one file of a meeting's recording, with ranges
// (players seek by them), never cached.
func serveRecording(c *call, recs Recordings, meetingID, name string) (written, error) {
	f, err := recs.Open(meetingID, name)
	if err != nil {
		return written{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return written{}, err
	}
	h := c.w.Header()
	h.Set("Content-Type", "video/webm")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(c.w, c.r, name, fi.ModTime(), f)
	return written{}, nil
}

// ErasedRecordings says how many recording files were erased.
type ErasedRecordings struct {
	Files int `json:"files"`
}

func (a *API) eraseRecordings(c *call) (ErasedRecordings, error) {
	person := c.pathValue("person")
	// The same people may erase as may see the person's data: the person
	// themself, and those who manage their group.
	if _, err := a.svc.PersonData(c.ctx, c.p, person); err != nil {
		return ErasedRecordings{}, err
	}
	if a.recordings == nil {
		return ErasedRecordings{}, nil
	}
	n, err := a.recordings.ErasePerson(person)
	return ErasedRecordings{Files: n}, err
}
