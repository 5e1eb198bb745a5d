// Package control owns piiri's mentoring domain: groups and the people in
// them, personal links, templates, the programme of meetings, the meeting
// lifecycle, RSVPs and the quorum forecast, time polls, agreement
// acceptance, handing the facilitator role over, attendance and the
// decision whether a meeting counts as held, the running structure of a
// meeting (phases, their clocks and rounds of turns: structure.go,
// live.go) with the live state signalling sends to the room, tasks between
// meetings, anonymous feedback, and the rows of reports.
//
// It is pure Go: it imports no network package, no pion and no bbolt. Time
// comes from an injected clock.Clock and identifiers and tokens from an
// injected IDSource, so every rule is tested by moving a fake clock.
// Storage is reached through the Store interface defined here (store
// implements it with bbolt; control/memstore in memory).
//
// Every operation that changes or reveals group data takes the acting
// Principal (an admin, or a person resolved from a personal link by
// Authenticate) and checks, inside the same transaction that reads the
// data, that this principal may do it. The server alone decides roles:
// nothing a caller passes in grants more than the stored role allows.
//
// Errors are the sentinels in errors.go, matched with errors.Is.
package control
