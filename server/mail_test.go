package server_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"piiri/api"
	"piiri/apiclient"
	"piiri/bot"
	"piiri/config"
	"piiri/internal/testwait"
	"piiri/server/servertest"
)

// relay is an SMTP server that keeps what it is given.
type relay struct {
	addr string
	mu   sync.Mutex
	msgs []relayed
}

type relayed struct {
	to   []string
	data string
}

func startRelay(t *testing.T) *relay {
	t.Helper()
	r := &relay{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	srv.Domain = "relay.test"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

func (r *relay) messages() []relayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]relayed(nil), r.msgs...)
}

type relaySession struct {
	r  *relay
	to []string
}

func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, relayed{to: s.to, data: string(b)})
	s.r.mu.Unlock()
	return nil
}
func (s *relaySession) Reset()        { s.to = nil }
func (s *relaySession) Logout() error { return nil }

// TestInvitationByMail: with mail configured, a person added through the
// API gets an invitation in their language through the relay, and the
// link in it is theirs: the server knows it (the meeting is not open yet).
func TestInvitationByMail(t *testing.T) {
	rl := startRelay(t)
	host, port, _ := net.SplitHostPort(rl.addr)
	const adminToken = "admin-token-for-the-mail-test-0123456789"
	srv := servertest.Start(t, func(c *config.Config) {
		c.Admin.Token = adminToken
		c.Mail = config.Mail{Host: host, Security: "none", From: "Piiri <piiri@example.fi>"}
		c.Mail.Port = mustAtoi(t, port)
	})
	ctx := context.Background()
	admin, err := apiclient.New(srv.BaseURL(), adminToken, apiclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := admin.CreateGroup(ctx, api.CreateGroupRequest{Name: "Tisdagsgruppen", Language: "sv"})
	if err != nil {
		t.Fatal(err)
	}
	added, err := admin.AddPerson(ctx, g.ID, api.PersonRequest{Name: "Sara", Email: "sara@example.fi", Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, 20*time.Second, "the invitation at the relay", func() error {
		if len(rl.messages()) == 0 {
			return errors.New("none yet")
		}
		return nil
	})
	m := rl.messages()[0]
	if len(m.to) != 1 || m.to[0] != "sara@example.fi" {
		t.Errorf("sent to %v", m.to)
	}
	if !strings.Contains(m.data, "Content-Language: sv") || !strings.Contains(m.data, "Subject: Inbjudan: Tisdagsgruppen") {
		t.Errorf("the invitation does not name the group or its language:\n%s", m.data)
	}
	found := regexp.MustCompile(regexp.QuoteMeta(srv.BaseURL()) + `/g/([A-Za-z0-9_-]+)`).FindStringSubmatch(m.data)
	if found == nil {
		t.Fatalf("no personal link (%s/g/...) in the invitation:\n%s", srv.BaseURL(), m.data)
	}
	if added.Link == nil || found[1] != added.Link.Token {
		t.Errorf("the mailed link's token is not the one the API gave")
	}
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var be *bot.Error
	if b, err := bot.Join(jctx, bot.Config{URL: srv.WebsocketURL(), Token: found[1]}); !errors.As(err, &be) || be.Code != "meeting_not_open" {
		if b != nil {
			b.Close()
		}
		t.Errorf("joining with the mailed link: %v, want meeting_not_open (a link the server knows)", err)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
