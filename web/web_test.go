package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func readStatic(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(Static(), name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var langKey = regexp.MustCompile(`(?m)^\s*'([a-z]+\.[A-Za-z_.]+)':`)

func keys(t *testing.T, file string) []string {
	var out []string
	for _, m := range langKey.FindAllStringSubmatch(readStatic(t, file), -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	if len(out) < 20 {
		t.Fatalf("%s: only %d keys found; is the file format still one key per line?", file, len(out))
	}
	return out
}

// TestLanguagesHaveTheSameStrings: Finnish and English have exactly the
// same keys, and every key the page or the code uses exists.
func TestLanguagesHaveTheSameStrings(t *testing.T) {
	en, fi := keys(t, "lang/en.js"), keys(t, "lang/fi.js")
	for _, k := range en {
		if !slices.Contains(fi, k) {
			t.Errorf("lang/fi.js lacks %q", k)
		}
	}
	for _, k := range fi {
		if !slices.Contains(en, k) {
			t.Errorf("lang/en.js lacks %q", k)
		}
	}
	used := map[string]string{}
	for _, m := range regexp.MustCompile(`data-i18n(?:-label|-title)?="([^"]+)"`).FindAllStringSubmatch(readStatic(t, "index.html"), -1) {
		used[m[1]] = "index.html"
	}
	entries, err := fs.ReadDir(Static(), ".")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`\bt\('([^']+)'`)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".js") {
			for _, m := range call.FindAllStringSubmatch(readStatic(t, e.Name()), -1) {
				used[m[1]] = e.Name()
			}
		}
	}
	if len(used) < 20 {
		t.Fatalf("only %d string uses found", len(used))
	}
	for k, where := range used {
		if !slices.Contains(en, k) {
			t.Errorf("%s uses %q, which lang/en.js does not have", where, k)
		}
	}
	// The reasons the page turns into ended.<reason> strings, listed once
	// in session.js: each has its string, and there are no others.
	m := regexp.MustCompile(`ENDED_REASONS = \[([^\]]*)\]`).FindStringSubmatch(readStatic(t, "session.js"))
	if m == nil {
		t.Fatal("session.js: no ENDED_REASONS list")
	}
	reasons := map[string]bool{"heading": true, "rejoin": true} // the ended page's own strings
	for _, q := range regexp.MustCompile(`'([a-z_]+)'`).FindAllStringSubmatch(m[1], -1) {
		reasons[q[1]] = true
		if !slices.Contains(en, "ended."+q[1]) {
			t.Errorf("no string for ended.%s", q[1])
		}
	}
	for _, k := range en {
		if r, ok := strings.CutPrefix(k, "ended."); ok && !reasons[r] {
			t.Errorf("%s is not an ending reason in session.js's ENDED_REASONS", k)
		}
	}
	// Join failures are shown as error.<code>, or error.generic.
	if !slices.Contains(en, "error.generic") {
		t.Error("no string error.generic")
	}
}

// TestClientIsSmall: the page's own JavaScript and CSS stay under 150 KB,
// so the pre-join page paints fast on a phone on a weak connection.
func TestClientIsSmall(t *testing.T) {
	var total int
	err := fs.WalkDir(Static(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".css") {
			b, err := fs.ReadFile(Static(), path)
			total += len(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("JS and CSS: %d bytes", total)
	if total > 150*1024 {
		t.Errorf("JS and CSS are %d bytes, over the 150 KB budget", total)
	}
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for path, ctype := range map[string]string{
		"/":           "text/html",
		"/app.js":     "javascript",
		"/lang/fi.js": "javascript",
		"/style.css":  "text/css",
		"/session.js": "javascript",
		"/prejoin.js": "javascript",
		"/room.js":    "javascript",
		"/i18n.js":    "javascript",
		"/lang/en.js": "javascript",
		"/index.html": "", // redirects to /
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
			continue
		}
		if !strings.Contains(resp.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET %s: content type %q, want %q", path, resp.Header.Get("Content-Type"), ctype)
		}
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: no content security policy", path)
		}
	}
	resp, err := http.Get(srv.URL + "/nope.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope.js: %d", resp.StatusCode)
	}
}
