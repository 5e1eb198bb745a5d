// Package web owns the browser client: static HTML, CSS and JavaScript,
// embedded in the binary with go:embed and served as they are, with no
// build step.
package web

import (
	"embed"
	"io/fs"
	"net/http"
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

// Handler serves the client. It sets a strict content security policy:
// the page loads only its own scripts and styles and talks only to its own
// origin.
func Handler() http.Handler {
	files := http.FileServerFS(Static())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; media-src 'self' blob: mediastream:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)")
		// The client is small and changes with the binary; revalidating
		// every load keeps a browser from mixing versions after an upgrade.
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
