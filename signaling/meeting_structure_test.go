package signaling

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"piiri/control"
	"piiri/control/controltest"
	"piiri/control/memstore"
	"piiri/internal/testwait"
)

// lateObserver forwards control's changes to a signalling server made
// after the control service (the fixture makes the service first).
type lateObserver struct{ srv atomic.Pointer[Server] }

func (o *lateObserver) MeetingChanged(meetingID string, st control.LiveState) {
	if s := o.srv.Load(); s != nil {
		MeetingNotices(s)(meetingID, st)
	}
}
func (o *lateObserver) Counted(control.Event) {}

// structureHarness is linksHarness with control's changes wired to the
// server, as the server package wires them.
func structureHarness(t *testing.T) (*harness, *controltest.Fixture) {
	t.Helper()
	obs := &lateObserver{}
	f := controltest.NewFixture(t, func(*testing.T) control.Store { return memstore.New() },
		controltest.FixtureOptions{Service: control.Options{Observer: obs}})
	h, _ := newFakeHarness(t, func(c *Config) {
		c.RoomKey = "ad-hoc-key-0123456789"
		c.Admission = Links{Control: f.Svc, AdHoc: RoomKey(c.RoomKey)}
		c.Clock = f.Clock
	})
	obs.srv.Store(h.srv)
	return h, f
}

func (c *client) joinByLinkV2(token string) inbound {
	c.t.Helper()
	c.sendJSON(map[string]any{"type": "join", "id": "link2", "version": 2, "token": token})
	msg := c.expectReply("link2")
	if msg.Type != TypeJoined {
		c.t.Fatalf("join: %s", msg.Raw)
	}
	return msg
}

// liveOf decodes the state a meeting_state (or joined) carries.
func liveOf(t *testing.T, raw json.RawMessage) control.LiveState {
	t.Helper()
	var st control.LiveState
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("meeting state %s: %v", raw, err)
	}
	return st
}

// meetingStateWhere reads meeting_state messages until one satisfies ok
// (earlier ones, such as those sent as people came in, are passed over);
// it fails when none does before the read deadline.
func (c *client) meetingStateWhere(ok func(control.LiveState) bool) control.LiveState {
	c.t.Helper()
	for {
		var msg struct {
			State json.RawMessage `json:"state"`
		}
		if err := json.Unmarshal(c.expect(TypeMeetingState).Raw, &msg); err != nil {
			c.t.Fatal(err)
		}
		if st := liveOf(c.t, msg.State); ok(st) {
			return st
		}
	}
}

