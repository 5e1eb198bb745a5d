package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	"piiri/control"
)

// Who may call an endpoint, as documented and as the permission tests
// check it against what control decides.
const (
	whoAnyone      = "anyone with a valid link or the admin token"
	whoAdmin       = "admin"
	whoGroup       = "admin; any person of the group"
	whoManage      = "admin; the group's facilitators"
	whoRun         = "admin; the group's facilitators; the meeting's chair"
	whoStudy       = "admin; the group's facilitators; the meeting's chair; the group's researchers"
	whoSelf        = "admin; the group's facilitators; the person themself"
	whoPerson      = "any person of the group (not the admin)"
	whoAnyPerson   = "any person (not the admin), for their own group"
	whoProposer    = "the group's facilitators and members"
	whoFacilitator = "the group's facilitators (not the admin)"
	whoMember      = "the group's members"
	whoFeed        = "the personal link in the URL"
)

// route is one endpoint: its ServeMux pattern, who may call it, and its
// handler with the types it reads and writes.
type route struct {
	pattern string
	who     string
	endpoint
}

// endpoint is a handler with its wire types, so documentation and tests
// can decode examples as exactly what the handler reads and writes.
type endpoint struct {
	req    reflect.Type // nil: no body
	resp   reflect.Type // nil: 204 No Content
	status int          // on success; 0 means 200
	public bool         // no bearer token (the calendar feeds)
	h      func(c *call) (any, error)
}

// call is one request being served.
type call struct {
	a   *API
	w   http.ResponseWriter
	r   *http.Request
	ctx context.Context
	p   control.Principal
	now time.Time
}

// written is returned by handlers that wrote their own response (CSV,
// iCalendar).
type written struct{}

// noContent is the response type of endpoints that answer 204.
type noContent struct{}

// read is an endpoint without a body answering Resp.
func read[Resp any](fn func(c *call) (Resp, error)) endpoint {
	return endpoint{resp: respType[Resp](), h: func(c *call) (any, error) { return fn(c) }}
}

// write is an endpoint that decodes a Req body and answers Resp.
func write[Req, Resp any](fn func(c *call, in *Req) (Resp, error)) endpoint {
	return endpoint{req: reflect.TypeFor[Req](), resp: respType[Resp](), h: func(c *call) (any, error) {
		var in Req
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		if v, ok := any(&in).(validator); ok {
			if err := v.validate(); err != nil {
				return nil, err
			}
		}
		return fn(c, &in)
	}}
}

// action is an endpoint without a body (POST .../open), answering Resp.
func action[Resp any](fn func(c *call) (Resp, error)) endpoint {
	e := read(fn)
	e.h = func(c *call) (any, error) {
		if err := c.noBody(); err != nil {
			return nil, err
		}
		return fn(c)
	}
	return e
}

func respType[Resp any]() reflect.Type {
	t := reflect.TypeFor[Resp]()
	if t == reflect.TypeFor[noContent]() {
		return nil
	}
	return t
}

func (e endpoint) created() endpoint { e.status = http.StatusCreated; return e }

func (e endpoint) feed() endpoint { e.public = true; return e }

// validator is a request that checks itself after decoding (required
// fields, ranges the domain does not check).
type validator interface{ validate() error }

// serve wraps an endpoint: panics become 500s, the request is logged by
// its pattern, the token resolved, the handler run and its answer
// written.
func (a *API) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := a.clock.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				a.log.Error("api: panic", "route", rt.pattern, "panic", v)
				if sw.status == 0 {
					writeError(sw, a.log, r, errInternal)
				}
			}
			a.log.Debug("api", "route", rt.pattern, "status", sw.status, "took", a.clock.Now().Sub(start), "remote", r.RemoteAddr)
		}()
		h := sw.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		c := &call{a: a, w: sw, r: r, ctx: r.Context(), now: start}
		if !rt.public {
			p, err := a.authenticate(r)
			if err != nil {
				writeError(sw, a.log, r, err)
				return
			}
			c.p = p
		}
		out, err := rt.h(c)
		if err != nil {
			if rt.public {
				err = feedError(err)
			}
			writeError(sw, a.log, r, err)
			return
		}
		switch out.(type) {
		case written:
			return
		case noContent:
			sw.WriteHeader(http.StatusNoContent)
			return
		}
		status := rt.status
		if status == 0 {
			status = http.StatusOK
		}
		writeJSON(sw, status, out)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a failed write is the client gone
}

// statusWriter remembers the status, for the log and the recover.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
