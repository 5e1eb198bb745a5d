// Package e2e holds end-to-end tests that drive real headless Chromium
// (Debian's /usr/bin/chromium, through chromedp) against a real piiri
// server, and assert on what WebRTC's getStats() reports.
package e2e
