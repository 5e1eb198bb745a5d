package turn

import (
	"net"
	"time"
)

// Advertisement says how clients reach this TURN server from outside: the
// URLs piiri puts in every ICE server list follow from it.
type Advertisement struct {
	// Host is the server's public host name. TURN is always advertised by
	// name: TLS needs a name that matches the certificate, and Firefox
	// refuses a turns: URL whose host is an IP address.
	Host string
	// UDPPort is the port of TURN over UDP; empty when it is off.
	UDPPort string
	// SharedPort is the public port of the shared TCP port.
	SharedPort string
	// TLS is true when piiri terminates TLS on the shared port itself:
	// both turn: (TCP) and turns: (TLS) work there.
	TLS bool
	// BehindTLSProxy is true when a proxy in front terminates TLS on the
	// public port: plain TURN over TCP cannot pass it, TURN over TLS can
	// (a TCP-level terminator hands piiri the decrypted STUN).
	BehindTLSProxy bool
}

// ICEServer is one RTCIceServer: the URLs and the credentials of one
// participant.
type ICEServer struct {
	URLs       []string
	Username   string
	Credential string
}

// URLs are the TURN URLs to offer, best first for firewalls: UDP where it
// passes, then TCP and TLS on the shared port.
func (a Advertisement) URLs() []string {
	var urls []string
	if a.UDPPort != "" {
		urls = append(urls, "turn:"+net.JoinHostPort(a.Host, a.UDPPort)+"?transport=udp")
	}
	shared := net.JoinHostPort(a.Host, a.SharedPort)
	switch {
	case a.TLS:
		urls = append(urls, "turn:"+shared+"?transport=tcp", "turns:"+shared+"?transport=tcp")
	case a.BehindTLSProxy:
		urls = append(urls, "turns:"+shared+"?transport=tcp")
	default:
		urls = append(urls, "turn:"+shared+"?transport=tcp")
	}
	return urls
}

// ICEServer returns the ICE server entry for one participant: the
// advertised URLs with credentials of its own that allow new allocations
// for ttl (at most the configured credential TTL).
func (s *Server) ICEServer(participantID string, ttl time.Duration, a Advertisement) ICEServer {
	user, pass := s.CredentialsFor(participantID, ttl)
	return ICEServer{URLs: a.URLs(), Username: user, Credential: pass}
}
