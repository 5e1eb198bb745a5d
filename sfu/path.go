package sfu

import (
	"net/netip"

	"github.com/pion/webrtc/v4"

	"piiri/metrics"
)

// recordPath counts the path a peer connection took once it connected:
// the metric an IT admin reads to see how members get through.
func (p *Participant) recordPath(target Target, pc *webrtc.PeerConnection) {
	pair, err := pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return
	}
	path := pathOf(pair, p.room.sfu.cfg.RelayPath)
	p.room.sfu.metrics.ConnectionPaths.WithLabelValues(path).Inc()
	p.log.Info("media connected", "target", target, "path", path, "remote", pair.Remote.Address)
}

// pathOf names the path of a selected candidate pair, from the server's
// side: ICE-TCP when the local candidate is TCP; TURN (and over which
// transport the client reaches it) when the remote address is one of our
// relay sockets; else direct UDP.
func pathOf(pair *webrtc.ICECandidatePair, relay func(netip.AddrPort) (string, bool)) string {
	if pair.Local.Protocol == webrtc.ICEProtocolTCP {
		return metrics.PathTCP
	}
	if relay != nil {
		if ip, err := netip.ParseAddr(pair.Remote.Address); err == nil {
			if path, ok := relay(netip.AddrPortFrom(ip.Unmap(), pair.Remote.Port)); ok {
				return path
			}
		}
	}
	return metrics.PathUDP
}
