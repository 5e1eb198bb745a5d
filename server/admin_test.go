package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"piiri/bot"
	"piiri/server"
	"piiri/server/servertest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestMetricsAndHealth(t *testing.T) {
	srv := servertest.Start(t, nil)
	a := joinBot(t, srv, "m", "a", true)
	b := joinBot(t, srv, "m", "b", true)
	eventually(t, 20*time.Second, "media flows", func() error {
		return receivingFromAll(a, []*bot.Bot{a, b}, 1)
	})
	// One bad message, so an error code is counted.
	ws, _, err := websocket.DefaultDialer.Dial(srv.WebsocketURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteMessage(websocket.TextMessage, []byte("{nope")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.ReadMessage(); err != nil {
		t.Fatal(err)
	}

	admin := "http://" + srv.AdminAddr()
	want := []string{
		"piiri_rooms 1",
		"piiri_participants 2",
		`piiri_published_tracks{kind="video"} 2`,
		`piiri_signaling_errors_total{code="bad_json"} 1`,
		`piiri_signaling_messages_total{type="join"} 2`,
		"piiri_plis_sent_total",
		"piiri_nacks_received_total",
		"go_goroutines",
	}
	eventually(t, 10*time.Second, "metrics", func() error {
		code, body := get(t, admin+"/metrics")
		if code != http.StatusOK {
			return fmt.Errorf("status %d", code)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				return fmt.Errorf("/metrics lacks %q", w)
			}
		}
		if !strings.Contains(body, `piiri_forwarded_packets_total{kind="video"}`) || strings.Contains(body, `piiri_forwarded_packets_total{kind="video"} 0`) {
			return fmt.Errorf("no forwarded video packets counted")
		}
		return nil
	})
	code, body := get(t, admin+"/healthz")
	if code != http.StatusOK || !strings.HasPrefix(body, "ok") || !strings.Contains(body, "participants 2") {
		t.Errorf("/healthz: %d %q", code, body)
	}
	// The public listener does not expose metrics.
	if code, body := get(t, srv.BaseURL()+"/metrics"); code == http.StatusOK && strings.Contains(body, "piiri_rooms") {
		t.Error("metrics are reachable on the public listener")
	}
}

func TestWebClientServed(t *testing.T) {
	srv := servertest.Start(t, nil)
	code, body := get(t, srv.BaseURL()+"/")
	if code != http.StatusOK || !strings.Contains(body, "<script") {
		t.Fatalf("GET /: %d", code)
	}
	resp, err := http.Get(srv.BaseURL() + "/app.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("app.js content type %q", ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("no content security policy: %q", csp)
	}
}

// TestShutdownTellsClients: stopping the server sends every client bye
// with reason server_shutdown and closes everything.
func TestShutdownTellsClients(t *testing.T) {
	cfg := servertest.Config()
	cfg.Admin.Listen = "off"
	cfg.Server.ShutdownTimeout = 5 * time.Second
	srv, err := server.New(cfg, servertest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	a := joinBot(t, srv, "s", "a", true)
	b := joinBot(t, srv, "s", "b", true)
	eventually(t, 20*time.Second, "media flows", func() error { return receivingFromAll(a, []*bot.Bot{a, b}, 1) })

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(cfg.Server.ShutdownTimeout + 5*time.Second):
		t.Fatal("Run did not return after the shutdown timeout")
	}
	t.Logf("shutdown with 2 participants took %v", time.Since(start).Round(time.Millisecond))
	for _, x := range []*bot.Bot{a, b} {
		eventually(t, 5*time.Second, "bye received", func() error {
			if x.Bye() != "server_shutdown" {
				return fmt.Errorf("bye %q", x.Bye())
			}
			return nil
		})
	}
	if _, err := http.Get(srv.BaseURL() + "/"); err == nil {
		t.Error("public listener still accepts after shutdown")
	}
}
