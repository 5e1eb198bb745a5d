package signaling

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"piiri/control"
)

// TestProtocolExamples keeps PROTOCOL.md's examples honest: every client
// example decodes as the message it documents, and every server example
// is a JSON object of the documented type with documented codes and
// reasons.
func TestProtocolExamples(t *testing.T) {
	f, err := os.Open("PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heading := regexp.MustCompile("^### `([a-z_]+)`")
	var section, typ string
	var block []string
	inBlock := false
	examples := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		switch {
		case inBlock && text == "```":
			inBlock = false
			checkExample(t, line, section, typ, strings.Join(block, "\n"))
			examples[section+" "+typ]++
		case inBlock:
			block = append(block, text)
		case text == "```json":
			inBlock, block = true, nil
		case strings.HasPrefix(text, "## "):
			section, typ = text, ""
		default:
			if m := heading.FindStringSubmatch(text); m != nil {
				typ = m[1]
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, typ := range clientTypes {
		if examples["## Client-to-server messages "+typ] == 0 {
			t.Errorf("no example of client message %q", typ)
		}
	}
	for _, typ := range []string{TypeJoined, TypeAnswer, TypeOffer, TypeCandidate, TypeParticipantJoined, TypeParticipantUpdated, TypeParticipantLeft, TypeSpeaking, TypePong, TypeError, TypeBye,
		TypeHands, TypeChat, TypeMuteRequest, TypeMeetingState} {
		if examples["## Server-to-client messages "+typ] == 0 {
			t.Errorf("no example of server message %q", typ)
		}
	}
}

func checkExample(t *testing.T, line int, section, typ, example string) {
	t.Helper()
	switch section {
	case "## Client-to-server messages":
		req, err := Decode([]byte(example))
		if err != nil {
			t.Errorf("PROTOCOL.md:%d: client example does not decode: %v", line, err)
			return
		}
		if req.messageType() != typ {
			t.Errorf("PROTOCOL.md:%d: example decodes as %q under heading %q", line, req.messageType(), typ)
		}
	case "## Server-to-client messages":
		var msg map[string]any
		if err := json.Unmarshal([]byte(example), &msg); err != nil {
			t.Errorf("PROTOCOL.md:%d: server example is not a JSON object: %v", line, err)
			return
		}
		if msg["type"] != typ {
			t.Errorf("PROTOCOL.md:%d: example has type %v under heading %q", line, msg["type"], typ)
		}
		switch typ {
		case TypeJoined, TypeMeetingState:
			checkStrict(t, line, typ, example)
		}
		switch typ {
		case TypeError:
			if code, _ := msg["code"].(string); !slices.Contains(allCodes, Code(code)) {
				t.Errorf("PROTOCOL.md:%d: undocumented code %v", line, msg["code"])
			}
		case TypeBye:
			if r, _ := msg["reason"].(string); !slices.Contains([]string{ReasonLeft, ReasonTooManyErrors, ReasonShutdown, ReasonResumed, ReasonReplaced, ReasonRemoved, ReasonRemovedByHost}, r) {
				t.Errorf("PROTOCOL.md:%d: unknown bye reason %v", line, msg["reason"])
			}
		case TypeParticipantLeft:
			if r, _ := msg["reason"].(string); !slices.Contains([]string{ReasonLeft, ReasonTimeout, ReasonShutdown, ReasonJoinIncomplete, ReasonReplaced, ReasonRemovedByHost}, r) {
				t.Errorf("PROTOCOL.md:%d: unknown participant_left reason %v", line, msg["reason"])
			}
		}
	default:
		t.Errorf("PROTOCOL.md:%d: JSON example outside the message sections", line)
	}
}

// TestProtocolDocumentsEveryCode checks that the error table lists every
// code the server can send.
func TestProtocolDocumentsEveryCode(t *testing.T) {
	doc, err := os.ReadFile("PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range allCodes {
		if !strings.Contains(string(doc), "| `"+string(code)+"` |") {
			t.Errorf("PROTOCOL.md has no row for error code %q", code)
		}
	}
}

// decodeStrict decodes data into v and fails on a field v has not.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more after the object")
	}
	return nil
}

// checkStrict decodes a joined or meeting_state example into the types
// the server marshals, with unknown fields rejected (a renamed field in
// the code, such as timeboxMinutes becoming timeboxSeconds, fails here),
// the meeting state into control's LiveState, and checks its enumerations.
func checkStrict(t *testing.T, line int, typ, example string) {
	t.Helper()
	var state json.RawMessage
	switch typ {
	case TypeJoined:
		var j Joined
		if err := decodeStrict([]byte(example), &j); err != nil {
			t.Errorf("PROTOCOL.md:%d: joined example does not decode strictly as Joined: %v", line, err)
			return
		}
		state = j.Room.MeetingState
	case TypeMeetingState:
		var m MeetingState
		if err := decodeStrict([]byte(example), &m); err != nil {
			t.Errorf("PROTOCOL.md:%d: meeting_state example does not decode strictly as MeetingState: %v", line, err)
			return
		}
		if len(m.State) == 0 {
			t.Errorf("PROTOCOL.md:%d: meeting_state example has no state", line)
			return
		}
		state = m.State
	}
	if len(state) == 0 {
		return
	}
	var st control.LiveState
	if err := decodeStrict(state, &st); err != nil {
		t.Errorf("PROTOCOL.md:%d: the meeting state does not decode strictly as control.LiveState: %v", line, err)
		return
	}
	if !slices.Contains([]control.MeetingState{control.StatePlanned, control.StateOpen, control.StateRunning, control.StateEnded}, st.State) {
		t.Errorf("PROTOCOL.md:%d: meeting state %q", line, st.State)
	}
	if st.Round != nil {
		for _, turn := range st.Round.Turns {
			if !slices.Contains([]control.TurnStatus{control.TurnWaiting, control.TurnCurrent, control.TurnDone, control.TurnPassed, control.TurnSkipped}, turn.Status) {
				t.Errorf("PROTOCOL.md:%d: turn status %q", line, turn.Status)
			}
		}
		if c := st.Round.Current; c < -1 || c >= len(st.Round.Turns) || c >= 0 && st.Round.Turns[c].PersonID != st.Round.Speaker {
			t.Errorf("PROTOCOL.md:%d: round current %d and speaker %q disagree with the turns", line, c, st.Round.Speaker)
		}
	}
	for _, p := range st.People {
		if p.RSVP != "" && !slices.Contains([]control.Answer{control.Coming, control.NotComing, control.Maybe}, p.RSVP) {
			t.Errorf("PROTOCOL.md:%d: rsvp %q", line, p.RSVP)
		}
	}
}

// TestProtocolMeetingStateFields: the meeting_state table names every
// field of the state the server sends, and no field it does not send.
func TestProtocolMeetingStateFields(t *testing.T) {
	doc, err := os.ReadFile("PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i := strings.Index(text, "### `meeting_state`")
	if i < 0 {
		t.Fatal("PROTOCOL.md has no meeting_state section")
	}
	row := ""
	for _, l := range strings.Split(text[i:], "\n") {
		if strings.HasPrefix(l, "| `state` | object |") {
			row = l
			break
		}
	}
	if row == "" {
		t.Fatal("the meeting_state table has no state row")
	}
	lt := reflect.TypeFor[control.LiveState]()
	for f := range lt.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" && !strings.Contains(row, "`"+name+"`") {
			t.Errorf("the meeting_state table does not name the state's field %q", name)
		}
	}
	for _, stale := range []string{"timeboxMinutes", "`order`"} {
		if strings.Contains(row, stale) {
			t.Errorf("the meeting_state table names %s, which the server does not send", stale)
		}
	}
}
