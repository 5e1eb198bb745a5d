package main

import (
	"strings"
	"testing"
)

func TestLoadtestArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"loadtest"}, 2, "give a meeting link"},
		{[]string{"loadtest", "-bitrate", "fast", "http://127.0.0.1:1/"}, 2, `"fast" is not a bitrate`},
		{[]string{"loadtest", "-size", "1", "http://127.0.0.1:1/"}, 1, "at least 2"},
		{[]string{"loadtest", "-h"}, 0, "-rooms"},
	} {
		code, _, errOut := runCmd(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("piiri %s: exit %d, %q; want exit %d saying %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
		}
	}
}

func TestParseBitrate(t *testing.T) {
	for in, want := range map[string]int{"600k": 600_000, "1.5M": 1_500_000, "250000": 250_000, "0": 0} {
		if got, err := parseBitrate(in); err != nil || got != want {
			t.Errorf("parseBitrate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1k", "k", "100G", "51M"} {
		if _, err := parseBitrate(in); err == nil {
			t.Errorf("parseBitrate(%q) accepted", in)
		}
	}
}
