package notify

import (
	"fmt"
	"html/template"
	"net/mail"
	"time"

	"piiri/control"
	"piiri/ical"
	"piiri/metrics"
)

// The kinds of message, the "kind" label of the mail metrics.
const (
	KindInvitation = metrics.MailInvitation
	KindReminder   = metrics.MailReminder
	KindMoved      = metrics.MailMoved
	KindCancelled  = metrics.MailCancelled
)

// composer turns notices into messages.
type composer struct {
	s    settings
	now  func() time.Time
	html *template.Template // newLetterTemplate
}

func (c composer) base(to control.Recipient, g control.GroupInfo, subject string) (message, letter) {
	t := textsFor(to.Language)
	footer := []string{fmt.Sprintf(t.footer, g.Name)}
	if g.Organisation != "" {
		footer = append(footer, t.organiser+": "+g.Organisation)
	}
	m := message{
		From: c.s.from, ReplyTo: c.s.replyTo, To: &mail.Address{Name: to.Name, Address: to.Email},
		Subject: subject, Date: c.now(), MessageID: newMessageID(c.s.host), Language: string(to.Language),
	}
	l := letter{Lang: string(to.Language), Subject: subject, Greeting: fmt.Sprintf(t.hello, to.Name), Footer: footer}
	return m, l
}

// finish renders the letter into the message and attaches the meeting's
// calendar file when mv is given.
func (c composer) finish(m message, l letter, to control.Recipient, g control.GroupInfo, mv *control.MeetingView) (message, error) {
	var err error
	m.Text = l.text()
	if m.HTML, err = l.html(c.html); err != nil {
		return m, err
	}
	if mv == nil {
		return m, nil
	}
	m.Calendar, err = c.calendar(to, g, *mv)
	return m, err
}

// calendar is the meeting's one-event .ics, the same event the person's
// feed serves (same UID, SEQUENCE and room link), so a calendar that has
// both shows one meeting. METHOD is PUBLISH, not REQUEST: an iTIP
// request needs an ORGANIZER and ATTENDEEs and makes mail programs offer
// accept/decline buttons whose replies go to the organiser's address,
// which piiri does not read (answers are given on the group page). A
// published event with a raised SEQUENCE updates the copy already in
// the calendar, and STATUS:CANCELLED marks it cancelled.
func (c composer) calendar(to control.Recipient, g control.GroupInfo, mv control.MeetingView) (*calendarPart, error) {
	info := ical.MeetingInfo{GroupName: g.Name, Language: to.Language, Host: c.s.host, Stamp: c.now()}
	if to.Token != "" {
		info.RoomURL = c.s.roomURL(to.Token)
	}
	e, err := ical.MeetingEvent(mv, info)
	if err != nil {
		return nil, err
	}
	b, err := ical.Calendar{Method: ical.MethodPublish, Name: g.Name, Events: []ical.Event{e}}.Marshal()
	if err != nil {
		return nil, err
	}
	name := map[control.Language]string{control.Finnish: "tapaaminen.ics", control.Swedish: "traff.ics"}[to.Language]
	if name == "" {
		name = "meeting.ics"
	}
	return &calendarPart{Method: string(ical.MethodPublish), FileName: name, Data: b}, nil
}

// meetingLines are the number, time and theme of a meeting.
// extra lines follow the time.
func meetingLines(t texts, l control.Language, mv control.MeetingView, timeLabel string, extra ...string) []string {
	m := mv.Meeting
	var lines []string
	if mv.Number > 0 && mv.Of > 0 {
		lines = append(lines, fmt.Sprintf(t.number, mv.Number, mv.Of))
	}
	lines = append(lines, timeLabel+": "+when(l, m.Start, m.Duration, m.TimeZone))
	lines = append(lines, extra...)
	if m.Theme != "" {
		lines = append(lines, t.theme+": "+m.Theme)
	}
	return lines
}

