// Command testreport reads `go test -json` on stdin and prints what a
// person running `make test` needs: each package's ok or FAIL line, all the
// output of failing tests and packages, and, for passing ones, every skip
// with its reason and every "NOT CHECKED" note, which plain `go test ./...`
// hides. A skipped proof must be seen, or it passes for a proof.
//
//	go test -json ./... | go run ./scripts/testreport
//
// It exits 1 when a test or a build failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// event is one line of `go test -json` (see cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build events
	Test       string
	Output     string
	Elapsed    float64
}

func main() {
	failed, err := report(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testreport: %v\n", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// report writes the summary of the events in r to w and says whether
// anything failed.
func report(r io.Reader, w io.Writer) (failed bool, err error) {
	// Output is held per package and test until the verdict is known.
	held := map[[2]string][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil || (e.Action == "" && e.ImportPath == "") {
			// Not an event: pass it on (go vet output, a panic of go itself).
			fmt.Fprintln(w, string(line))
			continue
		}
		key := [2]string{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			held[[2]string{e.ImportPath, ""}] = append(held[[2]string{e.ImportPath, ""}], e.Output)
		case "build-fail":
			failed = true
			writeAll(w, held[[2]string{e.ImportPath, ""}])
			delete(held, [2]string{e.ImportPath, ""})
		case "output":
			held[key] = append(held[key], e.Output)
		case "pass":
			if e.Test == "" {
				// The package: what its TestMain said, such as why it
				// skipped everything, then the ok line.
				writeNotes(w, held[key], "")
				fmt.Fprintf(w, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
			} else {
				writeNotes(w, held[key], e.Package+" "+e.Test+": ")
			}
			delete(held, key)
		case "skip":
			if e.Test == "" {
				// A package without tests.
				delete(held, key)
				continue
			}
			fmt.Fprintf(w, "SKIP\t%s %s: %s\n", e.Package, e.Test, reason(held[key]))
			delete(held, key)
		case "fail":
			failed = true
			writeAll(w, held[key])
			if e.Test == "" {
				fmt.Fprintf(w, "FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
			}
			delete(held, key)
		}
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	return failed, nil
}

func writeAll(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprint(w, l)
	}
}

// framework reports whether a line is go test's own bookkeeping.
func framework(l string) bool {
	t := strings.TrimSpace(l)
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- PASS", "--- SKIP", "--- FAIL", "PASS", "FAIL", "ok  ", "coverage:"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return t == ""
}

// writeNotes writes, from the output of something that passed, the lines
// that say part of it was not checked: a test main's words (prefix ""), or
// "NOT CHECKED" and "SKIPPED" notes of a test.
func writeNotes(w io.Writer, lines []string, prefix string) {
	for _, l := range lines {
		if framework(l) {
			continue
		}
		if prefix == "" || strings.Contains(l, "NOT CHECKED") || strings.Contains(l, "SKIPPED") {
			fmt.Fprintf(w, "NOTE\t%s%s\n", prefix, strings.TrimSpace(l))
		}
	}
}

// reason is what a skipped test said, on one line.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		if !framework(l) {
			parts = append(parts, strings.TrimSpace(l))
		}
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}
