// Package web owns the browser client: static HTML, CSS and JavaScript,
// embedded in the binary with go:embed and served as they are, with no
// build step. Handler serves them with validators computed once from the
// embedded content, gzip when the browser takes it, and the security
// headers the page relies on.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed static
var files embed.FS

// Static is the client's file tree, rooted at the static directory.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic("web: embedded static directory missing: " + err.Error()) // a build defect, not a runtime condition
	}
	return sub
}

// Options says how the client is served.
type Options struct {
	// HSTS tells browsers to use only HTTPS for this host from now on
	// (Strict-Transport-Security). Set it when pages reach the browser
	// over HTTPS; never on plain-HTTP development servers.
	HSTS bool
}

// hstsMaxAge is a year, the value browsers' preload lists expect.
const hstsMaxAge = 365 * 24 * time.Hour

// file is one embedded file, prepared for serving.
type file struct {
	body, gzipped []byte // gzipped is nil when compression does not pay
	etag, gzETag  string // strong validators of the two representations
	ctype         string
}

// minGzipGain is the fraction of its size a file must lose to be served
// compressed: below that, the CPU and the Vary header are not worth it.
const minGzipGain = 0.1

// Handler serves the client. Every file is read, hashed and compressed
// once, here: an embedded file cannot change while the process runs, so
// its ETag is its content's hash and a browser's revalidation costs a 304.
//
// It sets a strict content security policy: the page loads only its own
// scripts and styles and talks only to its own origin.
func Handler(opts Options) http.Handler {
	byPath := map[string]*file{}
	err := fs.WalkDir(Static(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(Static(), name)
		if err != nil {
			return err
		}
		byPath["/"+name] = prepare(name, body)
		return nil
	})
	if err != nil {
		panic("web: read the embedded client: " + err.Error()) // a build defect
	}
	if byPath["/index.html"] == nil {
		panic("web: the embedded client has no index.html") // a build defect
	}
	hsts := "max-age=" + strconv.Itoa(int(hstsMaxAge.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; media-src 'self' blob: mediastream:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)")
		if opts.HSTS {
			h.Set("Strict-Transport-Security", hsts)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := r.URL.Path
		if token, ok := strings.CutPrefix(p, linkPrefix); ok {
			personalLink(w, r, token)
			return
		}
		if p == "/index.html" {
			// One URL per page: the page is "/", as the links say.
			http.Redirect(w, r, "/"+queryOf(r), http.StatusMovedPermanently)
			return
		}
		if p == "/" || p == adminPage {
			p = "/index.html"
		}
		f := byPath[p]
		if f == nil {
			http.NotFound(w, r)
			return
		}
		// The client is small and changes with the binary, under the same
		// names: revalidating every load (a 304 when nothing changed)
		// keeps a browser from mixing versions after an upgrade.
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Type", f.ctype)
		body, etag := f.body, f.etag
		if f.gzipped != nil {
			h.Add("Vary", "Accept-Encoding")
			if acceptsGzip(r.Header.Values("Accept-Encoding")) {
				body, etag = f.gzipped, f.gzETag
				h.Set("Content-Encoding", "gzip")
			}
		}
		h.Set("ETag", etag)
		// ServeContent answers If-None-Match (304), ranges and HEAD.
		http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(body))
	})
}

// adminPage is the admin link's path (BASE/admin#TOKEN): the one page
// of the client, which opens its admin half there.
const adminPage = "/admin"

// linkPrefix starts a personal link's path: BASE/g/TOKEN, the link people
// are given (by the API, in their e-mail and calendar).
const linkPrefix = "/g/"

// personalLink sends a personal link on to the page, with the token
// moved into the fragment: the page reads it there, and from then on the
// browser never sends it to the server again (not in a reload, not in a
// Referer). The redirect is relative, so a server under a path prefix
// works too. Anything that cannot be a token is not found.
func personalLink(w http.ResponseWriter, r *http.Request, token string) {
	if !tokenLike(token) {
		http.NotFound(w, r)
		return
	}
	// Set by hand: http.Redirect would make the location absolute.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", "../#g="+token)
	w.WriteHeader(http.StatusFound)
}

// tokenLike reports whether s could be a link token: base64url, of a
// sane length.
func tokenLike(s string) bool {
	if len(s) < 16 || len(s) > 256 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func queryOf(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "?" + r.URL.RawQuery
}

// prepare hashes and, where it pays, compresses one file.
func prepare(name string, body []byte) *file {
	sum := sha256.Sum256(body)
	tag := base64.RawURLEncoding.EncodeToString(sum[:18])
	f := &file{body: body, etag: `"` + tag + `"`, ctype: contentType(name)}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	_, _ = zw.Write(body)                                    // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	if float64(buf.Len()) <= float64(len(body))*(1-minGzipGain) {
		f.gzipped = buf.Bytes()
		// A different representation needs its own strong validator.
		f.gzETag = `"` + tag + `-gz"`
	}
	return f
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// acceptsGzip reports whether Accept-Encoding values take gzip: named (or
// matched by *) with a q-value above 0.
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			q := 1.0
			for param := range strings.SplitSeq(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					if err != nil {
						f = 0
					}
					q = f
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = q
			case "*":
				starQ = q
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
