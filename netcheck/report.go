package netcheck

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// Verdict sums up the results for a person: can meetings happen from here,
// over which path, and what would make them better.
type Verdict struct {
	Works   bool
	Summary string
	Advice  []string
}

// Judge reads the results. host and port are the server's host name and
// shared TCP port, for the advice.
func Judge(results []Result, host, port string) Verdict {
	ok := map[string]bool{}
	// mediaTried: some way for audio and video was tried; skipped: why
	// the others were not.
	mediaTried, skipped := false, ""
	for _, r := range results {
		ok[r.Check] = r.Status == OK
		switch {
		case r.Check == CheckHTTPS || r.Check == CheckWebsocket:
		case r.Status != Skipped:
			mediaTried = true
		case skipped == "":
			skipped = r.Detail
		}
	}
	v := Verdict{Works: true}
	switch {
	case !ok[CheckHTTPS]:
		v.Works = false
		v.Summary = "The meeting page cannot be reached from this network."
	case !ok[CheckWebsocket]:
		v.Works = false
		v.Summary = "The meeting page loads, but its live connection (websocket) is blocked, so nobody can join from here."
	case ok[CheckICEUDP]:
		v.Summary = "Meetings work from this network, over UDP: the best path for audio and video."
	case ok[CheckTURNUDP]:
		v.Summary = "Meetings work from this network, through the relay over UDP port 3478 (direct UDP to the server is blocked)."
	case ok[CheckICETCP]:
		v.Summary = "Meetings work from this network, over TCP port 443. Sound and picture suffer more from a poor connection than over UDP."
	case ok[CheckTURNTCP]:
		v.Summary = "Meetings work from this network, through the relay over TCP port 443."
	case ok[CheckTURNTLS]:
		v.Summary = "Meetings work from this network, through the relay over TLS on port 443: this network lets only encrypted web traffic through, which adds some delay."
	case !mediaTried && skipped != "":
		// Nothing was tried, so nothing is known to be blocked.
		v.Works = false
		v.Summary = "The meeting page works, but audio and video could not be checked: " + skipped
	default:
		v.Works = false
		v.Summary = "The meeting page works, but audio and video cannot get through from this network."
	}
	v.Advice = append(v.Advice, fmt.Sprintf("The one firewall rule that is enough: allow outbound TCP port %s to %s.", port, host))
	if !ok[CheckICEUDP] || !ok[CheckTURNUDP] {
		v.Advice = append(v.Advice, fmt.Sprintf("For better sound and picture, also allow outbound UDP port 443 (media) and UDP port 3478 (TURN) to %s.", host))
	}
	if ok[CheckTURNTLS] && !ok[CheckTURNTCP] && !ok[CheckICETCP] {
		v.Advice = append(v.Advice, fmt.Sprintf("The firewall passes only TLS on port 443. If it decrypts and inspects TLS, exempt %s from inspection: media then has less delay.", host))
	}
	if p := proxyFromEnv(); p != "" {
		v.Advice = append(v.Advice, "This machine uses a web proxy ("+p+"). Browsers tunnel TURN over TCP and TLS through it on port 443; UDP and port 3478 do not work through a proxy.")
	}
	return v
}

func proxyFromEnv() string {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		if v := os.Getenv(k); v != "" {
			return k + "=" + v
		}
	}
	return ""
}

// Print writes the results as a table, then the verdict and the advice.
func Print(w io.Writer, results []Result, v Verdict) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tTRIED\tRESULT\tDETAIL")
	for _, r := range results {
		target := r.Target
		if target == "" {
			target = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Check, target, r.Status, r.Detail)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\n%s\n", v.Summary)
	if len(v.Advice) > 0 {
		fmt.Fprintf(w, "\nFor the IT admin:\n")
		for _, a := range v.Advice {
			fmt.Fprintf(w, "  - %s\n", a)
		}
	}
}
