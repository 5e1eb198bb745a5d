package api

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// requestTypes are the types request bodies decode into, from routes.go.
func requestTypes() []reflect.Type {
	a := &API{}
	seen := map[reflect.Type]bool{reflect.TypeFor[struct{}](): true}
	out := []reflect.Type{reflect.TypeFor[struct{}]()} // the body of actions
	for _, rt := range a.routes() {
		if rt.req != nil && !seen[rt.req] {
			seen[rt.req] = true
			out = append(out, rt.req)
		}
	}
	return out
}

// FuzzDecodeRequest feeds any bytes, as any request type, through the
// decoding every handler does (decodeJSON, then the type's own checks,
// then the conversions of times and minutes): it must never panic, and
// every error must be a 4xx API error with a code and a message (and a
// field when a field is wrong).
//
//	go test ./api -run '^$' -fuzz FuzzDecodeRequest -fuzztime=20000x
func FuzzDecodeRequest(f *testing.F) {
	types := requestTypes()
	seeds := []string{
		`{}`, `{"name": "Ryhmä", "templateId": "peer-group", "language": "fi"}`,
		`{"maxMembers": 11, "cadence": {"months": 1, "days": 0}, "meetingMinutes": 90, "phases": [{"name": {"fi": "Avaus"}, "timeboxMinutes": 2, "round": true}]}`,
		`{"start": "2026-03-09T09:00", "timeZone": "Europe/Helsinki", "durationMinutes": 90}`,
		`{"starts": ["2026-03-16T18:00", "2026-03-17T10:00:00Z"]}`, `{"suits": [0, 2]}`, `{"option": 1}`,
		`{"version": 2}`, `{"answer": "coming"}`, `{"to": ""}`, `{"name": 3}`, `{"x": 1}`, `[1]`, `null`, `{"a":`,
		`{"durationMinutes": 1e308}`, `{"phases": [{"timeboxMinutes": -1}]}`, `{"starts": ["2026-03-29T03:30"]}`,
		"{\"name\": \"\xff\"}", `{"cadence": {"weeks": 1}}`, `{"option": -1}`,
	}
	for i, s := range seeds {
		f.Add(s, uint8(i), uint8(0))
	}
	f.Add(`{"name": "x"}`, uint8(1), uint8(1))
	f.Add(`{"name": "x"}`, uint8(1), uint8(2))
	contentTypes := []string{"application/json", "text/plain", "", "application/json; charset=utf-8", "application/problem+json", "multipart/form-data; boundary=x"}
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, typ, ct uint8) {
		rt := types[int(typ)%len(types)]
		v := reflect.New(rt).Interface()
		err := decodeJSON(contentTypes[int(ct)%len(contentTypes)], []byte(body), v, rt == reflect.TypeFor[struct{}]())
		if err == nil {
			if val, ok := v.(validator); ok {
				err = val.validate()
			}
		}
		if err == nil {
			err = convert(v, loc)
		}
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			t.Fatalf("%T is not an API error: %v", err, err)
		}
		if ae.status < 400 || ae.status >= 500 || ae.code == "" || ae.msg == "" {
			t.Fatalf("error without status, code or message: %+v", ae)
		}
	})
}

// convert runs the conversions handlers do before calling control.
func convert(v any, loc *time.Location) error {
	switch in := v.(type) {
	case *GroupPatch:
		if _, err := optMinutes("meetingMinutes", in.MeetingMinutes); err != nil {
			return err
		}
		if in.Phases != nil {
			_, err := phasesIn(*in.Phases)
			return err
		}
	case *MeetingRequest:
		if _, _, err := zoneIn("timeZone", in.TimeZone, "Europe/Helsinki"); err != nil {
			return err
		}
		_, err := parseTime("start", in.Start, loc)
		return err
	case *MoveRequest:
		_, err := parseTime("start", in.Start, loc)
		return err
	case *PlanRequest:
		_, err := parseTime("first", in.First, loc)
		return err
	case *PollRequest:
		for i, s := range in.Starts {
			if _, err := parseTime(fieldIndex("starts", i), s, loc); err != nil {
				return err
			}
		}
	case *TemplateRequest:
		if _, err := in.MeetingMinutes.duration("meetingMinutes"); err != nil {
			return err
		}
		_, err := phasesIn(in.Phases)
		return err
	}
	return nil
}
