// Package memstore is an in-memory control.Store, for tests and for trying
// piiri without a data directory. Records are kept JSON-encoded, so what a
// transaction returns is always a copy, and encoding problems show up here
// as they would in the bbolt store. Nothing survives the process.
package memstore

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"piiri/control"
)

// The kinds of record, each a map of key → JSON.
const (
	groups    = "groups"
	people    = "people"
	meetings  = "meetings"
	links     = "links"     // person ID → Link
	linkHash  = "link_hash" // hex(token hash) → person ID
	admin     = "admin"     // "link" → Link
	templates = "templates"
	speech    = "speech" // meeting ID → []Speech
)

// Store is an in-memory control.Store. Updates are serialised; views run
// concurrently and see the last committed state.
type Store struct {
	mu   sync.RWMutex
	data map[string]map[string][]byte
}

// New returns an empty store.
func New() *Store { return &Store{data: map[string]map[string][]byte{}} }

// View implements control.Store.
func (s *Store) View(fn func(control.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fn(&tx{s: s})
}

// Update implements control.Store: fn's writes go to an overlay that is
// applied only if fn returns nil.
func (s *Store) Update(fn func(control.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &tx{s: s, writable: true, overlay: map[string]map[string][]byte{}}
	if err := fn(t); err != nil {
		return err
	}
	for kind, kv := range t.overlay {
		base := s.data[kind]
		if base == nil {
			base = map[string][]byte{}
			s.data[kind] = base
		}
		for k, v := range kv {
			if v == nil {
				delete(base, k)
			} else {
				base[k] = v
			}
		}
	}
	return nil
}

var errReadOnly = errors.New("memstore: write in a read-only transaction")

type tx struct {
	s        *Store
	writable bool
	overlay  map[string]map[string][]byte // nil value: deleted
}

func (t *tx) get(kind, key string) ([]byte, bool) {
	if v, ok := t.overlay[kind][key]; ok {
		return v, v != nil
	}
	v, ok := t.s.data[kind][key]
	return v, ok
}

func (t *tx) set(kind, key string, v []byte) error {
	if !t.writable {
		return errReadOnly
	}
	if t.overlay[kind] == nil {
		t.overlay[kind] = map[string][]byte{}
	}
	t.overlay[kind][key] = v
	return nil
}

func (t *tx) each(kind string, fn func(v []byte) error) error {
	for k, v := range t.s.data[kind] {
		if _, over := t.overlay[kind][k]; over {
			continue
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	for _, v := range t.overlay[kind] {
		if v == nil {
			continue
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

func load[T any](t *tx, kind, key string) (T, error) {
	var v T
	b, ok := t.get(kind, key)
	if !ok {
		return v, fmt.Errorf("%s %q: %w", kind, key, control.ErrNotFound)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("memstore: decode %s %q: %w", kind, key, err)
	}
	return v, nil
}

func save(t *tx, kind, key string, v any) error {
	if key == "" {
		return fmt.Errorf("memstore: %s with an empty key", kind)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("memstore: encode %s %q: %w", kind, key, err)
	}
	return t.set(kind, key, b)
}

func list[T any](t *tx, kind string, keep func(T) bool) ([]T, error) {
	var out []T
	err := t.each(kind, func(b []byte) error {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("memstore: decode %s: %w", kind, err)
		}
		if keep == nil || keep(v) {
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

func (t *tx) Group(id string) (control.Group, error) { return load[control.Group](t, groups, id) }
func (t *tx) Groups() ([]control.Group, error)       { return list[control.Group](t, groups, nil) }
func (t *tx) PutGroup(g control.Group) error         { return save(t, groups, g.ID, g) }

func (t *tx) Person(id string) (control.Person, error) { return load[control.Person](t, people, id) }
func (t *tx) People(groupID string) ([]control.Person, error) {
	return list(t, people, func(p control.Person) bool { return p.GroupID == groupID })
}
func (t *tx) PutPerson(p control.Person) error { return save(t, people, p.ID, p) }

func (t *tx) Meeting(id string) (control.Meeting, error) {
	return load[control.Meeting](t, meetings, id)
}
func (t *tx) Meetings(groupID string) ([]control.Meeting, error) {
	return list(t, meetings, func(m control.Meeting) bool { return m.GroupID == groupID })
}
func (t *tx) PutMeeting(m control.Meeting) error { return save(t, meetings, m.ID, m) }

func (t *tx) Link(personID string) (control.Link, error) {
	return load[control.Link](t, links, personID)
}

func (t *tx) LinkByHash(h control.TokenHash) (control.Link, error) {
	id, ok := t.get(linkHash, hex.EncodeToString(h[:]))
	if !ok {
		return control.Link{}, fmt.Errorf("link: %w", control.ErrNotFound)
	}
	return t.Link(string(id))
}

func (t *tx) PutLink(l control.Link) error {
	if err := t.DeleteLink(l.PersonID); err != nil {
		return err
	}
	h := l.Hash()
	if err := t.set(linkHash, hex.EncodeToString(h[:]), []byte(l.PersonID)); err != nil {
		return err
	}
	return save(t, links, l.PersonID, l)
}

func (t *tx) DeleteLink(personID string) error {
	if !t.writable {
		return errReadOnly
	}
	old, err := t.Link(personID)
	if errors.Is(err, control.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	h := old.Hash()
	if err := t.set(linkHash, hex.EncodeToString(h[:]), nil); err != nil {
		return err
	}
	return t.set(links, personID, nil)
}

func (t *tx) AdminLink() (control.Link, error) { return load[control.Link](t, admin, "link") }
func (t *tx) PutAdminLink(l control.Link) error {
	return save(t, admin, "link", l)
}

func (t *tx) Template(id string) (control.Template, error) {
	return load[control.Template](t, templates, id)
}
func (t *tx) Templates() ([]control.Template, error) {
	return list[control.Template](t, templates, nil)
}
func (t *tx) PutTemplate(tp control.Template) error { return save(t, templates, tp.ID, tp) }
func (t *tx) DeleteTemplate(id string) error {
	if _, ok := t.get(templates, id); !ok {
		return nil
	}
	return t.set(templates, id, nil)
}

func (t *tx) Speech(meetingID string) ([]control.Speech, error) {
	v, err := load[[]control.Speech](t, speech, meetingID)
	if errors.Is(err, control.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

func (t *tx) AppendSpeech(meetingID string, s control.Speech) error {
	cur, err := t.Speech(meetingID)
	if err != nil {
		return err
	}
	return save(t, speech, meetingID, append(cur, s))
}

func (t *tx) EraseSpeech(meetingID, personID string) error {
	cur, err := t.Speech(meetingID)
	if err != nil {
		return err
	}
	kept := cur[:0]
	for _, s := range cur {
		if s.PersonID != personID {
			kept = append(kept, s)
		}
	}
	return save(t, speech, meetingID, kept)
}
