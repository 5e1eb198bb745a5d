package server_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"piiri/config"
	"piiri/server/servertest"
)

// TestSwitchedOffRoutesAreRefused: with ICE-TCP and TURN switched off, the
// shared port refuses their connections at once (counted as not-served)
// instead of queueing them for a consumer that does not exist, and the
// web client is still served.
func TestSwitchedOffRoutesAreRefused(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) {
		c.Media.ICETCP = false
		c.TURN.Enabled = false
	})
	stun := make([]byte, 20) // a Binding request header, no attributes
	binary.BigEndian.PutUint16(stun[0:2], 0x0001)
	binary.BigEndian.PutUint32(stun[4:8], 0x2112A442)
	copy(stun[8:], "transaction!")
	framed := append(binary.BigEndian.AppendUint16(nil, uint16(len(stun))), stun...)

	for name, first := range map[string][]byte{"ICE-TCP": framed, "TURN over TCP": stun} {
		c, err := net.Dial("tcp", srv.SharedAddr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(first); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF && !isReset(err) {
			t.Errorf("%s connection: read gave %v, want it closed by the server", name, err)
		}
		c.Close()
	}
	eventually(t, 5*time.Second, "not-served counted", func() error {
		_, body := get(t, "http://"+srv.AdminAddr()+"/metrics")
		if !strings.Contains(body, `piiri_shared_port_connections_total{outcome="not-served"} 2`) {
			return errors.New("no not-served outcomes in /metrics")
		}
		return nil
	})
	if code, _ := get(t, srv.BaseURL()+"/"); code != http.StatusOK {
		t.Errorf("web client: status %d", code)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}
