package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"piiri/control"
)

// BenchmarkWrite measures committed writes per second with fsync: one
// small record per transaction, as the API's acknowledged writes are.
func BenchmarkWrite(b *testing.B) {
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	i := 0
	for b.Loop() {
		i++
		err := db.Update(func(tx control.Tx) error {
			return tx.PutGroup(control.Group{ID: fmt.Sprintf("g%d", i), Name: "Benchmark group"})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

// BenchmarkServiceWrite is the same through the service: an RSVP, which
// reads the group's people and rewrites a meeting.
func BenchmarkServiceWrite(b *testing.B) {
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	svc, err := control.New(db, control.Options{})
	if err != nil {
		b.Fatal(err)
	}
	admin := control.AdminPrincipal()
	g, err := svc.CreateGroup(ctx, admin, control.GroupInput{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	var people []control.Person
	for i := range 11 {
		p, _, err := svc.AddPerson(ctx, admin, g.ID, control.PersonInput{Name: fmt.Sprintf("M%d", i), Role: control.RoleMember})
		if err != nil {
			b.Fatal(err)
		}
		people = append(people, p)
	}
	pv, err := svc.PlanProgramme(ctx, admin, g.ID, timeNowPlusWeek())
	if err != nil {
		b.Fatal(err)
	}
	answers := []control.Answer{control.Coming, control.Maybe, control.NotComing}
	i := 0
	for b.Loop() {
		i++
		p := people[i%len(people)]
		if _, err := svc.SetRSVP(ctx, control.PersonPrincipal(p.ID), pv[0].ID, p.ID, answers[i%3]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

func timeNowPlusWeek() time.Time { return time.Now().Add(7 * 24 * time.Hour) }
