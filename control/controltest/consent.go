package controltest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"piiri/control"
)

// testConsent: the recording rule in strict and per-person mode, step by
// step (people joining late, consenting, withdrawing while recording,
// leaving; observers and facilitators consent like everyone), what every
// client is told, and the consent log.
func testConsent(t *testing.T, open Open) {
	// Each step is "verb who [args]"; after it, want is the recording as
	// the live state shows it: "off" (not requested), "paused w:m1,o"
	// (requested, waiting for those) or "on r:f,m0" (written: those), and
	// err, the typed error the step must fail with.
	type step struct {
		do   string
		want string
		err  error
	}
	cases := []struct {
		name  string
		mode  control.ConsentMode
		steps []step
	}{
		{"strict: everyone present must consent", control.ConsentStrict, []step{
			{do: "join f", want: "off"},
			{do: "join m0", want: "off"},
			{do: "rec-start", want: "off", err: control.ErrConsentMissing},
			{do: "consent f rec", want: "off"},
			{do: "rec-start", want: "off", err: control.ErrConsentMissing},
			{do: "consent m0 rec", want: "off"},
			{do: "rec-start", want: "on r:f,m0"},
			// A late joiner who has not consented pauses it for everyone.
			{do: "join m1", want: "paused w:m1"},
			{do: "consent m1 stats", want: "paused w:m1"}, // statistics only is not recording
			{do: "consent m1 rec", want: "on r:f,m0,m1"},
			// Observers consent like everyone else.
			{do: "join o", want: "paused w:o"},
			{do: "leave o", want: "on r:f,m0,m1"},
			// A withdrawal while recording pauses it at once.
			{do: "withdraw m0", want: "paused w:m0"},
			{do: "leave m0", want: "on r:f,m1"},
			{do: "rec-stop", want: "off"},
			{do: "rec-stop", want: "off"}, // stopping twice is no error
		}},
		{"per-person: only who consents is written", control.ConsentPerPerson, []step{
			{do: "join f", want: "off"},
			{do: "join m0", want: "off"},
			{do: "rec-start", want: "off", err: control.ErrConsentMissing}, // nobody to write
			{do: "consent m0 rec stats", want: "off"},
			{do: "rec-start", want: "on r:m0"},
			{do: "join m1", want: "on r:m0"},
			{do: "join o", want: "on r:m0"},
			{do: "consent o rec", want: "on r:m0,o"},
			{do: "withdraw m0", want: "on r:o"},
			{do: "leave o", want: "paused"}, // requested, nobody left to write
			{do: "consent m1 rec", want: "on r:m1"},
		}},
		{"the group's mode changes while recording", control.ConsentPerPerson, []step{
			{do: "join f", want: "off"},
			{do: "join m0", want: "off"},
			{do: "consent m0 rec", want: "off"},
			{do: "rec-start", want: "on r:m0"},
			// Strict from now: f has not consented, so it pauses at once.
			{do: "mode strict", want: "paused w:f"},
			{do: "consent f rec", want: "on r:f,m0"},
			{do: "mode per_person", want: "on r:f,m0"},
		}},
		{"the text must be the current one", control.ConsentStrict, []step{
			{do: "join m0", want: "off"},
			{do: "consent-v0 m0 rec", want: "off", err: control.ErrConsentChanged},
			{do: "withdraw-v0 m0", want: "off"}, // a withdrawal needs no new reading
		}},
		{"a member may not start recording", control.ConsentPerPerson, []step{
			{do: "join m1", want: "off"},
			{do: "consent m1 rec", want: "off"},
			{do: "rec-start-by m1", want: "off", err: control.ErrNotFacilitator},
			{do: "rec-start-by m0", want: "on r:m1"}, // the meeting's chair may
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, rec := newLiveFixture(t, open, FixtureOptions{}, false)
			mode := c.mode
			g, err := f.Svc.UpdateGroup(f.Ctx, f.Fac(), f.Group.ID, control.GroupPatch{ConsentMode: &mode})
			must(t, err)
			f.Group = g
			f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()))
			f.Open()
			for i, s := range c.steps {
				f.Clock.Advance(time.Second)
				err := f.consentStep(s.do)
				if s.err != nil {
					if !errors.Is(err, s.err) {
						t.Fatalf("step %d %q: error %v, want %v", i, s.do, err, s.err)
					}
				} else if err != nil {
					t.Fatalf("step %d %q: %v", i, s.do, err)
				}
				st, err := f.Svc.LiveState(f.Ctx, f.Fac(), f.Meeting.ID)
				must(t, err)
				if got := f.recordingString(st.Recording); got != s.want {
					t.Fatalf("step %d %q: recording %q, want %q", i, s.do, got, s.want)
				}
				// What clients are told is the same as what is asked for.
				last, ok := rec.Last(f.Meeting.ID)
				if ok && last.Version == st.Version && f.recordingString(last.Recording) != s.want {
					t.Fatalf("step %d %q: the observer was told %q", i, s.do, f.recordingString(last.Recording))
				}
				// A change of the group's mode is told at once.
				if strings.HasPrefix(s.do, "mode ") && (!ok || last.Version != st.Version) {
					t.Fatalf("step %d %q: the observer was not told (last version %d, state %d)", i, s.do, last.Version, st.Version)
				}
			}
		})
	}

	t.Run("log", func(t *testing.T) {
		f, _ := newLiveFixture(t, open, FixtureOptions{}, false)
		f.Clock.Advance(f.Meeting.Start.Sub(f.Clock.Now()))
		f.Open()
		m0, m1 := f.Members[0], f.Members[1]
		at := f.Clock.Now()
		must(t, err1(f.Svc.SetConsent(f.Ctx, f.As(m0), f.Meeting.ID, control.Consent{Record: true, Stats: true}, 1)))
		f.Clock.Advance(time.Minute)
		v, err := f.Svc.SetConsent(f.Ctx, f.As(m0), f.Meeting.ID, control.Consent{Stats: true}, 1)
		must(t, err)
		if !v.Given || v.Consent != (control.Consent{Stats: true}) || v.Stale || v.Text.Version != 1 || v.Text.Text == "" || v.Mode != control.ConsentStrict {
			t.Errorf("m0's consent after the change: %+v", v)
		}
		must(t, err1(f.Svc.SetConsent(f.Ctx, f.As(m1), f.Meeting.ID, control.Consent{Record: true}, 1)))
		wantErr(t, "the admin consents", err1(f.Svc.SetConsent(f.Ctx, f.Admin(), f.Meeting.ID, control.Consent{Record: true}, 1)), control.ErrForbidden)
		wantErr(t, "someone of another group", err1(f.Svc.SetConsent(f.Ctx, f.As(f.OtherMember), f.Meeting.ID, control.Consent{Record: true}, 1)), control.ErrForbidden)

		full, err := f.Svc.ConsentLog(f.Ctx, f.Fac(), f.Meeting.ID)
		must(t, err)
		want := []control.ConsentEvent{
			{PersonID: m0.ID, At: at, Record: true, Stats: true, TextVersion: 1},
			{PersonID: m0.ID, At: at.Add(time.Minute), Stats: true, TextVersion: 1},
			{PersonID: m1.ID, At: at.Add(time.Minute), Record: true, TextVersion: 1},
		}
		if !slices.EqualFunc(full, want, func(a, b control.ConsentEvent) bool {
			return a.PersonID == b.PersonID && a.At.Equal(b.At) && a.Record == b.Record && a.Stats == b.Stats && a.TextVersion == b.TextVersion
		}) {
			t.Errorf("the facilitator's log:\n%+v\nwant\n%+v", full, want)
		}
		own, err := f.Svc.ConsentLog(f.Ctx, f.As(m1), f.Meeting.ID)
		must(t, err)
		if len(own) != 1 || own[0].PersonID != m1.ID {
			t.Errorf("m1 sees the log %+v, want their own entry only", own)
		}
		// The log survives the meeting, and nothing after it ends adds to it.
		f.enter("m0", "m1")
		must(t, f.liveStep("start"))
		must(t, f.liveStep("end"))
		wantErr(t, "consent after the end", err1(f.Svc.SetConsent(f.Ctx, f.As(m0), f.Meeting.ID, control.Consent{Record: true}, 1)), control.ErrTransition)
		after, err := f.Svc.ConsentLog(f.Ctx, f.Admin(), f.Meeting.ID)
		must(t, err)
		if len(after) != 3 {
			t.Errorf("the log after the meeting has %d entries, want the 3", len(after))
		}
	})
}

