package signaling

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// room is one signalling room: its members, what they are told, and its
// media room. Everything here is guarded by the room's own mu, so rooms
// never wait on each other; mu may be held while queueing messages (which
// never blocks) and while taking the registry's lock, never the other way
// round, and never across a call into the media plane.
type room struct {
	srv   *Server
	name  string // the registry's key (see Admitted.roomKey)
	log   *slog.Logger
	media MediaRoom // set before the room is registered; never changes

	mu      sync.Mutex
	members []*member // join order
	closed  bool      // the last member left; a join must find a new room
	// Version 2: the meeting room's raised hands (participant IDs, first
	// raised first), its chat (only while the room exists and until its
	// meeting ends: chatOver), and the people the facilitator removed,
	// who may not come back into it.
	hands    []string
	chat     []ChatEntry
	chatSeq  int
	chatOver bool
	removed  map[string]bool // person IDs
	// publishers are the members with published tracks, by participant
	// ID, kept until their last track ends (after they have left), so
	// that the meeting hears of each track's end.
	publishers map[string]*trackPublisher
}

// trackPublisher is a member and how many of its tracks have not ended.
type trackPublisher struct {
	m      *member
	tracks int
}

// maxChatHistory bounds the chat kept for newcomers.
const maxChatHistory = 200

// newRoom makes a room with its registry key and the name clients see.
func newRoom(s *Server, key, shown string) *room {
	return &room{srv: s, name: key, log: s.log.With("room", shown)}
}

// admitOutcome says why admit did not admit.
type admitOutcome int

const (
	admitted admitOutcome = iota
	admitRoomClosed
	admitFull
	admitShuttingDown
	admitRemoved
)

// admit makes m a member and queues its joined reply and the others'
// participant_joined in one step, so that every other participant learns
// of m exactly once (from its own joined if it comes later, from
// participant_joined if it was there before), and nothing broadcast to
// the room reaches m ahead of its joined. joined goes out before the media
// join, which may already send the first subscriber offer through m.
func (rm *room) admit(m *member, sess *session, reply func(others []ParticipantInfo) *Joined) admitOutcome {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	switch {
	case rm.closed:
		return admitRoomClosed
	case rm.srv.isClosing():
		return admitShuttingDown
	case !m.probe && rm.visibleCount() >= rm.srv.cfg.MaxParticipants:
		return admitFull
	case m.admitted.PersonID != "" && rm.removed[m.admitted.PersonID]:
		return admitRemoved
	}
	others := rm.infosLocked(m)
	rm.members = append(rm.members, m)
	joined := reply(others)
	rm.roomExtrasLocked(&joined.Room, m, m.version())
	sess.send(joined)
	if !m.probe {
		rm.broadcastLocked(m, &ParticipantJoined{header: header{Type: TypeParticipantJoined}, Participant: m.info()})
	}
	return admitted
}

// resume attaches sess to m and queues its joined reply under the same
// lock as every broadcast, so the client neither misses a change nor
// hears of one before its joined. It returns the session replaced, and
// false if m has left meanwhile.
func (rm *room) resume(m *member, sess *session, version int, reply func(others []ParticipantInfo) *Joined) (old *session, ok bool) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	old, ok = m.attach(sess)
	if !ok {
		return nil, false
	}
	m.setVersion(version)
	joined := reply(rm.infosLocked(m))
	rm.roomExtrasLocked(&joined.Room, m, version)
	sess.send(joined)
	return old, true
}

// leave removes m and tells the others in the same step, so nobody hears
// of m (speaking, state) after its participant_left. It reports whether
// the room is now empty and closed.
func (rm *room) leave(m *member, reason string) (closed bool) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	i := slices.Index(rm.members, m)
	if i < 0 {
		return false
	}
	rm.members = slices.Delete(rm.members, i, i+1)
	rm.lowerHandLocked(m.id)
	if !m.probe {
		rm.broadcastLocked(nil, &ParticipantLeft{
			header:        header{Type: TypeParticipantLeft},
			ParticipantID: m.id,
			Reason:        reason,
		})
	}
	if len(rm.members) == 0 {
		rm.closed = true
	}
	return rm.closed
}

// setState applies a participant's microphone and camera state and tells
// everyone.
func (rm *room) setState(m *member, st *State) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	info := m.setState(st)
	if slices.Contains(rm.members, m) && !m.probe {
		rm.broadcastLocked(nil, &ParticipantUpdated{header: header{Type: TypeParticipantUpdated}, Participant: info})
	}
}

