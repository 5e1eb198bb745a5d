package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ManifestName is the manifest's file name in a meeting's recording
// directory.
const ManifestName = "manifest.json"

// Manifest describes a meeting's recording: per person the files (each
// with the wall-clock time of its start, so that the files of all people
// can be played in sync) and the intervals the person consented to being
// recorded.
type Manifest struct {
	Meeting string          `json:"meeting"`
	People  []PersonRecords `json:"people"`
}

// PersonRecords is one person's part of a Manifest.
type PersonRecords struct {
	Person  string     `json:"person"` // as in the file names
	Consent []Interval `json:"consent"`
	Files   []File     `json:"files"`
}

// Interval is a span of wall-clock time; To is zero while it is open.
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// WriteManifest writes m as dir/manifest.json, atomically (a temporary file
// synced and renamed over the old one), so a reader or a crash sees the
// old manifest or the new one, never a mix.
func WriteManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("record: manifest: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ManifestName+".tmp*")
	if err != nil {
		return fmt.Errorf("record: manifest: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename it names nothing
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("record: manifest: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("record: manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("record: manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, ManifestName)); err != nil {
		return fmt.Errorf("record: manifest: %w", err)
	}
	return syncDir(dir)
}

// ReadManifest reads dir/manifest.json.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return m, fmt.Errorf("record: manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("record: manifest %s: %w", filepath.Join(dir, ManifestName), err)
	}
	return m, nil
}
