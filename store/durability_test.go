package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"piiri/api"
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

// crashChild is the child of TestSIGKILLLosesNoAcknowledgedWrite: the
// real API handler over the bbolt store on a loopback listener, as `piiri
// serve` runs it. It prints "ADDR TOKEN" (its address and the admin
// token) and serves until it is killed.
func crashChild(dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	db, err := Open(dir, Options{})
	if err != nil {
		fail(err)
	}
	svc, err := control.New(db, control.Options{})
	if err != nil {
		fail(err)
	}
	token, _, err := svc.EnsureAdminToken(context.Background())
	if err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	base := "http://" + ln.Addr().String()
	a, err := api.New(api.Config{Control: svc, BaseURL: func() string { return base }})
	if err != nil {
		fail(err)
	}
	if _, err := fmt.Printf("%s %s\n", ln.Addr(), token); err != nil {
		os.Exit(4)
	}
	fail(http.Serve(ln, a.Handler()))
}

// TestSIGKILLLosesNoAcknowledgedWrite: a child process serves the API over
// the store; this test creates groups through it over HTTP from several
// connections at once, counts a group as acknowledged only once its 201
// with the group's ID has arrived, kills the child with SIGKILL in the
// middle of the burst, and checks that every acknowledged group is in
// the file and the file is consistent.
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
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the child's address: %v\n%s", err, stderr.String())
	}
	addr, token, ok := strings.Cut(strings.TrimSpace(line), " ")
	if !ok {
		t.Fatalf("the child said %q", line)
	}

	const (
		writers   = 4
		killAfter = 200
	)
	client := &http.Client{Timeout: 10 * time.Second}
	var (
		mu       sync.Mutex
		acked    []string
		killed   bool
		unacked  int // requests sent that got no 201 (cut off by the kill)
		failures []string
	)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				body := fmt.Sprintf(`{"name":"Crash group %d-%d"}`, w, i)
				req, err := http.NewRequest("POST", "http://"+addr+"/api/v1/groups", strings.NewReader(body))
				if err != nil {
					panic(err)
				}
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				var g struct {
					ID string `json:"id"`
				}
				if err == nil {
					err = json.NewDecoder(resp.Body).Decode(&g)
					resp.Body.Close()
					if err == nil && (resp.StatusCode != http.StatusCreated || g.ID == "") {
						err = fmt.Errorf("%d, id %q", resp.StatusCode, g.ID)
					}
				}
				mu.Lock()
				if err != nil {
					if !killed {
						failures = append(failures, err.Error())
					}
					unacked++
					mu.Unlock()
					return // the child is gone (or broke: reported below)
				}
				acked = append(acked, g.ID)
				if len(acked) == killAfter && !killed {
					if err := cmd.Process.Kill(); err != nil { // SIGKILL
						failures = append(failures, "kill: "+err.Error())
					}
					killed = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	werr := cmd.Wait()
	if len(failures) > 0 || !killed {
		t.Fatalf("before the kill: %q (%d acknowledged; the child: %v)\n%s", failures, len(acked), werr, stderr.String())
	}
	t.Logf("%d writes acknowledged over HTTP, %d cut off by the kill", len(acked), unacked)

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
		if len(gs) < len(acked) || len(gs) > len(acked)+unacked {
			t.Errorf("%d groups stored, %d acknowledged, %d cut off: only those cut off may have landed unacknowledged", len(gs), len(acked), unacked)
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
