package record

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"piiri/internal/pionclient"
	"piiri/metrics"
	"piiri/sfu"
)

// A publisher over real pion peer connections to a real sfu: the media
// reaches the recorder through the sfu's forwarding loop and a Sink, as in
// the server.

type publishedEvents struct {
	mu     sync.Mutex
	tracks map[string]*sfu.Track // by kind
}

func (e *publishedEvents) TrackPublished(ev sfu.TrackEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tracks[ev.Kind] = ev.Track
}
func (e *publishedEvents) TrackEnded(sfu.TrackEvent)        {}
func (e *publishedEvents) Speaking(string, bool, time.Time) {}
func (e *publishedEvents) get(kind string) *sfu.Track {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tracks[kind]
}
func (e *publishedEvents) both() (audio, video *sfu.Track, _ bool) {
	a, v := e.get(KindAudio), e.get(KindVideo)
	return a, v, a != nil && v != nil
}

// clientSignaller applies the sfu's subscriber offers and candidates to a
// client connection, on one goroutine in order.
type clientSignaller struct {
	t    testing.TB
	part *sfu.Participant
	sub  *webrtc.PeerConnection
	pub  *webrtc.PeerConnection
	work chan func()
}

func (c *clientSignaller) SendOffer(sdp string, _ []sfu.TrackInfo) {
	c.work <- func() {
		if err := c.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
			return
		}
		answer, err := c.sub.CreateAnswer(nil)
		if err != nil {
			return
		}
		_ = c.sub.SetLocalDescription(answer)
		_ = c.part.HandleAnswer(answer.SDP)
	}
}

func (c *clientSignaller) SendCandidate(target sfu.Target, cand webrtc.ICECandidateInit) {
	c.work <- func() {
		pc := c.sub
		if target == sfu.Publisher {
			pc = c.pub
		}
		if pc != nil && pc.RemoteDescription() != nil {
			_ = pc.AddICECandidate(cand)
		}
	}
}

// publishPeer joins a room and publishes an Opus and a VP8 track.
func publishPeer(t *testing.T, events *publishedEvents) (audio, video *webrtc.TrackLocalStaticRTP) {
	s, err := sfu.New(sfu.Config{UDPListen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	room, err := s.NewRoom("r", events)
	if err != nil {
		t.Fatal(err)
	}
	api, err := pionclient.NewAPI(nil)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	sig := &clientSignaller{t: t, sub: sub, pub: pub, work: make(chan func(), 1024)}
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		_ = sub.Close()
		_ = pub.Close()
	})
	sig.part, err = room.Join("pub", sig)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sig.part.Close)
	go func() {
		for {
			select {
			case f := <-sig.work:
				f()
			case <-done:
				return
			}
		}
	}()
	sub.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			sig.work <- func() { _ = sig.part.AddCandidate(sfu.Subscriber, c.ToJSON()) }
		}
	})
	pub.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			_ = sig.part.AddCandidate(sfu.Publisher, c.ToJSON())
		}
	})
	audio, _ = webrtc.NewTrackLocalStaticRTP(opusCodec, "a", "s")
	video, _ = webrtc.NewTrackLocalStaticRTP(vp8Codec, "v", "s")
	for _, tr := range []webrtc.TrackLocal{audio, video} {
		if _, err := pub.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pub.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	answered := make(chan struct{})
	if err := sig.part.HandleOffer(offer.SDP, nil, func(answer string) {
		sig.work <- func() {
			defer close(answered)
			if err := pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
				t.Errorf("publisher answer: %v", err)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	<-answered
	return audio, video
}

// lossySink drops a share of packets before the recorder's sink.
type lossySink struct {
	next sfu.Sink
	lose func(*rtp.Packet) bool
}

func (l *lossySink) WriteRTP(p *rtp.Packet) bool {
	if l.lose(p) {
		return false
	}
	return l.next.WriteRTP(p)
}

// lossyTrack is an sfu track whose recording sink loses packets.
type lossyTrack struct {
	*sfu.Track
	mu    sync.Mutex
	lose  func(*rtp.Packet) bool
	sinks map[sfu.Sink]*lossySink
}

func (l *lossyTrack) AddSink(s sfu.Sink) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := &lossySink{next: s, lose: l.lose}
	l.sinks[s] = ls
	return l.Track.AddSink(ls)
}

func (l *lossyTrack) RemoveSink(s sfu.Sink) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ls, ok := l.sinks[s]; ok {
		l.Track.RemoveSink(ls)
	}
}

// TestRecordPublishedTracks records 5 s of a pion publisher's Opus and VP8
// through a real sfu, sent at the pace of real media, and checks the file
// with ffprobe; then again with 5% of the packets lost before the
// recorder.
func TestRecordPublishedTracks(t *testing.T) {
	m := testMedia(t, 20, 320, 240, 30)
	for _, loss := range []float64{0, 0.05} {
		events := &publishedEvents{tracks: map[string]*sfu.Track{}}
		audioOut, videoOut := publishPeer(t, events)
		p := newPacketizer(40000, 50000, 123456, 654321)
		all := m.schedule(0, 20*time.Second)
		start := time.Now()
		i := 0
		send := func(upTo time.Duration) {
			for ; i < len(all) && all[i].at <= upTo; i++ {
				time.Sleep(time.Until(start.Add(all[i].at)))
				out := audioOut
				if all[i].f.video {
					out = videoOut
				}
				for _, pkt := range p.packets(all[i].f) {
					_ = out.WriteRTP(pkt)
				}
			}
		}
		var at, vt *sfu.Track
		waitFor(t, 20*time.Second, "both tracks published", func() error {
			send(time.Since(start))
			var ok bool
			at, vt, ok = events.both()
			return errIf(!ok, "not yet")
		})
		var audio, video Track = at, vt
		if loss > 0 {
			audio = &lossyTrack{Track: at, lose: lossy(loss, 1), sinks: map[sfu.Sink]*lossySink{}}
			video = &lossyTrack{Track: vt, lose: lossy(loss, 2), sinks: map[sfu.Sink]*lossySink{}}
		}
		dir := t.TempDir()
		from := time.Since(start)
		r, err := Start(context.Background(), Config{Dir: dir, Person: "pub"}, audio, video)
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		send(from + 5*time.Second)
		if err := r.Stop(); err != nil {
			t.Fatal(err)
		}
		recorded := time.Since(began)
		files := r.Files()
		if len(files) != 1 {
			t.Fatalf("loss %v: files %+v, want one", loss, files)
		}
		path := filepath.Join(dir, files[0].Name)
		pr := ffprobe(t, path)
		if got := pr.codecs(); got != "audio/opus,video/vp8" {
			t.Errorf("loss %v: streams %s", loss, got)
		}
		d := pr.duration(t)
		t.Logf("loss %v: recorded for %v, file plays %v, %d packets dropped by the queue", loss, recorded, d, r.Dropped())
		// The file's length is the media's: 5 s were sent. (On a busy
		// machine sending them takes longer than 5 s of wall time; the
		// recorder keeps media time, so that does not lengthen the file.)
		if !within(d, 5*time.Second, 0.05) {
			t.Errorf("loss %v: duration %v, want the 5 s of media sent ± 5%% (sending took %v)", loss, d, recorded)
		}
		decodes(t, path, 2*time.Second)
	}
}
