package store

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The layout, by schema version.
//
// v1:
//
//	meta        "schema" → decimal version, "created" → RFC 3339 time
//	groups      group ID → group record
//	people      person ID → person record
//	meetings    meeting ID → meeting record
//	links       person ID → link record
//	link_hash   SHA-256 of a token (32 bytes) → person ID
//	admin       "link" → the admin's link record
//	templates   template ID → template record
//
// v2 adds per-group indexes, so listing a group's people or meetings
// reads that group's records only instead of every record:
//
//	group_people    group ID → bucket of person IDs → ""
//	group_meetings  group ID → bucket of meeting IDs → ""
//
// v3 adds the meetings' speaking intervals, apart from the meeting
// records (a 90-minute meeting has thousands):
//
//	speech          meeting ID → bucket of sequence (8 bytes, big-endian) → speech record
var (
	bucketMeta          = []byte("meta")
	bucketGroups        = []byte("groups")
	bucketPeople        = []byte("people")
	bucketMeetings      = []byte("meetings")
	bucketLinks         = []byte("links")
	bucketLinkHash      = []byte("link_hash")
	bucketAdmin         = []byte("admin")
	bucketTemplates     = []byte("templates")
	bucketGroupPeople   = []byte("group_people")
	bucketGroupMeetings = []byte("group_meetings")
	bucketSpeech        = []byte("speech")

	keySchema  = []byte("schema")
	keyCreated = []byte("created")
	keyAdmin   = []byte("link")
)

// migration brings the layout from schema-1 to schema. Each runs in its
// own transaction together with the write of the new schema version, so a
// crash leaves the file at one version or the next, never between.
type migration struct {
	schema int
	what   string
	run    func(*bolt.Tx) error
}

// migrations is the ordered list; append, never edit a released step.
func migrations() []migration {
	return []migration{
		{1, "create the buckets", migrateV1},
		{2, "index people and meetings by group", migrateV2},
		{3, "keep speaking intervals apart from meetings", migrateV3},
	}
}

func latestSchema() int {
	ms := migrations()
	return ms[len(ms)-1].schema
}

// schemaOf reads the file's schema version: 0 for a new file.
func schemaOf(btx *bolt.Tx) (int, error) {
	meta := btx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	v := meta.Get(keySchema)
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("meta: schema version %q is not a number", v)
	}
	return n, nil
}

// migrate runs the migrations the file lacks, up to upTo.
func migrate(db *bolt.DB, upTo int, log *slog.Logger) error {
	var have int
	if err := db.View(func(btx *bolt.Tx) (err error) { have, err = schemaOf(btx); return err }); err != nil {
		return err
	}
	if have > latestSchema() {
		return fmt.Errorf("%w: schema v%d, this piiri knows up to v%d", ErrNewerSchema, have, latestSchema())
	}
	for _, m := range migrations() {
		if m.schema <= have || m.schema > upTo {
			continue
		}
		err := db.Update(func(btx *bolt.Tx) error {
			if err := m.run(btx); err != nil {
				return err
			}
			return btx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(m.schema)))
		})
		if err != nil {
			return fmt.Errorf("migration to schema v%d (%s): %w", m.schema, m.what, err)
		}
		log.Info("store migrated", "schema", m.schema, "step", m.what)
	}
	return nil
}

func migrateV1(btx *bolt.Tx) error {
	for _, b := range [][]byte{bucketMeta, bucketGroups, bucketPeople, bucketMeetings, bucketLinks, bucketLinkHash, bucketAdmin, bucketTemplates} {
		if _, err := btx.CreateBucketIfNotExists(b); err != nil {
			return fmt.Errorf("bucket %s: %w", b, err)
		}
	}
	meta := btx.Bucket(bucketMeta)
	if meta.Get(keyCreated) == nil {
		return meta.Put(keyCreated, []byte(time.Now().UTC().Format(time.RFC3339)))
	}
	return nil
}

func migrateV2(btx *bolt.Tx) error {
	for _, ix := range []struct {
		records, index []byte
		kind           string
	}{
		{bucketPeople, bucketGroupPeople, kindPerson},
		{bucketMeetings, bucketGroupMeetings, kindMeeting},
	} {
		index, err := btx.CreateBucketIfNotExists(ix.index)
		if err != nil {
			return err
		}
		err = btx.Bucket(ix.records).ForEach(func(id, v []byte) error {
			var rec struct {
				GroupID string `json:"groupId"`
			}
			if err := decode(ix.kind, v, &rec); err != nil {
				return fmt.Errorf("%s %s: %w", ix.kind, id, err)
			}
			return addToIndex(index, rec.GroupID, id)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func addToIndex(index *bolt.Bucket, groupID string, id []byte) error {
	if groupID == "" {
		return fmt.Errorf("record %s has no group", id)
	}
	b, err := index.CreateBucketIfNotExists([]byte(groupID))
	if err != nil {
		return err
	}
	return b.Put(id, []byte{})
}

func migrateV3(btx *bolt.Tx) error {
	_, err := btx.CreateBucketIfNotExists(bucketSpeech)
	return err
}
