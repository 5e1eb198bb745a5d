package signaling

import (
	"time"

	"github.com/pion/webrtc/v4"

	"piiri/sfu"
)

// SFU adapts the sfu package to Media. It is the only place where
// signalling's wire types and the sfu's types meet.
func SFU(s *sfu.SFU) Media { return sfuMedia{s} }

type sfuMedia struct{ s *sfu.SFU }

func (m sfuMedia) NewRoom(name string, events MediaEvents) (MediaRoom, error) {
	r, err := m.s.NewRoom(name, sfuEvents{events})
	if err != nil {
		return nil, err
	}
	return sfuRoom{r}, nil
}

// sfuEvents passes the sfu's room events on.
type sfuEvents struct{ e MediaEvents }

func (e sfuEvents) Speaking(participantID string, speaking bool, at time.Time) {
	e.e.Speaking(participantID, speaking, at)
}

// TrackPublished implements sfu.Events. The handle passed on is the
// *sfu.Track itself (a test's events may carry none).
func (e sfuEvents) TrackPublished(ev sfu.TrackEvent) {
	if ev.Track != nil {
		e.e.TrackPublished(ev.ParticipantID, ev.Track)
	}
}

// TrackEnded implements sfu.Events.
func (e sfuEvents) TrackEnded(ev sfu.TrackEvent) {
	if ev.Track != nil {
		e.e.TrackEnded(ev.ParticipantID, ev.Track)
	}
}

type sfuRoom struct{ r *sfu.Room }

func (r sfuRoom) Join(participantID string, sig MediaSignaller) (MediaParticipant, error) {
	p, err := r.r.Join(participantID, sfuSignaller{sig})
	if err != nil {
		return nil, err
	}
	return sfuParticipant{p}, nil
}

func (r sfuRoom) Close() { r.r.Close() }

type sfuParticipant struct{ p *sfu.Participant }

func (p sfuParticipant) HandleOffer(sdp string, sources map[string]string, deliver func(string)) error {
	srcs := make(map[string]sfu.Source, len(sources))
	for mid, src := range sources {
		srcs[mid] = sfu.Source(src)
	}
	return p.p.HandleOffer(sdp, srcs, deliver)
}

func (p sfuParticipant) HandleAnswer(sdp string) error { return p.p.HandleAnswer(sdp) }

func (p sfuParticipant) AddCandidate(target string, c CandidateInit) error {
	return p.p.AddCandidate(sfu.Target(target), webrtc.ICECandidateInit{
		Candidate:        c.Candidate,
		SDPMid:           c.SDPMid,
		SDPMLineIndex:    c.SDPMLineIndex,
		UsernameFragment: c.UsernameFragment,
	})
}

func (p sfuParticipant) Resume() { p.p.Resume() }
func (p sfuParticipant) Close()  { p.p.Close() }

// sfuSignaller turns the sfu's offers and candidates into wire types.
type sfuSignaller struct{ sig MediaSignaller }

func (s sfuSignaller) SendOffer(sdp string, tracks []sfu.TrackInfo) {
	infos := make([]TrackInfo, len(tracks))
	for i, t := range tracks {
		infos[i] = TrackInfo{Mid: t.Mid, ParticipantID: t.ParticipantID, Source: string(t.Source), Kind: t.Kind}
	}
	s.sig.SendOffer(sdp, infos)
}

func (s sfuSignaller) SendCandidate(target sfu.Target, c webrtc.ICECandidateInit) {
	s.sig.SendCandidate(string(target), CandidateInit{
		Candidate:        c.Candidate,
		SDPMid:           c.SDPMid,
		SDPMLineIndex:    c.SDPMLineIndex,
		UsernameFragment: c.UsernameFragment,
	})
}
