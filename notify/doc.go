// Package notify owns piiri's e-mail: it composes the messages people get
// from their group (an invitation with the personal link, a notice when a
// meeting moves or is cancelled, a reminder the day before with their
// RSVP and the quorum forecast), in each person's language (fi, sv, en),
// as plain text with an HTML alternative and, where a calendar should
// change, the meeting's .ics attached; and it sends them through the
// configured SMTP relay.
//
// A Mailer implements control.Notifier: control hands it notices after a
// change committed and it queues them (bounded) for one worker that sends
// with timeouts and retries temporary failures with backoff, counting
// sent and failed mail in metrics. The facilitator's operation never
// waits for the relay. The reminder loop asks control for due reminders
// on the injected clock and marks each one sent once the relay accepted
// it, so a restart neither repeats nor skips one.
//
// Logs carry no addresses and never a link: a recipient appears as their
// person ID and, under the key "name", their display name.
package notify
