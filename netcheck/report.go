package netcheck

import (
	"cmp"
	"fmt"
	"io"
	"net"
	"strings"
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
// shared TCP port, for the advice. Every other port named comes from the
// Target of the check that tried it, as servers configure them freely.
func Judge(results []Result, host, port string) Verdict {
	byCheck := map[string]Result{}
	// mediaTried: some way for audio and video was tried; skipped: why
	// the others were not. proxy: the web proxy the checks went through.
	mediaTried, skipped, proxy := false, "", ""
	for _, r := range results {
		byCheck[r.Check] = r
		proxy = cmp.Or(proxy, r.Via)
		switch {
		case r.Check == CheckHTTPS || r.Check == CheckWebsocket:
		case r.Status != Skipped:
			mediaTried = true
		case skipped == "":
			skipped = r.Detail
		}
	}
	ok := func(check string) bool { return byCheck[check].Status == OK }
	failed := func(check string) bool { return byCheck[check].Status == Failed }
	// on is " port N" for the port a check tried, or for fallback when
	// the check has no target (it did not get as far as the server's
	// address); nothing when neither is known.
	on := func(check, fallback string) string {
		p := cmp.Or(targetPort(byCheck[check].Target), fallback)
		if p == "" {
			return ""
		}
		return " port " + p
	}
	// through is how a check that passed got there: "", or through the
	// web proxy.
	through := func(check string) string {
		if via := byCheck[check].Via; via != "" {
			return " through the web proxy " + via
		}
		return ""
	}
	v := Verdict{Works: true}
	switch {
	case byCheck[CheckHTTPS].ProxyAuth || (!ok(CheckHTTPS) && byCheck[CheckWebsocket].ProxyAuth):
		v.Works = false
		via := cmp.Or(byCheck[CheckHTTPS].Via, proxy)
		v.Summary = fmt.Sprintf("The web proxy %s needs authentication, so nothing could be checked through it. Give netcheck the proxy's user name and password in the proxy URL, such as HTTPS_PROXY=http://USER:PASSWORD@%s (netcheck never prints them).", via, hostOf(via))
		return v
	case !ok(CheckHTTPS):
		v.Works = false
		v.Summary = "The meeting page cannot be reached from this network."
	case !ok(CheckWebsocket):
		v.Works = false
		v.Summary = "The meeting page loads, but its live connection (websocket) is blocked, so nobody can join from here."
	case ok(CheckICEUDP):
		v.Summary = "Meetings work from this network, over UDP: the best path for audio and video."
	case ok(CheckTURNUDP):
		v.Summary = "Meetings work from this network, through the relay over UDP" + on(CheckTURNUDP, "") + " (direct UDP to the server is blocked)."
	case ok(CheckICETCP):
		v.Summary = "Meetings work from this network, over TCP" + on(CheckICETCP, port) + through(CheckICETCP) + ". Sound and picture suffer more from a poor connection than over UDP."
	case ok(CheckTURNTCP):
		v.Summary = "Meetings work from this network, through the relay over TCP" + on(CheckTURNTCP, port) + through(CheckTURNTCP) + "."
	case ok(CheckTURNTLS) && byCheck[CheckTURNTLS].Via != "":
		v.Summary = "Meetings work from this network, through the relay over TLS on TCP" + on(CheckTURNTLS, port) + through(CheckTURNTLS) + ": the proxy lets only encrypted traffic through, which adds some delay."
	case ok(CheckTURNTLS):
		v.Summary = "Meetings work from this network, through the relay over TLS on TCP" + on(CheckTURNTLS, port) + ": this network lets only encrypted web traffic through, which adds some delay."
	case !mediaTried && skipped != "":
		// Nothing was tried, so nothing is known to be blocked.
		v.Works = false
		v.Summary = "The meeting page works, but audio and video could not be checked: " + skipped
	default:
		v.Works = false
		v.Summary = "The meeting page works, but audio and video cannot get through from this network."
	}
	if proxy != "" {
		v.Advice = append(v.Advice, fmt.Sprintf("This machine uses the web proxy %s. Browsers tunnel the page, the websocket and TURN over TCP and TLS through it with CONNECT to %s port %s, and media over TCP with CONNECT to the server's address; UDP never goes through a proxy. The one rule that is enough: the proxy allows CONNECT to %s port %s.", proxy, host, port, host, port))
		if byCheck[CheckICETCP].Via != "" && failed(CheckICETCP) && (ok(CheckTURNTCP) || ok(CheckTURNTLS)) {
			v.Advice = append(v.Advice, fmt.Sprintf("For less delay, let the proxy also allow CONNECT to the server's address%s (media over TCP without the relay).", atTarget(byCheck[CheckICETCP].Target)))
		}
	} else {
		v.Advice = append(v.Advice, fmt.Sprintf("The one firewall rule that is enough: allow outbound TCP port %s to %s.", port, host))
	}
	// UDP is worth asking for only when direct UDP media does not work,
	// and only for what was tried and found blocked.
	if failed(CheckICEUDP) {
		udp := []string{"the server's UDP media port (media.udp_listen in its configuration)"}
		if p := on(CheckICEUDP, ""); p != "" {
			udp[0] = "UDP" + p + " (media)"
		}
		if failed(CheckTURNUDP) {
			udp = append(udp, "UDP"+on(CheckTURNUDP, "")+" (TURN)")
		}
		v.Advice = append(v.Advice, fmt.Sprintf("For better sound and picture, also allow outbound %s to %s.", strings.Join(udp, " and "), host))
	}
	if ok(CheckTURNTLS) && !ok(CheckTURNTCP) && !ok(CheckICETCP) {
		v.Advice = append(v.Advice, fmt.Sprintf("The firewall passes only TLS on%s. If it decrypts and inspects TLS, exempt %s from inspection: media then has less delay.", on(CheckTURNTLS, port), host))
	}
	return v
}

// atTarget is " ip port N" for a Target ("ip:port/tcp"), or "".
func atTarget(target string) string {
	if i := strings.LastIndexByte(target, '/'); i >= 0 {
		target = target[:i]
	}
	h, p, err := net.SplitHostPort(target)
	if err != nil {
		return ""
	}
	return " " + h + " port " + p
}

// targetPort is the port of a Result's Target ("host:port/udp"), or "".
func targetPort(target string) string {
	if i := strings.LastIndexByte(target, '/'); i >= 0 {
		target = target[:i]
	}
	_, p, err := net.SplitHostPort(target)
	if err != nil {
		return ""
	}
	return p
}

// Print writes the results as a table, then the verdict and the advice.
func Print(w io.Writer, results []Result, v Verdict) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tTRIED\tVIA\tRESULT\tDETAIL")
	for _, r := range results {
		target, via := cmp.Or(r.Target, "-"), "direct"
		switch {
		case r.Via != "":
			via = "proxy " + r.Via
		case r.Status == Skipped:
			via = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Check, target, via, r.Status, r.Detail)
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
