package store

import (
	"encoding/json"
	"fmt"
)

// Records are JSON inside an envelope that names the record's kind and
// version: {"kind":"group","v":1,"data":{...}}. A change to a record's
// meaning raises its version and comes with a migration that rewrites
// the old ones; a reader refuses versions newer than it knows, rather
// than misreading them.

type envelope struct {
	Kind string          `json:"kind"`
	V    int             `json:"v"`
	Data json.RawMessage `json:"data"`
}

// recordVersion is the current version of each kind of record.
func recordVersion(kind string) int {
	switch kind {
	case kindGroup, kindPerson, kindMeeting, kindLink, kindTemplate, kindSpeech:
		return 1
	}
	return 0
}

const (
	kindGroup    = "group"
	kindPerson   = "person"
	kindMeeting  = "meeting"
	kindLink     = "link"
	kindTemplate = "template"
	kindSpeech   = "speech"
)

func encode(kind string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", kind, err)
	}
	return json.Marshal(envelope{Kind: kind, V: recordVersion(kind), Data: data})
}

func decode(kind string, b []byte, v any) error {
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("decode %s: %w", kind, err)
	}
	switch want := recordVersion(kind); {
	case env.Kind != kind:
		return fmt.Errorf("decode %s: the record is a %q", kind, env.Kind)
	case env.V > want:
		return fmt.Errorf("decode %s: record version %d is newer than this piiri's %d", kind, env.V, want)
	case env.V < 1:
		return fmt.Errorf("decode %s: record version %d", kind, env.V)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return fmt.Errorf("decode %s: %w", kind, err)
	}
	return nil
}
