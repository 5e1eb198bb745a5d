package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"text/tabwriter"

	"piiri/apiclient"
)

// `piiri admin ...`: what an admin does without a browser, through the
// server's HTTP API with the admin token (see docs/api.md), never by
// opening the store, so the server's rules and permissions apply as they
// do to the admin page.

const adminUsage = `Usage: piiri admin [CONNECTION FLAGS] COMMAND [FLAGS]

Does what an admin does on the admin page, from a shell: through the
server's API, so the server must be running.

Commands:
  groups                       list the groups: "3 of 8 held", members
  templates                    list the templates groups are made from
  create-group -name NAME [-template peer-group] [-language fi|sv|en]
               [-organisation ORG] [-timezone TZ] [-description TEXT]
                               create a group from a template
  add-person -group ID -name NAME -role member|facilitator|observer
             [-organisation ORG] [-email E] [-language L]
                               add a person; prints their personal link
  people -group ID             the group's people (without links)
  links -group ID              the group's people with their personal links
  reissue-link -person ID      a new link for a person; the old one stops
  revoke-link -person ID       revoke a person's link (reissue-link gives a new one)
  meetings -group ID           the group's programme
  plan -group ID -first 2027-01-14T17:30
                               plan the programme from the group's template
                               settings, the first meeting at -first (local
                               time in the group's time zone)
  report [-group ID] [-csv [-table T] [-sep semicolon]]
                               a group's report, or with no -group the
                               overview of all groups: JSON, or CSV as the
                               server makes it (UTF-8 with BOM; -sep
                               semicolon for Excel in Finnish or Swedish)

Most commands print a table; -json prints the API's JSON instead.
"piiri admin COMMAND -h" tells more about one.

Connection flags (before or after the command):
  -server URL       the server, such as https://meet.example.fi (default:
                    server.public_url, else server.listen, of the config)
  -token-file FILE  a file holding the admin token, or the admin link
                    (BASE/admin#TOKEN); - reads standard input
  -config FILE      the server's config (for the URL, admin.token, data.dir)
  -ca FILE          PEM certificates to trust besides the system's (a trial
                    server's self-signed one: DATA_DIR/self-signed-cert.pem)
  -timeout 30s      time each request may take

The admin token is taken from -token-file, else PIIRI_ADMIN_TOKEN, else
admin.token (or admin.token_file) of the config, else the admin link the
server kept in its data directory (data.dir/admin-link.txt), and never
from an argument: arguments show in ps and in the shell's history.
Personal links are secrets too: only add-person, reissue-link and links
print them.

Exit status: 0 done, 1 the server refused or could not be reached (its
message names the field), 2 a usage error.
`

// adminCommand is one `piiri admin` command.
type adminCommand struct {
	name     string
	synopsis string // its flags, for the usage line
	summary  string
	run      func(a *adminRun, args []string) int
}

func adminCommands() []adminCommand {
	return []adminCommand{
		{"groups", "[-json]", "Lists the groups with their count of meetings held and their members.", adminGroups},
		{"templates", "[-language fi|sv|en] [-json]", "Lists the templates groups can be created from.", adminTemplates},
		{"create-group", "-name NAME [-template ID] [-language fi|sv|en] [-organisation ORG] [-timezone TZ] [-description TEXT] [-json]",
			"Creates a group from a template, which sets its sizes, number of meetings, cadence, duration and agreement.\nAdd its facilitator next with add-person.", adminCreateGroup},
		{"add-person", "-group ID -name NAME -role member|facilitator|observer [-organisation ORG] [-email E] [-language L] [-json]",
			"Adds a person to a group and prints their personal link, which is their key to the group: give it to them only.", adminAddPerson},
		{"people", "-group ID [-json]", "Lists a group's people, without their links.", adminPeople},
		{"links", "-group ID [-json]", "Lists a group's people with their personal links. The links are secrets: each opens the group as that person.", adminLinks},
		{"reissue-link", "-person ID [-json]", "Issues a new personal link for a person and prints it; the old link (and its calendar feed) stops working at once.", adminReissueLink},
		{"revoke-link", "-person ID", "Revokes a person's link without a new one; they stay in the group, and reissue-link gives them a new one.", adminRevokeLink},
		{"meetings", "-group ID [-json]", "Lists a group's programme: its meetings, their times, themes and states.", adminMeetings},
		{"plan", "-group ID -first TIME [-json]",
			"Plans the rest of a group's programme from its settings: as many meetings as it still lacks, the first at -first\n(such as 2027-01-14T17:30, local time in the group's time zone, or RFC 3339 with an offset), each next one a cadence later.", adminPlan},
		{"report", "[-group ID] [-csv [-table TABLE] [-sep comma|semicolon]]",
			"Prints a group's report (meetings held, attendance per person and organisation), or with no -group the\noverview of all groups, as JSON; with -csv one table as CSV, byte for byte as the server makes it (UTF-8 with\na byte-order mark, CRLF; -sep semicolon gives ';' and a decimal comma, for Excel in Finnish or Swedish).\nTables: meetings (default), people, organisations; of the overview: groups (default), organisations.", adminReport},
	}
}

