package sfu

import (
	"log/slog"
	"net/netip"
	"sync"

	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"piiri/metrics"
)

// pathRecorder counts the path one peer connection takes (udp, tcp,
// turn-udp, turn-tcp, turn-tls): once when it connects, the metric an IT
// admin reads to see how members get through, and again at every later
// change of the selected candidate pair that changes the path (ICE may
// move to a better pair after connecting, or to a relay when a path
// breaks).
type pathRecorder struct {
	target    Target
	relayPath func(netip.AddrPort) (string, bool)
	paths     *prometheus.CounterVec
	changes   *prometheus.CounterVec
	log       *slog.Logger

	mu      sync.Mutex // pion calls from its own goroutines
	current string     // "" until connected
}

func (p *Participant) newPathRecorder(target Target) *pathRecorder {
	return &pathRecorder{
		target:    target,
		relayPath: p.env.relayPath,
		paths:     p.env.metrics.ConnectionPaths,
		changes:   p.env.metrics.ConnectionPathChanges,
		log:       p.log,
	}
}

// connected records the path of a connection that has just connected (or
// connected again, after an ICE restart).
func (r *pathRecorder) connected(pc *webrtc.PeerConnection) {
	pair, err := pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return
	}
	r.connectedWith(pair)
}

func (r *pathRecorder) connectedWith(pair *webrtc.ICECandidatePair) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current != "" {
		r.changeLocked(pair)
		return
	}
	r.current = pathOf(pair, r.relayPath)
	r.paths.WithLabelValues(r.current).Inc()
	r.log.Info("media connected", "target", r.target, "path", r.current, "remote", pair.Remote.Address)
}

// selected is the ICE transport's OnSelectedCandidatePairChange handler.
// Until the connection is up, connected records the path instead.
func (r *pathRecorder) selected(pair *webrtc.ICECandidatePair) {
	if pair == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current == "" {
		return
	}
	r.changeLocked(pair)
}

func (r *pathRecorder) changeLocked(pair *webrtc.ICECandidatePair) {
	path := pathOf(pair, r.relayPath)
	if path == r.current {
		r.log.Debug("media candidate pair changed", "target", r.target, "path", path, "remote", pair.Remote.Address)
		return
	}
	r.changes.WithLabelValues(r.current, path).Inc()
	// No address at info: an admin needs the paths; the address is
	// personal data and goes only under "remote", at debug.
	r.log.Info("media path changed", "target", r.target, "from", r.current, "to", path)
	r.log.Debug("media path changed", "target", r.target, "to", path, "remote", pair.Remote.Address)
	r.current = path
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
