package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
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

// TestLanguagesHaveTheSameStrings: Finnish, Swedish and English have
// exactly the same keys, and every key the page or the code uses exists.
func TestLanguagesHaveTheSameStrings(t *testing.T) {
	en, fi, sv := keys(t, "lang/en.js"), keys(t, "lang/fi.js"), keys(t, "lang/sv.js")
	for _, k := range en {
		if !slices.Contains(fi, k) {
			t.Errorf("lang/fi.js lacks %q", k)
		}
		if !slices.Contains(sv, k) {
			t.Errorf("lang/sv.js lacks %q", k)
		}
	}
	for _, k := range fi {
		if !slices.Contains(en, k) {
			t.Errorf("lang/en.js lacks %q", k)
		}
	}
	for _, k := range sv {
		if !slices.Contains(en, k) {
			t.Errorf("lang/en.js lacks %q (lang/sv.js has it)", k)
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
	// t('key'), show(el, 'key'), label(el, 'key') and h(..., { i18n: 'key' }).
	call := regexp.MustCompile(`(?:\bt\(|\b(?:show|label)\([^,()']+, |\bi18n: )'([^']+)'`)
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

// TestClientIsSmall: everything a browser downloads to show a page in one
// language (the style, every script app.js imports, directly or through
// others, English, which is the fallback, and the largest other
// language), as the server sends it compressed, stays under 80 KB, so the
// pre-join page paints fast on a phone on a weak connection. A script
// only imported when needed (import(), such as the playback view) is not
// part of that; each one stays under 20 KB.
func TestClientIsSmall(t *testing.T) {
	h := Handler(Options{})
	sent := func(name string) int {
		req := httptest.NewRequest("GET", "/"+name, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /%s: %d", name, rec.Code)
		}
		return rec.Body.Len()
	}
	page := map[string]bool{"style.css": true, "lang/en.js": true}
	var visit func(name string)
	visit = func(name string) {
		if page[name] && name != "lang/en.js" {
			return
		}
		page[name] = true
		b, err := fs.ReadFile(Static(), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, m := range staticImport.FindAllSubmatch(b, -1) {
			visit(path.Join(path.Dir(name), string(m[1])))
		}
	}
	visit("app.js")
	var total, largestLang int
	err := fs.WalkDir(Static(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".css")) {
			return err
		}
		n := sent(name)
		switch {
		case strings.HasPrefix(name, "lang/") && name != "lang/en.js":
			largestLang = max(largestLang, n)
		case page[name]:
			total += n
		default:
			t.Logf("%s, loaded when needed: %d bytes sent", name, n)
			if n > 20*1024 {
				t.Errorf("%s is %d bytes as sent, over the 20 KB budget of a script loaded when needed", name, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	total += largestLang
	t.Logf("one page's JS and CSS: %d bytes sent, in %d files and a language", total, len(page))
	if total > 80*1024 {
		t.Errorf("one page's JS and CSS are %d bytes as sent, over the 80 KB budget", total)
	}
}

// staticImport finds a module's static imports (import ... from './x.js'
// and export ... from), which the browser fetches before running it.
var staticImport = regexp.MustCompile(`(?m)^\s*(?:import|export)\s[^'"();]*?['"](\.{1,2}/[^'"]+)['"]`)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{}))
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
		"/lang/sv.js": "javascript",
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

// fetch makes one request with the given headers, without the transport's
// own gzip handling, and returns the response and its raw body.
func fetch(t *testing.T, srv *httptest.Server, method, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestCaching: every file has a strong ETag from its content, a browser
// revalidating it gets a 304 without the body, and HTML and JavaScript
// are revalidated on every load so an upgrade is picked up at once.
func TestCaching(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{}))
	defer srv.Close()
	tags := map[string]string{}
	for _, p := range []string{"/", "/app.js", "/style.css", "/lang/en.js"} {
		resp, body := fetch(t, srv, "GET", p)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) {
			t.Fatalf("GET %s: %d, ETag %q; want 200 and a strong ETag", p, resp.StatusCode, etag)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache (revalidate every load)", p, cc)
		}
		name := strings.TrimPrefix(p, "/")
		if name == "" {
			name = "index.html"
		}
		if want := readStatic(t, name); string(body) != want {
			t.Errorf("GET %s: body differs from the embedded file", p)
		}
		for other, tag := range tags {
			if tag == etag {
				t.Errorf("%s and %s share the ETag %s", p, other, etag)
			}
		}
		tags[p] = etag

		resp, body = fetch(t, srv, "GET", p, "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("GET %s with If-None-Match: %d with %d bytes, want 304 and no body", p, resp.StatusCode, len(body))
		}
		resp, _ = fetch(t, srv, "GET", p, "If-None-Match", `"something-else"`)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s with a stale ETag: %d, want 200", p, resp.StatusCode)
		}
	}
	// The same content gives the same ETag in another handler (another
	// process): the validator survives restarts of the same build.
	again := httptest.NewServer(Handler(Options{HSTS: true}))
	defer again.Close()
	if resp, _ := fetch(t, again, "GET", "/app.js"); resp.Header.Get("ETag") != tags["/app.js"] {
		t.Errorf("ETag changed between handlers: %q, %q", resp.Header.Get("ETag"), tags["/app.js"])
	}
}

// TestGzip: a browser that takes gzip gets the files compressed, with
// their own ETag; one that does not, or refuses it with q=0, gets them as
// they are; both are told the response varies by Accept-Encoding.
func TestGzip(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{}))
	defer srv.Close()
	for _, p := range []string{"/", "/app.js", "/style.css"} {
		plain, plainBody := fetch(t, srv, "GET", p)
		resp, body := fetch(t, srv, "GET", p, "Accept-Encoding", "gzip, deflate, br")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("GET %s with Accept-Encoding gzip: Content-Encoding %q", p, resp.Header.Get("Content-Encoding"))
		}
		for _, r := range []*http.Response{plain, resp} {
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("GET %s: Vary %q, want Accept-Encoding", p, r.Header.Get("Vary"))
			}
		}
		if len(body) >= len(plainBody) {
			t.Errorf("GET %s: gzip %d bytes, plain %d", p, len(body), len(plainBody))
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, plainBody) {
			t.Errorf("GET %s: the gzip body does not decompress to the file (%v)", p, err)
		}
		if resp.Header.Get("ETag") == plain.Header.Get("ETag") {
			t.Errorf("GET %s: the gzip and plain bodies share the ETag %s", p, resp.Header.Get("ETag"))
		}
		if r, b := fetch(t, srv, "GET", p, "Accept-Encoding", "gzip", "If-None-Match", resp.Header.Get("ETag")); r.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("GET %s gzip revalidation: %d", p, r.StatusCode)
		}
		if r, _ := fetch(t, srv, "HEAD", p, "Accept-Encoding", "gzip"); r.StatusCode != http.StatusOK || r.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("HEAD %s: %d %q", p, r.StatusCode, r.Header.Get("Content-Encoding"))
		}
	}
	for _, ae := range []string{"", "identity", "gzip;q=0", "br, gzip; q=0.0", "*;q=0", "deflate"} {
		if r, _ := fetch(t, srv, "GET", "/app.js", "Accept-Encoding", ae); r.Header.Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: got Content-Encoding %q", ae, r.Header.Get("Content-Encoding"))
		}
	}
	for _, ae := range []string{"GZIP", "*", "br;q=1, gzip;q=0.5", "x-gzip"} {
		if r, _ := fetch(t, srv, "GET", "/app.js", "Accept-Encoding", ae); r.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q: not compressed", ae)
		}
	}
}