// Speaking implements MediaEvents: it tells everyone in the room, the
// speaker included, and remembers it for those who join later. Only a
// current member's speech is told: the media plane reports the end of
// speech as the speaker's media closes, after participant_left has gone
// out, and no client should hear of a participant it was told has left.
//
// The end of a stretch of speech also goes to the meeting (its speaking
// turns), from a goroutine of its own: that may write to disk, which the
// room's lock must not wait for.
func (rm *room) Speaking(participantID string, speaking bool, at time.Time) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	i := slices.IndexFunc(rm.members, func(m *member) bool { return m.id == participantID })
	if i < 0 || rm.members[i].probe {
		return
	}
	m := rm.members[i]
	changed, since := m.setSpeaking(speaking, at)
	if !changed {
		return
	}
	if !speaking && !since.IsZero() {
		go m.reportSpoke(since, at)
	}
	rm.broadcastLocked(nil, &Speaking{header: header{Type: TypeSpeaking}, ParticipantID: participantID, Speaking: speaking})
}

// TrackPublished implements MediaEvents: the member's meeting hears of it
// (for recording), off the room's lock. The media plane calls this and
// TrackEnded from one goroutine per room, which keeps them in order.
func (rm *room) TrackPublished(participantID string, t MediaTrack) {
	if m := rm.hookedMember(participantID); m != nil {
		m.meeting().Published(m.presence(), t)
	}
}

// TrackEnded implements MediaEvents. The track's member may have left the
// room already (its tracks end as its media closes); the meeting hears of
// the end all the same.
func (rm *room) TrackEnded(participantID string, t MediaTrack) {
	if m := rm.trackOwner(participantID); m != nil {
		m.meeting().Unpublished(m.presence(), t)
	}
}

// hookedMember is the current, non-probe member with the ID, or nil; it
// remembers the member as a track owner, so the end of its tracks is
// reported after it has left.
func (rm *room) hookedMember(participantID string) *member {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	i := slices.IndexFunc(rm.members, func(m *member) bool { return m.id == participantID })
	if i < 0 || rm.members[i].probe {
		return nil
	}
	m := rm.members[i]
	if rm.publishers == nil {
		rm.publishers = make(map[string]*trackPublisher)
	}
	pub := rm.publishers[participantID]
	if pub == nil {
		pub = &trackPublisher{m: m}
		rm.publishers[participantID] = pub
	}
	pub.tracks++
	return m
}

// trackOwner is the member a track was reported published for; it is
// forgotten with its last track.
func (rm *room) trackOwner(participantID string) *member {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	pub := rm.publishers[participantID]
	if pub == nil {
		return nil
	}
	if pub.tracks--; pub.tracks <= 0 {
		delete(rm.publishers, participantID)
	}
	return pub.m
}

// broadcastLocked marshals msg once and queues it for every member but
// skip.
func (rm *room) broadcastLocked(skip *member, msg any) {
	data, err := json.Marshal(msg)
	if err != nil {
		rm.log.Error("marshal broadcast", "err", err)
		return
	}
	for _, m := range rm.members {
		if m != skip && !m.probe {
			m.sendData(data)
		}
	}
}

// broadcastSinceLocked is broadcastLocked for members whose connection
// speaks protocol version since or newer.
func (rm *room) broadcastSinceLocked(since int, msg any) {
	data, err := json.Marshal(msg)
	if err != nil {
		rm.log.Error("marshal broadcast", "err", err)
		return
	}
	for _, m := range rm.members {
		if !m.probe {
			m.sendDataSince(since, data)
		}
	}
}

// roomExtrasLocked fills in what a version 2 joined carries of the room.
func (rm *room) roomExtrasLocked(info *RoomInfo, m *member, version int) {
	if version < 2 {
		return
	}
	info.Hands = slices.Clone(rm.hands)
	info.Chat = slices.Clone(rm.chat)
	if st, err := m.meeting().State(context.Background()); err != nil {
		rm.log.Warn("meeting state for joined", "err", err)
	} else {
		info.MeetingState = st
	}
}

// infosLocked describes every visible member but skip, in join order.
func (rm *room) infosLocked(skip *member) []ParticipantInfo {
	out := make([]ParticipantInfo, 0, len(rm.members))
	for _, m := range rm.members {
		if m != skip && !m.probe {
			out = append(out, m.info())
		}
	}
	return out
}

func (rm *room) visibleCount() int {
	n := 0
	for _, m := range rm.members {
		if !m.probe {
			n++
		}
	}
	return n
}

func (rm *room) find(participantID string) *member {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, m := range rm.members {
		if m.id == participantID {
			return m
		}
	}
	return nil
}

func (rm *room) memberList() []*member {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return slices.Clone(rm.members)
}

func (rm *room) counts() Counts {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var c Counts
	for _, m := range rm.members {
		if m.probe {
			c.Probes++
			continue
		}
		c.Participants++
		if m.session() != nil {
			c.Connected++
		}
	}
	return c
}
