package control_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps control pure: no network, no pion, no bbolt, in
// control and the in-memory store (ARCHITECTURE.md, "Packages and their
// boundaries").
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "piiri/control", "piiri/control/memstore").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "net" || strings.HasPrefix(dep, "net/"),
			strings.HasPrefix(dep, "github.com/pion/"),
			strings.HasPrefix(dep, "go.etcd.io/bbolt"),
			dep == "piiri/sfu" || strings.HasPrefix(dep, "piiri/sfu/"),
			dep == "piiri/config":
			t.Errorf("control depends on %s", dep)
		}
	}
}
