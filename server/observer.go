package server

import (
	"context"
	"sync/atomic"
	"time"

	"piiri/control"
	"piiri/metrics"
)

// meetingObserver is control's Observer: every change of a meeting goes to
// the recordings service (who is recorded), to the people in its room
// (through signalling, set once it exists) and is counted in the metrics.
type meetingObserver struct {
	metrics *metrics.Metrics
	room    atomic.Pointer[func(meetingID string, st control.LiveState)]
	// record hands who is recorded to the recordings service.
	record func(meetingID string, st control.LiveState)
}

func (o *meetingObserver) MeetingChanged(meetingID string, st control.LiveState) {
	if o.record != nil {
		o.record(meetingID, st)
	}
	if f := o.room.Load(); f != nil {
		(*f)(meetingID, st)
	}
}

func (o *meetingObserver) Counted(ev control.Event) {
	switch ev.Kind {
	case control.EventStarted:
		o.metrics.MeetingsRunning.Inc()
	case control.EventEnded:
		o.metrics.MeetingsRunning.Dec()
		held := "false"
		if ev.Held {
			held = "true"
		}
		o.metrics.MeetingsEnded.WithLabelValues(held).Inc()
	case control.EventPhase:
		o.metrics.PhaseTransitions.Inc()
	}
}

// emptyMeetingSweep is how often running meetings with nobody in them
// are looked for; control ends each at the exact moment its grace
// period ran out, however late the sweep comes.
const emptyMeetingSweep = 30 * time.Second

// endEmptyMeetings ends, every sweep until ctx ends, the running meetings
// whose room has been empty for the grace period.
func (s *Server) endEmptyMeetings(ctx context.Context) {
	t := time.NewTicker(emptyMeetingSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if ended, err := s.control.EndEmptyMeetings(ctx); err != nil {
				s.log.Warn("end empty meetings", "err", err)
			} else if len(ended) > 0 {
				s.log.Info("meetings ended by themselves: their rooms stayed empty", "count", len(ended))
			}
		}
	}
}
