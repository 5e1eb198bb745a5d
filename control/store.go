package control

// Store is the storage control needs, defined here on the consumer side
// (package store implements it with bbolt, control/memstore in memory).
//
// All access goes through transactions, so a rule such as "the group is
// not full, then add the member" reads and writes atomically. Update runs
// fn in a read-write transaction and commits it, durably (fsync), before
// returning nil; if fn returns an error nothing is written and Update
// returns that error unchanged, so control's typed errors come through.
// View runs fn in a read-only transaction. Implementations serialise
// Updates; Views may run concurrently with each other and with an Update,
// seeing the last committed state.
//
// Records are values: what a Tx returns is a copy, and changing it
// changes nothing stored until it is put back.
type Store interface {
	View(fn func(Tx) error) error
	Update(fn func(Tx) error) error
}

// Tx is one transaction. Getters return an error wrapping ErrNotFound when
// the record does not exist. Lists are in no particular order (control
// sorts what it shows). Writers are valid only in Update; in View they
// return an error.
//
// Indexes are the store's job: a group's people and meetings are listed
// by the GroupID in their records, and links are found by the hash of
// their token.
type Tx interface {
	Group(id string) (Group, error)
	Groups() ([]Group, error)
	PutGroup(g Group) error

	Person(id string) (Person, error)
	// People lists a group's people, removed ones included.
	People(groupID string) ([]Person, error)
	PutPerson(p Person) error

	Meeting(id string) (Meeting, error)
	Meetings(groupID string) ([]Meeting, error)
	PutMeeting(m Meeting) error

	// Link is a person's current link.
	Link(personID string) (Link, error)
	// LinkByHash finds the link whose token hashes to h.
	LinkByHash(h TokenHash) (Link, error)
	// PutLink stores l as its person's link, replacing (and unindexing)
	// any previous one.
	PutLink(l Link) error
	// DeleteLink removes a person's link; no error if there is none.
	DeleteLink(personID string) error

	// AdminLink is the stored admin link (when none comes from config).
	AdminLink() (Link, error)
	PutAdminLink(l Link) error

	// Template is a template stored to add to or override the shipped
	// ones.
	Template(id string) (Template, error)
	Templates() ([]Template, error)
	PutTemplate(t Template) error
	// DeleteTemplate removes a stored template; no error if absent.
	DeleteTemplate(id string) error

	// Speech is a meeting's speaking intervals, in the order they were
	// appended; AppendSpeech adds one. They are kept apart from the
	// meeting's record, which they would otherwise swell and slow.
	// EraseSpeech removes a person's intervals from a meeting.
	Speech(meetingID string) ([]Speech, error)
	AppendSpeech(meetingID string, s Speech) error
	EraseSpeech(meetingID, personID string) error
}
