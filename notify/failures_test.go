package notify_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"piiri/control"
	"piiri/notify"
)

// TestTemporaryRefusalRetried: a relay answering 451 twice gets the message
// on the third attempt, after the backoff (30 s, then 2 min) on the clock;
// each retry is counted and the message arrives once.
func TestTemporaryRefusalRetried(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.rcv.refuseNext(451, 451)
	p := h.add("Sanna Sähköposti", "sanna@example.fi", control.Finnish, control.RoleMember)
	h.waitMetric("first retry", 1, func() float64 { return h.retries("invitation") })
	h.clk.Advance(29 * time.Second)
	if n := len(h.rcv.messages()); n != 0 || h.retries("invitation") != 1 {
		t.Fatalf("before the backoff passed: %d messages, %v retries", n, h.retries("invitation"))
	}
	h.clk.Advance(time.Second)
	h.waitMetric("second retry", 2, func() float64 { return h.retries("invitation") })
	h.clk.Advance(2 * time.Minute)
	h.rcv.waitFor(1)
	h.waitMetric("sent", 1, func() float64 { return h.sent("invitation") })
	if got := h.rcv.to(p.Email); len(got) != 1 {
		t.Fatalf("%d copies delivered, want 1", len(got))
	}
	if h.failed("invitation", "unreachable") != 0 || h.failed("invitation", "refused") != 0 {
		t.Error("a retried and delivered message was counted as failed")
	}
	h.checkLogs()
	if !strings.Contains(h.logs.String(), `"name":"Sanna Sähköposti"`) || !strings.Contains(h.logs.String(), "smtp 451") {
		t.Errorf("the retry log names neither the person (under name) nor the code:\n%s", h.logs.String())
	}
}

// TestPermanentRefusal: a 550 is given up at once, not retried.
func TestPermanentRefusal(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.rcv.refuseNext(550)
	h.add("Sanna Sähköposti", "sanna@example.fi", control.Finnish, control.RoleMember)
	h.waitMetric("refused", 1, func() float64 { return h.failed("invitation", "refused") })
	if h.retries("invitation") != 0 {
		t.Errorf("a permanent refusal was retried")
	}
	// The next message goes through: the worker carries on.
	h.add("Sven Svensson", "sven@example.fi", control.Swedish, control.RoleMember)
	h.rcv.waitFor(1)
	h.checkLogs() // the refusal's text names the address; the log must not
}

// TestRelayDown: with nothing listening, adding a person still succeeds at
// once; the mail is retried until its attempts run out and counted as
// unreachable; once the relay is back, new mail goes through.
func TestRelayDown(t *testing.T) {
	rcv := startReceiver(t, receiverOptions{})
	addr := rcv.addr.String()
	rcv.stop()
	h := newHarness(t, harnessOptions{receiver: rcv})
	h.add("Sanna Sähköposti", "sanna@example.fi", control.Finnish, control.RoleMember)
	h.waitMetric("first retry", 1, func() float64 { return h.retries("invitation") })
	h.clk.Advance(30 * time.Second)
	h.waitMetric("second retry", 2, func() float64 { return h.retries("invitation") })
	h.clk.Advance(2 * time.Minute)
	h.waitMetric("given up", 1, func() float64 { return h.failed("invitation", "unreachable") })
	if h.retries("invitation") != 2 {
		t.Errorf("%v retries, want 2 (3 attempts)", h.retries("invitation"))
	}

	back := startReceiver(t, receiverOptions{addr: addr})
	h.add("Sven Svensson", "sven@example.fi", control.Swedish, control.RoleMember)
	if got := back.waitFor(1); got[0].To[0] != "sven@example.fi" {
		t.Fatalf("after the relay came back: %v", got[0].To)
	}
	h.checkLogs()
}

// TestHangingRelayNeverBlocks: a relay that accepts connections and never
// answers holds the worker, not the facilitator: every AddPerson returns,
// the overflow of a one-message queue is counted, and Close with a spent
// deadline aborts the delivery under way and reports what was given up.
func TestHangingRelayNeverBlocks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, never written to
		}
	}()
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	rcv := startReceiver(t, receiverOptions{}) // only for the harness's defaults
	h := newHarness(t, harnessOptions{receiver: rcv, config: func(c *notify.Config) {
		c.Port = ln.Addr().(*net.TCPAddr).Port
		c.QueueSize = 1
		c.SendTimeout = time.Hour
	}})
	for i, name := range []string{"Aino", "Bertil", "Cecilia", "Daniel"} {
		if _, _, err := h.svc.AddPerson(h.ctx, h.as(h.fac), h.group.ID, control.PersonInput{Name: name, Email: strings.ToLower(name) + "@example.fi", Role: control.RoleMember}); err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
		if i == 0 { // the worker is connected and stuck before the rest come
			select {
			case c := <-accepted:
				held = append(held, c)
			case <-time.After(20 * time.Second):
				t.Fatal("the worker never connected to the relay")
			}
		}
	}
	// One is being sent (stuck), one waits in the queue, two overflowed.
	h.waitMetric("overflow", 2, func() float64 { return h.failed("invitation", "queue_full") })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = h.mailer.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "2 messages given up") {
		t.Fatalf("Close: %v, want 2 messages given up (the stuck one and the queued one)", err)
	}
	if got := h.failed("invitation", "shutdown"); got != 2 {
		t.Errorf("failed{shutdown} = %v, want 2", got)
	}
	// Mail after Close is refused, not queued.
	h.add("Eeva Member", "eeva@example.fi", control.Finnish, control.RoleMember)
	if got := h.failed("invitation", "shutdown"); got != 3 {
		t.Errorf("failed{shutdown} = %v after a mail past Close, want 3", got)
	}
}

// TestCloseDrains: Close sends what is queued before it returns.
func TestCloseDrains(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.addThree()
	if err := h.mailer.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.rcv.messages()); n != 3 {
		t.Fatalf("%d messages delivered by the time Close returned, want 3", n)
	}
}

// TestCloseAbandonsRetries: a message waiting for its backoff at Close is
// given up (counted) without waiting for the backoff.
func TestCloseAbandonsRetries(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.rcv.refuseNext(451)
	h.add("Sanna Sähköposti", "sanna@example.fi", control.Finnish, control.RoleMember)
	h.waitMetric("retry", 1, func() float64 { return h.retries("invitation") })
	err := h.mailer.Close(context.Background())
	if err == nil || h.failed("invitation", "shutdown") != 1 {
		t.Fatalf("Close: %v, failed{shutdown} %v; want one given up", err, h.failed("invitation", "shutdown"))
	}
	h.clk.Advance(time.Hour)
	if n := len(h.rcv.messages()); n != 0 {
		t.Fatalf("%d messages sent after Close", n)
	}
}
