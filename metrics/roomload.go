package metrics

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// RoomLoad is one media room as the per-room load metrics count it.
type RoomLoad struct {
	Participants int // people (and probes) in the room
	// DownTracks are the tracks the room forwards to subscribers: its
	// fan-out, to which its packet rate and CPU are proportional (a room
	// of M people publishing audio and video has 2·M·(M−1)).
	DownTracks int
}

// RoomLoads collects piiri_rooms_by_participants, piiri_down_tracks and
// piiri_busiest_room_down_tracks from the rooms as they are when
// Prometheus scrapes. No room is named: room names are their meetings'
// secrets, and a label per room would grow without bound.
type RoomLoads struct {
	bySize, downTracks, busiest *prometheus.Desc

	mu    sync.Mutex
	rooms func() []RoomLoad
}

func newRoomLoads() *RoomLoads {
	return &RoomLoads{
		bySize: prometheus.NewDesc("piiri_rooms_by_participants",
			"Media rooms by their number of participants (the participants label).", []string{"participants"}, nil),
		downTracks: prometheus.NewDesc("piiri_down_tracks",
			"Tracks forwarded to subscribers in all rooms: the server's fan-out, to which its packet rate is proportional.", nil, nil),
		busiest: prometheus.NewDesc("piiri_busiest_room_down_tracks",
			"Tracks forwarded to subscribers in the room that forwards the most.", nil, nil),
	}
}

// Watch makes the collector read the rooms through rooms at each scrape.
func (c *RoomLoads) Watch(rooms func() []RoomLoad) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rooms = rooms
}

// Describe implements prometheus.Collector.
func (c *RoomLoads) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.bySize
	ch <- c.downTracks
	ch <- c.busiest
}

// Collect implements prometheus.Collector.
func (c *RoomLoads) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	rooms := c.rooms
	c.mu.Unlock()
	var loads []RoomLoad
	if rooms != nil {
		loads = rooms()
	}
	bySize := map[int]int{}
	var down, busiest int
	for _, l := range loads {
		bySize[l.Participants]++
		down += l.DownTracks
		busiest = max(busiest, l.DownTracks)
	}
	for size, n := range bySize {
		ch <- prometheus.MustNewConstMetric(c.bySize, prometheus.GaugeValue, float64(n), strconv.Itoa(size))
	}
	ch <- prometheus.MustNewConstMetric(c.downTracks, prometheus.GaugeValue, float64(down))
	ch <- prometheus.MustNewConstMetric(c.busiest, prometheus.GaugeValue, float64(busiest))
}
