// Package apiclient is a client of piiri's HTTP API (docs/api.md) for
// programs that are not a browser, such as `piiri admin`. It sends the
// token as a bearer token, speaks the api package's wire types, puts a
// time limit on every request, and turns the API's error answers into
// *Error, which keeps the API's code, message and field.
package apiclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout is how long a request may take when Options leave it 0.
const DefaultTimeout = 30 * time.Second

// Limits on what is read from the server: answers are small (a report of a
// large server is well under a megabyte), and a wrong URL must not make
// the client read a whole disk image.
const (
	maxAnswerBytes = 32 << 20
	maxErrorBytes  = 64 << 10
)

// Options tune a Client.
type Options struct {
	// Timeout bounds each request, reading the answer included; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// RootCAs are the certificates trusted for https; nil means the
	// system's. (netcheck.LoadRootCAs makes a pool of the system's plus
	// a trial server's self-signed certificate.)
	RootCAs *x509.CertPool
}

// Client calls one server's API with one token. It is safe for
// concurrent use.
type Client struct {
	base  *url.URL
	token string
	hc    *http.Client
}

// New returns a client of the server at base (its public URL, such as
// https://meet.example.fi) that authenticates with token.
func New(base, token string, opts Options) (*Client, error) {
	u, err := ParseBase(base)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, errors.New("apiclient: no token")
	}
	if strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		// A header value with a line break would be a second header.
		return nil, errors.New("apiclient: the token holds spaces or control characters; is the token file the right one?")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// The default transport's settings (the proxy from HTTPS_PROXY,
	// dial and handshake timeouts), with our roots.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if opts.RootCAs != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12}
	}
	hc := &http.Client{
		Transport: tr,
		Timeout:   timeout,
		// A redirect is not followed: the token would go along to
		// wherever it points. The caller is told where it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Client{base: u, token: token, hc: hc}, nil
}

// ParseBase checks a server's base URL: http or https, a host, nothing
// after the path. The path is kept (a server behind a proxy under a
// prefix), without its trailing slash.
func ParseBase(base string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return nil, fmt.Errorf("apiclient: server URL %q: %w", base, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("apiclient: server URL %q must start with https:// (or http://), such as https://meet.example.fi", base)
	case u.Host == "":
		return nil, fmt.Errorf("apiclient: server URL %q names no host", base)
	case u.User != nil:
		return nil, fmt.Errorf("apiclient: server URL %q must not carry a user name or password", base)
	case u.RawQuery != "" || u.Fragment != "" || strings.Contains(base, "#"):
		return nil, fmt.Errorf("apiclient: server URL %q must be the server's address only, without ?query or #fragment", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// BaseURL is the server's URL the client calls.
func (c *Client) BaseURL() string { return c.base.String() }

// Error is an error answer of the API: its HTTP status and the body's
// stable code, message for people and, when one field was wrong, the
// field (such as "role" or "phases[0].timeboxMinutes").
type Error struct {
	Status  int
	Code    string
	Message string
	Field   string
	// RetryAfter is the Retry-After header of a 429, in seconds as sent.
	RetryAfter string
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Code != "" {
		return fmt.Sprintf("%s (%d %s)", msg, e.Status, e.Code)
	}
	return fmt.Sprintf("%s (%d)", msg, e.Status)
}

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// do sends one request: in (if not nil) as the JSON body, and decodes a
// JSON answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	resp, err := c.send(ctx, method, path, query, in, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return fmt.Errorf("%s %s: the server answered %s, not JSON; is %s a piiri server?", method, path, resp.Header.Get("Content-Type"), c.base)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxAnswerBytes))
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	return nil
}

// send makes the request and returns a successful answer, or the error
// answer as *Error.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, in any, accept string) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode the request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	// path's segments are escaped already (seg), so it is joined as text.
	target := c.base.String() + path
	if q := query.Encode(); q != "" {
		target += "?" + q
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", accept)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err // *url.Error names the method and URL; the token is in a header, not in it
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode < 400 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBytes))
		return nil, &Error{Status: resp.StatusCode, Message: fmt.Sprintf("the server redirects %s to %q, which is not followed (the token would go along); if that is the server's address, use it as the server URL", path, resp.Header.Get("Location"))}
	}
	return nil, errorOf(resp)
}

// errorOf reads an error answer. One from the API has its JSON body; one
// from something else on the way (a proxy's 502 page) is described by
// its status and first line.
func errorOf(resp *http.Response) *Error {
	e := &Error{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
	var b errorBody
	if err := json.Unmarshal(raw, &b); err == nil && b.Error != nil && b.Error.Message != "" {
		e.Code, e.Message, e.Field = b.Error.Code, b.Error.Message, b.Error.Field
		return e
	}
	e.Message = http.StatusText(resp.StatusCode)
	if line, _, _ := strings.Cut(strings.TrimSpace(string(raw)), "\n"); line != "" {
		if len(line) > 200 {
			line = line[:200] + "..."
		}
		e.Message += ": " + line
	}
	e.Message += " (not an answer of the piiri API)"
	return e
}

// download writes a successful answer's body to w as it is.
func (c *Client) download(ctx context.Context, path string, query url.Values, accept string, w io.Writer) error {
	resp, err := c.send(ctx, http.MethodGet, path, query, nil, accept)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, io.LimitReader(resp.Body, maxAnswerBytes)); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// seg is one path segment, escaped: IDs come from the command line.
func seg(s string) string { return url.PathEscape(s) }
