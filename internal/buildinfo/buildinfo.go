// Package buildinfo says which piiri is running: the version and commit
// the Makefile stamps into the binary, or else what the Go toolchain
// recorded when it built it, and the Go version. `piiri version`, the
// piiri_build_info metric and /healthz all print it, so an admin can tell
// which build answers.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and commit are set by the linker, never by code:
//
//	go build -ldflags "-X piiri/internal/buildinfo.version=v1.2.0 -X piiri/internal/buildinfo.commit=0123abc"
//
// (the Makefile's build target does this from git describe). -X can only
// set package-level string variables, which is why these exist.
var (
	version string
	commit  string
)

// Unknown stands for a version or commit nobody recorded.
const Unknown = "unknown"

// Info describes a build.
type Info struct {
	// Version is what git describe said (v1.2.0, v1.2.0-3-g0123abc-dirty),
	// the module version the toolchain recorded, or Unknown.
	Version string
	// Commit is the VCS revision, with "-dirty" when the working tree
	// had changes, or Unknown.
	Commit string
	// GoVersion is the Go release that built the binary.
	GoVersion string
}

// Get returns the running binary's build information.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return from(version, commit, bi)
}

// from prefers the linker-stamped values and falls back on the build
// information the toolchain embeds (go build in a git checkout records
// vcs.revision and vcs.modified).
func from(version, commit string, bi *debug.BuildInfo) Info {
	info := Info{Version: version, Commit: commit, GoVersion: runtime.Version()}
	if bi != nil {
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		if info.Commit == "" {
			var rev string
			var modified bool
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					modified = s.Value == "true"
				}
			}
			if rev != "" && modified {
				rev += "-dirty"
			}
			info.Commit = rev
		}
	}
	if info.Version == "" {
		info.Version = Unknown
	}
	if info.Commit == "" {
		info.Commit = Unknown
	}
	return info
}

// String is the one-line form `piiri version` and /healthz print:
// "piiri v1.2.0 (commit 0123abc, go1.26.8)".
func (i Info) String() string {
	return fmt.Sprintf("piiri %s (commit %s, %s)", i.Version, i.Commit, i.GoVersion)
}
