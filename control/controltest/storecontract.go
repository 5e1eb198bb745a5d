package controltest

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"piiri/control"
)

// RunStore checks that a Store keeps control's contract: not-found errors,
// round trips of every kind of record, lists by group, the link index,
// rollback on error with the error passed through, reads of one's own
// writes, read-only views, and copies, not shared values.
func RunStore(t *testing.T, open Open) {
	at := time.Date(2026, 5, 4, 13, 30, 15, 123456789, time.UTC)
	group := control.Group{
		ID: "g1", Name: "Ryhmä ÅÄÖ", Language: control.Swedish, TimeZone: "Europe/Helsinki",
		MinMembers: 4, MaxMembers: 11, Quorum: 3, PlannedMeetings: 8, Cadence: control.Cadence{Months: 1},
		MeetingDuration: 90 * time.Minute, MinHeld: 20 * time.Minute,
		Phases:     []control.Phase{{Name: control.LocalText{control.Finnish: "Avaus"}, Timebox: 2 * time.Minute, Round: true, Kind: control.PhaseClosing}},
		RoundOrder: control.RoundAlphabetical,
		Agreement:  control.Agreement{Text: "rules\nmore", Version: 3, Changed: at},
		Themes:     []control.ThemeProposal{{ID: "t1", Text: "Työkuorma", By: "p1", Proposed: at, ChosenFor: "m1"}},
		Created:    at, Updated: at,
	}
	person := control.Person{ID: "p1", GroupID: "g1", Name: "Aino", Organisation: "Espoo", Email: "a@example.fi", Language: control.Finnish,
		Role: control.RoleMember, Accepted: []control.Acceptance{{Version: 3, Accepted: at}}, Added: at}
	meeting := control.Meeting{ID: "m1", GroupID: "g1", UID: "u1", Sequence: 2, Start: at, TimeZone: "Europe/Helsinki", Duration: time.Hour,
		Theme: "x", State: control.StateEnded, Chair: "p1",
		RSVPs:      map[string]control.RSVP{"p1": {Answer: control.Coming, ForStart: at, At: at}},
		Attendance: map[string][]control.Interval{"p1": {{From: at, To: at.Add(time.Hour)}, {From: at.Add(2 * time.Hour)}}},
		Poll:       &control.TimePoll{Options: []control.PollOption{{Start: at, Suits: []string{"p1"}}, {Start: at.Add(time.Hour)}}, Proposed: at, Picked: -1},
		Moves:      []control.Move{{From: at, To: at.Add(time.Hour), Moved: at, By: "p1"}},
		Result:     &control.HeldResult{Held: true, Quorum: 3, MinHeld: 30 * time.Minute, Longest: time.Hour, MostTogether: 4, Decided: at},
		Live: &control.Live{Version: 7, Phase: 2, PhaseStarted: at, Extended: 3 * time.Minute,
			Rounds: map[int]*control.Round{0: {Turns: []control.Turn{
				{PersonID: "p1", Status: control.TurnDone, Started: at, Ended: at.Add(time.Minute)},
				{PersonID: "p2", Status: control.TurnSkipped, Away: true, Ended: at},
				{PersonID: "p1", Status: control.TurnCurrent, Extra: true, Started: at}}}},
			History: []control.PhaseSpan{{Phase: 0, Name: control.LocalText{control.Finnish: "Avaus"}, From: at, To: at.Add(time.Minute)}, {Phase: 2, From: at}}},
		Task:     &control.Task{Text: "Tehtävä\nrivi", Set: at, By: "p1", Notes: map[string]control.TaskNote{"p1": {Done: true, Note: "ok", Shared: true, Updated: at}, "p2": {Updated: at}}},
		Feedback: &control.Feedback{Answered: []string{"p1", "p2"}, Answers: []control.FeedbackAnswer{{Score: 2}, {Score: 5, Comment: "hyvä"}}},
		Created:  at, Opened: at, Started: at, Ended: at,
	}
	tmpl := control.Template{ID: "tp", Name: control.LocalText{control.English: "T"}, MinMembers: 1, MaxMembers: 2, Meetings: 3, Duration: time.Hour, Phases: group.Phases}
	link := control.Link{PersonID: "p1", Token: "token-aaaaaaaaaaaaaaaaaaaaaaaa", Issued: at}

	put := func(t *testing.T, st control.Store) {
		t.Helper()
		must(t, st.Update(func(tx control.Tx) error {
			return errors.Join(tx.PutGroup(group), tx.PutPerson(person), tx.PutMeeting(meeting), tx.PutTemplate(tmpl), tx.PutLink(link), tx.PutAdminLink(link))
		}))
	}
	t.Run("NotFound", func(t *testing.T) {
		st := open(t)
		must(t, st.View(func(tx control.Tx) error {
			_, e1 := tx.Group("x")
			_, e2 := tx.Person("x")
			_, e3 := tx.Meeting("x")
			_, e4 := tx.Link("x")
			_, e5 := tx.LinkByHash(control.HashToken("x"))
			_, e6 := tx.AdminLink()
			_, e7 := tx.Template("x")
			for i, err := range []error{e1, e2, e3, e4, e5, e6, e7} {
				if !errors.Is(err, control.ErrNotFound) {
					t.Errorf("getter %d: %v, want ErrNotFound", i+1, err)
				}
			}
			gs, err := tx.Groups()
			ps, err2 := tx.People("x")
			ms, err3 := tx.Meetings("x")
			if len(gs)+len(ps)+len(ms) != 0 || errors.Join(err, err2, err3) != nil {
				t.Errorf("lists of an empty store: %v %v %v %v", gs, ps, ms, errors.Join(err, err2, err3))
			}
			return nil
		}))
	})
	t.Run("RoundTrip", func(t *testing.T) {
		st := open(t)
		put(t, st)
		must(t, st.View(func(tx control.Tx) error {
			g, _ := tx.Group("g1")
			p, _ := tx.Person("p1")
			m, _ := tx.Meeting("m1")
			tp, _ := tx.Template("tp")
			l, _ := tx.Link("p1")
			al, _ := tx.AdminLink()
			lh, _ := tx.LinkByHash(link.Hash())
			for _, c := range []struct {
				name      string
				got, want any
			}{{"group", g, group}, {"person", p, person}, {"meeting", m, meeting}, {"template", tp, tmpl}, {"link", l, link}, {"admin link", al, link}, {"link by hash", lh, link}} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s:\n got %+v\nwant %+v", c.name, c.got, c.want)
				}
			}
			return nil
		}))
	})
	t.Run("ListsByGroup", func(t *testing.T) {
		st := open(t)
		must(t, st.Update(func(tx control.Tx) error {
			for _, p := range []control.Person{{ID: "a", GroupID: "g1"}, {ID: "b", GroupID: "g2"}, {ID: "c", GroupID: "g1"}} {
				if err := tx.PutPerson(p); err != nil {
					return err
				}
			}
			for _, m := range []control.Meeting{{ID: "m1", GroupID: "g2"}, {ID: "m2", GroupID: "g2"}} {
				if err := tx.PutMeeting(m); err != nil {
					return err
				}
			}
			return errors.Join(tx.PutGroup(control.Group{ID: "g1"}), tx.PutGroup(control.Group{ID: "g2"}))
		}))
		must(t, st.View(func(tx control.Tx) error {
			p1, _ := tx.People("g1")
			m2, _ := tx.Meetings("g2")
			m1, _ := tx.Meetings("g1")
			gs, _ := tx.Groups()
			sortBy(p1, func(p control.Person) string { return p.ID })
			if len(p1) != 2 || p1[0].ID != "a" || p1[1].ID != "c" || len(m2) != 2 || len(m1) != 0 || len(gs) != 2 {
				t.Errorf("people of g1 %v, meetings of g2 %d and g1 %d, groups %d", p1, len(m2), len(m1), len(gs))
			}
			return nil
		}))
	})
	t.Run("Links", func(t *testing.T) {
		st := open(t)
		put(t, st)
		newer := control.Link{PersonID: "p1", Token: "token-bbbbbbbbbbbbbbbbbbbbbbbb", Issued: at}
		must(t, st.Update(func(tx control.Tx) error { return tx.PutLink(newer) }))
		must(t, st.View(func(tx control.Tx) error {
			if _, err := tx.LinkByHash(link.Hash()); !errors.Is(err, control.ErrNotFound) {
				t.Errorf("the replaced token still resolves: %v", err)
			}
			if l, err := tx.LinkByHash(newer.Hash()); err != nil || l != newer {
				t.Errorf("the new token: %+v %v", l, err)
			}
			return nil
		}))
		must(t, st.Update(func(tx control.Tx) error { return errors.Join(tx.DeleteLink("p1"), tx.DeleteLink("nobody")) }))
		must(t, st.View(func(tx control.Tx) error {
			_, e1 := tx.Link("p1")
			_, e2 := tx.LinkByHash(newer.Hash())
			if !errors.Is(e1, control.ErrNotFound) || !errors.Is(e2, control.ErrNotFound) {
				t.Errorf("after delete: %v, %v", e1, e2)
			}
			return nil
		}))
	})
	t.Run("Rollback", func(t *testing.T) {
		st := open(t)
		err := st.Update(func(tx control.Tx) error {
			must(t, tx.PutGroup(group))
			must(t, tx.PutLink(link))
			if _, err := tx.Group("g1"); err != nil {
				t.Errorf("a transaction does not read its own write: %v", err)
			}
			if _, err := tx.LinkByHash(link.Hash()); err != nil {
				t.Errorf("a transaction does not read its own link: %v", err)
			}
			return control.ErrGroupFull
		})
		if err != control.ErrGroupFull {
			t.Errorf("Update returned %v, want fn's error itself", err)
		}
		must(t, st.View(func(tx control.Tx) error {
			if _, err := tx.Group("g1"); !errors.Is(err, control.ErrNotFound) {
				t.Errorf("a rolled-back write is visible: %v", err)
			}
			if _, err := tx.LinkByHash(link.Hash()); !errors.Is(err, control.ErrNotFound) {
				t.Errorf("a rolled-back link resolves: %v", err)
			}
			return nil
		}))
	})
	t.Run("Speech", func(t *testing.T) {
		st := open(t)
		a := control.Speech{PersonID: "p1", Start: at, End: at.Add(3 * time.Second)}
		b := control.Speech{PersonID: "p2", Start: at.Add(time.Second), End: at.Add(2 * time.Second)}
		c := control.Speech{PersonID: "p1", Start: at.Add(5 * time.Second), End: at.Add(9 * time.Second)}
		must(t, st.Update(func(tx control.Tx) error {
			for _, s := range []control.Speech{a, b, c} {
				must(t, tx.AppendSpeech("m1", s))
			}
			return tx.AppendSpeech("m2", b)
		}))
		// A rolled-back append leaves nothing.
		_ = st.Update(func(tx control.Tx) error {
			must(t, tx.AppendSpeech("m1", b))
			return control.ErrConflict
		})
		read := func(id string) []control.Speech {
			var out []control.Speech
			must(t, st.View(func(tx control.Tx) (err error) { out, err = tx.Speech(id); return err }))
			return out
		}
		if got := read("m1"); !reflect.DeepEqual(got, []control.Speech{a, b, c}) {
			t.Errorf("speech of m1 in append order: %+v", got)
		}
		if got := read("m9"); len(got) != 0 {
			t.Errorf("speech of a meeting with none: %+v", got)
		}
		must(t, st.Update(func(tx control.Tx) error { return tx.EraseSpeech("m1", "p1") }))
		if got := read("m1"); !reflect.DeepEqual(got, []control.Speech{b}) {
			t.Errorf("after erasing p1: %+v", got)
		}
		if got := read("m2"); !reflect.DeepEqual(got, []control.Speech{b}) {
			t.Errorf("erasing in m1 touched m2: %+v", got)
		}
	})
	t.Run("ViewIsReadOnly", func(t *testing.T) {
		st := open(t)
		_ = st.View(func(tx control.Tx) error {
			for i, err := range []error{tx.PutGroup(group), tx.PutPerson(person), tx.PutMeeting(meeting), tx.PutLink(link), tx.PutTemplate(tmpl), tx.PutAdminLink(link), tx.DeleteLink("p1")} {
				if err == nil {
					t.Errorf("writer %d succeeded in a view", i+1)
				}
			}
			return nil
		})
	})
	t.Run("Copies", func(t *testing.T) {
		st := open(t)
		put(t, st)
		must(t, st.View(func(tx control.Tx) error {
			m, _ := tx.Meeting("m1")
			m.RSVPs["p9"] = control.RSVP{Answer: control.Maybe}
			m.Attendance["p1"][0].From = time.Time{}
			again, _ := tx.Meeting("m1")
			if !reflect.DeepEqual(again, meeting) {
				t.Error("changing a returned meeting changed the stored one")
			}
			return nil
		}))
	})
	t.Run("ConcurrentViews", func(t *testing.T) {
		st := open(t)
		put(t, st)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				for range 20 {
					if i == 0 {
						_ = st.Update(func(tx control.Tx) error { return tx.PutGroup(group) })
						continue
					}
					_ = st.View(func(tx control.Tx) error {
						if _, err := tx.Group("g1"); err != nil {
							t.Errorf("view during updates: %v", err)
						}
						return nil
					})
				}
			})
		}
		wg.Wait()
	})
}
