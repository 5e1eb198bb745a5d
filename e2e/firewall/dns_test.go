package firewall

import (
	"fmt"
	"io"
	"net"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// startDNS answers A queries for the server's name with its address, on
// the client namespace's loopback, where firewall-sim.sh points
// resolv.conf: Chromium resolves TURN host names through DNS, not only
// /etc/hosts. Everything else gets NXDOMAIN at once. TestMain starts it
// once for all the tests; closing the returned connection stops it.
func startDNS() (io.Closer, error) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:53")
	if err != nil {
		return nil, fmt.Errorf("DNS server: %w", err)
	}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if reply, ok := answer(buf[:n]); ok {
				_, _ = pc.WriteTo(reply, from)
			}
		}
	}()
	return pc, nil
}

func answer(query []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	hdr, err := p.Start(query)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	reply := dnsmessage.Header{ID: hdr.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeSuccess}
	name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
	if name != serverHost {
		reply.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, reply)
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	if name == serverHost && q.Type == dnsmessage.TypeA {
		ip := net.ParseIP(serverIP).To4()
		_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: [4]byte(ip)})
	}
	out, err := b.Finish()
	return out, err == nil
}