// TestMeetingRequests: the facilitator runs the meeting's structure over
// signalling; a member may not; everyone in the room gets the same new
// state; a late joiner gets it in joined.
func TestMeetingRequests(t *testing.T) {
	h, f := structureHarness(t)
	f.Open()
	chair := h.dial()
	jc := chair.joinByLinkV2(f.Tokens[f.Members[0].ID])
	if jc.Participant.Role != RoleFacilitator {
		t.Fatalf("the chair joined as %q", jc.Participant.Role)
	}
	if st := liveOf(t, jc.Room.MeetingState); st.MeetingID != f.Meeting.ID || st.State != control.StateOpen {
		t.Errorf("joined's meeting state %s: want the open meeting", jc.Room.MeetingState)
	}
	member := h.dial()
	member.joinByLinkV2(f.Tokens[f.Members[1].ID])

	member.sendJSON(map[string]any{"type": "meeting", "id": "m1", "action": "start"})
	if r := member.expectReply("m1"); r.Type != TypeError || r.Code != CodeForbidden {
		t.Errorf("a member starting the meeting: %s, want forbidden", r.Raw)
	}
	member.sendJSON(map[string]any{"type": "meeting", "id": "m2", "action": "fly"})
	if r := member.expectReply("m2"); r.Type != TypeError || r.Code != CodeInvalidField {
		t.Errorf("an unknown action: %s, want invalid_field", r.Raw)
	}

	chair.sendJSON(map[string]any{"type": "meeting", "id": "c1", "action": "start"})
	r := chair.expectReply("c1")
	if r.Type != TypeMeetingState {
		t.Fatalf("start: %s", r.Raw)
	}
	started := member.meetingStateWhere(func(st control.LiveState) bool { return st.State == control.StateRunning })
	if started.Phase == nil || started.Phase.Index != 0 {
		t.Fatalf("the member saw phase %+v after start: want the first", started.Phase)
	}

	chair.sendJSON(map[string]any{"type": "meeting", "id": "c2", "action": "next_phase"})
	if r := chair.expectReply("c2"); r.Type != TypeMeetingState {
		t.Fatalf("next_phase: %s", r.Raw)
	}
	next := member.meetingStateWhere(func(st control.LiveState) bool { return st.Phase != nil && st.Phase.Index == 1 })
	if next.Version <= started.Version {
		t.Errorf("the next phase's state has version %d, not above %d", next.Version, started.Version)
	}

	late := h.dial()
	jl := late.joinByLinkV2(f.Tokens[f.Members[2].ID])
	if st := liveOf(t, jl.Room.MeetingState); st.State != control.StateRunning || st.Phase == nil || st.Phase.Index != 1 {
		t.Errorf("a late joiner's meeting state %s: want running in phase 1", jl.Room.MeetingState)
	}

	chair.sendJSON(map[string]any{"type": "meeting", "id": "c3", "action": "extend", "minutes": 0})
	if r := chair.expectReply("c3"); r.Type != TypeError || r.Code != CodeInvalidField {
		t.Errorf("extend by 0 minutes: %s, want invalid_field", r.Raw)
	}
	chair.sendJSON(map[string]any{"type": "meeting", "id": "c4", "action": "end"})
	if r := chair.expectReply("c4"); r.Type != TypeMeetingState {
		t.Fatalf("end: %s", r.Raw)
	}
	late.meetingStateWhere(func(st control.LiveState) bool { return st.State == control.StateEnded })
	chair.sendJSON(map[string]any{"type": "meeting", "id": "c5", "action": "next_phase"})
	if r := chair.expectReply("c5"); r.Type != TypeError || r.Code != CodeNotPossible {
		t.Errorf("next_phase after the end: %s, want not_possible", r.Raw)
	}
}

