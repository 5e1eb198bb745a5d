package record

import "github.com/prometheus/client_golang/prometheus"

// PromMetrics counts with Prometheus counters: create it with
// NewPromMetrics and register Collectors() in the server's registry.
type PromMetrics struct {
	blocks    *prometheus.CounterVec
	dropped   *prometheus.CounterVec
	keyframes prometheus.Counter
	// Resolved per kind once, so that counting a drop on the forwarding
	// goroutine is an atomic add.
	blocksAudio, blocksVideo   prometheus.Counter
	droppedAudio, droppedVideo prometheus.Counter
}

// NewPromMetrics creates the recorder's counters, not yet registered.
func NewPromMetrics() *PromMetrics {
	m := &PromMetrics{
		blocks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_recording_blocks_total", Help: "Frames written to recording files, by kind.",
		}, []string{"kind"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "piiri_recording_dropped_packets_total", Help: "RTP packets the recorder dropped because its queue was full, by kind.",
		}, []string{"kind"}),
		keyframes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "piiri_recording_keyframe_requests_total", Help: "Keyframe requests made by the recorder.",
		}),
	}
	m.blocksAudio, m.blocksVideo = m.blocks.WithLabelValues(KindAudio), m.blocks.WithLabelValues(KindVideo)
	m.droppedAudio, m.droppedVideo = m.dropped.WithLabelValues(KindAudio), m.dropped.WithLabelValues(KindVideo)
	return m
}

// Collectors are the counters, to register.
func (m *PromMetrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.blocks, m.dropped, m.keyframes}
}

// BlockWritten implements Metrics.
func (m *PromMetrics) BlockWritten(kind string) {
	if kind == KindVideo {
		m.blocksVideo.Inc()
	} else {
		m.blocksAudio.Inc()
	}
}

// PacketDropped implements Metrics.
func (m *PromMetrics) PacketDropped(kind string) {
	if kind == KindVideo {
		m.droppedVideo.Inc()
	} else {
		m.droppedAudio.Inc()
	}
}

// KeyframeRequested implements Metrics.
func (m *PromMetrics) KeyframeRequested() { m.keyframes.Inc() }
