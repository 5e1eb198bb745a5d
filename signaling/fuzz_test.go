package signaling

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func FuzzDecode(f *testing.F) {
	seeds := []string{
		// Every client message, valid.
		`{"type":"join","id":"1","version":1,"room":"tuesday-group","name":"Anna","key":"s3cret"}`,
		`{"type":"join","id":"2","version":1,"room":"tuesday-group","name":"Anna","resume":"q2v0bHhA1mS8kXbQ3v5Lr0y2kq9Xw3nA7pJ3bX0cT1s"}`,
		`{"type":"join","version":1,"room":"r","name":"  Ännä  "}`,
		`{"type":"offer","id":"3","target":"publisher","sdp":"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}`,
		`{"type":"answer","id":"4","target":"subscriber","sdp":"v=0\r\n"}`,
		`{"type":"answer","target":"subscriber","sdp":"v=0\r\n"}`,
		`{"type":"candidate","target":"publisher","candidate":{"candidate":"candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}`,
		`{"type":"candidate","target":"subscriber","candidate":{"candidate":""}}`,
		`{"type":"candidate","id":"5","target":"subscriber"}`,
		`{"type":"leave"}`,
		`{"type":"leave","id":"6"}`,
		`{"type":"ping","id":"7"}`,
		`{"type":"ping"}`,
		// Malformed.
		``,
		` `,
		`null`,
		`true`,
		`0`,
		`"join"`,
		`[]`,
		`[{"type":"ping"}]`,
		`{`,
		`}`,
		`{}`,
		`{"type":null}`,
		`{"type":""}`,
		`{"type":1}`,
		`{"type":{"a":1},"id":"x"}`,
		`{"type":"ping","id":1}`,
		`{"type":"ping","id":"` + strings.Repeat("i", 65) + `"}`,
		`{"type":"ping"}{"type":"ping"}`,
		`{"type":"ping"} trailing`,
		`{"type":"ping","type":"join"}`,
		`{"TYPE":"ping","Id":"x"}`,
		`{"type":"PING"}`,
		`{"type":"pong"}`,
		`{"type":"joined"}`,
		`{"type":"error","code":"bad_json"}`,
		`{"type":"bye","reason":"left"}`,
		"{\"type\":\"ping\",\"id\":\"\xff\"}",
		"{\"type\":\"join\",\"version\":1,\"room\":\"r\",\"name\":\"\xc3\"}",
		`{"type":"join","version":1,"room":"r","name":"\ud800"}`,
		`{"type":"join","version":1,"room":"r","name":"a\u0000b"}`,
		`{"type":"join","version":1,"room":"r","name":"\u0085"}`,
		`{"type":"join","version":1,"room":"r\n","name":"n"}`,
		`{"type":"join","version":1,"room":"r","name":"` + strings.Repeat("n", 65) + `"}`,
		`{"type":"join","version":1,"room":"` + strings.Repeat("r", 65) + `","name":"n"}`,
		`{"type":"join","version":1,"room":"r","name":"n","key":"` + strings.Repeat("k", 257) + `"}`,
		`{"type":"join","version":1,"room":"r","name":"n","resume":"` + strings.Repeat("t", 129) + `"}`,
		`{"type":"join","version":0,"room":"r","name":"n"}`,
		`{"type":"join","version":2,"room":"r","name":"n"}`,
		`{"type":"join","version":-1,"room":"r","name":"n"}`,
		`{"type":"join","version":"1","room":"r","name":"n"}`,
		`{"type":"join","version":1.0,"room":"r","name":"n"}`,
		`{"type":"join","version":1e999,"room":"r","name":"n"}`,
		`{"type":"join","version":1,"room":"","name":"n"}`,
		`{"type":"join","version":1,"room":"r","name":""}`,
		`{"type":"join","version":1,"room":"r","name":"   "}`,
		`{"type":"join","version":1,"room":["r"],"name":"n"}`,
		`{"type":"offer","target":"publisher","sdp":"v=0"}`,
		`{"type":"offer","id":"x","target":"subscriber","sdp":"v=0"}`,
		`{"type":"offer","id":"x","target":"publisher"}`,
		`{"type":"offer","id":"x","sdp":"v=0"}`,
		`{"type":"offer","id":"x","target":"publisher","sdp":null}`,
		`{"type":"answer","target":"publisher","sdp":"v=0"}`,
		`{"type":"answer","target":"subscriber"}`,
		`{"type":"candidate","candidate":{"candidate":""}}`,
		`{"type":"candidate","target":"both","candidate":{"candidate":""}}`,
		`{"type":"candidate","target":"publisher","candidate":"candidate:1"}`,
		`{"type":"candidate","target":"publisher","candidate":{"sdpMLineIndex":70000}}`,
		`{"type":"candidate","target":"publisher","candidate":{"sdpMLineIndex":-1}}`,
		`{"type":"candidate","target":"publisher","candidate":{"candidate":"` + strings.Repeat("c", 1025) + `"}}`,
		`{"type":"` + strings.Repeat("z", 100) + `"}`,
		`{"type":"ü` + strings.Repeat("é", 40) + `"}`,
		strings.Repeat("[", 20000),
		`{"a":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 101),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := Decode(data)
		if err != nil {
			if req != nil {
				t.Fatalf("Decode returned both a request and an error %v", err)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			if pe.Code == "" || !slices.Contains(allCodes, pe.Code) {
				t.Fatalf("code %q is not a documented code", pe.Code)
			}
			if pe.Message == "" {
				t.Fatalf("error %q has no message", pe.Code)
			}
			if len(pe.requestID) > maxIDLen {
				t.Fatalf("error would echo an id of %d bytes", len(pe.requestID))
			}
			return
		}
		if req == nil {
			t.Fatalf("Decode returned neither a request nor an error")
		}
		typ := req.messageType()
		if !slices.Contains(clientTypes, typ) {
			t.Fatalf("decoded type %q is not a client message type", typ)
		}
		if len(req.RequestID()) > maxIDLen {
			t.Fatalf("decoded id of %d bytes", len(req.RequestID()))
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", req, err)
		}
		req2, err := Decode(again)
		if err != nil {
			t.Fatalf("decode of re-encoded %s: %v", again, err)
		}
		if req2.messageType() != typ {
			t.Fatalf("re-encoded %s decodes as %q, want %q", again, req2.messageType(), typ)
		}
		if req2.RequestID() != req.RequestID() {
			t.Fatalf("re-encoded %s has id %q, want %q", again, req2.RequestID(), req.RequestID())
		}
	})
}
