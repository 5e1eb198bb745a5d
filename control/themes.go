package control

import (
	"context"
	"slices"
)

const maxThemes = 100

// ProposeTheme adds a theme proposal to the group. A member or a
// facilitator (observers watch, they do not steer).
func (s *Service) ProposeTheme(ctx context.Context, p Principal, groupID, text string) (ThemeProposal, error) {
	var tp ThemeProposal
	err := s.update(ctx, func(tx Tx) error {
		g, a, err := loadGroup(tx, p, groupID)
		if err != nil {
			return err
		}
		if a.admin || a.person.Role == RoleObserver {
			return wrapf(ErrForbidden, "only members and facilitators propose themes")
		}
		if text, err = cleanText("text", text, maxTextLen, true, false); err != nil {
			return err
		}
		if len(g.Themes) >= maxThemes {
			return wrapf(ErrConflict, "the group has %d theme proposals already", maxThemes)
		}
		tp = ThemeProposal{ID: s.ids.NewID(), Text: text, By: a.id(), Proposed: s.now()}
		g.Themes = append(g.Themes, tp)
		return tx.PutGroup(g)
	})
	return tp, err
}

// ChooseTheme makes a proposal the theme of a planned or open meeting.
// Facilitator or admin. Sequence rises when the theme changes.
func (s *Service) ChooseTheme(ctx context.Context, p Principal, meetingID, proposalID string) (Meeting, error) {
	var m Meeting
	var ch changes
	err := s.update(ctx, func(tx Tx) error {
		var g Group
		var a actor
		var err error
		if m, g, a, err = loadMeeting(tx, p, meetingID); err != nil {
			return err
		}
		if !a.isFacilitator() {
			return ErrNotFacilitator
		}
		if m.State != StatePlanned && m.State != StateOpen {
			return wrapf(ErrTransition, "a %s meeting's theme is fixed", m.State)
		}
		i := slices.IndexFunc(g.Themes, func(t ThemeProposal) bool { return t.ID == proposalID })
		if i < 0 {
			return wrapf(ErrNotFound, "no theme proposal %s", proposalID)
		}
		g.Themes[i].ChosenFor = m.ID
		if m.Theme != g.Themes[i].Text {
			m.Theme = g.Themes[i].Text
			m.Sequence++
		}
		if err := tx.PutGroup(g); err != nil {
			return err
		}
		return s.putLive(tx, &m, &ch)
	})
	s.tell(err, &ch)
	return m, err
}
