package notify_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"piiri/control"
	"piiri/control/controltest"
	"piiri/control/memstore"
	"piiri/internal/clock"
	"piiri/internal/testwait"
	"piiri/metrics"
	"piiri/notify"
)

const (
	baseURL   = "https://piiri.example.fi"
	groupName = "Työntekijöiden vertaisryhmä"
)

// harness is a control service over a store, with a Mailer as its
// notifier sending to a receiver, all on one fake clock.
type harness struct {
	t      *testing.T
	ctx    context.Context
	clk    *clock.Fake
	store  control.Store
	ids    *controltest.SeqIDs
	svc    *control.Service
	mailer *notify.Mailer
	met    *metrics.Metrics
	rcv    *receiver
	logs   *syncBuffer

	group   control.Group
	fac     control.Person
	meeting control.Meeting
	tokens  map[string]string // person ID → link token
}

type harnessOptions struct {
	store    control.Store // default a new memstore
	clk      *clock.Fake   // default one at controltest.Start
	receiver *receiver     // default a plain one
	config   func(*notify.Config)
	noGroup  bool // the store already holds the group (a restart)
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), store: o.store, clk: o.clk, rcv: o.receiver, ids: &controltest.SeqIDs{},
		met: metrics.New(), logs: &syncBuffer{}, tokens: map[string]string{}}
	if h.store == nil {
		h.store = memstore.New()
	}
	if h.clk == nil {
		h.clk = clock.NewFake(controltest.Start)
		h.clk.Sync = true // timers (backoff, reminder checks) run inside Advance
	}
	if h.rcv == nil {
		h.rcv = startReceiver(t, receiverOptions{})
	}
	cfg := h.config(notify.NoTLS, nil)
	if o.config != nil {
		o.config(&cfg)
	}
	h.startMailer(cfg)
	if !o.noGroup {
		h.seed()
	}
	return h
}

// config points a Mailer at the harness's receiver.
func (h *harness) config(sec notify.Security, roots *x509.CertPool) notify.Config {
	return notify.Config{
		Host: "127.0.0.1", Port: h.rcv.addr.Port, Security: sec, RootCAs: roots,
		From: "Piiri <piiri@example.fi>", ReplyTo: "Koordinaattori Kaisa <koordinaattori@example.fi>",
		BaseURL: baseURL, Attempts: 3, RetryAfter: 30 * time.Second, SendTimeout: 10 * time.Second,
	}
}

func (h *harness) startMailer(cfg notify.Config) {
	h.t.Helper()
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := notify.New(cfg, notify.Options{Clock: h.clk, Log: log, Metrics: h.met})
	if err != nil {
		h.t.Fatal(err)
	}
	h.mailer = m
	h.t.Cleanup(func() { _ = m.Close(context.Background()) })
	h.svc, err = control.New(h.store, control.Options{Clock: h.clk, IDs: h.ids, Notifier: m})
	if err != nil {
		h.t.Fatal(err)
	}
}

// seed creates the group, its facilitator (no address: no mail) and a
// meeting a week ahead.
func (h *harness) seed() {
	h.t.Helper()
	var err error
	admin := control.AdminPrincipal()
	h.group, err = h.svc.CreateGroup(h.ctx, admin, control.GroupInput{Name: groupName, Language: control.Finnish, Organisation: "Espoon kaupunki"})
	must(h.t, err)
	h.fac, _, err = h.svc.AddPerson(h.ctx, admin, h.group.ID, control.PersonInput{Name: "Fia Ohjaaja", Role: control.RoleFacilitator})
	must(h.t, err)
	h.meeting, err = h.svc.AddMeeting(h.ctx, h.as(h.fac), h.group.ID, control.MeetingInput{Start: controltest.Start.Add(7 * 24 * time.Hour), Theme: "Työn kuormitus"})
	must(h.t, err)
}

func (h *harness) as(p control.Person) control.Principal { return control.PersonPrincipal(p.ID) }

// add adds a member with an address.
func (h *harness) add(name, email string, lang control.Language, role control.Role) control.Person {
	h.t.Helper()
	p, l, err := h.svc.AddPerson(h.ctx, h.as(h.fac), h.group.ID, control.PersonInput{Name: name, Email: email, Language: lang, Role: role})
	must(h.t, err)
	h.tokens[p.ID] = l.Token
	return p
}

// the three people of most tests, one per language
func (h *harness) addThree() (fi, sv, en control.Person) {
	return h.add("Sanna Sähköposti", "sanna@example.fi", control.Finnish, control.RoleMember),
		h.add("Sven Svensson", "sven@example.fi", control.Swedish, control.RoleMember),
		h.add("Olivia Observer", "olivia@example.org", control.English, control.RoleObserver)
}

// value of a labelled mail counter.
func (h *harness) sent(kind string) float64 {
	return testutil.ToFloat64(h.met.MailSent.WithLabelValues(kind))
}
func (h *harness) failed(kind, reason string) float64 {
	return testutil.ToFloat64(h.met.MailFailed.WithLabelValues(kind, reason))
}
func (h *harness) retries(kind string) float64 {
	return testutil.ToFloat64(h.met.MailRetries.WithLabelValues(kind))
}

// waitMetric waits until get() reaches want.
func (h *harness) waitMetric(what string, want float64, get func() float64) {
	h.t.Helper()
	testwait.Until(h.t, 20*time.Second, what, func() error {
		if got := get(); got != want {
			return fmt.Errorf("%v, want %v", got, want)
		}
		return nil
	})
}

// checkLogs fails the test if a log line holds a token or an address.
func (h *harness) checkLogs() {
	h.t.Helper()
	logs := h.logs.String()
	for id, tok := range h.tokens {
		if strings.Contains(logs, tok) {
			h.t.Errorf("the log holds the link token of %s", id)
		}
	}
	if strings.Contains(logs, "@example.") {
		h.t.Errorf("the log holds an e-mail address:\n%s", logs)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a log destination safe for the worker and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
