package api

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"piiri/control"
	"piiri/ical"
)

// The calendar feeds. Each personal link has a feed of its group's
// meetings, /cal/TOKEN.ics, that calendar programs subscribe to, and a
// one-event file per meeting, /cal/TOKEN/MEETING.ics, for adding one
// meeting at once (subscribed feeds refresh only every few hours). The
// token is in the URL because calendar programs send no headers; the
// request log shows only the route pattern. A link that does not work
// answers 404, so the subscription stops showing the group.

// feedRefresh is what the feed asks subscribers to keep to.
const feedRefresh = time.Hour

// feedOf resolves a feed's token to the person, their group and its
// programme.
func (a *API) feedOf(c *call, token string) (control.GroupView, control.ProgrammeView, control.Person, error) {
	var gv control.GroupView
	var pv control.ProgrammeView
	p, err := a.token(c.r, token)
	if err != nil {
		return gv, pv, control.Person{}, err
	}
	if p.IsAdmin() {
		return gv, pv, control.Person{}, control.ErrNotFound
	}
	c.p = p
	groups, err := a.svc.Groups(c.ctx, p)
	if err != nil {
		return gv, pv, control.Person{}, err
	}
	if len(groups) != 1 {
		return gv, pv, control.Person{}, control.ErrNotFound
	}
	if gv, err = a.svc.Group(c.ctx, p, groups[0].ID); err != nil {
		return gv, pv, control.Person{}, err
	}
	if pv, err = a.svc.Programme(c.ctx, p, groups[0].ID); err != nil {
		return gv, pv, control.Person{}, err
	}
	var self control.Person
	for _, person := range gv.People {
		if person.ID == gv.YourID {
			self = person
		}
	}
	return gv, pv, self, nil
}

func (a *API) feed(c *call) (written, error) {
	token, ok := strings.CutSuffix(c.pathValue("file"), ".ics")
	if !ok {
		return written{}, control.ErrNotFound
	}
	gv, pv, self, err := a.feedOf(c, token)
	if err != nil {
		return written{}, err
	}
	info := a.eventInfo(c, gv, self, token)
	cal := ical.Calendar{Name: gv.Group.Name, Refresh: feedRefresh}
	for _, mv := range pv.Meetings {
		e, err := ical.MeetingEvent(mv, info)
		if err != nil {
			return written{}, err
		}
		cal.Events = append(cal.Events, e)
	}
	return writeICS(c, cal, "")
}

func (a *API) meetingFile(c *call) (written, error) {
	mid, ok := strings.CutSuffix(c.pathValue("file"), ".ics")
	if !ok {
		return written{}, control.ErrNotFound
	}
	token := c.pathValue("token")
	gv, pv, self, err := a.feedOf(c, token)
	if err != nil {
		return written{}, err
	}
	for _, mv := range pv.Meetings {
		if mv.Meeting.ID != mid {
			continue
		}
		e, err := ical.MeetingEvent(mv, a.eventInfo(c, gv, self, token))
		if err != nil {
			return written{}, err
		}
		name := "meeting"
		if mv.Number > 0 {
			name = fmt.Sprintf("meeting-%d", mv.Number)
		}
		return writeICS(c, ical.Calendar{Name: gv.Group.Name, Events: []ical.Event{e}}, fileName(gv.Group.Name)+"-"+name+".ics")
	}
	return written{}, fmt.Errorf("meeting %s: %w", mid, control.ErrNotFound)
}

func (a *API) eventInfo(c *call, gv control.GroupView, self control.Person, token string) ical.MeetingInfo {
	lang := self.Language
	if lang == "" {
		lang = gv.Group.Language
	}
	return ical.MeetingInfo{GroupName: gv.Group.Name, Language: lang, Host: a.host(), RoomURL: a.roomURL(token), Stamp: c.now}
}

// writeICS answers with a calendar; a download name makes it an
// attachment.
func writeICS(c *call, cal ical.Calendar, download string) (written, error) {
	b, err := cal.Marshal()
	if err != nil {
		return written{}, err
	}
	h := c.w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	// Calendar programs poll; a cache in between must not serve one
	// person's feed to another.
	h.Set("Cache-Control", "private, max-age=300")
	if download != "" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": download}))
	}
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(b)
	return written{}, nil
}
