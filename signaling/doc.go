// Package signaling owns the websocket protocol between browsers (or bots)
// and the server: decoding and validating messages, admitting participants
// into rooms, keeping a participant across a dropped connection (resume),
// and driving the media plane with the descriptions and candidates clients
// send. PROTOCOL.md in this directory documents every message.
//
// Its shape:
//
//   - Server (server.go) is a registry: it owns only the maps of rooms,
//     resume tokens and open sessions, under one lock held for map
//     operations alone.
//   - room (room.go) owns one room's membership, broadcasts (marshalled
//     once for all members) and speaking state under its own lock, so
//     nothing in one room ever waits on another.
//   - session (session.go) is one websocket; member (member.go) is one
//     participant, who outlives its connections during the grace period.
//   - Every client message is one entry in the table in table.go (the
//     struct it decodes into, with its validation, and its handler); the
//     handlers live in files by domain: presence.go, media.go.
//   - The parts signalling drives are interfaces defined here (seams.go):
//     Media (the sfu, through the adapter in sfumedia.go), Admission (who
//     a join is: RoomKey for ad-hoc rooms) and Meeting (told of every
//     join, resume and leave, for attendance).
package signaling
