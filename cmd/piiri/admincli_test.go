package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"piiri/api"
)

// adminServer is a `piiri serve` process for the admin CLI's tests and
// the environment that points `piiri admin` at it.
type adminServer struct {
	bin    string
	env    []string
	base   string // http://127.0.0.1:PORT
	data   string // its data directory
	server *running
}

// startAdminServer runs `piiri serve` from bin on listen with a fresh
// data directory; extra are more PIIRI_* settings.
func startAdminServer(t *testing.T, bin, listen string, extra ...string) *adminServer {
	t.Helper()
	s := &adminServer{bin: bin, base: "http://" + listen, data: filepath.Join(t.TempDir(), "data")}
	// The test's own PIIRI_* variables (an admin token, say) must not
	// leak into the processes.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(strings.ToUpper(kv), "PIIRI_") {
			s.env = append(s.env, kv)
		}
	}
	s.env = append(s.env, "PIIRI_DATA_DIR="+s.data, "PIIRI_SERVER_LISTEN="+listen, "PIIRI_ADMIN_LISTEN="+freeAddr(t),
		"PIIRI_MEDIA_UDP_LISTEN=127.0.0.1:0", "PIIRI_TURN_UDP_LISTEN=127.0.0.1:0")
	s.env = append(s.env, extra...)
	cmd := exec.Command(bin, "serve")
	cmd.Env = s.env
	s.server = startUntil(t, cmd, regexp.MustCompile(`Stop: Ctrl-C`))
	return s
}

// result is what one `piiri admin` run did.
type result struct {
	code           int
	stdout, stderr string
}

