package server

import (
	"context"
	"errors"
	"fmt"
	"os"

	"piiri/config"
	"piiri/control"
	"piiri/store"
)

// openControl opens the mentoring groups' store in the data directory and
// the control plane over it, and makes sure there is an admin token (the
// configured one, or one generated and kept in the store).
func (s *Server) openControl() error {
	db, err := store.Open(s.cfg.Data.Dir, store.Options{Logger: s.log.With("component", "store")})
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("server: %w: another piiri is running with data.dir %q; stop it, or give this one another data.dir", err, s.cfg.Data.Dir)
	}
	if err != nil {
		return fmt.Errorf("server: open the store in data.dir %q: %w", s.cfg.Data.Dir, err)
	}
	templates, err := loadTemplates(s.cfg.Meetings)
	if err != nil {
		_ = db.Close()
		return err
	}
	s.observer = &meetingObserver{metrics: s.metrics}
	svc, err := control.New(db, control.Options{
		Observer:   s.observer,
		MinHeld:    s.cfg.Meetings.MinHeld,
		TimeZone:   s.cfg.Meetings.TimeZone,
		AdminToken: s.cfg.Admin.Token,
		Templates:  templates,
	})
	if err != nil {
		_ = db.Close()
		return fmt.Errorf("server: control: %w", err)
	}
	token, created, err := svc.EnsureAdminToken(context.Background())
	if err != nil {
		_ = db.Close()
		return fmt.Errorf("server: the admin token: %w", err)
	}
	if running, err := svc.RunningMeetings(context.Background()); err == nil {
		s.metrics.MeetingsRunning.Set(float64(len(running)))
	}
	s.db, s.control = db, svc
	s.adminToken, s.adminTokenCreated = token, created
	return nil
}

// loadTemplates reads meetings.templates_file, if set.
func loadTemplates(cfg config.Meetings) ([]control.Template, error) {
	if cfg.TemplatesFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(cfg.TemplatesFile)
	if err != nil {
		return nil, fmt.Errorf("server: meetings.templates_file: %w", err)
	}
	t, err := control.ParseTemplates(data)
	if err != nil {
		return nil, fmt.Errorf("server: meetings.templates_file %s: %w", cfg.TemplatesFile, err)
	}
	return t, nil
}

// Control is the control plane, for tests and the demo.
func (s *Server) Control() *control.Service { return s.control }

// AdminLink is the admin page's link. The token goes in the fragment,
// which browsers never send to the server.
func (s *Server) AdminLink() string { return s.BaseURL() + "/admin#" + s.adminToken }

// AdminTokenCreated reports whether this start generated the admin token,
// so it has never been shown before.
func (s *Server) AdminTokenCreated() bool { return s.adminTokenCreated }
