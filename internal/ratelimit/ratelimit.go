// Package ratelimit keeps token buckets per source address, so that one
// host cannot try secrets (room keys, link tokens) or take scarce
// resources (TURN credentials) faster than a person ever would, while other
// hosts are not affected. IPv6 sources are grouped by /64, the block one
// subscriber usually holds, so rotating through one's own addresses does
// not buy more attempts.
package ratelimit

import (
	"net/netip"
	"sync"
	"time"

	"piiri/internal/clock"
)

// Config sets one limit.
type Config struct {
	// Every is the time in which one token comes back.
	Every time.Duration
	// Burst is how many tokens a source has when it has been quiet.
	Burst int
	// MaxSources bounds the memory: beyond it, sources whose bucket is
	// full are forgotten first, and a source that still finds no room is
	// not limited (tokens and keys are long enough that guessing them is
	// hopeless anyway; this limit keeps the logs and the CPU quiet). 0
	// means 65536.
	MaxSources int
}

// PerSource is a set of token buckets, one per source address. It is safe
// for concurrent use.
type PerSource struct {
	cfg   Config
	clock clock.Clock

	mu      sync.Mutex
	buckets map[netip.Prefix]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a limiter; clk nil means the real clock.
func New(cfg Config, clk clock.Clock) *PerSource {
	if clk == nil {
		clk = clock.Real{}
	}
	if cfg.MaxSources <= 0 {
		cfg.MaxSources = 65536
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	return &PerSource{cfg: cfg, clock: clk, buckets: make(map[netip.Prefix]*bucket)}
}

// Source is the key a limiter uses for an address: the address itself for
// IPv4, its /64 for IPv6.
func Source(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// Allow takes one token for addr and reports whether there was one.
func (l *PerSource) Allow(addr netip.Addr) bool {
	ok, _ := l.take(addr, true)
	return ok
}

// Blocked reports whether addr has no token left, without taking one, and
// when the next comes back.
func (l *PerSource) Blocked(addr netip.Addr) (blocked bool, retryAfter time.Duration) {
	ok, wait := l.take(addr, false)
	return !ok, wait
}

func (l *PerSource) take(addr netip.Addr, consume bool) (ok bool, retryAfter time.Duration) {
	key := Source(addr)
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if !consume {
			return true, 0
		}
		if len(l.buckets) >= l.cfg.MaxSources && !l.sweepLocked(now) {
			return true, 0
		}
		b = &bucket{tokens: float64(l.cfg.Burst), at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(l.cfg.Every))
	}
	if consume {
		b.tokens--
	}
	return true, 0
}

func (l *PerSource) refill(b *bucket, now time.Time) {
	if l.cfg.Every > 0 {
		b.tokens += float64(now.Sub(b.at)) / float64(l.cfg.Every)
	}
	b.tokens = min(b.tokens, float64(l.cfg.Burst))
	b.at = now
}

// sweepLocked forgets sources whose bucket has refilled; it reports
// whether that made room.
func (l *PerSource) sweepLocked(now time.Time) bool {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= float64(l.cfg.Burst) {
			delete(l.buckets, k)
		}
	}
	return len(l.buckets) < l.cfg.MaxSources
}

// Len is the number of sources being tracked.
func (l *PerSource) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// NewFailedAuth is the limit on wrong secrets that the websocket and the
// HTTP API share, per source: ten wrong attempts in a row, then one more
// every six seconds. A person who mistypes never meets it; a script
// guessing room keys or link tokens gets ten a minute.
func NewFailedAuth(clk clock.Clock) *PerSource {
	return New(Config{Every: 6 * time.Second, Burst: 10}, clk)
}
