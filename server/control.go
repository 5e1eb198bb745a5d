package server

import (
	"context"
	"errors"
	"fmt"
	"os"

	"piiri/config"
	"piiri/control"
	"piiri/notify"
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
	mailer, err := s.newMailer()
	if err != nil {
		_ = db.Close()
		return err
	}
	var notifier control.Notifier
	if mailer != nil {
		notifier = mailer
	}
	s.observer = &meetingObserver{metrics: s.metrics, record: s.recordMeeting}
	svc, err := control.New(db, control.Options{
		Notifier:   notifier,
		Log:        s.log.With("component", "control"),
		Observer:   s.observer,
		MinHeld:    s.cfg.Meetings.MinHeld,
		TimeZone:   s.cfg.Meetings.TimeZone,
		AdminToken: s.cfg.Admin.Token,
		Templates:  templates,
	})
	if err != nil {
		closeMailer(mailer)
		_ = db.Close()
		return fmt.Errorf("server: control: %w", err)
	}
	token, created, err := svc.EnsureAdminToken(context.Background())
	if err != nil {
		closeMailer(mailer)
		_ = db.Close()
		return fmt.Errorf("server: the admin token: %w", err)
	}
	if running, err := svc.RunningMeetings(context.Background()); err == nil {
		s.metrics.MeetingsRunning.Set(float64(len(running)))
	}
	if mailer != nil {
		mailer.StartReminders(svc)
	}
	s.db, s.control, s.mailer = db, svc, mailer
	s.adminToken, s.adminTokenCreated = token, created
	return nil
}

// newMailer makes the e-mail sender from the mail section; nil, with no
// error, when no relay is configured.
func (s *Server) newMailer() (*notify.Mailer, error) {
	m := s.cfg.Mail
	if m.Host == "" {
		return nil, nil
	}
	cfg := notify.Config{
		Host: m.Host, Port: m.Port, Security: notify.Security(m.Security),
		Username: m.Username, Password: m.Password,
		From: m.From, ReplyTo: m.ReplyTo,
		BaseURL: s.BaseURL(),
	}
	if m.CAFile != "" {
		roots, err := notify.LoadRoots(m.CAFile)
		if err != nil {
			return nil, fmt.Errorf("server: mail.ca_file: %w", err)
		}
		cfg.RootCAs = roots
	}
	mailer, err := notify.New(cfg, notify.Options{Log: s.log.With("component", "mail"), Metrics: s.metrics})
	if err != nil {
		return nil, fmt.Errorf("server: mail: %w", err)
	}
	s.log.Info("e-mail goes through the relay", "host", m.Host, "security", m.Security)
	return mailer, nil
}

// closeMailer stops a mailer that never served.
func closeMailer(m *notify.Mailer) {
	if m != nil {
		_ = m.Close(context.Background())
	}
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
