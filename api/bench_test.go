package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"piiri/control"
)

// BenchmarkAPI measures request latency through the whole handler (auth,
// decoding, control, the bbolt store with fsync, encoding): a read (the
// group page a facilitator opens) and a write (an RSVP, acknowledged
// only after it is committed to disk).
//
//	flock /tmp/piiri-heavy.lock go test ./api -run '^$' -bench BenchmarkAPI -benchtime 2s
func BenchmarkAPI(b *testing.B) {
	db, svc, h := boltAPI(b, b.TempDir())
	defer db.Close()
	ctx := context.Background()
	admin := control.AdminPrincipal()
	g, err := svc.CreateGroup(ctx, admin, control.GroupInput{Name: "Bench group"})
	if err != nil {
		b.Fatal(err)
	}
	fac, facLink, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: "Fia", Role: control.RoleFacilitator})
	if err != nil {
		b.Fatal(err)
	}
	var members []control.Person
	var tokens []string
	for i := range 8 {
		p, l, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: fmt.Sprintf("Member %d", i), Role: control.RoleMember, Organisation: "Espoo"})
		if err != nil {
			b.Fatal(err)
		}
		members, tokens = append(members, p), append(tokens, l.Token)
	}
	if _, err := svc.PlanProgramme(ctx, control.PersonPrincipal(fac.ID), g.ID, time.Now().Add(24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	pv, err := svc.Programme(ctx, admin, g.ID)
	if err != nil {
		b.Fatal(err)
	}
	next := pv.Next.Meeting.ID

	b.Run("GET group page", func(b *testing.B) {
		for b.Loop() {
			if w := serveOnce(h, "GET", "/api/v1/groups/"+g.ID, facLink.Token, ""); w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
	b.Run("PUT rsvp", func(b *testing.B) {
		answers := []string{`{"answer": "coming"}`, `{"answer": "maybe"}`}
		i := 0
		for b.Loop() {
			k := i % len(members)
			w := serveOnce(h, "PUT", "/api/v1/meetings/"+next+"/rsvps/"+members[k].ID, tokens[k], answers[i/len(members)%2])
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
			i++
		}
	})
}