// TestHSTS: with TLS on, browsers are told to keep to HTTPS; a plain-HTTP
// development server never says so (it would break other servers on
// localhost for a year).
func TestHSTS(t *testing.T) {
	for _, hsts := range []bool{false, true} {
		srv := httptest.NewServer(Handler(Options{HSTS: hsts}))
		for _, p := range []string{"/", "/app.js", "/nope"} {
			resp, _ := fetch(t, srv, "GET", p)
			got := resp.Header.Get("Strict-Transport-Security")
			if hsts && got != "max-age=31536000" || !hsts && got != "" {
				t.Errorf("HSTS %v, GET %s: Strict-Transport-Security %q", hsts, p, got)
			}
		}
		srv.Close()
	}
}

func TestMethodsAndPaths(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{}))
	defer srv.Close()
	if r, _ := fetch(t, srv, "POST", "/app.js"); r.StatusCode != http.StatusMethodNotAllowed || r.Header.Get("Allow") == "" {
		t.Errorf("POST: %d, Allow %q", r.StatusCode, r.Header.Get("Allow"))
	}
	if r, _ := fetch(t, srv, "GET", "/lang/"); r.StatusCode != http.StatusNotFound {
		t.Errorf("GET /lang/: %d, want 404 (no directory listings)", r.StatusCode)
	}
	if r, _ := fetch(t, srv, "GET", "/index.html?room=x"); r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/?room=x" {
		t.Errorf("GET /index.html: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r, _ := fetch(t, srv, "GET", "/nope.js"); r.StatusCode != http.StatusNotFound || r.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("GET /nope.js: %d, CSP %q", r.StatusCode, r.Header.Get("Content-Security-Policy"))
	}
}
