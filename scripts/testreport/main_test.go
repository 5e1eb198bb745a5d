package main

import (
	"strings"
	"testing"
)

// The events below are what `go test -json` writes for: a package whose
// TestMain skips everything, a skipped test, a test with a note, a failing
// test and a build failure.
const events = `{"Action":"start","Package":"piiri/e2e/firewall"}
{"Action":"output","Package":"piiri/e2e/firewall","Output":"firewall: SKIPPED: these tests need root\n"}
{"Action":"output","Package":"piiri/e2e/firewall","Output":"ok  \tpiiri/e2e/firewall\t0.01s\n"}
{"Action":"pass","Package":"piiri/e2e/firewall","Elapsed":0.01}
{"Action":"run","Package":"piiri/cmd/piiri","Test":"TestDev"}
{"Action":"output","Package":"piiri/cmd/piiri","Test":"TestDev","Output":"=== RUN   TestDev\n"}
{"Action":"output","Package":"piiri/cmd/piiri","Test":"TestDev","Output":"    admin_test.go:30: SKIPPED: needs root\n"}
{"Action":"output","Package":"piiri/cmd/piiri","Test":"TestDev","Output":"--- SKIP: TestDev (0.00s)\n"}
{"Action":"skip","Package":"piiri/cmd/piiri","Test":"TestDev","Elapsed":0}
{"Action":"run","Package":"piiri/cmd/piiri","Test":"TestVersion"}
{"Action":"output","Package":"piiri/cmd/piiri","Test":"TestVersion","Output":"    admin_test.go:9: NOT CHECKED: the commit\n"}
{"Action":"output","Package":"piiri/cmd/piiri","Test":"TestVersion","Output":"    admin_test.go:9: an ordinary log line\n"}
{"Action":"pass","Package":"piiri/cmd/piiri","Test":"TestVersion","Elapsed":1}
{"Action":"run","Package":"piiri/cmd/piiri","Test":"TestBad"}
{"Action":"output","Package":"piiri/cmd/piiri","Test":"TestBad","Output":"    main_test.go:5: exit 3, want 0\n"}
{"Action":"output","Package":"piiri/cmd/piiri","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"piiri/cmd/piiri","Test":"TestBad","Elapsed":0}
{"Action":"output","Package":"piiri/cmd/piiri","Output":"FAIL\n"}
{"Action":"fail","Package":"piiri/cmd/piiri","Elapsed":2}
{"ImportPath":"piiri/broken","Action":"build-output","Output":"broken/x.go:3:1: syntax error\n"}
{"ImportPath":"piiri/broken","Action":"build-fail"}
{"Action":"skip","Package":"piiri/scripts"}
`

func TestReport(t *testing.T) {
	var out strings.Builder
	failed, err := report(strings.NewReader(events), &out)
	if err != nil || !failed {
		t.Fatalf("failed %v, err %v", failed, err)
	}
	got := out.String()
	for _, want := range []string{
		"NOTE\tfirewall: SKIPPED: these tests need root\nok  \tpiiri/e2e/firewall\t0.010s\n",
		"SKIP\tpiiri/cmd/piiri TestDev: admin_test.go:30: SKIPPED: needs root\n",
		"NOTE\tpiiri/cmd/piiri TestVersion: admin_test.go:9: NOT CHECKED: the commit\n",
		"main_test.go:5: exit 3, want 0\n--- FAIL: TestBad (0.00s)\n",
		"FAIL\tpiiri/cmd/piiri\t2.000s\n",
		"broken/x.go:3:1: syntax error\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "ordinary log line") || strings.Contains(got, "=== RUN") || strings.Contains(got, "piiri/scripts") {
		t.Errorf("report holds noise:\n%s", got)
	}

	out.Reset()
	failed, _ = report(strings.NewReader(`{"Action":"pass","Package":"p","Elapsed":1}`+"\n"), &out)
	if failed || out.String() != "ok  \tp\t1.000s\n" {
		t.Errorf("a passing package: failed %v, %q", failed, out.String())
	}
}
