package signaling

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
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
