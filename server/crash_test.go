package server_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"piiri/bot"
	"piiri/config"
	"piiri/control"
	"piiri/internal/mediaprobe"
	"piiri/server"
	"piiri/server/servertest"
	"piiri/sfu/record"
)

// crashChildEnv makes the test binary a server that records and waits to
// be killed (see TestRecordingSurvivesSIGKILL).
const crashChildEnv = "PIIRI_RECORDING_CRASH_CHILD"

// recordingsToKill is how long the child records after its files exist,
// before it says it is ready to be killed.
const recordingsToKill = 4 * time.Second

// crashChild runs a server in dir, puts two bots who consent into a
// recorded meeting, and once their files have had recordingsToKill of
// media, prints "RECORDING" and waits for the SIGKILL.
func crashChild(dir string) {
	fail := func(err error) {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	cfg := servertest.Config()
	cfg.Data.Dir = dir
	srv, err := server.New(cfg, servertest.Logger())
	if err != nil {
		fail(err)
	}
	go func() { _ = srv.Run(context.Background()) }()
	ctx, svc, admin := context.Background(), srv.Control(), control.AdminPrincipal()
	g, err := svc.CreateGroup(ctx, admin, control.GroupInput{Name: "Crash", Language: control.English})
	if err != nil {
		fail(err)
	}
	m, err := svc.AddMeeting(ctx, admin, g.ID, control.MeetingInput{Start: time.Now().Add(time.Minute), Theme: "Crash"})
	if err != nil {
		fail(err)
	}
	if _, err := svc.OpenMeeting(ctx, admin, m.ID); err != nil {
		fail(err)
	}
	var fia string
	var bots []*bot.Bot
	for _, p := range []struct {
		name string
		role control.Role
	}{{"Fia", control.RoleFacilitator}, {"Anna", control.RoleMember}} {
		person, link, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: p.name, Role: p.role})
		if err != nil {
			fail(err)
		}
		if _, err := svc.AcceptAgreement(ctx, control.PersonPrincipal(person.ID), g.Agreement.Version); err != nil {
			fail(err)
		}
		jctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		b, err := bot.Join(jctx, bot.Config{URL: srv.WebsocketURL(), Token: link.Token, Publish: true})
		cancel()
		if err != nil {
			fail(err)
		}
		bots = append(bots, b)
		if _, err := svc.SetConsent(ctx, control.PersonPrincipal(person.ID), m.ID, control.Consent{Record: true}, 1); err != nil {
			fail(err)
		}
		if p.role == control.RoleFacilitator {
			fia = person.ID
		}
	}
	// As in a real meeting, the recording starts once everyone's media
	// flows: someone whose tracks come while they are recorded gets a
	// new file as each track comes, which would make this check muddled.
	deadline := time.Now().Add(60 * time.Second)
	for _, b := range bots {
		for receivingFromAll(b, bots, 10) != nil {
			if time.Now().After(deadline) {
				fail(fmt.Errorf("no media after 60 s: %v", receivingFromAll(b, bots, 10)))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if _, err := svc.StartRecording(ctx, control.PersonPrincipal(fia), m.ID); err != nil {
		fail(err)
	}
	// Wait (boundedly) for both people's files, then record a while.
	deadline = time.Now().Add(60 * time.Second)
	for {
		man, err := srv.Recordings().Manifest(m.ID)
		files := 0
		if err == nil {
			for _, p := range man.People {
				files += len(p.Files)
			}
		}
		if files >= 2 {
			break
		}
		if time.Now().After(deadline) {
			fail(fmt.Errorf("no files after 60 s: %+v, %v", man, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(recordingsToKill) // the media the files must keep
	fmt.Println("RECORDING", m.ID)
	select {}
}

// TestRecordingSurvivesSIGKILL: a server is killed (SIGKILL) while it
// records two people. When a server starts again on its data directory,
// the partial files have been repaired: they are final WebM files that
// ffprobe reads with both codecs, up to the crash (at most the 1 s flush
// interval lost), and the manifest says they are final and closes the
// recording's open spans.
func TestRecordingSurvivesSIGKILL(t *testing.T) {
	mediaprobe.Need(t)
	dir := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var meeting string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "RECORDING "); ok {
			meeting = id
			break
		}
		if strings.HasPrefix(line, "ERROR") {
			t.Fatalf("the recording server: %s", line)
		}
	}
	if meeting == "" {
		t.Fatalf("the recording server ended without recording: %v", sc.Err())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	recDir := filepath.Join(dir, "recordings", meeting)
	parts, _ := filepath.Glob(filepath.Join(recDir, "*"+record.PartSuffix))
	if len(parts) != 2 {
		t.Fatalf("after the kill: partial files %v, want both people's", parts)
	}

	srv := servertest.Start(t, func(c *config.Config) { c.Data.Dir = dir })
	if parts, _ := filepath.Glob(filepath.Join(recDir, "*"+record.PartSuffix)); len(parts) != 0 {
		t.Errorf("partial files left after the restart: %v", parts)
	}
	man, err := srv.Recordings().Manifest(meeting)
	if err != nil {
		t.Fatal(err)
	}
	if len(man.People) != 2 {
		t.Fatalf("manifest people %+v, want 2", man.People)
	}
	for _, p := range man.People {
		if len(p.Consent) != 1 || p.Consent[0].To.IsZero() {
			t.Errorf("%s: spans %+v, want one, closed at the crash", p.Person, p.Consent)
		}
		for _, f := range p.Files {
			if !f.Final {
				t.Errorf("%s is not final in the manifest", f.Name)
			}
			pr := mediaprobe.WebM(t, filepath.Join(recDir, f.Name))
			if got := pr.Codecs(); got != "audio/opus,video/vp8" {
				t.Errorf("%s: streams %s, want audio/opus,video/vp8", f.Name, got)
			}
			if d := pr.Duration(); d < recordingsToKill-1500*time.Millisecond {
				t.Errorf("%s plays %v, want about %v (up to the crash, less at most the flush interval)", f.Name, d, recordingsToKill)
			}
			t.Logf("%s: %v after the repair (recorded at least %v before the kill)", f.Name, pr.Duration(), recordingsToKill)
		}
	}
}
