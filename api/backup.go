package api

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Backup serves GET /backup on the admin listener: a consistent copy of
// the store, written while the server goes on, so `piiri backup FILE` works
// without stopping it. The admin listener is private (loopback unless
// admin.allow_public), as /debug/pprof already requires.
func Backup(write func(io.Writer) (int64, error), log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "use GET", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="piiri-%s.db"`, time.Now().UTC().Format("20060102-150405")))
		n, err := write(w)
		if err != nil {
			// The status is sent; a short body tells the client, which
			// checks the copy before it keeps it.
			log.Error("backup failed", "written", n, "err", err)
		}
	})
}
