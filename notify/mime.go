package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// message is one e-mail before encoding.
type message struct {
	From, To  *mail.Address
	ReplyTo   *mail.Address // optional
	Subject   string
	Date      time.Time
	MessageID string // with angle brackets
	Language  string // Content-Language
	Text      string // the plain-text body
	HTML      string // the HTML alternative
	Calendar  *calendarPart
}

// calendarPart is an attached iCalendar file.
type calendarPart struct {
	Method   string // the METHOD inside, repeated in the Content-Type
	FileName string
	Data     []byte
}

// newMessageID makes a globally unique Message-ID at host.
func newMessageID(host string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "<" + hex.EncodeToString(b[:]) + "@" + host + ">"
}

// bytes encodes the message (RFC 5322 headers, MIME 1.0): the text and
// HTML as multipart/alternative, inside multipart/mixed with the calendar
// when there is one. Bodies are quoted-printable (text) or base64 (the
// attachment), so every line is short 7-bit ASCII whatever the relay
// supports; non-ASCII header text is RFC 2047 encoded words.
func (m message) bytes() ([]byte, error) {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(fold(k + ": " + v)) }
	header("Date", m.Date.Format(time.RFC1123Z))
	header("From", m.From.String())
	header("To", m.To.String())
	if m.ReplyTo != nil {
		header("Reply-To", m.ReplyTo.String())
	}
	header("Message-ID", m.MessageID)
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	header("MIME-Version", "1.0")
	if m.Language != "" {
		header("Content-Language", m.Language)
	}
	// An automatic message: no out-of-office replies to it (RFC 3834).
	header("Auto-Submitted", "auto-generated")

	altType, altBody, err := alternative(m)
	if err != nil {
		return nil, err
	}
	if m.Calendar == nil {
		header("Content-Type", altType)
		b.WriteString("\r\n")
		b.Write(altBody)
		return b.Bytes(), nil
	}
	mixed, err := newPartWriter(&b)
	if err != nil {
		return nil, err
	}
	header("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	b.WriteString("\r\n")
	alt, err := mixed.CreatePart(textproto.MIMEHeader{"Content-Type": {altType}})
	if err != nil {
		return nil, err
	}
	if _, err := alt.Write(altBody); err != nil {
		return nil, err
	}
	if err := writeCalendar(mixed, *m.Calendar); err != nil {
		return nil, err
	}
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// alternative is the multipart/alternative entity of the text and the
// HTML: its Content-Type (with the boundary) and its body.
func alternative(m message) (string, []byte, error) {
	var b bytes.Buffer
	alt, err := newPartWriter(&b)
	if err != nil {
		return "", nil, err
	}
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := alt.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(p.typ, map[string]string{"charset": "utf-8"})},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return "", nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(p.body)); err != nil {
			return "", nil, err
		}
		if err := qp.Close(); err != nil {
			return "", nil, err
		}
	}
	if err := alt.Close(); err != nil {
		return "", nil, err
	}
	return mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": alt.Boundary()}), b.Bytes(), nil
}

func writeCalendar(mixed *multipart.Writer, c calendarPart) error {
	w, err := mixed.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {foldValue("Content-Type", mime.FormatMediaType("text/calendar", map[string]string{"charset": "utf-8", "method": c.Method, "name": c.FileName}))},
		"Content-Disposition":       {foldValue("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": c.FileName}))},
		"Content-Transfer-Encoding": {"base64"},
	})
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(c.Data)
	for len(enc) > 76 {
		if _, err := w.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err = w.Write([]byte(enc + "\r\n"))
	return err
}

// newPartWriter is a multipart writer with a short boundary, so that the
// Content-Type headers multipart writes itself (unfolded) stay within 78
// octets. "=_" never occurs in quoted-printable or base64 text.
func newPartWriter(w io.Writer) (*multipart.Writer, error) {
	mw := multipart.NewWriter(w)
	var b [12]byte
	_, _ = rand.Read(b[:])
	return mw, mw.SetBoundary("=_" + hex.EncodeToString(b[:]))
}

// fold writes a header line folded at spaces to lines of at most 78
// octets where it can (RFC 5322 2.2.3), ending in CRLF. Encoded words and
// parameters are separated by spaces, so they fold between.
func fold(line string) string {
	const limit = 78
	var b strings.Builder
	n := 0
	for i, word := range strings.Split(line, " ") {
		if i > 0 {
			if n+1+len(word) > limit {
				b.WriteString("\r\n")
				n = 0
			}
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	b.WriteString("\r\n")
	return b.String()
}

// foldValue is a header value folded as fold would, for the part headers
// multipart writes as "key: value".
func foldValue(key, value string) string {
	return strings.TrimSuffix(fold(key+": "+value), "\r\n")[len(key)+2:]
}

// oneLine keeps a header value on one line whatever a name contains.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}
