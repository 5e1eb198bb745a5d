package api

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// fakeRecordings is one recorded file for every meeting, in a real
// file: the API's part (access, listing, ranges) is what is tested here;
// the recording package and the server's test do the recording.
type fakeRecordings struct{ dir string }

const fakeFile = "p1-001.webm"

func newFakeRecordings(t *testing.T) fakeRecordings {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, fakeFile), []byte("\x1a\x45\xdf\xa3 not really a WebM file, but bytes to serve"), 0o600); err != nil {
		t.Fatal(err)
	}
	return fakeRecordings{dir: dir}
}

func (f fakeRecordings) Files(string) ([]RecordedPerson, error) {
	return []RecordedPerson{{
		PersonID: "p1",
		Consent:  []RecordedSpan{{From: "2026-12-03T17:00:00Z", To: "2026-12-03T17:30:00Z"}},
		Files:    []RecordingFile{{Name: fakeFile, Start: "2026-12-03T17:00:01Z", DurationSeconds: 1799, Kinds: []string{"audio", "video"}, Final: true}},
	}}, nil
}

func (f fakeRecordings) Open(_, name string) (*os.File, error) {
	if name != fakeFile {
		return nil, ErrNoRecordingFile
	}
	return os.Open(filepath.Join(f.dir, name))
}

func (f fakeRecordings) ErasePerson(string) (int, error) { return 1, nil }

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
