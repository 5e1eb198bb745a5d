package signaling

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// allCodes is every error code PROTOCOL.md documents.
var allCodes = []Code{
	CodeBadJSON, CodeUnknownType, CodeMissingField, CodeInvalidField,
	CodeTooLarge, CodeRateLimited, CodeUnsupportedVersion, CodeNotJoined,
	CodeAlreadyJoined, CodeUnauthorized, CodeResumeFailed, CodeRoomFull,
	CodeInvalidSDP, CodeInvalidCandidate, CodeNoOfferPending,
	CodeShuttingDown, CodeGone, CodeMeetingNotOpen, CodeAgreementRequired,
	CodeForbidden, CodeNotPossible, CodeInternal,
}

// clientTypes are the message types a client may send.
var clientTypes = []string{TypeJoin, TypeOffer, TypeAnswer, TypeCandidate, TypeState, TypeLeave, TypePing,
	TypeHand, TypeChat, TypeMute, TypeRemove, TypeMeeting}

func ptr[T any](v T) *T { return &v }

func TestDecodeValid(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Request
	}{
		{
			name: "join",
			in:   `{"type":"join","id":"1","version":1,"room":"tuesday-group","name":"Anna Virtanen","key":"s3cret"}`,
			want: &Join{header: header{Type: TypeJoin, ID: "1"}, Version: 1, Room: "tuesday-group", Name: "Anna Virtanen", Key: "s3cret"},
		},
		{
			name: "join with resume",
			in:   `{"type":"join","id":"7","version":1,"room":"tuesday-group","name":"Anna","resume":"tok_en-123"}`,
			want: &Join{header: header{Type: TypeJoin, ID: "7"}, Version: 1, Room: "tuesday-group", Name: "Anna", Resume: "tok_en-123"},
		},
		{
			name: "join name is trimmed",
			in:   `{"type":"join","version":1,"room":"r","name":"  \t Anna Virtanen \n "}`,
			want: &Join{header: header{Type: TypeJoin}, Version: 1, Room: "r", Name: "Anna Virtanen"},
		},
		{
			name: "join name of 64 characters, 128 bytes",
			in:   `{"type":"join","version":1,"room":"r","name":"` + strings.Repeat("ä", 64) + `"}`,
			want: &Join{header: header{Type: TypeJoin}, Version: 1, Room: "r", Name: strings.Repeat("ä", 64)},
		},
		{
			name: "join name of 64 characters after trimming",
			in:   `{"type":"join","version":1,"room":"r","name":"  ` + strings.Repeat("n", 64) + `  "}`,
			want: &Join{header: header{Type: TypeJoin}, Version: 1, Room: "r", Name: strings.Repeat("n", 64)},
		},
		{
			name: "join ignores unknown fields",
			in:   `{"type":"join","version":1,"room":"r","name":"Anna","role":"facilitator","x":[1,2]}`,
			want: &Join{header: header{Type: TypeJoin}, Version: 1, Room: "r", Name: "Anna"},
		},
		{
			name: "offer",
			in:   `{"type":"offer","id":"2","target":"publisher","sdp":"v=0\r\n"}`,
			want: &Offer{header: header{Type: TypeOffer, ID: "2"}, Target: TargetPublisher, SDP: "v=0\r\n"},
		},
		{
			name: "answer",
			in:   `{"type":"answer","target":"subscriber","sdp":"v=0\r\n"}`,
			want: &Answer{header: header{Type: TypeAnswer}, Target: TargetSubscriber, SDP: "v=0\r\n"},
		},
		{
			name: "answer with id",
			in:   `{"type":"answer","id":"a","target":"subscriber","sdp":"v=0\r\n"}`,
			want: &Answer{header: header{Type: TypeAnswer, ID: "a"}, Target: TargetSubscriber, SDP: "v=0\r\n"},
		},
		{
			name: "publisher candidate",
			in:   `{"type":"candidate","target":"publisher","candidate":{"candidate":"candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}`,
			want: &Candidate{header: header{Type: TypeCandidate}, Target: TargetPublisher, Candidate: CandidateInit{
				Candidate:        "candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host",
				SDPMid:           ptr("0"),
				SDPMLineIndex:    ptr(uint16(0)),
				UsernameFragment: ptr("abcd"),
			}},
		},
		{
			name: "subscriber end of candidates",
			in:   `{"type":"candidate","target":"subscriber","candidate":{"candidate":""}}`,
			want: &Candidate{header: header{Type: TypeCandidate}, Target: TargetSubscriber},
		},
		{
			name: "candidate without candidate object",
			in:   `{"type":"candidate","target":"subscriber"}`,
			want: &Candidate{header: header{Type: TypeCandidate}, Target: TargetSubscriber},
		},
		{
			name: "leave",
			in:   `{"type":"leave"}`,
			want: &Leave{header: header{Type: TypeLeave}},
		},
		{
			name: "ping",
			in:   `{"type":"ping","id":"p-99"}`,
			want: &Ping{header: header{Type: TypePing, ID: "p-99"}},
		},
		{
			name: "id of 64 bytes",
			in:   `{"type":"ping","id":"` + strings.Repeat("i", 64) + `"}`,
			want: &Ping{header: header{Type: TypePing, ID: strings.Repeat("i", 64)}},
		},
		{
			name: "null id",
			in:   `{"type":"ping","id":null}`,
			want: &Ping{header: header{Type: TypePing}},
		},
		{
			name: "whitespace around the object",
			in:   " \n{\"type\":\"ping\"}\n ",
			want: &Ping{header: header{Type: TypePing}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode([]byte(tc.in))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Decode =\n  %#v\nwant\n  %#v", got, tc.want)
			}
			if got.RequestID() != tc.want.RequestID() {
				t.Errorf("RequestID = %q, want %q", got.RequestID(), tc.want.RequestID())
			}
			if got.messageType() != tc.want.messageType() {
				t.Errorf("messageType = %q, want %q", got.messageType(), tc.want.messageType())
			}
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		code Code
		id   string
	}{
		{"empty", ``, CodeBadJSON, ""},
		{"not JSON", `hello`, CodeBadJSON, ""},
		{"invalid UTF-8", "{\"type\":\"ping\",\"id\":\"\xc3\x28\"}", CodeBadJSON, ""},
		{"array", `[]`, CodeBadJSON, ""},
		{"number", `42`, CodeBadJSON, ""},
		{"two objects", `{"type":"ping"}{"type":"ping"}`, CodeBadJSON, ""},
		{"type is an object", `{"type":{},"id":"x"}`, CodeBadJSON, "x"},
		{"id is a number", `{"type":"ping","id":1}`, CodeBadJSON, ""},
		{"null", `null`, CodeMissingField, ""},
		{"no type", `{"id":"x"}`, CodeMissingField, "x"},
		{"empty type", `{"type":"","id":"x"}`, CodeMissingField, "x"},
		{"unknown type", `{"type":"bye","id":"x"}`, CodeUnknownType, "x"},
		{"long unknown type", `{"type":"` + strings.Repeat("z", 5000) + `"}`, CodeUnknownType, ""},
		{"id too long", `{"type":"ping","id":"` + strings.Repeat("i", 65) + `"}`, CodeInvalidField, ""},
		{"join version missing", `{"type":"join","id":"x","room":"r","name":"n"}`, CodeMissingField, "x"},
		{"join version 0", `{"type":"join","id":"x","version":0,"room":"r","name":"n"}`, CodeMissingField, "x"},
		{"join version 3", `{"type":"join","id":"x","version":3,"room":"r","name":"n"}`, CodeUnsupportedVersion, "x"},
		{"join version huge", `{"type":"join","id":"x","version":1e100,"room":"r","name":"n"}`, CodeInvalidField, "x"},
		{"join room missing", `{"type":"join","id":"x","version":1,"name":"n"}`, CodeMissingField, "x"},
		{"join room not a string", `{"type":"join","id":"x","version":1,"room":7,"name":"n"}`, CodeInvalidField, "x"},
		{"join name missing", `{"type":"join","id":"x","version":1,"room":"r"}`, CodeMissingField, "x"},
		{"join name blank", `{"type":"join","id":"x","version":1,"room":"r","name":"\u00a0 "}`, CodeMissingField, "x"},
		{"join name 65 characters", `{"type":"join","id":"x","version":1,"room":"r","name":"` + strings.Repeat("ö", 65) + `"}`, CodeInvalidField, "x"},
		{"join name with DEL", `{"type":"join","id":"x","version":1,"room":"r","name":"a\u007fb"}`, CodeInvalidField, "x"},
		{"join name with escape", `{"type":"join","id":"x","version":1,"room":"r","name":"a\u001b[31mb"}`, CodeInvalidField, "x"},
		{"join room with tab", `{"type":"join","id":"x","version":1,"room":"a\tb","name":"n"}`, CodeInvalidField, "x"},
		{"offer no id", `{"type":"offer","target":"publisher","sdp":"v=0"}`, CodeMissingField, ""},
		{"offer no target", `{"type":"offer","id":"x","sdp":"v=0"}`, CodeMissingField, "x"},
		{"offer subscriber", `{"type":"offer","id":"x","target":"subscriber","sdp":"v=0"}`, CodeInvalidField, "x"},
		{"offer no sdp", `{"type":"offer","id":"x","target":"publisher"}`, CodeMissingField, "x"},
		{"answer no target", `{"type":"answer","id":"x","sdp":"v=0"}`, CodeMissingField, "x"},
		{"answer publisher", `{"type":"answer","id":"x","target":"publisher","sdp":"v=0"}`, CodeInvalidField, "x"},
		{"answer no sdp", `{"type":"answer","id":"x","target":"subscriber"}`, CodeMissingField, "x"},
		{"candidate no target", `{"type":"candidate","id":"x","candidate":{"candidate":""}}`, CodeMissingField, "x"},
		{"candidate bad target", `{"type":"candidate","id":"x","target":"Publisher","candidate":{"candidate":""}}`, CodeInvalidField, "x"},
		{"candidate sdpMLineIndex negative", `{"type":"candidate","id":"x","target":"publisher","candidate":{"candidate":"","sdpMLineIndex":-1}}`, CodeInvalidField, "x"},
		{"candidate too long", `{"type":"candidate","id":"x","target":"publisher","candidate":{"candidate":"` + strings.Repeat("c", 1025) + `"}}`, CodeInvalidField, "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := Decode([]byte(tc.in))
			if err == nil {
				t.Fatalf("Decode succeeded: %#v", req)
			}
			if req != nil {
				t.Errorf("Decode returned a request with its error: %#v", req)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			if pe.Code != tc.code {
				t.Errorf("code %q (%s), want %q", pe.Code, pe.Message, tc.code)
			}
			if pe.requestID != tc.id {
				t.Errorf("request id %q, want %q", pe.requestID, tc.id)
			}
			checkReadable(t, pe.Message)
		})
	}
}
