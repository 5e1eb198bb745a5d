package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"piiri/control"
)

func schema(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.db.View(func(btx *bolt.Tx) (err error) { n, err = schemaOf(btx); return err }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMigrateV1 is the first step: an empty file gets the v1 buckets.
func TestMigrateV1(t *testing.T) {
	db := openTemp(t, Options{upTo: 1})
	if n := schema(t, db); n != 1 {
		t.Fatalf("schema %d, want 1", n)
	}
	err := db.db.View(func(btx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketGroups, bucketPeople, bucketMeetings, bucketLinks, bucketLinkHash, bucketAdmin, bucketTemplates} {
			if btx.Bucket(b) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		if btx.Bucket(bucketGroupPeople) != nil {
			t.Error("v1 has the v2 index")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// writeV1 writes records the way a v1 piiri did: records in their
// buckets, no group indexes.
func writeV1(t *testing.T, db *DB, people []control.Person, meetings []control.Meeting, groups ...control.Group) {
	t.Helper()
	err := db.db.Update(func(btx *bolt.Tx) error {
		for _, g := range groups {
			raw, _ := encode(kindGroup, g)
			if err := btx.Bucket(bucketGroups).Put([]byte(g.ID), raw); err != nil {
				return err
			}
		}
		for _, p := range people {
			raw, _ := encode(kindPerson, p)
			if err := btx.Bucket(bucketPeople).Put([]byte(p.ID), raw); err != nil {
				return err
			}
		}
		for _, m := range meetings {
			raw, _ := encode(kindMeeting, m)
			if err := btx.Bucket(bucketMeetings).Put([]byte(m.ID), raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateV2 builds a v1 database with data, reopens it with this
// piiri and checks the indexes were built from the records.
func TestMigrateV2(t *testing.T) {
	dir := t.TempDir()
	old, err := Open(dir, Options{upTo: 1})
	if err != nil {
		t.Fatal(err)
	}
	var people []control.Person
	for i := range 12 {
		people = append(people, control.Person{ID: "p" + strconv.Itoa(i), GroupID: []string{"ga", "gb"}[i%2], Name: "P", Role: control.RoleMember, Language: control.Finnish})
	}
	meetings := []control.Meeting{{ID: "m1", GroupID: "ga", State: control.StatePlanned}, {ID: "m2", GroupID: "gb"}, {ID: "m3", GroupID: "ga"}}
	writeV1(t, old, people, meetings, control.Group{ID: "ga", Name: "A", MaxMembers: 11}, control.Group{ID: "gb", Name: "B"})
	old.Close()

	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := schema(t, db); n != latestSchema() {
		t.Fatalf("schema %d after migration, want %d", n, latestSchema())
	}
	err = db.View(func(tx control.Tx) error {
		pa, err := tx.People("ga")
		if err != nil {
			return err
		}
		mb, err := tx.Meetings("gb")
		if err != nil {
			return err
		}
		ma, err := tx.Meetings("ga")
		if err != nil {
			return err
		}
		if len(pa) != 6 || len(mb) != 1 || len(ma) != 2 {
			t.Errorf("after migration: %d people in ga, %d+%d meetings; want 6, 1, 2", len(pa), len(mb), len(ma))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The service works on the migrated data: the group is known full-ish.
	svc, err := control.New(db, control.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.Group(context.Background(), control.AdminPrincipal(), "ga")
	if err != nil || v.Members != 6 {
		t.Errorf("group view after migration: %d members, %v", v.Members, err)
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
	// Opening again runs nothing and changes nothing.
	db.Close()
	again, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
}

// TestMigrateV3: a v2 file gains the speech bucket; its records stay,
// and speech can be kept and read at once.
func TestMigrateV3(t *testing.T) {
	dir := t.TempDir()
	old, err := Open(dir, Options{upTo: 2})
	if err != nil {
		t.Fatal(err)
	}
	m := control.Meeting{ID: "m1", GroupID: "ga", State: control.StateRunning}
	if err := old.Update(func(tx control.Tx) error {
		if err := tx.PutGroup(control.Group{ID: "ga", Name: "A"}); err != nil {
			return err
		}
		return tx.PutMeeting(m)
	}); err != nil {
		t.Fatal(err)
	}
	if err := old.View(func(tx control.Tx) error { _, err := tx.Speech("m1"); return err }); err == nil {
		t.Error("a v2 file reads speech: the test does not start from v2")
	}
	old.Close()

	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := schema(t, db); n != 3 {
		t.Fatalf("schema %d after migration, want 3", n)
	}
	s := control.Speech{PersonID: "p1", Start: time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 9, 7, 0, 4, 0, time.UTC)}
	if err := db.Update(func(tx control.Tx) error { return tx.AppendSpeech("m1", s) }); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx control.Tx) error {
		got, err := tx.Speech("m1")
		if err != nil || len(got) != 1 || got[0] != s {
			t.Errorf("speech after migration: %+v, %v", got, err)
		}
		if mm, err := tx.Meeting("m1"); err != nil || mm.State != control.StateRunning {
			t.Errorf("the meeting after migration: %+v, %v", mm, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
}

// TestMigrateV2BadRecord: a record the migration cannot read stops it,
// naming the record, and leaves the file at v1.
func TestMigrateV2BadRecord(t *testing.T) {
	dir := t.TempDir()
	old, err := Open(dir, Options{upTo: 1})
	if err != nil {
		t.Fatal(err)
	}
	writeV1(t, old, []control.Person{{ID: "orphan"}}, nil)
	old.Close()
	_, err = Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "orphan") || !strings.Contains(err.Error(), "schema v2") {
		t.Fatalf("migration with a person without a group: %v", err)
	}
	v1, err := Open(dir, Options{upTo: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer v1.Close()
	if n := schema(t, v1); n != 1 {
		t.Errorf("a failed migration left schema %d, want 1", n)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.db.Update(func(btx *bolt.Tx) error { return btx.Bucket(bucketMeta).Put(keySchema, []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("opening a v99 file: %v, want ErrNewerSchema", err)
	}
}

func TestRecordVersions(t *testing.T) {
	raw, err := encode(kindGroup, control.Group{ID: "g"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"kind":"group","v":1`) {
		t.Errorf("envelope %s", raw)
	}
	var g control.Group
	for _, c := range []struct{ raw, want string }{
		{`{"kind":"group","v":2,"data":{}}`, "newer"},
		{`{"kind":"group","v":0,"data":{}}`, "version 0"},
		{`{"kind":"person","v":1,"data":{}}`, `"person"`},
		{`{"kind":"group","v":1,"data":{"maxMembers":"x"}}`, "decode group"},
		{`not json`, "decode group"},
	} {
		if err := decode(kindGroup, []byte(c.raw), &g); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("decode %s: %v, want an error with %q", c.raw, err, c.want)
		}
	}
}
