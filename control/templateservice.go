package control

import (
	"context"
	"slices"
	"strings"
)

// template finds a template by ID: stored ones override configured ones,
// which override shipped ones.
func (s *Service) template(tx Tx, id string) (Template, error) {
	t, err := tx.Template(id)
	if err == nil || !isNotFound(err) {
		return t, err
	}
	for _, list := range [][]Template{s.configured, s.shipped} {
		if i := slices.IndexFunc(list, func(t Template) bool { return t.ID == id }); i >= 0 {
			return list[i], nil
		}
	}
	return Template{}, wrapf(ErrNotFound, "no template %q", id)
}

// Templates lists the templates groups can be created from, by ID. Any
// principal.
func (s *Service) Templates(ctx context.Context, p Principal) ([]TemplateInfo, error) {
	if p.IsZero() {
		return nil, ErrUnauthenticated
	}
	var out []TemplateInfo
	err := s.view(ctx, func(tx Tx) error {
		if !p.IsAdmin() {
			if person, err := tx.Person(p.PersonID()); err != nil || !person.Active() {
				return ErrUnauthenticated
			}
		}
		stored, err := tx.Templates()
		if err != nil {
			return err
		}
		shipped := map[string]bool{}
		for _, t := range s.shipped {
			shipped[t.ID] = true
		}
		byID := map[string]TemplateInfo{}
		for i, list := range [][]Template{s.shipped, s.configured, stored} {
			for _, t := range list {
				byID[t.ID] = TemplateInfo{Template: t, Shipped: shipped[t.ID], Overridden: i > 0 && shipped[t.ID]}
			}
		}
		for _, ti := range byID {
			out = append(out, ti)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b TemplateInfo) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// PutTemplate stores a template, adding one or overriding one by ID.
// Admin only.
func (s *Service) PutTemplate(ctx context.Context, p Principal, t Template) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error { return tx.PutTemplate(t) })
}

// DeleteTemplate removes a stored template; a shipped or configured one of
// the same ID applies again. Admin only. Groups created from it keep their
// settings.
func (s *Service) DeleteTemplate(ctx context.Context, p Principal, id string) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := tx.Template(id); err != nil {
			return err
		}
		return tx.DeleteTemplate(id)
	})
}
