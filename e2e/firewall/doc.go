// Package firewall holds the tests that prove piiri gets through
// restrictive networks: a real piiri server in one network namespace,
// Go bots and headless Chromium in another, and between them the firewall
// profiles of scripts/firewall-sim.sh (open, no-udp, tcp443, tls443).
package firewall
