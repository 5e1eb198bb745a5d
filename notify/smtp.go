package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The SMTP client is go-smtp's rather than the standard library's
// net/smtp: net/smtp is frozen (it takes no new features and says to use
// an outside package), has no timeouts of its own, while go-smtp is
// maintained, times out every command and the final dot separately, and
// is the same library the tests run as the receiving relay.

// transport delivers one message per connection to the relay.
type transport struct {
	s   settings
	tls *tls.Config
}

func newTransport(s settings) transport {
	return transport{s: s, tls: &tls.Config{ServerName: s.Host, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}}
}

// send delivers msg to one recipient. ctx bounds the whole exchange: when
// it ends the connection is closed under the client.
func (t transport) send(ctx context.Context, to string, msg []byte) (err error) {
	addr := net.JoinHostPort(t.s.Host, strconv.Itoa(t.s.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return stage("dial "+addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var c *smtp.Client
	switch t.s.Security {
	case ImplicitTLS:
		tc := tls.Client(conn, t.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return stage("tls with "+addr, err)
		}
		c = smtp.NewClient(tc)
	case StartTLS:
		// NewClientStartTLS refuses a relay that does not offer
		// STARTTLS: no silent fall back to the clear.
		if c, err = smtp.NewClientStartTLS(conn, t.tls); err != nil {
			return stage("starttls with "+addr, err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	c.CommandTimeout, c.SubmissionTimeout = t.s.SendTimeout, t.s.SendTimeout
	// After STARTTLS the client must greet again; Hello names us.
	if err := c.Hello(t.s.HeloName); err != nil {
		return stage("ehlo", err)
	}
	if t.s.Username != "" {
		if _, ok := c.TLSConnectionState(); !ok {
			return permanentError{errors.New("auth: the connection is not encrypted; not sending the password")}
		}
		if !c.SupportsAuth(sasl.Plain) {
			return permanentError{errors.New("auth: the relay does not offer AUTH PLAIN")}
		}
		if err := c.Auth(sasl.NewPlainClient("", t.s.Username, t.s.Password)); err != nil {
			return stage("auth", err)
		}
	}
	if err := c.Mail(t.s.from.Address, nil); err != nil {
		return stage("mail from", err)
	}
	if err := c.Rcpt(to, nil); err != nil {
		return stage("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return stage("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return stage("data", err)
	}
	if err := w.Close(); err != nil {
		return stage("data", err)
	}
	// The message is accepted once the final dot is answered; a failing
	// QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// stageError is a failure at one step of the exchange.
type stageError struct {
	stage string
	err   error
}

func stage(s string, err error) error { return stageError{s, err} }

func (e stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e stageError) Unwrap() error { return e.err }

// permanentError is a failure that retrying will not cure.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// permanent reports whether err is a refusal to keep: a 5xx answer (bad
// address, authentication refused, message refused) or a missing
// capability. Network trouble, timeouts and 4xx answers are temporary.
func permanent(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code >= 500
	}
	var pe permanentError
	return errors.As(err, &pe)
}

// logError describes err for a log without personal data: an SMTP answer
// by its codes only (its text may echo the recipient's address).
func logError(err error) string {
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		return err.Error()
	}
	msg := fmt.Sprintf("smtp %d %d.%d.%d", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
	var st stageError
	if errors.As(err, &st) {
		msg = st.stage + ": " + msg
	}
	return msg
}
