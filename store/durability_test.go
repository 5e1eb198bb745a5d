package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"piiri/control"
	"piiri/control/controltest"
)

// TestRestartKeepsEverything: what the service wrote is all there after
// closing and reopening, and links still work.
func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	var db *DB
	f := controltest.NewFixture(t, func(t *testing.T) control.Store {
		var err error
		if db, err = Open(dir, Options{}); err != nil {
			t.Fatal(err)
		}
		return db
	}, controltest.FixtureOptions{})
	ctx := context.Background()
	// Some of everything: a programme, answers, a poll, a held meeting,
	// a stored template, the admin link.
	if _, err := f.Svc.PlanProgramme(ctx, f.Fac(), f.Group.ID, f.Meeting.Start.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.SetRSVP(ctx, f.As(f.Members[1]), f.Meeting.ID, f.Members[1].ID, control.Maybe); err != nil {
		t.Fatal(err)
	}
	f.Open()
	for _, m := range f.Members[:3] {
		if err := f.Svc.Joined(ctx, f.Meeting.ID, m.ID, f.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	f.Clock.Advance(45 * time.Minute)
	if _, err := f.Svc.EndMeeting(ctx, f.Fac(), f.Meeting.ID); err != nil {
		t.Fatal(err)
	}
	ts, _ := control.ShippedTemplates()
	if err := f.Svc.PutTemplate(ctx, f.Admin(), ts[1]); err != nil {
		t.Fatal(err)
	}
	adminToken, _, err := f.Svc.EnsureAdminToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := controltest.Snapshot(t, db)
	db.Close()

	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if after := controltest.Snapshot(t, db); after != before {
		t.Errorf("after a restart the store differs:\nbefore %s\nafter  %s", before, after)
	}
	svc, err := control.New(db, control.Options{Clock: f.Clock})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := svc.Authenticate(ctx, f.Tokens[f.Members[2].ID]); err != nil || p.PersonID() != f.Members[2].ID {
		t.Errorf("a member's link after restart: %+v %v", p, err)
	}
	if p, err := svc.Authenticate(ctx, adminToken); err != nil || !p.IsAdmin() {
		t.Errorf("the admin link after restart: %v", err)
	}
	pv, err := svc.Programme(ctx, f.Fac(), f.Group.ID)
	if err != nil || pv.Progress.Held != 1 || pv.Progress.Scheduled != 8 {
		t.Errorf("programme after restart: %+v %v", pv.Progress, err)
	}
}

// TestSecondProcessGetsAClearError: the lock is held by the first open;
// the second gives up after its timeout with ErrInUse.
func TestSecondProcessGetsAClearError(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "in use by another piiri") {
		t.Fatalf("second open: %v, want ErrInUse", err)
	}
	// And from another process, as a second `piiri serve` would.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), openChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "in use by another piiri") {
		t.Fatalf("a second process: %v\n%s", err, out)
	}
}

const openChildEnv = "PIIRI_STORE_OPEN_CHILD"

// openChild is the second process of TestSecondProcessGetsAClearError: it
// prints what Open says.
func openChild(dir string) {
	db, err := Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	if err == nil {
		db.Close()
		fmt.Println("opened")
		return
	}
	fmt.Println(err)
}

const crashChildEnv = "PIIRI_STORE_CRASH_CHILD"

// crashChild is the child of TestSIGKILLLosesNoAcknowledgedWrite: it
// creates groups through the service as fast as it can and prints each
// one's ID after the write has returned, until it is killed.
func crashChild(dir string) {
	db, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	svc, err := control.New(db, control.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	for i := range 1_000_000 {
		g, err := svc.CreateGroup(context.Background(), control.AdminPrincipal(), control.GroupInput{Name: fmt.Sprintf("Crash group %d", i)})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(3)
		}
		// One write(2) per line: a line on the pipe is whole or absent.
		if _, err := os.Stdout.WriteString(g.ID + "\n"); err != nil {
			os.Exit(4)
		}
	}
	os.Exit(0)
}

// TestSIGKILLLosesNoAcknowledgedWrite kills a child process in the middle
// of a burst of writes and checks that every write it acknowledged is in
// the file, and the file is consistent.
func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	var acked []string
	const killAfter = 200
	killed := false
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			break // a partial last line was never acknowledged
		}
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, strings.TrimSuffix(line, "\n"))
		if len(acked) == killAfter && !killed {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
		}
	}
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("the child ended before it was killed, after %d writes: %v\n%s", len(acked), werr, stderr.String())
	}
	t.Logf("%d writes acknowledged before the kill took effect", len(acked))

	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatalf("the file after SIGKILL: %v", err)
	}
	missing := 0
	err = db.View(func(tx control.Tx) error {
		for _, id := range acked {
			if _, err := tx.Group(id); err != nil {
				missing++
				t.Errorf("acknowledged group %s: %v", id, err)
			}
		}
		gs, err := tx.Groups()
		if len(gs) < len(acked) || len(gs) > len(acked)+1 {
			t.Errorf("%d groups stored, %d acknowledged: at most one unacknowledged write may have landed", len(gs), len(acked))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged writes lost", missing, len(acked))
	}
}
