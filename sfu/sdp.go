package sfu

import (
	"fmt"

	"github.com/pion/sdp/v3"
)

// validateDescription rejects a client's session description before pion
// sees it when it does not parse, has more than max media sections, or
// lacks what ICE and DTLS need (ICE credentials, a certificate
// fingerprint). Pion checks those only after it has taken the description,
// which leaves a peer connection half-changed.
func validateDescription(s string, max int) error {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(s); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if n := len(d.MediaDescriptions); n > max {
		return fmt.Errorf("%w: %d media sections, at most %d", ErrTooManyTracks, n, max)
	}
	for i, m := range d.MediaDescriptions {
		if m.MediaName.Port.Value == 0 {
			continue // a rejected or stopped section needs nothing
		}
		for _, attr := range []string{"ice-ufrag", "ice-pwd", "fingerprint"} {
			if _, ok := m.Attribute(attr); ok {
				continue
			}
			if _, ok := d.Attribute(attr); ok {
				continue
			}
			return fmt.Errorf("%w: media section %d has no a=%s", ErrInvalidSDP, i, attr)
		}
	}
	return nil
}
