package notify

import (
	"context"
	"sync"
	"time"

	"piiri/control"
	"piiri/internal/clock"
)

// ReminderSource is what the reminder loop needs of control (a
// *control.Service): the reminders due now, and a way to record one as
// sent so that it is not sent again, even after a restart.
type ReminderSource interface {
	DueReminders(ctx context.Context, now time.Time) ([]control.ReminderNotice, error)
	MarkReminded(ctx context.Context, meetingID, personID string, forStart time.Time) error
}

// StartReminders starts the day-before reminders from src: a check now and
// then every ReminderCheck on the Mailer's clock. A reminder is marked sent
// only once the relay accepted it; one still queued or waiting to retry is
// not asked for again; one given up is asked for again at the next check,
// until the meeting starts. Close stops it. Calling it twice does nothing.
func (m *Mailer) StartReminders(src ReminderSource) {
	m.mu.Lock()
	if m.closed || m.reminders != nil {
		m.mu.Unlock()
		return
	}
	r := &reminderLoop{m: m, src: src, inflight: map[reminderKey]bool{}}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	m.reminders = r
	m.mu.Unlock()
	r.tick()
}

type reminderKey struct {
	meeting, person string
	start           time.Time
}

// reminderLoop checks on a chain of clock timers: each check arms the
// next, so a fake clock moved by days runs every check on the way, each at
// its own time, as the real clock would.
type reminderLoop struct {
	m      *Mailer
	src    ReminderSource
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // held through a check; stop waits for it
	stopped bool
	timer   clock.Timer

	imu      sync.Mutex
	inflight map[reminderKey]bool
}

func (r *reminderLoop) tick() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	r.check()
	r.timer = r.m.clk.AfterFunc(r.m.s.ReminderCheck, r.tick)
}

func (r *reminderLoop) stop() {
	r.cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	if r.timer != nil {
		r.timer.Stop()
	}
}

func (r *reminderLoop) check() {
	due, err := r.src.DueReminders(r.ctx, r.m.clk.Now())
	if err != nil {
		if r.ctx.Err() == nil {
			r.m.log.Warn("reminders: cannot list the due ones", "error", err)
		}
		return
	}
	for _, n := range due {
		key := reminderKey{n.Meeting.Meeting.ID, n.To.PersonID, n.Meeting.Meeting.Start}
		r.imu.Lock()
		busy := r.inflight[key]
		r.inflight[key] = true
		r.imu.Unlock()
		if busy {
			continue
		}
		r.m.submit(KindReminder, n.To, func() (message, error) { return r.m.comp.reminder(n) }, func(sent bool) { r.done(key, sent) })
	}
}

// done ends a reminder's flight. A sent one is marked first, and its key
// let go only between checks (under mu): a check that listed it before
// the mark committed still finds it in flight, and the next check no
// longer lists it. An unsent one (which may end inside a check, when the
// queue refuses it) is simply let go, to be listed again.
func (r *reminderLoop) done(key reminderKey, sent bool) {
	if sent {
		// Not r.ctx: a reminder sent while Close drains the queue must
		// still be marked.
		if err := r.src.MarkReminded(context.Background(), key.meeting, key.person, key.start); err != nil {
			r.m.log.Warn("reminders: sent but not marked; it may be sent again", "person", key.person, "meeting", key.meeting, "error", err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
	}
	r.imu.Lock()
	delete(r.inflight, key)
	r.imu.Unlock()
}
