package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"piiri/control"
	"piiri/internal/clock"
	"piiri/metrics"
)

// Options are a Mailer's dependencies.
type Options struct {
	Clock   clock.Clock      // default clock.Real: the Date header, backoff, reminders
	Log     *slog.Logger     // default discard
	Metrics *metrics.Metrics // default a registry of its own
}

// Mailer queues and sends piiri's e-mail. It implements control.Notifier;
// its methods only compose and queue, never wait for the relay. One
// worker sends the queue in order; a temporary failure is retried after a
// backoff (RetryAfter, then ×4 each time) until Attempts are spent, a
// permanent refusal is given up at once; both are counted and logged.
//
// Close it before closing the store: it drains the queue, and a reminder
// sent while draining is marked in the store.
type Mailer struct {
	s     settings
	clk   clock.Clock
	log   *slog.Logger
	met   *metrics.Metrics
	comp  composer
	send  func(ctx context.Context, to string, msg []byte) error
	queue chan *job

	// ctx is the worker's: cancelled when Close's deadline passes, which
	// aborts the delivery under way and turns the rest into failures.
	ctx        context.Context
	cancel     context.CancelFunc
	closing    chan struct{}
	workerDone chan struct{}

	mu        sync.Mutex
	closed    bool
	retrying  map[*job]clock.Timer
	reminders *reminderLoop

	shutdownFailures atomic.Int64 // messages given up for shutdown
}

// job is one message to one recipient.
type job struct {
	kind     string
	personID string // for logs, with name
	name     string
	to       string // the envelope recipient
	msg      []byte
	attempts int
	// done, if set, is called once when the job ends: sent or given up.
	done func(sent bool)
}

var _ control.Notifier = (*Mailer)(nil)

// New checks cfg and starts the Mailer's worker.
func New(cfg Config, opt Options) (*Mailer, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	if opt.Clock == nil {
		opt.Clock = clock.Real{}
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Metrics == nil {
		opt.Metrics = metrics.New()
	}
	m := &Mailer{
		s: s, clk: opt.Clock, log: opt.Log, met: opt.Metrics,
		comp:       composer{s: s, now: func() time.Time { return opt.Clock.Now() }, html: newLetterTemplate()},
		send:       newTransport(s).send,
		queue:      make(chan *job, s.QueueSize),
		closing:    make(chan struct{}),
		workerDone: make(chan struct{}),
		retrying:   map[*job]clock.Timer{},
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	go m.work()
	return m, nil
}

// Invite implements control.Notifier.
func (m *Mailer) Invite(_ context.Context, n control.InviteNotice) {
	m.submit(KindInvitation, n.To, func() (message, error) { return m.comp.invite(n) }, nil)
}

// MeetingMoved implements control.Notifier.
func (m *Mailer) MeetingMoved(_ context.Context, n control.MeetingNotice) {
	m.submit(KindMoved, n.To, func() (message, error) { return m.comp.moved(n) }, nil)
}

// MeetingCancelled implements control.Notifier.
func (m *Mailer) MeetingCancelled(_ context.Context, n control.MeetingNotice) {
	m.submit(KindCancelled, n.To, func() (message, error) { return m.comp.cancelled(n) }, nil)
}

// submit composes a message and queues it.
func (m *Mailer) submit(kind string, to control.Recipient, compose func() (message, error), done func(bool)) {
	j := &job{kind: kind, personID: to.PersonID, name: to.Name, to: to.Email, done: done}
	msg, err := compose()
	if err == nil {
		j.msg, err = msg.bytes()
	}
	if err != nil {
		m.fail(j, metrics.MailCompose, err)
		return
	}
	m.enqueue(j)
}

// enqueue puts j in the queue without waiting: a full queue or a closed
// Mailer drops it.
func (m *Mailer) enqueue(j *job) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		m.fail(j, metrics.MailShutdown, errors.New("the mailer is closed"))
		return
	}
	select {
	case m.queue <- j:
		m.met.MailQueued.Inc()
	default:
		m.fail(j, metrics.MailQueueFull, fmt.Errorf("the queue holds its %d messages", cap(m.queue)))
	}
}