// adminCmd is `piiri admin`.
func adminCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if name, ok := tokenArgument(args); ok {
		fmt.Fprintf(stderr, "piiri admin: %s: the admin token is not taken on the command line, where it would show in ps and the shell's history; put it in a file and give -token-file FILE (or set PIIRI_ADMIN_TOKEN)\n", name)
		return 2
	}
	conn := &adminConn{timeout: apiclient.DefaultTimeout}
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), adminUsage) }
	conn.register(fs)
	if exit, stop := parseFlags(fs, args); stop {
		return exit
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, "piiri admin: give a command\n\n"+adminUsage)
		return 2
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	if name == "help" {
		if len(rest) == 0 {
			fmt.Fprint(stdout, adminUsage)
			return 0
		}
		name, rest = rest[0], []string{"-h"}
	}
	for _, c := range adminCommands() {
		if c.name == name {
			a := &adminRun{cmd: c, conn: conn, stdin: stdin, stdout: stdout, stderr: stderr}
			return a.cmd.run(a, rest)
		}
	}
	fmt.Fprintf(stderr, "piiri admin: unknown command %q\n\n%s", name, adminUsage)
	return 2
}

// adminRun is one command being run.
type adminRun struct {
	cmd    adminCommand
	conn   *adminConn
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// tokenSource says where the token came from, for a 401's message.
	tokenSource string
}

// flags is the command's flag set, with the connection flags.
func (a *adminRun) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("admin "+a.cmd.name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	a.conn.register(fs)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: piiri admin %s %s\n\n%s\n\nFlags:\n", a.cmd.name, a.cmd.synopsis, a.cmd.summary)
		printFlags(w, fs, func(n string) bool { return !isConnFlag(n) })
		fmt.Fprint(w, "\nConnection flags (see piiri admin -h for where the token comes from):\n")
		printFlags(w, fs, isConnFlag)
	}
	return fs
}

// printFlags prints the defaults of fs's flags that keep selects.
func printFlags(w io.Writer, fs *flag.FlagSet, keep func(string) bool) {
	sub := flag.NewFlagSet("", flag.ContinueOnError)
	sub.SetOutput(w)
	fs.VisitAll(func(f *flag.Flag) {
		if keep(f.Name) {
			sub.Var(f.Value, f.Name, f.Usage)
			sub.Lookup(f.Name).DefValue = f.DefValue
		}
	})
	sub.PrintDefaults()
}

// parse parses the command's flags and checks that the required ones are
// given; stop says the command ends with exit.
func (a *adminRun) parse(fs *flag.FlagSet, args []string, required ...string) (exit int, stop bool) {
	if exit, stop := parseFlags(fs, args); stop {
		return exit, true
	}
	if fs.NArg() != 0 {
		return a.usageError(fs, "unexpected argument %q (the command's values are flags, such as -name \"Aino Aalto\")", fs.Arg(0)), true
	}
	for _, name := range required {
		if strings.TrimSpace(fs.Lookup(name).Value.String()) == "" {
			return a.usageError(fs, "-%s is required", name), true
		}
	}
	return 0, false
}

// usageError says what is wrong, then the command's usage; exit 2.
func (a *adminRun) usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(a.stderr, "piiri admin %s: %s\n\n", a.cmd.name, fmt.Sprintf(format, args...))
	fs.Usage()
	return 2
}

// client connects to the server; nil after it said why not (exit code).
func (a *adminRun) client() (*apiclient.Client, int) {
	c, err := a.conn.connect(a.stdin, a.stderr)
	if err != nil {
		fmt.Fprintf(a.stderr, "piiri admin %s: %s\n", a.cmd.name, strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		if errors.Is(err, errUsage) {
			return nil, 2
		}
		return nil, 1
	}
	a.tokenSource = c.tokenSource
	return c.client, 0
}

// fail reports an error of a request: the API's message with its field,
// and what to do for the errors an admin meets setting up. Exit 1.
func (a *adminRun) fail(err error) int {
	fmt.Fprintf(a.stderr, "piiri admin %s: %v\n", a.cmd.name, err)
	var (
		ae        *apiclient.Error
		verify    *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
	)
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		fmt.Fprintf(a.stderr, "The server did not accept the admin token from %s. Check that it is this server's current token (the admin page's link ends #TOKEN); see piiri admin -h for where the token is read.\n", a.tokenSource)
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		fmt.Fprintf(a.stderr, "The token from %s may not do this; is it the admin token, not a personal link's?\n", a.tokenSource)
	case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
		fmt.Fprintf(a.stderr, "Too many wrong tokens came from this address; try again in %s s with the right one.\n", ae.RetryAfter)
	case errors.As(err, &verify), errors.As(err, &unknownCA), errors.As(err, &hostname):
		fmt.Fprint(a.stderr, "The server's certificate is not trusted here. For a trial server's self-signed certificate give -ca FILE (the server's DATA_DIR/self-signed-cert.pem); else check -server.\n")
	case errors.Is(err, syscall.ECONNREFUSED):
		fmt.Fprint(a.stderr, "Nothing answers there: is the server running, and is -server (or the config's server.public_url / server.listen) its address?\n")
	}
	return 1
}

// printJSON prints v as indented JSON.
func (a *adminRun) printJSON(v any) int {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(a.stderr, "piiri admin %s: %v\n", a.cmd.name, err)
		return 1
	}
	return 0
}

// table prints rows under header, in columns.
func (a *adminRun) table(header []string, rows [][]string) int {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		for i, c := range r {
			r[i] = cleanCell(c)
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(a.stderr, "piiri admin %s: %v\n", a.cmd.name, err)
		return 1
	}
	return 0
}

// cleanCell keeps a value on its line and in its column: names come from
// people, and a tab, line break or terminal escape in one must not move
// the table or the terminal.
func cleanCell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

// ctx is the context of the command's requests; each has its own time
// limit (-timeout), and Ctrl-C ends the process.
func (a *adminRun) ctx() context.Context { return context.Background() }
