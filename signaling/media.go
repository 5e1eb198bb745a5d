package signaling

// Media handlers: the client's publisher offers, subscriber answers and
// ICE candidates, handed to the participant's media.

func handleOffer(s *session, req request) error {
	o := req.(*Offer)
	media, err := s.joinedMedia()
	if err != nil {
		return err
	}
	return media.HandleOffer(o.SDP, o.Sources, func(answer string) {
		s.send(&Answer{header: header{Type: TypeAnswer, ID: o.ID}, Target: TargetPublisher, SDP: answer})
	})
}

func handleAnswer(s *session, req request) error {
	media, err := s.joinedMedia()
	if err != nil {
		return err
	}
	return media.HandleAnswer(req.(*Answer).SDP)
}

func handleCandidate(s *session, req request) error {
	c := req.(*Candidate)
	if c.Candidate.Candidate == "" {
		return nil // end of candidates; nothing to do with trickle ICE
	}
	media, err := s.joinedMedia()
	if err != nil {
		return err
	}
	return media.AddCandidate(c.Target, c.Candidate)
}

// joinedMedia is the session's participant's media. A joined session
// always has it (a join returns, and a resume proceeds, only once it
// exists); the error guards against a participant already closed.
func (s *session) joinedMedia() (MediaParticipant, error) {
	if media := s.member.mediaParticipant(); media != nil {
		return media, nil
	}
	return nil, errorf(CodeGone, "this participant has no media session any more; join again")
}
