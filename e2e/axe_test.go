package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"piiri/e2e/chrome"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAxeFindsProblems keeps the accessibility check honest: on a page
// with an unlabelled field and unreadable text, axe-core must report
// serious violations, or the checks of the real pages prove nothing.
func TestAxeFindsProblems(t *testing.T) {
	if _, err := os.Stat(chrome.AxePath()); err != nil && os.Getenv("CI") == "" {
		t.Skip("skipping: axe-core is not installed; run `make test-deps`")
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>bad</title><main>
<input type="text"><p style="color:#999;background:#aaa">hard to read</p></main></html>`))
	}))
	defer bad.Close()
	b := chrome.New(t)
	b.Do(t, 10*time.Second, chromedp.Navigate(bad.URL))
	got := strings.Join(chrome.AxeViolations(t, b, "bad"), "\n")
	for _, want := range []string{"label", "color-contrast"} {
		if !strings.Contains(got, want) {
			t.Errorf("axe did not report %q on a page that has it; reported:\n%s", want, got)
		}
	}
}