func (c composer) invite(n control.InviteNotice) (message, error) {
	t := textsFor(n.To.Language)
	subject := fmt.Sprintf(t.inviteSubject, n.Group.Name)
	intro := fmt.Sprintf(t.invited, n.Group.Name, t.roles[n.To.Role])
	if n.Reissued {
		subject, intro = fmt.Sprintf(t.reissueSubject, n.Group.Name), fmt.Sprintf(t.reissued, n.Group.Name)
	}
	m, l := c.base(n.To, n.Group, subject)
	l.Paras = append(l.Paras, para{Lines: []string{intro}})
	if n.To.Token != "" {
		l.Paras = append(l.Paras, para{Lines: []string{t.yourLink}, Link: c.s.roomURL(n.To.Token)})
	}
	if n.Next == nil {
		l.Paras = append(l.Paras, para{Lines: []string{t.noMeeting}})
	} else {
		l.Paras = append(l.Paras,
			para{Lines: append([]string{t.next + ":"}, meetingLines(t, n.To.Language, *n.Next, t.time)...)},
			para{Lines: []string{t.attached}})
	}
	if n.To.Token != "" {
		l.Paras = append(l.Paras, para{Lines: []string{t.subscribe}, Link: c.s.feedURL(n.To.Token)})
	}
	return c.finish(m, l, n.To, n.Group, n.Next)
}

func (c composer) reminder(n control.ReminderNotice) (message, error) {
	t := textsFor(n.To.Language)
	mt := n.Meeting.Meeting
	m, l := c.base(n.To, n.Group, fmt.Sprintf(t.reminderSubject, n.Group.Name, shortWhen(n.To.Language, mt.Start, mt.TimeZone)))
	answer := t.noAnswer
	switch {
	case n.Stale:
		answer = t.staleAnswer
	case n.Answer != "":
		answer = fmt.Sprintf(t.yourAnswer, t.answers[n.Answer])
	}
	f := n.Meeting.Forecast
	forecast := fmt.Sprintf(t.reached, f.Coming, f.Quorum)
	if !f.Reached {
		forecast = fmt.Sprintf(t.needed, f.Coming, f.Needed, f.Quorum)
	}
	l.Paras = append(l.Paras,
		para{Lines: []string{fmt.Sprintf(t.reminderIntro, n.Group.Name)}},
		para{Lines: meetingLines(t, n.To.Language, n.Meeting, t.time)},
		para{Lines: []string{answer, forecast}})
	if n.To.Token != "" {
		l.Paras = append(l.Paras, para{Lines: []string{t.answerHere}, Link: c.s.roomURL(n.To.Token)}, para{Lines: []string{t.sameLink}})
	}
	return c.finish(m, l, n.To, n.Group, nil)
}

func (c composer) moved(n control.MeetingNotice) (message, error) {
	t := textsFor(n.To.Language)
	mt := n.Meeting.Meeting
	lang := n.To.Language
	m, l := c.base(n.To, n.Group, fmt.Sprintf(t.movedSubject, n.Group.Name, shortWhen(lang, mt.Start, mt.TimeZone)))
	oldZone := n.OldTimeZone
	if oldZone == "" {
		oldZone = mt.TimeZone
	}
	lines := meetingLines(t, lang, n.Meeting, t.newTime, t.oldTime+": "+when(lang, n.OldStart, mt.Duration, oldZone))
	l.Paras = append(l.Paras, para{Lines: []string{fmt.Sprintf(t.movedIntro, n.Group.Name)}}, para{Lines: lines})
	if n.To.Token != "" {
		l.Paras = append(l.Paras, para{Lines: []string{t.answerAgain}, Link: c.s.roomURL(n.To.Token)})
	}
	l.Paras = append(l.Paras, para{Lines: []string{t.attachedMoved}})
	return c.finish(m, l, n.To, n.Group, &n.Meeting)
}

func (c composer) cancelled(n control.MeetingNotice) (message, error) {
	t := textsFor(n.To.Language)
	mt := n.Meeting.Meeting
	lang := n.To.Language
	m, l := c.base(n.To, n.Group, fmt.Sprintf(t.cancelledSubject, n.Group.Name, shortWhen(lang, mt.Start, mt.TimeZone)))
	l.Paras = append(l.Paras,
		para{Lines: []string{fmt.Sprintf(t.cancelledIntro, n.Group.Name)}},
		para{Lines: meetingLines(t, lang, n.Meeting, t.time)},
		para{Lines: []string{t.attachedCancelled}})
	if n.To.Token != "" {
		l.Paras = append(l.Paras, para{Lines: []string{t.otherMeetings}, Link: c.s.roomURL(n.To.Token)})
	}
	return c.finish(m, l, n.To, n.Group, &n.Meeting)
}
