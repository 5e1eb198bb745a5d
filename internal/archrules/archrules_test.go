package archrules

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pkg is what `go list -json` says of one package.
type pkg struct {
	ImportPath string
	Imports    []string // direct imports, tests excluded
	Deps       []string // every package it depends on, transitively
}

// listPackages runs `go list -deps` over the whole module.
func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := make(map[string]pkg)
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// within reports whether path is root or one of its subpackages.
func within(path, root string) bool { return path == root || strings.HasPrefix(path, root+"/") }

// TestImportRules checks the boundaries between piiri's packages:
//   - the media plane (sfu) and the mentoring domain (control) never
//     depend on each other, in either direction;
//   - control is pure: no network, no pion, no bbolt, no HTTP;
//   - only the assembly (server) and the binary (cmd) import config;
//     every other package takes plain structs of its own.
func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	forbiddenDeps := []struct {
		from, to, why string
	}{
		{"piiri/sfu", "piiri/control", "the media plane knows nothing of mentoring"},
		{"piiri/control", "piiri/sfu", "the mentoring domain knows nothing of media"},
		{"piiri/control", "github.com/pion", "control is pure Go"},
		{"piiri/control", "go.etcd.io/bbolt", "control defines its store; store implements it"},
		{"piiri/control", "net/http", "control is pure Go; api serves it"},
		{"piiri/control", "net", "control does no networking"},
		{"piiri/control", "piiri/config", "control takes plain structs"},
	}
	for path, p := range pkgs {
		for _, rule := range forbiddenDeps {
			if !within(path, rule.from) {
				continue
			}
			for _, dep := range p.Deps {
				if within(dep, rule.to) {
					t.Errorf("%s depends on %s: %s", path, dep, rule.why)
				}
			}
		}
		for _, imp := range p.Imports {
			if imp == "piiri/config" && !within(path, "piiri/server") && !within(path, "piiri/cmd") && path != "piiri/config" {
				t.Errorf("%s imports piiri/config: only server and cmd may; pass the package a struct of its own", path)
			}
		}
	}
}

// TestImportRulesSeeTheModule makes sure the rules above have something to
// check: go list reports the packages and the imports they are about.
func TestImportRulesSeeTheModule(t *testing.T) {
	pkgs := listPackages(t)
	for _, want := range []string{"piiri/sfu", "piiri/signaling", "piiri/server", "piiri/config"} {
		if _, ok := pkgs[want]; !ok {
			t.Errorf("go list did not report %s; the rules above would check nothing", want)
		}
	}
	if p := pkgs["piiri/server"]; !slices.Contains(p.Imports, "piiri/config") {
		t.Errorf("piiri/server does not import piiri/config as go list reports it; the config rule would check nothing")
	}
	if p := pkgs["piiri/sfu"]; !containsPrefix(p.Deps, "github.com/pion") {
		t.Errorf("piiri/sfu's dependencies do not include pion as reported; the dependency rules would check nothing")
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, x := range list {
		if strings.HasPrefix(x, prefix) {
			return true
		}
	}
	return false
}