func (m *Mailer) work() {
	defer close(m.workerDone)
	for {
		select {
		case j := <-m.queue:
			m.attempt(j)
		case <-m.closing:
			for {
				select {
				case j := <-m.queue:
					m.attempt(j)
				default:
					return
				}
			}
		}
	}
}

// attempt tries to deliver j once and decides what follows.
func (m *Mailer) attempt(j *job) {
	m.met.MailQueued.Dec()
	j.attempts++
	ctx, cancel := context.WithTimeout(m.ctx, m.s.SendTimeout)
	err := m.send(ctx, j.to, j.msg)
	cancel()
	if err == nil {
		m.met.MailSent.WithLabelValues(j.kind).Inc()
		m.log.Debug("mail sent", "kind", j.kind, "person", j.personID, "attempts", j.attempts)
		if j.done != nil {
			j.done(true)
		}
		return
	}
	switch {
	case permanent(err):
		m.fail(j, metrics.MailRefused, err)
	case m.ctx.Err() != nil:
		m.fail(j, metrics.MailShutdown, err)
	case j.attempts >= m.s.Attempts:
		m.fail(j, metrics.MailUnreachable, err)
	default:
		m.retry(j, err)
	}
}

// retry queues j again after its backoff, unless the Mailer is closing.
func (m *Mailer) retry(j *job, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		m.fail(j, metrics.MailShutdown, err)
		return
	}
	wait := m.s.RetryAfter
	for range j.attempts - 1 {
		wait *= 4
	}
	m.retrying[j] = m.clk.AfterFunc(wait, func() {
		m.mu.Lock()
		_, pending := m.retrying[j]
		delete(m.retrying, j)
		m.mu.Unlock()
		if pending {
			m.enqueue(j)
		}
	})
	// Counted once the timer is set, so that whoever sees the count can
	// rely on the retry being scheduled.
	m.met.MailRetries.WithLabelValues(j.kind).Inc()
	m.log.Info("mail delivery failed; will retry", "kind", j.kind, "person", j.personID, "name", j.name,
		"attempts", j.attempts, "retry_in", wait, "error", logError(err))
}

// fail gives j up: counted, logged (without the address and the link)
// and its done called.
func (m *Mailer) fail(j *job, reason string, err error) {
	m.met.MailFailed.WithLabelValues(j.kind, reason).Inc()
	if reason == metrics.MailShutdown {
		m.shutdownFailures.Add(1)
	}
	m.log.Warn("mail not sent", "kind", j.kind, "person", j.personID, "name", j.name,
		"attempts", j.attempts, "reason", reason, "error", logError(err))
	if j.done != nil {
		j.done(false)
	}
}

// Close stops the reminders and new mail, abandons the retries waiting
// for their backoff, and sends what is queued until ctx ends; then it
// aborts the delivery under way and gives up the rest. It returns an
// error saying how many messages were given up, nil when none were.
// Calling it again does nothing.
func (m *Mailer) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	r := m.reminders
	m.mu.Unlock()
	if r != nil {
		r.stop()
	}
	before := m.shutdownFailures.Load()
	m.mu.Lock()
	m.closed = true
	var abandoned []*job
	for j, t := range m.retrying {
		if t.Stop() {
			abandoned = append(abandoned, j)
		}
	}
	clear(m.retrying)
	m.mu.Unlock()
	for _, j := range abandoned {
		m.fail(j, metrics.MailShutdown, errors.New("stopped while waiting to retry"))
	}
	close(m.closing)
	select {
	case <-m.workerDone:
	case <-ctx.Done():
		m.cancel()
		<-m.workerDone
	}
	m.cancel()
	if n := m.shutdownFailures.Load() - before; n > 0 {
		return fmt.Errorf("smtp: %d messages given up at shutdown", n)
	}
	return nil
}
