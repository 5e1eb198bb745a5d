package controltest

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"piiri/control"
)

func testLinks(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	m := f.Members[1]
	tok := f.Tokens[m.ID]
	auth := func(token string) (control.Principal, error) { return f.Svc.Authenticate(f.Ctx, token) }

	p, err := auth(tok)
	must(t, err)
	if p.PersonID() != m.ID || p.IsAdmin() {
		t.Errorf("the member's token gave %+v", p)
	}
	for _, bad := range []string{"", "short", tok + "x", tok[:len(tok)-1], strings.Repeat("a", 300), "tok0001-0123456789abcdefghi\x00", "has spaces in it and is long"} {
		if _, err := auth(bad); !errorsIs(err, control.ErrUnauthenticated) {
			t.Errorf("token %q: error %v, want unauthenticated", bad, err)
		}
	}
	// Reissue: the old token stops working, the new one works.
	l, err := f.Svc.ReissueLink(f.Ctx, f.Fac(), m.ID)
	must(t, err)
	if l.Token == tok || len(l.Token) < 22 {
		t.Fatalf("reissued token %q", l.Token)
	}
	if _, err := auth(tok); !errorsIs(err, control.ErrUnauthenticated) {
		t.Errorf("the old token after reissue: %v", err)
	}
	if p, err := auth(l.Token); err != nil || p.PersonID() != m.ID {
		t.Errorf("the new token: %+v %v", p, err)
	}
	got, err := f.Svc.Link(f.Ctx, f.As(m), m.ID)
	must(t, err)
	if got.Token != l.Token {
		t.Errorf("the person's own link %q, want %q", got.Token, l.Token)
	}
	// Revoke: no token works until one is reissued.
	must(t, f.Svc.RevokeLink(f.Ctx, f.Fac(), m.ID))
	if _, err := auth(l.Token); !errorsIs(err, control.ErrUnauthenticated) {
		t.Errorf("a revoked token: %v", err)
	}
	_, err = f.Svc.Link(f.Ctx, f.Fac(), m.ID)
	wantErr(t, "the link of a revoked person", err, control.ErrNotFound)
	links, err := f.Svc.Links(f.Ctx, f.Fac(), f.Group.ID)
	must(t, err)
	for _, pl := range links {
		if (pl.Link.Token == "") != (pl.Person.ID == m.ID) {
			t.Errorf("links: %s has token %q", pl.Person.Name, pl.Link.Token)
		}
	}
	if len(links) != 7 {
		t.Errorf("%d links, want 7 (facilitator, 5 members, observer)", len(links))
	}
	// A person who leaves is unauthenticated at once.
	leaver := f.Members[2]
	must(t, f.Svc.RemovePerson(f.Ctx, f.As(leaver), leaver.ID))
	if _, err := auth(f.Tokens[leaver.ID]); !errorsIs(err, control.ErrUnauthenticated) {
		t.Errorf("the token of one who left: %v", err)
	}

	// The admin token: generated once and kept; reissue replaces it.
	at, created, err := f.Svc.EnsureAdminToken(f.Ctx)
	must(t, err)
	again, created2, err := f.Svc.EnsureAdminToken(f.Ctx)
	must(t, err)
	if !created || created2 || at != again {
		t.Errorf("admin token: created %v then %v, same %v", created, created2, at == again)
	}
	if p, err := auth(at); err != nil || !p.IsAdmin() {
		t.Errorf("the admin token gave %+v %v", p, err)
	}
	_, err = f.Svc.ReissueAdminToken(f.Ctx, f.As(m))
	wantErr(t, "a member reissues the admin token", err, control.ErrNotAdmin)
	at2, err := f.Svc.ReissueAdminToken(f.Ctx, f.Admin())
	must(t, err)
	if _, err := auth(at); !errorsIs(err, control.ErrUnauthenticated) {
		t.Errorf("the old admin token: %v", err)
	}
	if p, err := auth(at2); err != nil || !p.IsAdmin() {
		t.Errorf("the new admin token gave %+v %v", p, err)
	}

	// A configured admin token wins over the stored one.
	cfg := NewFixture(t, open, FixtureOptions{Service: control.Options{AdminToken: "configured-admin-token-0123456789"}})
	tokCfg, created, err := cfg.Svc.EnsureAdminToken(cfg.Ctx)
	if err != nil || created || tokCfg != "configured-admin-token-0123456789" {
		t.Errorf("configured admin token: %q created %v %v", tokCfg, created, err)
	}
	if p, err := cfg.Svc.Authenticate(cfg.Ctx, tokCfg); err != nil || !p.IsAdmin() {
		t.Errorf("the configured admin token gave %+v %v", p, err)
	}
	_, err = cfg.Svc.ReissueAdminToken(cfg.Ctx, cfg.Admin())
	wantErr(t, "reissue a configured admin token", err, control.ErrConflict)
	if _, err := control.New(cfg.Store, control.Options{AdminToken: "too-short"}); !errorsIs(err, control.ErrInvalid) {
		t.Errorf("a short configured admin token: %v", err)
	}

	// Tokens stay out of logs.
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("link", "link", l)
	if strings.Contains(buf.String(), l.Token) {
		t.Errorf("a logged link shows its token: %s", buf.String())
	}
	// Production tokens: 256 bits, URL-safe, distinct.
	var ids control.RandomIDs
	a, b := ids.NewToken(), ids.NewToken()
	if a == b || len(a) < 43 || strings.ContainsAny(a, "+/=") {
		t.Errorf("random tokens %q %q", a, b)
	}
}

