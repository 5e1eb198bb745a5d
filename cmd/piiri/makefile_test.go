package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the directory of the Makefile, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestMakefileFuzzBudgets: `make fuzz` runs every fuzz target in the
// repository, each with a count budget: a duration makes Go 1.26's fuzz
// coordinator fail at random (golang/go#75804).
func TestMakefileFuzzBudgets(t *testing.T) {
	root := repoRoot(t)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var inMake []string
	for _, m := range regexp.MustCompile(`-fuzz='\^(Fuzz\w+)\$\$'`).FindAllStringSubmatch(string(mk), -1) {
		inMake = append(inMake, m[1])
	}
	var inCode []string
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range fuzzFunc.FindAllStringSubmatch(string(b), -1) {
				inCode = append(inCode, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(inMake)
	slices.Sort(inCode)
	if len(inCode) == 0 || !slices.Equal(inMake, inCode) {
		t.Errorf("make fuzz runs %v; the code has %v", inMake, inCode)
	}
	budgets := regexp.MustCompile(`(?m)^FUZZ_\w+\s*\?=\s*(\S+)`).FindAllStringSubmatch(string(mk), -1)
	if len(budgets) != len(inCode) {
		t.Errorf("%d budgets for %d fuzz targets", len(budgets), len(inCode))
	}
	for _, b := range budgets {
		if !regexp.MustCompile(`^[0-9]+x$`).MatchString(b[1]) {
			t.Errorf("fuzz budget %q is not a count such as 30000x", b[1])
		}
	}
	for _, line := range strings.Split(string(mk), "\n") {
		if !strings.HasPrefix(line, "#") && strings.Contains(line, "-fuzztime=") && !strings.Contains(line, "-fuzztime=$(or $(FUZZTIME),$(FUZZ_") {
			t.Errorf("a fuzz run without a count budget: %s", line)
		}
	}
	// A duration given on the command line is refused.
	out, err := exec.Command("make", "-s", "-C", root, "fuzz", "FUZZTIME=10s").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "give a count") {
		t.Errorf("make fuzz FUZZTIME=10s: %v\n%s", err, out)
	}
}

// TestMakeBuildStampsVersion: the binary `make build` makes says what git
// says about the tree it was built from.
func TestMakeBuildStampsVersion(t *testing.T) {
	root := repoRoot(t)
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", root}, args...)...).Output()
		if err != nil {
			// A tarball, not a checkout: the Makefile stamps "unknown".
			if os.Getenv("CI") != "" {
				t.Fatalf("git %v: %v", args, err)
			}
			t.Skipf("SKIPPED: not a git checkout (git %v: %v)", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	version := git("describe", "--tags", "--always", "--dirty")
	commit := git("rev-parse", "HEAD")
	if strings.HasSuffix(version, "-dirty") {
		commit += "-dirty"
	}
	bin := filepath.Join(t.TempDir(), "piiri")
	if out, err := exec.Command("make", "-s", "-C", root, "build", "BIN="+bin).CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	want := "piiri " + version + " (commit " + commit + ", " + runtime.Version() + ")\n"
	if err != nil || string(out) != want {
		t.Errorf("piiri version = %q (%v), want %q", out, err, want)
	}
}
