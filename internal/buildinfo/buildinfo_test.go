package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFrom(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "piiri", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	for _, tc := range []struct {
		name            string
		version, commit string
		bi              *debug.BuildInfo
		want            Info
	}{
		{"stamped by the Makefile", "v1.2.0-3-g0123456", "0123456789abcdef0123456789abcdef01234567", vcs,
			Info{"v1.2.0-3-g0123456", "0123456789abcdef0123456789abcdef01234567", "go1.26.8"}},
		{"plain go build in a git checkout", "", "", vcs,
			Info{Unknown, "0123456789abcdef0123456789abcdef01234567-dirty", "go1.26.8"}},
		{"go install of a tagged module", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.3.0"}},
			Info{"v1.3.0", Unknown, "go1.26.8"}},
		{"nothing recorded", "", "", nil, Info{Unknown, Unknown, runtime.Version()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := from(tc.version, tc.commit, tc.bi); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	s := Info{"v1.2.0", "0123abc", "go1.26.8"}.String()
	if s != "piiri v1.2.0 (commit 0123abc, go1.26.8)" {
		t.Errorf("String() = %q", s)
	}
	// The test binary carries no stamp, but Get still fills every field.
	if g := Get(); g.Version == "" || g.Commit == "" || !strings.HasPrefix(g.GoVersion, "go") {
		t.Errorf("Get() = %+v", g)
	}
}
