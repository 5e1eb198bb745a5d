package e2e

import (
	"testing"

	"piiri/config"
	"piiri/server"
	"piiri/server/servertest"
)

// startServer starts a server for a browser test: the page on loopback
// (a secure context for getUserMedia), media on mediaHost.
func startServer(t *testing.T, edit func(*config.Config)) *server.Server {
	t.Helper()
	return servertest.Start(t, func(c *config.Config) {
		c.Media.UDPListen = mediaHost + ":0"
		c.TURN.UDPListen = mediaHost + ":0"
		if edit != nil {
			edit(c)
		}
	})
}
