package api

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// fakeRecordings is one recorded file of one person (person) for every
// meeting, in a real file: the API's part (access, listing, ranges) is
// what is tested here; the recording package and the server's test do the
// recording.
type fakeRecordings struct{ dir, person, meeting string }

const fakeFile = "p1-001.webm"

func newFakeRecordings(t *testing.T, person, meeting string) fakeRecordings {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, fakeFile), []byte("\x1a\x45\xdf\xa3 not really a WebM file, but bytes to serve"), 0o600); err != nil {
		t.Fatal(err)
	}
	return fakeRecordings{dir: dir, person: person, meeting: meeting}
}

func (f fakeRecordings) Files(string) ([]RecordedPerson, error) {
	return []RecordedPerson{{
		PersonID: f.person,
		Consent:  []RecordedSpan{{From: "2026-12-03T17:00:00Z", To: "2026-12-03T17:30:00Z"}},
		Files:    []RecordingFile{{Name: fakeFile, Start: "2026-12-03T17:00:01.000Z", DurationSeconds: 1799, Kinds: []string{"audio", "video"}, Final: true}},
	}}, nil
}

func (f fakeRecordings) Open(_, name string) (*os.File, error) {
	if name != fakeFile {
		return nil, ErrNoRecordingFile
	}
	return os.Open(filepath.Join(f.dir, name))
}

func (f fakeRecordings) PersonMeetings(person string) ([]string, error) {
	if person != f.person {
		return nil, nil
	}
	return []string{f.meeting}, nil
}

func (f fakeRecordings) ErasePerson(string) (int, error) { return 1, nil }

// TestPersonRecordings: a person lists and downloads their own part of the
// recordings, and nobody else's; another member cannot reach it.
func TestPersonRecordings(t *testing.T) {
	h := newHarness(t, openMem)
	member := h.f.Members[1]
	base := "/api/v1/people/" + member.ID + "/recordings"
	var mine PersonRecordings
	h.call(rMember, http.MethodGet, base, nil, http.StatusOK, &mine)
	if len(mine.Meetings) != 1 || mine.Meetings[0].MeetingID != h.f.Meeting.ID || len(mine.Meetings[0].Files) != 1 || mine.Meetings[0].Files[0].Name != fakeFile {
		t.Fatalf("the member's recordings: %+v", mine)
	}
	file := base + "/" + h.f.Meeting.ID + "/" + fakeFile
	if w := h.do(req{method: http.MethodGet, path: file, token: h.token(rMember)}); w.Code != http.StatusOK || w.Header().Get("Content-Type") != "video/webm" {
		t.Errorf("the member downloads their file: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if w := h.do(req{method: http.MethodGet, path: base + "/" + h.f.Meeting.ID + "/p2-001.webm", token: h.token(rMember)}); w.Code != http.StatusNotFound {
		t.Errorf("a file that is not theirs: %d, want 404", w.Code)
	}
	for _, role := range []string{rObserver, rChair, rOtherFac} {
		if w := h.do(req{method: http.MethodGet, path: file, token: h.token(role)}); w.Code != http.StatusForbidden {
			t.Errorf("%s downloads the member's own file: %d, want 403", role, w.Code)
		}
	}
	var other PersonRecordings
	h.call(rChair, http.MethodGet, "/api/v1/people/"+h.f.Members[0].ID+"/recordings", nil, http.StatusOK, &other)
	if len(other.Meetings) != 0 {
		t.Errorf("the chair, not recorded, has recordings %+v", other)
	}
}

// TestRecordingDownloadRanges: a file is served with its type, as an
// attachment, never cached, and in ranges (players seek by them); a name
// that is not the recording's is not found.
func TestRecordingDownloadRanges(t *testing.T) {
	h := newHarness(t, openMem)
	path := "/api/v1/meetings/" + h.f.Meeting.ID + "/recordings/"
	r := req{method: http.MethodGet, path: path + fakeFile, token: h.token(rFac), header: http.Header{"Range": {"bytes=0-3"}}}
	w := h.do(r)
	if w.Code != http.StatusPartialContent || w.Body.String() != "\x1a\x45\xdf\xa3" {
		t.Fatalf("range request: %d %q", w.Code, w.Body)
	}
	if ct, cc := w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"); ct != "video/webm" || cc != "private, no-store" {
		t.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
	}
	for _, name := range []string{"p2-001.webm", "..%2Fmanifest.json"} {
		if w := h.do(req{method: http.MethodGet, path: path + name, token: h.token(rFac)}); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", name, w.Code)
		}
	}
	if w := h.do(req{method: http.MethodGet, path: path + fakeFile, token: h.token(rMember)}); w.Code != http.StatusForbidden {
		t.Errorf("a member downloads a recording: %d, want 403", w.Code)
	}
}
