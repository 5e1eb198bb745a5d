package api

import (
	"fmt"
	"net/http"

	"piiri/internal/buildinfo"
)

// HealthCounts is what /healthz reports of the server's load.
type HealthCounts struct {
	Rooms        int
	Participants int
}

// Health serves /healthz on the admin listener: "ok", the build, and the
// rooms and participants now, as plain text for people and probes alike.
func Health(counts func() HealthCounts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		c := counts()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, "ok\n%s\nrooms %d\nparticipants %d\n", buildinfo.Get(), c.Rooms, c.Participants)
	})
}
