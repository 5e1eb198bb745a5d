package server_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"piiri/bot"
	"piiri/config"
	"piiri/control"
	"piiri/server"
	"piiri/server/servertest"
)

// group is a mentoring group made through the running server's control
// plane: a facilitator and two members, with a meeting starting now.
type group struct {
	svc     *control.Service
	id      string
	meeting string
	tokens  map[string]string // name → personal link token
}

func newGroup(t *testing.T, srv *server.Server) *group {
	t.Helper()
	ctx, svc := context.Background(), srv.Control()
	admin := control.AdminPrincipal()
	g, err := svc.CreateGroup(ctx, admin, control.GroupInput{Name: "Tiistairyhmä", Language: control.Finnish})
	if err != nil {
		t.Fatal(err)
	}
	out := &group{svc: svc, id: g.ID, tokens: map[string]string{}}
	for _, p := range []struct {
		name string
		role control.Role
	}{{"Fia", control.RoleFacilitator}, {"Anna", control.RoleMember}, {"Ben", control.RoleMember}} {
		person, link, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: p.name, Role: p.role})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AcceptAgreement(ctx, control.PersonPrincipal(person.ID), g.Agreement.Version); err != nil {
			t.Fatal(err)
		}
		out.tokens[p.name] = link.Token
	}
	m, err := svc.AddMeeting(ctx, admin, g.ID, control.MeetingInput{Start: time.Now().Add(time.Minute), Theme: "Workload"})
	if err != nil {
		t.Fatal(err)
	}
	out.meeting = m.ID
	return out
}

func joinByLink(t *testing.T, srv *server.Server, token string) (*bot.Bot, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bot.Join(ctx, bot.Config{URL: srv.WebsocketURL(), Token: token, Publish: true})
	if err == nil {
		t.Cleanup(b.Close)
	}
	return b, err
}

// TestMeetingFromPersonalLinks: people join their group's meeting from
// their personal links, with the names and roles the group has for them,
// hear and see each other, and the meeting counts as held once the quorum
// of members has been there together for the minimum duration.
func TestMeetingFromPersonalLinks(t *testing.T) {
	srv := servertest.Start(t, func(c *config.Config) { c.Meetings.MinHeld = 10 * time.Second })
	g := newGroup(t, srv)
	ctx := context.Background()

	var be *bot.Error
	if _, err := joinByLink(t, srv, g.tokens["Anna"]); !errors.As(err, &be) || be.Code != "meeting_not_open" {
		t.Fatalf("join before the room opens: %v, want meeting_not_open", err)
	}
	if _, err := g.svc.OpenMeeting(ctx, control.AdminPrincipal(), g.meeting); err != nil {
		t.Fatal(err)
	}
	var bots []*bot.Bot
	for _, name := range []string{"Fia", "Anna", "Ben"} {
		b, err := joinByLink(t, srv, g.tokens[name])
		if err != nil {
			t.Fatalf("%s joins: %v", name, err)
		}
		wantRole := "member"
		if name == "Fia" {
			wantRole = "facilitator"
		}
		if b.Name() != name || b.Role() != wantRole {
			t.Errorf("%s joined as %q, %q; want %q, %q", name, b.Name(), b.Role(), name, wantRole)
		}
		bots = append(bots, b)
	}
	for _, b := range bots {
		eventually(t, 30*time.Second, "media from everyone", func() error { return receivingFromAll(b, bots, 10) })
	}
	if _, err := joinByLink(t, srv, "wrong-token-wrong-token-wrong-token-000"); !errors.As(err, &be) || be.Code != "unauthorized" {
		t.Errorf("a wrong link: %v, want unauthorized", err)
	}

	eventually(t, time.Minute, "the meeting to count as held", func() error {
		v, err := g.svc.Meeting(ctx, control.AdminPrincipal(), g.meeting)
		if err != nil {
			return err
		}
		if !v.Count.Held {
			return fmt.Errorf("not held yet: longest stretch %v of %v", v.Count.Longest, v.Count.MinHeld)
		}
		return nil
	})
	for _, b := range bots {
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := b.Leave(lctx); err != nil {
			t.Errorf("leave: %v", err)
		}
		cancel()
	}
	eventually(t, 10*time.Second, "attendance closed", func() error {
		v, err := g.svc.Attendance(ctx, control.AdminPrincipal(), g.meeting)
		if err != nil {
			return err
		}
		for _, r := range v.Rows {
			if r.Present {
				return fmt.Errorf("%s still present", r.Name)
			}
			if r.Presence < 10*time.Second {
				return fmt.Errorf("%s present only %v", r.Name, r.Presence)
			}
		}
		return nil
	})
	if _, err := g.svc.EndMeeting(ctx, control.AdminPrincipal(), g.meeting); err != nil {
		t.Fatal(err)
	}
	pv, err := g.svc.Programme(ctx, control.AdminPrincipal(), g.id)
	if err != nil {
		t.Fatal(err)
	}
	if pv.Progress.Held != 1 {
		t.Errorf("progress %+v, want 1 held", pv.Progress)
	}
}