// TestConsentAndRecordingRequests: people give their consent over
// signalling; the facilitator's record_start is refused while someone
// present has not consented (strict mode), and once everyone has, every
// client sees the same recording state, down to whose media is written;
// a withdrawal pauses it for all.
func TestConsentAndRecordingRequests(t *testing.T) {
	h, f := structureHarness(t)
	f.Open()
	chair := h.dial()
	chair.joinByLinkV2(f.Tokens[f.Members[0].ID])
	member := h.dial()
	member.joinByLinkV2(f.Tokens[f.Members[1].ID])
	// The control plane hears of arrivals once media is up; the fake
	// media here never is, so the test says they arrived.
	for _, p := range []control.Person{f.Members[0], f.Members[1]} {
		if err := f.Svc.Joined(f.Ctx, f.Meeting.ID, p.ID, f.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}

	member.sendJSON(map[string]any{"type": "meeting", "id": "m1", "action": "consent", "record": true})
	if r := member.expectReply("m1"); r.Type != TypeError || r.Code != CodeMissingField {
		t.Errorf("consent without stats and textVersion: %s, want missing_field", r.Raw)
	}
	chair.sendJSON(map[string]any{"type": "meeting", "id": "c1", "action": "consent", "record": true, "stats": true, "textVersion": 1})
	if r := chair.expectReply("c1"); r.Type != TypeMeetingState {
		t.Fatalf("consent: %s", r.Raw)
	}
	chair.sendJSON(map[string]any{"type": "meeting", "id": "c2", "action": "record_start"})
	if r := chair.expectReply("c2"); r.Type != TypeError || r.Code != CodeNotPossible {
		t.Errorf("record_start while a member has not consented: %s, want not_possible", r.Raw)
	}
	member.sendJSON(map[string]any{"type": "meeting", "id": "m2", "action": "record_start"})
	if r := member.expectReply("m2"); r.Type != TypeError || r.Code != CodeForbidden {
		t.Errorf("a member starting the recording: %s, want forbidden", r.Raw)
	}
	member.sendJSON(map[string]any{"type": "meeting", "id": "m3", "action": "consent", "record": true, "stats": false, "textVersion": 0})
	if r := member.expectReply("m3"); r.Type != TypeError || r.Code != CodeNotPossible {
		t.Errorf("consent under an old text: %s, want not_possible", r.Raw)
	}
	member.sendJSON(map[string]any{"type": "meeting", "id": "m4", "action": "consent", "record": true, "stats": false, "textVersion": 1})
	if r := member.expectReply("m4"); r.Type != TypeMeetingState {
		t.Fatalf("consent: %s", r.Raw)
	}
	chair.sendJSON(map[string]any{"type": "meeting", "id": "c3", "action": "record_start"})
	if r := chair.expectReply("c3"); r.Type != TypeMeetingState {
		t.Fatalf("record_start: %s", r.Raw)
	}
	both := func(st control.LiveState) bool {
		return st.Recording != nil && st.Recording.Active && len(st.Recording.Recorded) == 2
	}
	member.meetingStateWhere(both)
	member.sendJSON(map[string]any{"type": "meeting", "id": "m5", "action": "consent", "record": false, "stats": false, "textVersion": 1})
	if r := member.expectReply("m5"); r.Type != TypeMeetingState {
		t.Fatalf("withdrawal: %s", r.Raw)
	}
	paused := chair.meetingStateWhere(func(st control.LiveState) bool { return st.Recording != nil && !st.Recording.Active })
	if !paused.Recording.Requested || len(paused.Recording.Waiting) != 1 || paused.Recording.Waiting[0] != f.Members[1].ID {
		t.Errorf("after the withdrawal the chair sees %+v: want requested, paused, waiting for the member", paused.Recording)
	}
}

// TestSpeechBecomesTurns: the media plane's speaking events in a meeting's
// room reach the control plane as stretches of speech, the last one ended
// by the leave; the meeting's turn statistics name the member who
// consented and show the one who did not only as others.
func TestSpeechBecomesTurns(t *testing.T) {
	h, f := structureHarness(t)
	f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()))
	f.Open()
	chair, member := h.dial(), h.dial()
	jc := chair.joinByLinkV2(f.Tokens[f.Members[0].ID])
	jm := member.joinByLinkV2(f.Tokens[f.Members[1].ID])
	// The fake media never comes up: the test reports the arrivals (as
	// signalling does once media is up) and the consent.
	for _, p := range []control.Person{f.Members[0], f.Members[1]} {
		if err := f.Svc.Joined(f.Ctx, f.Meeting.ID, p.ID, f.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Svc.SetConsent(f.Ctx, control.PersonPrincipal(f.Members[0].ID), f.Meeting.ID, control.Consent{Stats: true}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.StartMeeting(f.Ctx, f.Admin(), f.Meeting.ID); err != nil {
		t.Fatal(err)
	}
	// The turns are read while the meeting runs: the live balance.
	on := true
	if _, err := f.Svc.UpdateGroup(f.Ctx, f.Admin(), f.Group.ID, control.GroupPatch{LiveBalance: &on}); err != nil {
		t.Fatal(err)
	}
	// The meeting's room is the only one (private rooms are kept under a
	// key of their own, not the name clients see).
	h.srv.mu.Lock()
	var events MediaEvents
	for _, rm := range h.srv.rooms {
		events = rm
	}
	h.srv.mu.Unlock()
	say := func(id string, from, to time.Duration) {
		t0 := f.Clock.Now()
		events.Speaking(id, true, t0.Add(from))
		events.Speaking(id, false, t0.Add(to))
	}
	say(jc.Participant.ID, 0, 8*time.Second)
	say(jm.Participant.ID, 9*time.Second, 15*time.Second)
	// The chair starts again and leaves while speaking.
	events.Speaking(jc.Participant.ID, true, f.Clock.Now().Add(16*time.Second))
	f.Clock.Advance(20 * time.Second)
	chair.sendJSON(map[string]any{"type": "leave"})
	member.expect(TypeParticipantLeft)

	var st control.MeetingTurnsView
	testwait.Until(t, 10*time.Second, "three turns recorded", func() error {
		var err error
		if st, err = f.Svc.MeetingTurns(f.Ctx, f.Admin(), f.Meeting.ID); err != nil {
			return err
		}
		if st.TotalTurns != 3 {
			return fmt.Errorf("%d turns so far", st.TotalTurns)
		}
		return nil
	})
	var chairTalk, othersTalk time.Duration
	for _, sp := range st.Speakers {
		switch {
		case sp.Speaker.PersonID == f.Members[0].ID:
			chairTalk = sp.Talk
		case sp.Speaker.Others:
			othersTalk = sp.Talk
		case sp.Speaker.PersonID == f.Members[1].ID:
			t.Errorf("the member who did not consent is named: %+v", sp)
		}
	}
	if chairTalk != 12*time.Second || othersTalk != 6*time.Second {
		t.Errorf("talk: chair %v (want 8 s + 4 s to the leave), others %v (want 6 s); %+v", chairTalk, othersTalk, st)
	}
}

// TestChatEndsWithTheMeeting: the in-room chat is kept only for the
// meeting. While it runs, a participant who resumes gets the chat so far
// in joined; once the meeting has ended nobody who resumes gets it, and a
// message sent after the end reaches those present but is not kept.
func TestChatEndsWithTheMeeting(t *testing.T) {
	h, f := structureHarness(t)
	f.Open()
	chair, anna, ben := h.dial(), h.dial(), h.dial()
	chair.joinByLinkV2(f.Tokens[f.Members[0].ID])
	ja := anna.joinByLinkV2(f.Tokens[f.Members[1].ID])
	jb := ben.joinByLinkV2(f.Tokens[f.Members[2].ID])
	resume := func(j inbound) inbound {
		t.Helper()
		c := h.dial()
		c.sendJSON(map[string]any{"type": "join", "id": "r", "version": 2, "room": j.Room.Name, "name": "ignored", "resume": j.ResumeToken})
		r := c.expectReply("r")
		if r.Type != TypeJoined || !r.Resumed {
			t.Fatalf("resume: %s", r.Raw)
		}
		return r
	}

	chair.sendJSON(map[string]any{"type": "meeting", "id": "c1", "action": "start"})
	if r := chair.expectReply("c1"); r.Type != TypeMeetingState {
		t.Fatalf("start: %s", r.Raw)
	}
	anna.sendJSON(map[string]any{"type": "chat", "text": "https://example.org/slides"})
	for _, c := range []*client{chair, anna, ben} {
		c.expect(TypeChat)
	}
	if r := resume(jb); len(r.Room.Chat) != 1 || r.Room.Chat[0].Text != "https://example.org/slides" {
		t.Fatalf("a resume while the meeting runs: chat %+v, want Anna's message", r.Room.Chat)
	}

	chair.sendJSON(map[string]any{"type": "meeting", "id": "c2", "action": "end"})
	if r := chair.expectReply("c2"); r.Type != TypeMeetingState {
		t.Fatalf("end: %s", r.Raw)
	}
	anna.meetingStateWhere(func(st control.LiveState) bool { return st.State == control.StateEnded })
	if r := resume(jb); len(r.Room.Chat) != 0 {
		t.Errorf("a resume after the end got the chat %+v", r.Room.Chat)
	}
	anna.sendJSON(map[string]any{"type": "chat", "text": "thanks, bye"})
	if m := chair.expect(TypeChat); m.Fields["entry"].(map[string]any)["text"] != "thanks, bye" {
		t.Errorf("chat after the end: %s", m.Raw)
	}
	if r := resume(ja); len(r.Room.Chat) != 0 {
		t.Errorf("a resume after the end got the chat %+v, sent after it", r.Room.Chat)
	}
}

// TestEveryoneSeesTheSameState: with a chair and three members in the
// room, after each of the chair's requests the very next meeting_state
// every client reads (not some later one) carries the same version, the
// same phase and the same speaker, and the versions rise: every client
// sees the same phase, deadline and speaker within one message round.
func TestEveryoneSeesTheSameState(t *testing.T) {
	h, f := structureHarness(t)
	f.Open()
	var clients []*client
	var people []string
	for i := range 4 { // Members[0] chairs this meeting
		c := h.dial()
		c.joinByLinkV2(f.Tokens[f.Members[i].ID])
		clients = append(clients, c)
		people = append(people, f.Members[i].ID)
		// Each join changes the state (one more present); wait until
		// everyone in the room has seen it before the next, so no state
		// from the joins is still on its way when the requests begin.
		for _, c := range clients {
			c.meetingStateWhere(func(st control.LiveState) bool { return presentAll(st, people) })
		}
	}
	chair := clients[0]

	type seen struct {
		version  int64
		state    control.MeetingState
		phase    int   // -1: none
		deadline int64 // the phase's (or turn's) deadline, Unix ms
		speaker  string
	}
	of := func(st control.LiveState) seen {
		s := seen{version: st.Version, state: st.State, phase: -1}
		if st.Phase != nil {
			s.phase, s.deadline = st.Phase.Index, st.Phase.Deadline.UnixMilli()
		}
		if st.Round != nil {
			s.speaker = st.Round.Speaker
		}
		return s
	}
	// next reads c's next meeting_state broadcast; the chair's reply (with
	// the request's id) is read as well and must agree with it.
	next := func(c *client, replyID string) seen {
		t.Helper()
		var bc, reply *seen
		for bc == nil || replyID != "" && reply == nil {
			msg := c.expect(TypeMeetingState)
			var m struct {
				State json.RawMessage `json:"state"`
			}
			if err := json.Unmarshal(msg.Raw, &m); err != nil {
				t.Fatal(err)
			}
			s := of(liveOf(t, m.State))
			switch {
			case msg.ID == "" && bc == nil:
				bc = &s
			case msg.ID != "" && msg.ID == replyID && reply == nil:
				reply = &s
			default:
				t.Fatalf("an unexpected meeting_state %s", msg.Raw)
			}
		}
		if reply != nil && *reply != *bc {
			t.Errorf("the chair's reply %+v and broadcast %+v differ", *reply, *bc)
		}
		return *bc
	}

	steps := []struct {
		action string
		extra  map[string]any
		check  func(seen) bool
	}{
		{"start", nil, func(s seen) bool { return s.state == control.StateRunning && s.phase == 0 && s.speaker != "" }},
		{"next_speaker", nil, func(s seen) bool { return s.phase == 0 && s.speaker != "" }},
		{"pass", nil, func(s seen) bool { return s.phase == 0 }},
		{"next_phase", nil, func(s seen) bool { return s.phase == 1 && s.speaker == "" }},
		{"previous_phase", nil, func(s seen) bool { return s.phase == 0 }},
		{"next_phase", nil, func(s seen) bool { return s.phase == 1 }},
		{"next_phase", nil, func(s seen) bool { return s.phase == 2 }},
		{"next_phase", nil, func(s seen) bool { return s.phase == 3 && s.speaker != "" }}, // into the closing round
		{"next_speaker", nil, func(s seen) bool { return s.phase == 3 }},
		{"set_task", map[string]any{"text": "Notice one moment of overload."}, func(s seen) bool { return s.phase == 3 }},
		{"extend", map[string]any{"minutes": 2}, func(s seen) bool { return s.phase == 3 }},
		{"end", nil, func(s seen) bool { return s.state == control.StateEnded }},
	}
	var last seen
	var speakers []string
	for i, step := range steps {
		id := fmt.Sprintf("r%d", i)
		req := map[string]any{"type": "meeting", "id": id, "action": step.action}
		for k, v := range step.extra {
			req[k] = v
		}
		chair.sendJSON(req)
		want := next(chair, id)
		if !step.check(want) {
			t.Errorf("after %s: %+v", step.action, want)
		}
		if want.version <= last.version {
			t.Errorf("after %s: version %d, not above %d", step.action, want.version, last.version)
		}
		for j, c := range clients[1:] {
			if got := next(c, ""); got != want {
				t.Errorf("after %s: member %d's next meeting_state is %+v, the chair's %+v", step.action, j+1, got, want)
			}
		}
		last = want
		speakers = append(speakers, want.speaker)
	}
	// The round did move: the speakers after start, next_speaker and pass
	// were three different people.
	if speakers[0] == speakers[1] || speakers[1] == speakers[2] || speakers[0] == speakers[2] {
		t.Errorf("the speakers %q did not move", speakers[:3])
	}
}

// presentAll: everyone in ids is present in st.
func presentAll(st control.LiveState, ids []string) bool {
	n := 0
	for _, p := range st.People {
		if p.Present && slices.Contains(ids, p.PersonID) {
			n++
		}
	}
	return n == len(ids)
}
