package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
)

// Request bodies are one JSON object, of at most MaxBodyBytes, sent as
// application/json. Every way one can be wrong is a 4xx that says what
// is wrong and, where there is one, names the field.

// decode reads the request body into v.
func (c *call) decode(v any) error {
	body, err := c.body()
	if err != nil {
		return err
	}
	return decodeJSON(c.r.Header.Get("Content-Type"), body, v, false)
}

// noBody accepts an empty body or an empty JSON object, for actions.
func (c *call) noBody() error {
	body, err := c.body()
	if err != nil {
		return err
	}
	var none struct{}
	return decodeJSON(c.r.Header.Get("Content-Type"), body, &none, true)
}

// body reads the whole body, up to the limit.
func (c *call) body() ([]byte, error) {
	if c.r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, c.a.maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: "too_large", msg: fmt.Sprintf("the body is larger than %d bytes", mbe.Limit)}
	}
	if err != nil {
		return nil, &apiError{status: http.StatusBadRequest, code: "invalid", msg: "the body could not be read"}
	}
	return b, nil
}

// decodeJSON decodes one JSON object from body into v (a pointer to a
// struct), strictly: the content type must be JSON, unknown fields are
// refused, and nothing may follow the object. emptyOK allows an empty
// body (for actions that take none). Its errors are *apiError, always
// with a message and, when the problem is in one field, that field.
func decodeJSON(contentType string, body []byte, v any, emptyOK bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if emptyOK {
			return nil
		}
		return invalid("", "the body must be a JSON object")
	}
	if !isJSON(contentType) {
		return &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", msg: `send the body as "Content-Type: application/json"`}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, body)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("", "the body must be a single JSON object, with nothing after it")
	}
	if reflect.ValueOf(v).Elem().Kind() == reflect.Struct && !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return invalid("", "the body must be a JSON object")
	}
	return nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// jsonError turns encoding/json's errors into ones that name the field.
func jsonError(err error, body []byte) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return invalid("", fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: ")))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "malformed JSON: the body ends early")
	case errors.As(err, &te):
		if te.Field == "" {
			return invalid("", "the body must be a JSON object, not "+jsonKind(te.Value))
		}
		return invalid(te.Field, fmt.Sprintf("must be %s, not %s", wantKind(te.Type), jsonKind(te.Value)))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return invalid(name, "unknown field")
	}
	return invalid("", "malformed JSON: "+strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names what the client sent ("number 1.5" → "a number (1.5)").
func jsonKind(v string) string {
	kind, val, _ := strings.Cut(v, " ")
	switch kind {
	case "number":
		if val != "" {
			return "the number " + val
		}
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "array":
		return "an array"
	case "object":
		return "an object"
	}
	return v
}

// wantKind names the JSON a Go type takes.
func wantKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number (in range)"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}
