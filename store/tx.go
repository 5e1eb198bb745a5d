package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"piiri/control"
)

// tx implements control.Tx over a bbolt transaction.
type tx struct{ b *bolt.Tx }

var _ control.Tx = (*tx)(nil)

func (t *tx) bucket(name []byte) (*bolt.Bucket, error) {
	b := t.b.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("store: bucket %s is missing", name)
	}
	return b, nil
}

func get[T any](t *tx, bucket []byte, kind, id string) (T, error) {
	var v T
	b, err := t.bucket(bucket)
	if err != nil {
		return v, err
	}
	raw := b.Get([]byte(id))
	if raw == nil {
		return v, fmt.Errorf("%s %q: %w", kind, id, control.ErrNotFound)
	}
	err = decode(kind, raw, &v)
	return v, err
}

func put(t *tx, bucket []byte, kind, id string, v any) error {
	if id == "" {
		return fmt.Errorf("store: %s with an empty ID", kind)
	}
	b, err := t.bucket(bucket)
	if err != nil {
		return err
	}
	raw, err := encode(kind, v)
	if err != nil {
		return err
	}
	return b.Put([]byte(id), raw)
}

func all[T any](t *tx, bucket []byte, kind string) ([]T, error) {
	b, err := t.bucket(bucket)
	if err != nil {
		return nil, err
	}
	var out []T
	err = b.ForEach(func(k, raw []byte) error {
		var v T
		if err := decode(kind, raw, &v); err != nil {
			return fmt.Errorf("%s %s: %w", kind, k, err)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// byGroup lists the records of a group through its index bucket.
func byGroup[T any](t *tx, index, records []byte, kind, groupID string) ([]T, error) {
	ix, err := t.bucket(index)
	if err != nil {
		return nil, err
	}
	g := ix.Bucket([]byte(groupID))
	if g == nil {
		return nil, nil
	}
	var out []T
	err = g.ForEach(func(id, _ []byte) error {
		v, err := get[T](t, records, kind, string(id))
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// putIndexed stores a record with a GroupID and keeps the group index.
func putIndexed(t *tx, index, records []byte, kind, id, groupID string, v any) error {
	if groupID == "" {
		return fmt.Errorf("store: %s %s has no group", kind, id)
	}
	if !t.b.Writable() {
		return berrors.ErrTxNotWritable
	}
	ix, err := t.bucket(index)
	if err != nil {
		return err
	}
	if err := addToIndex(ix, groupID, []byte(id)); err != nil {
		return err
	}
	return put(t, records, kind, id, v)
}

func (t *tx) Group(id string) (control.Group, error) {
	return get[control.Group](t, bucketGroups, kindGroup, id)
}
func (t *tx) Groups() ([]control.Group, error) {
	return all[control.Group](t, bucketGroups, kindGroup)
}
func (t *tx) PutGroup(g control.Group) error { return put(t, bucketGroups, kindGroup, g.ID, g) }

func (t *tx) Person(id string) (control.Person, error) {
	return get[control.Person](t, bucketPeople, kindPerson, id)
}
func (t *tx) People(groupID string) ([]control.Person, error) {
	return byGroup[control.Person](t, bucketGroupPeople, bucketPeople, kindPerson, groupID)
}
func (t *tx) PutPerson(p control.Person) error {
	return putIndexed(t, bucketGroupPeople, bucketPeople, kindPerson, p.ID, p.GroupID, p)
}

func (t *tx) Meeting(id string) (control.Meeting, error) {
	return get[control.Meeting](t, bucketMeetings, kindMeeting, id)
}
func (t *tx) Meetings(groupID string) ([]control.Meeting, error) {
	return byGroup[control.Meeting](t, bucketGroupMeetings, bucketMeetings, kindMeeting, groupID)
}
func (t *tx) PutMeeting(m control.Meeting) error {
	return putIndexed(t, bucketGroupMeetings, bucketMeetings, kindMeeting, m.ID, m.GroupID, m)
}

func (t *tx) Link(personID string) (control.Link, error) {
	return get[control.Link](t, bucketLinks, kindLink, personID)
}

func (t *tx) LinkByHash(h control.TokenHash) (control.Link, error) {
	hb, err := t.bucket(bucketLinkHash)
	if err != nil {
		return control.Link{}, err
	}
	id := hb.Get(h[:])
	if id == nil {
		return control.Link{}, fmt.Errorf("link: %w", control.ErrNotFound)
	}
	return t.Link(string(id))
}

func (t *tx) PutLink(l control.Link) error {
	if err := t.DeleteLink(l.PersonID); err != nil {
		return err
	}
	hb, err := t.bucket(bucketLinkHash)
	if err != nil {
		return err
	}
	h := l.Hash()
	if err := hb.Put(h[:], []byte(l.PersonID)); err != nil {
		return err
	}
	return put(t, bucketLinks, kindLink, l.PersonID, l)
}

func (t *tx) DeleteLink(personID string) error {
	if !t.b.Writable() {
		return berrors.ErrTxNotWritable
	}
	old, err := t.Link(personID)
	if errors.Is(err, control.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	hb, err := t.bucket(bucketLinkHash)
	if err != nil {
		return err
	}
	h := old.Hash()
	if err := hb.Delete(h[:]); err != nil {
		return err
	}
	lb, err := t.bucket(bucketLinks)
	if err != nil {
		return err
	}
	return lb.Delete([]byte(personID))
}

func (t *tx) AdminLink() (control.Link, error) {
	return get[control.Link](t, bucketAdmin, kindLink, string(keyAdmin))
}
func (t *tx) PutAdminLink(l control.Link) error {
	return put(t, bucketAdmin, kindLink, string(keyAdmin), l)
}

func (t *tx) Template(id string) (control.Template, error) {
	return get[control.Template](t, bucketTemplates, kindTemplate, id)
}
func (t *tx) Templates() ([]control.Template, error) {
	return all[control.Template](t, bucketTemplates, kindTemplate)
}
func (t *tx) PutTemplate(tp control.Template) error {
	return put(t, bucketTemplates, kindTemplate, tp.ID, tp)
}
func (t *tx) DeleteTemplate(id string) error {
	b, err := t.bucket(bucketTemplates)
	if err != nil {
		return err
	}
	return b.Delete([]byte(id))
}

func (t *tx) Speech(meetingID string) ([]control.Speech, error) {
	b, err := t.bucket(bucketSpeech)
	if err != nil {
		return nil, err
	}
	mb := b.Bucket([]byte(meetingID))
	if mb == nil {
		return nil, nil
	}
	var out []control.Speech
	err = mb.ForEach(func(k, raw []byte) error {
		var s control.Speech
		if err := decode(kindSpeech, raw, &s); err != nil {
			return fmt.Errorf("speech %s/%x: %w", meetingID, k, err)
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

func (t *tx) AppendSpeech(meetingID string, s control.Speech) error {
	if meetingID == "" {
		return errors.New("store: speech with an empty meeting ID")
	}
	b, err := t.bucket(bucketSpeech)
	if err != nil {
		return err
	}
	mb, err := b.CreateBucketIfNotExists([]byte(meetingID))
	if err != nil {
		return err
	}
	seq, err := mb.NextSequence()
	if err != nil {
		return err
	}
	raw, err := encode(kindSpeech, s)
	if err != nil {
		return err
	}
	return mb.Put(binary.BigEndian.AppendUint64(nil, seq), raw)
}

func (t *tx) EraseSpeech(meetingID, personID string) error {
	b, err := t.bucket(bucketSpeech)
	if err != nil {
		return err
	}
	mb := b.Bucket([]byte(meetingID))
	if mb == nil {
		return nil
	}
	var doomed [][]byte
	err = mb.ForEach(func(k, raw []byte) error {
		var s control.Speech
		if err := decode(kindSpeech, raw, &s); err != nil {
			return err
		}
		if s.PersonID == personID {
			doomed = append(doomed, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range doomed {
		if err := mb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
