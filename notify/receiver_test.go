package notify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"piiri/internal/testwait"
)

// receiver is a real SMTP server (emersion/go-smtp) on a loopback port
// that keeps what it receives, the relay of these tests.
type receiver struct {
	t    *testing.T
	srv  *smtp.Server
	ln   net.Listener
	addr *net.TCPAddr

	mu       sync.Mutex
	msgs     []received
	refuse   []int // answer DATA with these codes, one per message, first
	user     string
	password string
	authSeen []authAttempt
}

// received is one message as the relay got it.
type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // the session was encrypted
	User string // who authenticated, "" if nobody
}

type authAttempt struct {
	user string
	tls  bool
	ok   bool
}

type receiverOptions struct {
	tls      *tls.Config // offer STARTTLS (or, with implicit, speak TLS at once)
	implicit bool
	user     string // require AUTH PLAIN with these
	password string
	addr     string // listen here; default a free loopback port
}

func startReceiver(t *testing.T, o receiverOptions) *receiver {
	t.Helper()
	r := &receiver{t: t, user: o.user, password: o.password}
	r.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{r: r, c: c}, nil }))
	r.srv.Domain = "relay.test"
	r.srv.TLSConfig = o.tls
	r.srv.ReadTimeout, r.srv.WriteTimeout = time.Minute, time.Minute
	r.srv.ErrorLog = log.New(io.Discard, "", 0)
	// AllowInsecureAuth stays false: AUTH only over TLS.
	addr := o.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	if o.implicit {
		ln, err = tls.Listen("tcp", addr, o.tls)
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	r.ln, r.addr = ln, ln.Addr().(*net.TCPAddr)
	go func() { _ = r.srv.Serve(ln) }()
	t.Cleanup(r.stop)
	return r
}

func (r *receiver) stop() { _ = r.srv.Close(); _ = r.ln.Close() }

// refuseNext makes the next messages' DATA fail with these codes.
func (r *receiver) refuseNext(codes ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse = append(r.refuse, codes...)
}

func (r *receiver) messages() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.msgs...)
}

// waitFor waits until n messages arrived and returns them.
func (r *receiver) waitFor(n int) []received {
	r.t.Helper()
	testwait.Until(r.t, 20*time.Second, fmt.Sprintf("%d messages at the relay", n), func() error {
		if got := len(r.messages()); got < n {
			return fmt.Errorf("%d so far", got)
		}
		return nil
	})
	return r.messages()
}

// to returns the messages received for an address.
func (r *receiver) to(addr string) []received {
	var out []received
	for _, m := range r.messages() {
		for _, a := range m.To {
			if a == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

type session struct {
	r    *receiver
	c    *smtp.Conn
	user string
	from string
	to   []string
}

func (s *session) encrypted() bool { _, ok := s.c.TLSConnectionState(); return ok }

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		ok := s.r.user != "" && user == s.r.user && pass == s.r.password
		s.r.mu.Lock()
		s.r.authSeen = append(s.r.authSeen, authAttempt{user: user, tls: s.encrypted(), ok: ok})
		s.r.mu.Unlock()
		if !ok {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if len(s.r.refuse) > 0 {
		code := s.r.refuse[0]
		s.r.refuse = s.r.refuse[1:]
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: "refused by the test for " + strings.Join(s.to, ",")}
	}
	s.r.msgs = append(s.r.msgs, received{From: s.from, To: append([]string(nil), s.to...), Data: b, TLS: s.encrypted(), User: s.user})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// testCert is a self-signed certificate for 127.0.0.1: the server's TLS
// config and a pool that trusts it.
func testCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, pool
}

// parsed is a received message read back with net/mail and mime/multipart.
type parsed struct {
	Header   mail.Header
	Subject  string // decoded
	Text     string
	HTML     string
	Calendar []byte // the attachment, decoded; nil if none
	CalType  map[string]string
	CalName  string
}

// parse reads a message and checks its MIME structure on the way: the
// headers RFC 5322 requires, multipart/alternative of text and HTML in
// UTF-8 quoted-printable (inside multipart/mixed with a base64 calendar
// attachment when there is one), and 7-bit lines of at most 78 octets.
func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 78 {
			t.Errorf("line %d is %d octets long: %q", i, len(line), line)
		}
		for _, c := range line {
			if c >= 0x80 || c == '\n' || c == '\r' {
				t.Fatalf("line %d has a non-ASCII or bare line-end byte: %q", i, line)
			}
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	p := parsed{Header: msg.Header}
	for _, h := range []string{"Date", "From", "To", "Message-Id", "Subject", "Mime-Version", "Content-Type"} {
		if msg.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := msg.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") || !strings.Contains(id, "@") {
		t.Errorf("Message-ID %q is not <left@right>", id)
	}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Errorf("Subject: %v", err)
	}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	body := msg.Body
	if typ == "multipart/mixed" {
		mr := multipart.NewReader(body, params["boundary"])
		alt := nextPart(t, mr)
		typ, params, err = mime.ParseMediaType(alt.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		altBody, _ := io.ReadAll(alt)
		body = bytes.NewReader(altBody)
		cal := nextPart(t, mr)
		ct, cp, err := mime.ParseMediaType(cal.Header.Get("Content-Type"))
		if err != nil || ct != "text/calendar" || cal.Header.Get("Content-Transfer-Encoding") != "base64" {
			t.Fatalf("attachment %v (%v), want base64 text/calendar", cal.Header, err)
		}
		if _, dp, err := mime.ParseMediaType(cal.Header.Get("Content-Disposition")); err != nil || !strings.HasPrefix(cal.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("attachment disposition %q: %v", cal.Header.Get("Content-Disposition"), err)
		} else {
			p.CalName = dp["filename"]
		}
		enc, _ := io.ReadAll(cal)
		if p.Calendar, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(enc)), "")); err != nil {
			t.Fatalf("attachment base64: %v", err)
		}
		p.CalType = cp
		if _, err := mr.NextRawPart(); !errors.Is(err, io.EOF) {
			t.Errorf("more than two parts in multipart/mixed: %v", err)
		}
	}
	if typ != "multipart/alternative" {
		t.Fatalf("body is %s, want multipart/alternative", typ)
	}
	ar := multipart.NewReader(body, params["boundary"])
	for _, want := range []string{"text/plain", "text/html"} {
		part := nextPart(t, ar)
		ct, cp, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil || ct != want || cp["charset"] != "utf-8" || part.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Fatalf("part %v, want %s; charset=utf-8, quoted-printable", part.Header, want)
		}
		b, err := io.ReadAll(quotedprintable.NewReader(part))
		if err != nil {
			t.Fatalf("%s: quoted-printable: %v", want, err)
		}
		if want == "text/plain" {
			p.Text = string(b)
		} else {
			p.HTML = string(b)
		}
	}
	return p
}

// nextPart is the next part with its headers as written (NextRawPart:
// no transparent decoding, so the test sees the transfer encoding).
func nextPart(t *testing.T, r *multipart.Reader) *multipart.Part {
	t.Helper()
	p, err := r.NextRawPart()
	if err != nil {
		t.Fatalf("next part: %v", err)
	}
	return p
}
