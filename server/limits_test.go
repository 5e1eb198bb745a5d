package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	pionturn "github.com/pion/turn/v5"

	"piiri/server/servertest"
)

// clientFrom is an HTTP client whose connections come from a loopback
// address of its own, so the server sees a source of its own.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// TestNetcheckRate: one address gets network-check credentials at a
// limited rate and is then told, in JSON with Retry-After, to wait; the
// refusals are counted and other addresses are not affected.
func TestNetcheckRate(t *testing.T) {
	srv := servertest.Start(t, nil)
	url := srv.BaseURL() + "/api/netcheck"
	client := clientFrom(t, "127.0.0.2")
	var resp *http.Response
	var body []byte
	for i := 0; ; i++ {
		if i == 200 {
			t.Fatal("200 network checks from one address in a row were all given credentials")
		}
		var err error
		if resp, err = client.Get(url); err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			break
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d (%s), want 429", resp.StatusCode, body)
	}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After %q, want a number of seconds", resp.Header.Get("Retry-After"))
	}
	var msg struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.Error.Code != "rate_limited" || !strings.Contains(msg.Error.Message, "try again") {
		t.Errorf("body %s, want a rate_limited error that says when to try again", body)
	}
	if resp, err := clientFrom(t, "127.0.0.3").Get(url); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("another address: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if _, metrics := get(t, "http://"+srv.AdminAddr()+"/metrics"); !strings.Contains(metrics, "piiri_netcheck_rate_limited_total 1\n") {
		t.Error("the refusal is not counted in piiri_netcheck_rate_limited_total")
	}
}

// TestHeaderLimit: a request with headers beyond any browser's is refused
// (431) instead of being read into memory up to the 1 MB default.
func TestHeaderLimit(t *testing.T) {
	srv := servertest.Start(t, nil)
	req, err := http.NewRequest("GET", srv.BaseURL()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := clientFrom(t, "127.0.0.1").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers: status %d, want 431", resp.StatusCode)
	}
}

// TestLeaverCannotAllocate: the TURN credentials a participant got with
// joined make relays while it is in the room, and none once it has left.
func TestLeaverCannotAllocate(t *testing.T) {
	srv := servertest.Start(t, nil)
	ws, _, err := websocket.DefaultDialer.Dial(srv.WebsocketURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := ws.WriteJSON(map[string]any{"type": "join", "version": 1, "room": "r", "name": "Leaver"}); err != nil {
		t.Fatal(err)
	}
	var joined struct {
		Type       string      `json:"type"`
		ICEServers []iceServer `json:"iceServers"`
	}
	if err := ws.ReadJSON(&joined); err != nil || joined.Type != "joined" || len(joined.ICEServers) == 0 {
		t.Fatalf("joined: %+v %v", joined, err)
	}
	creds := joined.ICEServers[0]
	allocate := func() error {
		c, err := net.Dial("tcp", srv.SharedAddr())
		if err != nil {
			return err
		}
		defer c.Close()
		cl, err := pionturn.NewClient(&pionturn.ClientConfig{
			STUNServerAddr: srv.SharedAddr(), TURNServerAddr: srv.SharedAddr(), Conn: pionturn.NewSTUNConn(c),
			Username: creds.Username, Password: creds.Credential, Realm: "piiri", RTO: 200 * time.Millisecond,
		})
		if err != nil {
			return err
		}
		defer cl.Close()
		if err := cl.Listen(); err != nil {
			return err
		}
		relay, err := cl.Allocate()
		if err != nil {
			return err
		}
		return relay.Close()
	}
	if err := allocate(); err != nil {
		t.Fatalf("allocation while in the room: %v", err)
	}
	if err := ws.WriteJSON(map[string]any{"type": "leave"}); err != nil {
		t.Fatal(err)
	}
	for {
		var msg struct{ Type string }
		if err := ws.ReadJSON(&msg); err != nil {
			t.Fatalf("waiting for bye: %v", err)
		}
		if msg.Type == "bye" {
			break
		}
	}
	eventually(t, 10*time.Second, "the leaver's credentials refused", func() error {
		if allocate() == nil {
			return errors.New("a participant who left still got a relay")
		}
		return nil
	})
	_, metrics := get(t, "http://"+srv.AdminAddr()+"/metrics")
	if !strings.Contains(metrics, `piiri_turn_refusals_total{reason="revoked"}`) || strings.Contains(metrics, `piiri_turn_refusals_total{reason="revoked"} 0`) {
		t.Error("the refusal is not counted as revoked")
	}
}