// admin runs `piiri admin args...` with the server's environment and
// more variables in env, and stdin as its standard input.
func (s *adminServer) admin(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(s.bin, append([]string{"admin"}, args...)...)
	cmd.Env = append(append([]string{}, s.env...), env...)
	cmd.Dir = t.TempDir() // not where any data directory is
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("piiri admin %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// ok runs a command that must succeed and returns its output.
func (s *adminServer) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := s.admin(t, nil, "", args...)
	if r.code != 0 {
		t.Fatalf("piiri admin %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// okJSON runs a command with -json and decodes its output into v.
func (s *adminServer) okJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := s.ok(t, append(args, "-json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("piiri admin %s -json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// adminToken is the token the server generated and kept in its data
// directory.
func (s *adminServer) adminToken(t *testing.T) string {
	t.Helper()
	link, err := os.ReadFile(filepath.Join(s.data, "admin-link.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, token, ok := strings.Cut(strings.TrimSpace(string(link)), "#")
	if !ok {
		t.Fatalf("admin-link.txt holds no #TOKEN: %q", link)
	}
	return token
}

// wantFail checks a run's exit code and that its error output says each
// of want.
func wantFail(t *testing.T, r result, code int, what string, want ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r.code, code, r.stdout, r.stderr)
		return
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("%s: the error output lacks %q:\n%s", what, w, r.stderr)
		}
	}
}

func randomToken(t *testing.T) string {
	t.Helper()
	return strings.ReplaceAll(rand.Text(), "=", "") + "x" // 26+ characters, not the server's
}

// TestAdminCLI: an admin runs a group from the shell with the built
// binary against a real server: creates a group from a template, adds a
// facilitator and two members, lists the links, revokes one (the API then
// refuses it) and reissues it, plans the programme, and gets the reports
// as CSV (the server's bytes) and JSON. A wrong token, missing flags and a
// token on the command line are refused clearly.
func TestAdminCLI(t *testing.T) {
	bin := buildPiiri(t, "")
	s := startAdminServer(t, bin, freeAddr(t))

	if out := s.ok(t, "templates"); !strings.Contains(out, "peer-group") || !strings.Contains(out, "Peer mentoring group") {
		t.Errorf("templates lacks the peer group:\n%s", out)
	}
	var g api.Group
	s.okJSON(t, &g, "create-group", "-template", "peer-group", "-name", "Työpaikan vertaisryhmä", "-organisation", "Espoon kaupunki", "-language", "fi")
	if g.ID == "" || g.TemplateID != "peer-group" || g.PlannedMeetings != 8 || g.Organisation != "Espoon kaupunki" {
		t.Fatalf("create-group made %+v", g)
	}

	// The facilitator from the table output, whose link is printed.
	out := s.ok(t, "add-person", "-group", g.ID, "-name", "Fia Ohjaaja", "-role", "facilitator", "-organisation", "Espoon kaupunki")
	m := regexp.MustCompile(`(?m)^\s+(http://\S+/g/(\S+))$`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "Fia Ohjaaja (facilitator)") {
		t.Fatalf("add-person printed no link:\n%s", out)
	}
	facilitatorToken := m[2]
	var aino, bertil api.PersonLink
	s.okJSON(t, &aino, "add-person", "-group", g.ID, "-name", "Aino Aalto", "-role", "member", "-organisation", "Vantaa", "-email", "aino@example.fi")
	s.okJSON(t, &bertil, "add-person", "-group", g.ID, "-name", "Bertil Berg", "-role", "member", "-language", "sv")
	if aino.Link == nil || bertil.Link == nil || bertil.Person.Language != "sv" || aino.Person.Email != "aino@example.fi" {
		t.Fatalf("add-person -json: %+v %+v", aino, bertil)
	}
	for _, tok := range []string{facilitatorToken, aino.Link.Token, bertil.Link.Token} {
		if code, body := getAuth(t, s.base+"/api/v1/me", tok); code != http.StatusOK {
			t.Errorf("a printed link does not work: %d %s", code, body)
		}
	}

	out = s.ok(t, "groups")
	if !regexp.MustCompile(g.ID + `\s+Työpaikan vertaisryhmä\s+Espoon kaupunki\s+peer-group\s+0 of 8 held\s+2\n`).MatchString(out) {
		t.Errorf("groups:\n%s", out)
	}
	out = s.ok(t, "links", "-group", g.ID)
	for _, want := range []string{facilitatorToken, aino.Link.URL, bertil.Link.URL, "Aino Aalto", "member", "facilitator"} {
		if !strings.Contains(out, want) {
			t.Errorf("links lacks %q:\n%s", want, out)
		}
	}
	// people lists them without links.
	out = s.ok(t, "people", "-group", g.ID)
	if !strings.Contains(out, aino.Person.ID) || !strings.Contains(out, "Bertil Berg") || strings.Contains(out, aino.Link.Token) {
		t.Errorf("people (which must not print links):\n%s", out)
	}

	// Revoke Aino's link: the API refuses it at once.
	s.ok(t, "revoke-link", "-person", aino.Person.ID)
	if code, _ := getAuth(t, s.base+"/api/v1/me", aino.Link.Token); code != http.StatusUnauthorized {
		t.Errorf("a revoked link: %d, want 401", code)
	}
	var links []api.PersonLink
	s.okJSON(t, &links, "links", "-group", g.ID)
	if len(links) != 3 {
		t.Fatalf("links -json: %d people, want 3", len(links))
	}
	for _, pl := range links {
		if (pl.Person.ID == aino.Person.ID) != (pl.Link == nil) {
			t.Errorf("links -json after revoking Aino's: %s has link %v", pl.Person.Name, pl.Link)
		}
	}
	var fresh api.Link
	s.okJSON(t, &fresh, "reissue-link", "-person", aino.Person.ID)
	if fresh.Token == "" || fresh.Token == aino.Link.Token {
		t.Fatalf("reissue-link gave %+v", fresh)
	}
	if code, body := getAuth(t, s.base+"/api/v1/me", fresh.Token); code != http.StatusOK || !strings.Contains(body, "Aino Aalto") {
		t.Errorf("the reissued link: %d %s", code, body)
	}
	if code, _ := getAuth(t, s.base+"/api/v1/me", aino.Link.Token); code != http.StatusUnauthorized {
		t.Errorf("the revoked link after the reissue: %d, want 401", code)
	}

	// The programme from the template: 8 meetings, monthly, 90 min.
	out = s.ok(t, "plan", "-group", g.ID, "-first", "2027-01-14T17:30")
	for _, want := range []string{"8 of 8 meetings scheduled", "1/8  2027-01-14 Thu 17:30–19:00", "8/8  2027-08-14 Sat 17:30–19:00", "Europe/Helsinki"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	var prog api.Programme
	s.okJSON(t, &prog, "meetings", "-group", g.ID)
	if len(prog.Meetings) != 8 || prog.Meetings[0].Start != "2027-01-14T17:30:00+02:00" || prog.Meetings[5].Start != "2027-06-14T17:30:00+03:00" {
		t.Errorf("meetings -json: %d meetings, %+v", len(prog.Meetings), prog.Meetings)
	}
	wantFail(t, s.admin(t, nil, "", "plan", "-group", g.ID, "-first", "2027-01-14T17:30"), 1, "planning a full programme", "409")

	// Reports: CSV byte for byte as the server makes it, with its BOM.
	csvOut := s.ok(t, "report", "-group", g.ID, "-csv", "-table", "people", "-sep", "semicolon")
	req, _ := http.NewRequest(http.MethodGet, s.base+"/api/v1/groups/"+g.ID+"/report.csv?table=people&sep=semicolon", nil)
	req.Header.Set("Authorization", "Bearer "+s.adminToken(t))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var direct bytes.Buffer
	_, _ = direct.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(csvOut, "\xef\xbb\xbfname;organisation;role;") || !strings.Contains(csvOut, "Aino Aalto;Vantaa;member;1;0;0;0;"+aino.Person.ID+"\r\n") {
		t.Errorf("report -csv -sep semicolon:\n%q", csvOut)
	}
	if csvOut != direct.String() {
		t.Errorf("report -csv is not the server's bytes:\n%q\nthe server:\n%q", csvOut, direct.String())
	}
	if out := s.ok(t, "report", "-csv"); !strings.HasPrefix(out, "\xef\xbb\xbfgroup,organisation,") || !strings.Contains(out, g.ID) {
		t.Errorf("report -csv (the overview):\n%q", out)
	}
	var rep api.Report
	if err := json.Unmarshal([]byte(s.ok(t, "report", "-group", g.ID)), &rep); err != nil || rep.GroupID != g.ID || len(rep.People) != 3 || rep.Progress.Scheduled != 8 {
		t.Errorf("report -group (JSON): %v %+v", err, rep)
	}
	var ov api.Overview
	if err := json.Unmarshal([]byte(s.ok(t, "report")), &ov); err != nil || len(ov.Groups) != 1 || ov.Groups[0].ID != g.ID {
		t.Errorf("report (the overview, JSON): %v %+v", err, ov)
	}

	// Elsewhere, without the data directory: -server and -token-file, the
	// file holding the token alone or the admin link, or stdin.
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(s.adminToken(t)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	away := []string{"PIIRI_DATA_DIR=" + t.TempDir()}
	if r := s.admin(t, away, "", "groups", "-server", s.base, "-token-file", tokenFile); r.code != 0 || !strings.Contains(r.stdout, g.ID) {
		t.Errorf("-server and -token-file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	link, _ := os.ReadFile(filepath.Join(s.data, "admin-link.txt"))
	if r := s.admin(t, away, string(link), "-server", s.base+"/", "-token-file", "-", "groups"); r.code != 0 || !strings.Contains(r.stdout, g.ID) {
		t.Errorf("the admin link on stdin: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The admin link says where the server is, even where the config
	// (here the defaults: 127.0.0.1:8080) does not.
	linkFile := filepath.Join(t.TempDir(), "admin-link")
	if err := os.WriteFile(linkFile, link, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := s.admin(t, []string{"PIIRI_DATA_DIR=" + t.TempDir(), "PIIRI_SERVER_LISTEN=127.0.0.1:1"}, "", "groups", "-token-file", linkFile); r.code != 0 || !strings.Contains(r.stdout, g.ID) {
		t.Errorf("-token-file with the admin link, no -server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := s.admin(t, append(away, "PIIRI_ADMIN_TOKEN="+s.adminToken(t)), "", "-server", s.base, "groups"); r.code != 0 {
		t.Errorf("PIIRI_ADMIN_TOKEN: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	wantFail(t, s.admin(t, away, "", "-server", s.base, "groups"), 2, "no token anywhere", "no admin token", "-token-file")

	// A wrong token: the server's 401, said plainly, exit 1.
	wantFail(t, s.admin(t, []string{"PIIRI_ADMIN_TOKEN=" + randomToken(t)}, "", "groups"), 1, "a wrong token",
		"401", "did not accept the admin token from PIIRI_ADMIN_TOKEN")
	// A personal link's token is not the admin's.
	wantFail(t, s.admin(t, away, facilitatorToken, "-server", s.base, "-token-file", "-", "create-group", "-name", "X"), 1,
		"a facilitator's token creating a group", "403")

	// The API's errors name the field, exit 1.
	wantFail(t, s.admin(t, nil, "", "add-person", "-group", g.ID, "-name", "Cecilia", "-role", "boss"), 1, "a wrong role", "role: ", "400 invalid")
	wantFail(t, s.admin(t, nil, "", "links", "-group", "nosuchgroup"), 1, "an unknown group", "404")
	wantFail(t, s.admin(t, nil, "", "plan", "-group", g.ID, "-first", "next tuesday"), 1, "a bad time", "first: ")

	// Usage errors: exit 2 with what is missing and the usage.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"add-person", "-group", g.ID, "-name", "Cecilia"}, "-role is required"},
		{[]string{"create-group"}, "-name is required"},
		{[]string{"plan", "-group", g.ID}, "-first is required"},
		{[]string{"links"}, "-group is required"},
		{[]string{"revoke-link"}, "-person is required"},
		{[]string{"report", "-sep", "semicolon"}, "-table and -sep are for -csv"},
		{[]string{"report", "-csv", "-sep", "tab"}, `-sep "tab"`},
		{[]string{"groups", "extra"}, `unexpected argument "extra"`},
		{[]string{"groups", "-nope"}, "flag provided but not defined: -nope"},
		{[]string{"no-such-command"}, `unknown command "no-such-command"`},
		{nil, "give a command"},
	} {
		wantFail(t, s.admin(t, nil, "", c.args...), 2, "piiri admin "+strings.Join(c.args, " "), c.want, "Usage: piiri admin")
	}

	wantFail(t, s.admin(t, nil, "", "groups", "-timeout", "0s"), 2, "no time for requests", "-timeout 0s: must be more than 0")

	// The token is never taken as an argument, wherever it is put.
	tok := s.adminToken(t)
	for _, args := range [][]string{
		{"-token", tok, "groups"}, {"groups", "--token=" + tok}, {"create-group", "-name", "X", "-admin-token", tok},
	} {
		r := s.admin(t, nil, "", args...)
		wantFail(t, r, 2, "a token argument", "not taken on the command line", "-token-file")
		if r.stdout != "" {
			t.Errorf("a token argument still ran the command:\n%s", r.stdout)
		}
	}
	wantFail(t, s.admin(t, nil, "", "-server", s.base+"/admin#"+tok, "groups"), 2, "the admin link as -server", "-token-file")
	var groups []api.GroupSummary
	s.okJSON(t, &groups, "groups")
	if len(groups) != 1 {
		t.Errorf("a refused command created a group: %+v", groups)
	}

	// Asking for help is not an error.
	for _, args := range [][]string{{"-h"}, {"help"}, {"help", "plan"}, {"plan", "-h"}, {"report", "--help"}} {
		if r := s.admin(t, nil, "", args...); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "Usage: piiri admin") {
			t.Errorf("piiri admin %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
}

// TestAdminCLISelfSigned: against a trial server with a self-signed
// certificate the CLI refuses the connection, says to give -ca, and works
// with it; on the server's machine (the URL from the config) it trusts
// the certificate in the data directory by itself.
func TestAdminCLISelfSigned(t *testing.T) {
	bin := buildPiiri(t, "")
	listen := freeAddr(t)
	base := "https://" + listen
	s := startAdminServer(t, bin, listen, "PIIRI_TLS_MODE=self-signed", "PIIRI_SERVER_PUBLIC_URL="+base)

	away := []string{"PIIRI_DATA_DIR=" + t.TempDir()}
	linkFile := filepath.Join(s.data, "admin-link.txt")
	wantFail(t, s.admin(t, away, "", "-server", base, "-token-file", linkFile, "groups"), 1, "an untrusted certificate", "certificate", "-ca FILE")
	cert := filepath.Join(s.data, "self-signed-cert.pem")
	if r := s.admin(t, away, "", "-server", base, "-token-file", linkFile, "-ca", cert, "groups"); r.code != 0 || !strings.Contains(r.stdout, "No groups yet") {
		t.Errorf("with -ca: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := s.admin(t, nil, "", "create-group", "-name", "TLS-ryhmä"); r.code != 0 || !strings.Contains(r.stdout, "TLS-ryhmä") {
		t.Errorf("on the server's machine, from its config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Its plain-HTTP redirect is not followed with the token; it is told.
	wantFail(t, s.admin(t, away, "", "-server", "http://"+listen, "-token-file", linkFile, "groups"), 1, "plain HTTP to a TLS server",
		"redirects", base+"/api/v1/groups")
	wantFail(t, s.admin(t, away, "", "-server", base, "-token-file", linkFile, "-ca", linkFile, "groups"), 2, "-ca of a file with no certificate", "no PEM certificate")
}