// consentStep runs one step of testConsent.
func (f *Fixture) consentStep(step string) error {
	f.T.Helper()
	verb, rest, _ := strings.Cut(step, " ")
	args := strings.Fields(rest)
	id := f.Meeting.ID
	switch verb {
	case "join":
		return f.Svc.Joined(f.Ctx, id, f.who(args[0]).ID, f.Clock.Now())
	case "leave":
		return f.Svc.Left(f.Ctx, id, f.who(args[0]).ID, f.Clock.Now())
	case "consent", "consent-v0":
		c := control.Consent{Record: slices.Contains(args[1:], "rec"), Stats: slices.Contains(args[1:], "stats")}
		v := 1
		if verb == "consent-v0" {
			v = 0
		}
		return err1(f.Svc.SetConsent(f.Ctx, f.As(f.who(args[0])), id, c, v))
	case "withdraw", "withdraw-v0":
		v := 1
		if verb == "withdraw-v0" {
			v = 0
		}
		return err1(f.Svc.SetConsent(f.Ctx, f.As(f.who(args[0])), id, control.Consent{}, v))
	case "rec-start":
		return err1(f.Svc.StartRecording(f.Ctx, f.Fac(), id))
	case "rec-start-by":
		return err1(f.Svc.StartRecording(f.Ctx, f.As(f.who(args[0])), id))
	case "rec-stop":
		return err1(f.Svc.StopRecording(f.Ctx, f.Fac(), id))
	case "mode":
		mode := control.ConsentMode(args[0])
		return err1(f.Svc.UpdateGroup(f.Ctx, f.Fac(), f.Group.ID, control.GroupPatch{ConsentMode: &mode}))
	}
	f.T.Fatalf("unknown step %q", step)
	return nil
}

// recordingString writes a live recording as testConsent's wants do.
func (f *Fixture) recordingString(r *control.LiveRecording) string {
	if r == nil {
		return "none"
	}
	labels := func(ids []string) string {
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			out = append(out, f.label(id))
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	switch {
	case !r.Requested:
		return "off"
	case r.Active:
		return "on r:" + labels(r.Recorded)
	case len(r.Waiting) > 0:
		return "paused w:" + labels(r.Waiting)
	default:
		return "paused"
	}
}
