package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"piiri/bot"
	"piiri/config"
	"piiri/control"
	"piiri/internal/mediaprobe"
	"piiri/recording"
	"piiri/server/servertest"
	"piiri/sfu/record"
)

// TestRecordingFollowsConsent: three bots in a meeting's room, in
// per-person mode. Fia and Anna consent to recording, Ben never does. The
// facilitator starts the recording; Anna withdraws midway; then it stops.
// Each consenting person's files are valid WebM (Opus and VP8, ffprobe),
// as long as they were recorded (within 5%); Anna's file ends at her
// withdrawal; Ben has no file at all; the manifest says all that.
func TestRecordingFollowsConsent(t *testing.T) {
	mediaprobe.Need(t)
	srv := servertest.Start(t, func(c *config.Config) { c.Meetings.MinHeld = 10 * time.Second })
	g := newGroup(t, srv)
	ctx, admin := context.Background(), control.AdminPrincipal()
	perPerson := control.ConsentPerPerson
	// The turns are read while the meeting runs: the live balance.
	liveBalance := true
	if _, err := g.svc.UpdateGroup(ctx, admin, g.id, control.GroupPatch{ConsentMode: &perPerson, LiveBalance: &liveBalance}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.OpenMeeting(ctx, admin, g.meeting); err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.StartMeeting(ctx, admin, g.meeting); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	var bots []*bot.Bot
	for _, name := range []string{"Fia", "Anna", "Ben"} {
		a, err := g.svc.Admit(ctx, g.tokens[name])
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = a.PersonID
		b, err := joinByLink(t, srv, g.tokens[name])
		if err != nil {
			t.Fatalf("%s joins: %v", name, err)
		}
		bots = append(bots, b)
	}
	for _, b := range bots {
		eventually(t, 30*time.Second, "media from everyone", func() error { return receivingFromAll(b, bots, 10) })
	}
	for _, name := range []string{"Fia", "Anna"} {
		if _, err := g.svc.SetConsent(ctx, control.PersonPrincipal(ids[name]), g.meeting, control.Consent{Record: true, Stats: true}, 1); err != nil {
			t.Fatalf("%s consents: %v", name, err)
		}
	}
	if _, err := g.svc.StartRecording(ctx, control.PersonPrincipal(ids["Fia"]), g.meeting); err != nil {
		t.Fatal(err)
	}
	recs := srv.Recordings()
	recs.Settled()
	if !recs.Recording(g.meeting, ids["Fia"]) || !recs.Recording(g.meeting, ids["Anna"]) || recs.Recording(g.meeting, ids["Ben"]) {
		t.Fatal("after the start, Fia and Anna should be recorded and Ben not")
	}
	// The scripted spans are the thing measured here, not a wait for
	// something to happen: the files must come out as long as them.
	time.Sleep(6 * time.Second)
	withdrawn := time.Now()
	if _, err := g.svc.SetConsent(ctx, control.PersonPrincipal(ids["Anna"]), g.meeting, control.Consent{Stats: true}, 1); err != nil {
		t.Fatal(err)
	}
	recs.Settled()
	if recs.Recording(g.meeting, ids["Anna"]) {
		t.Fatal("Anna is still recorded after she withdrew")
	}
	time.Sleep(4 * time.Second)
	if _, err := g.svc.StopRecording(ctx, control.PersonPrincipal(ids["Fia"]), g.meeting); err != nil {
		t.Fatal(err)
	}
	recs.Settled()
	if recs.Recording(g.meeting, ids["Fia"]) {
		t.Fatal("Fia is still recorded after the recording stopped")
	}

	man, err := recs.Manifest(g.meeting)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(srv.RecordingDir(), g.meeting)
	byPerson := map[string]record.PersonRecords{}
	for _, p := range man.People {
		byPerson[p.Person] = p
	}
	if _, ok := byPerson[ids["Ben"]]; ok {
		t.Errorf("Ben never consented, but the manifest has him: %+v", man.People)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ids["Ben"]) {
			t.Errorf("Ben never consented, but %s exists", e.Name())
		}
		if strings.HasSuffix(e.Name(), record.PartSuffix) {
			t.Errorf("%s was left unfinished", e.Name())
		}
	}
	for _, name := range []string{"Fia", "Anna"} {
		p, ok := byPerson[ids[name]]
		if !ok || len(p.Consent) != 1 || len(p.Files) == 0 {
			t.Fatalf("%s's records: %+v, want one interval and files", name, p)
		}
		iv := p.Consent[0]
		var recorded time.Duration
		for _, f := range p.Files {
			if !f.Final {
				t.Errorf("%s: %s is not final", name, f.Name)
			}
			pr := mediaprobe.WebM(t, filepath.Join(dir, f.Name))
			if got := pr.Codecs(); got != "audio/opus,video/vp8" {
				t.Errorf("%s: %s has streams %s, want audio/opus,video/vp8", name, f.Name, got)
			}
			recorded += pr.Duration()
			if end := f.Start.Add(f.Duration); end.After(iv.To.Add(time.Second)) {
				t.Errorf("%s: %s ends at %v, after the recording of them ended (%v)", name, f.Name, end, iv.To)
			}
		}
		want := iv.To.Sub(iv.From)
		if d := recorded - want; d < -want/20 || d > want/20 {
			t.Errorf("%s: files last %v, recorded for %v: want within 5%%", name, recorded, want)
		}
		t.Logf("%s: recorded %v, files %v, %d file(s)", name, want, recorded, len(p.Files))
	}
	if to := byPerson[ids["Anna"]].Consent[0].To; to.Sub(withdrawn) > time.Second || to.Before(withdrawn) {
		t.Errorf("Anna's recording ended at %v, %v after she withdrew; want within 1 s", to, to.Sub(withdrawn))
	}
	if f, err := recs.Open(g.meeting, byPerson[ids["Anna"]].Files[0].Name); err != nil {
		t.Errorf("open Anna's file: %v", err)
	} else {
		f.Close()
	}
	if _, err := recs.Open(g.meeting, "../"+g.meeting+"/"+record.ManifestName); !errors.Is(err, recording.ErrNoFile) {
		t.Errorf("a path outside the recording's files: %v, want ErrNoFile", err)
	}

	// Through the API: the facilitator lists and downloads, a member may
	// not, and Anna erases her own recordings.
	api := func(method, path, token string, header http.Header) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, srv.BaseURL()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	list := "/api/v1/meetings/" + g.meeting + "/recordings"
	resp := api("GET", list, g.tokens["Fia"], nil)
	var listed struct {
		People []struct {
			PersonID, Name string
			Files          []struct{ Name string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil || resp.StatusCode != http.StatusOK || len(listed.People) != 2 {
		t.Fatalf("the facilitator lists the recording: %d, %v, %+v", resp.StatusCode, err, listed)
	}
	if resp := api("GET", list, g.tokens["Ben"], nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a member lists the recording: %d, want 403", resp.StatusCode)
	}
	annaFile := byPerson[ids["Anna"]].Files[0].Name
	resp = api("GET", list+"/"+annaFile, g.tokens["Fia"], http.Header{"Range": {"bytes=0-3"}})
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusPartialContent || string(b) != "\x1a\x45\xdf\xa3" {
		t.Errorf("a range of Anna's file: %d %q, want 206 and the EBML magic", resp.StatusCode, b)
	}
	// Anna sees what is recorded of her, and downloads it; not Ben's.
	mine := "/api/v1/people/" + ids["Anna"] + "/recordings"
	resp = api("GET", mine, g.tokens["Anna"], nil)
	var own struct {
		Meetings []struct {
			MeetingID string
			Files     []struct{ Name string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&own); err != nil || resp.StatusCode != http.StatusOK ||
		len(own.Meetings) != 1 || own.Meetings[0].MeetingID != g.meeting || len(own.Meetings[0].Files) != len(byPerson[ids["Anna"]].Files) {
		t.Errorf("Anna lists her recordings: %d, %v, %+v", resp.StatusCode, err, own)
	}
	resp = api("GET", mine+"/"+g.meeting+"/"+annaFile, g.tokens["Anna"], nil)
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || int64(len(b)) != fileSize(t, filepath.Join(dir, annaFile)) {
		t.Errorf("Anna downloads her file: %d, %d bytes", resp.StatusCode, len(b))
	}
	fiaFile := byPerson[ids["Fia"]].Files[0].Name
	if resp := api("GET", mine+"/"+g.meeting+"/"+fiaFile, g.tokens["Anna"], nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Anna downloads Fia's file through her own list: %d, want 404", resp.StatusCode)
	}
	if resp := api("GET", mine, g.tokens["Ben"], nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("Ben lists Anna's recordings: %d, want 403", resp.StatusCode)
	}
	resp = api("DELETE", "/api/v1/people/"+ids["Anna"]+"/recordings", g.tokens["Anna"], nil)
	var erased struct{ Files int }
	if err := json.NewDecoder(resp.Body).Decode(&erased); err != nil || resp.StatusCode != http.StatusOK || erased.Files != len(byPerson[ids["Anna"]].Files) {
		t.Errorf("Anna erases her recordings: %d, %v, %+v", resp.StatusCode, err, erased)
	}
	if _, err := os.Stat(filepath.Join(dir, annaFile)); !os.IsNotExist(err) {
		t.Errorf("Anna's file is still there after she erased it: %v", err)
	}

	// Speaking turns from scripted audio levels: Anna speaks 2 s, then
	// Fia 1 s, then Ben (who never consented to statistics) 1.5 s, each
	// after the one before has ended.
	loud := uint8(20)
	script := []struct {
		who     string
		packets int
	}{{"Anna", 100}, {"Fia", 50}, {"Ben", 75}}
	for i, s := range script {
		bots[slices.Index([]string{"Fia", "Anna", "Ben"}, s.who)].Say(bot.Speech{Packets: s.packets, Level: loud})
		eventually(t, 30*time.Second, s.who+"'s turn", func() error {
			v, err := g.svc.MeetingTurns(ctx, admin, g.meeting)
			if err != nil {
				return err
			}
			if len(v.Turns) < i+1 {
				return fmt.Errorf("%d turns so far", len(v.Turns))
			}
			return nil
		})
	}
	v, err := g.svc.MeetingTurns(ctx, admin, g.meeting)
	if err != nil {
		t.Fatal(err)
	}
	// A turn runs from its first voiced packet to its last: N packets
	// 20 ms apart span (N-1)×20 ms. The times are the packets' RTP times
	// anchored to their arrival, which adds well under a millisecond.
	want := []struct {
		speaker control.Speaker
		length  time.Duration
	}{
		{control.Speaker{PersonID: ids["Anna"]}, 99 * 20 * time.Millisecond},
		{control.Speaker{PersonID: ids["Fia"]}, 49 * 20 * time.Millisecond},
		{control.Speaker{Others: true}, 74 * 20 * time.Millisecond},
	}
	if len(v.Turns) != len(want) {
		t.Fatalf("turns %+v, want %d", v.Turns, len(want))
	}
	for i, w := range want {
		got := v.Turns[i]
		if d := got.Length() - w.length; got.Speaker != w.speaker || d < -5*time.Millisecond || d > 5*time.Millisecond {
			t.Errorf("turn %d: %+v for %v, want %+v for %v", i+1, got.Speaker, got.Length(), w.speaker, w.length)
		}
	}
	index := map[control.Speaker]int{}
	for i, sp := range v.Speakers {
		index[sp.Speaker] = i
		if sp.Turns != 1 {
			t.Errorf("%+v has %d turns, want 1", sp.Speaker, sp.Turns)
		}
	}
	anna, fia, others := index[want[0].speaker], index[want[1].speaker], index[want[2].speaker]
	transitions := 0
	for _, row := range v.Follows {
		for _, n := range row {
			transitions += n
		}
	}
	if transitions != 2 || v.Follows[anna][fia] != 1 || v.Follows[fia][others] != 1 {
		t.Errorf("who follows whom %v (speakers %+v), want Anna → Fia → others", v.Follows, v.Speakers)
	}
	t.Logf("turns %+v; follows %v; Gini %.3f", v.Turns, v.Follows, v.Gini)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