func testAdmit(t *testing.T, open Open) {
	f := NewFixture(t, open, FixtureOptions{})
	chair, member := f.Members[0], f.Members[1]
	_, err := f.Svc.Admit(f.Ctx, f.Tokens[member.ID])
	wantErr(t, "admit before the room opens", err, control.ErrMeetingNotOpen)
	f.Open()
	ad, err := f.Svc.Admit(f.Ctx, f.Tokens[member.ID])
	must(t, err)
	want := control.Admission{
		PersonID: member.ID, Name: member.Name, Language: control.Finnish, Role: control.RoleMember,
		GroupID: f.Group.ID, GroupName: f.Group.Name, MeetingID: f.Meeting.ID, RoomName: "m-" + f.Meeting.ID,
		State: control.StateOpen, Number: 1, Of: 8, Theme: "Workload",
	}
	if ad != want {
		t.Errorf("admission %+v\nwant      %+v", ad, want)
	}
	for _, c := range []struct {
		who          control.Person
		role         control.Role
		facilitating bool
	}{{chair, control.RoleMember, true}, {f.Facilitator, control.RoleFacilitator, true}, {f.Observer, control.RoleObserver, false}} {
		ad, err := f.Svc.Admit(f.Ctx, f.Tokens[c.who.ID])
		must(t, err)
		if ad.Role != c.role || ad.Facilitating != c.facilitating {
			t.Errorf("%s: role %s facilitating %v, want %s %v", c.who.Name, ad.Role, ad.Facilitating, c.role, c.facilitating)
		}
	}
	_, err = f.Svc.Admit(f.Ctx, f.Tokens[f.OtherMember.ID])
	wantErr(t, "admit to another group with no open meeting", err, control.ErrMeetingNotOpen)
	_, err = f.Svc.Admit(f.Ctx, "not-a-real-token-at-all-0000")
	wantErr(t, "admit a bad token", err, control.ErrUnauthenticated)
	at, _, err := f.Svc.EnsureAdminToken(f.Ctx)
	must(t, err)
	_, err = f.Svc.Admit(f.Ctx, at)
	wantErr(t, "admit the admin token", err, control.ErrForbidden)
	_, err = f.Svc.StartMeeting(f.Ctx, f.Fac(), f.Meeting.ID)
	must(t, err)
	if ad, err := f.Svc.Admit(f.Ctx, f.Tokens[member.ID]); err != nil || ad.State != control.StateRunning {
		t.Errorf("admit to a running meeting: %+v %v", ad, err)
	}
}
