package loadtest

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// clockTicks is the unit of the CPU times in /proc/PID/stat (USER_HZ),
// 100 on every Linux architecture Go runs on.
const clockTicks = 100

// serverProbe reads the server's CPU, memory and counters at the start
// and end of the window.
type serverProbe struct {
	pid        int    // 0: not on this machine, or not found
	pidFrom    string // how the pid was found, for the report
	metricsURL string
	client     *http.Client
	notes      []string
}

// serverSample is one reading; each source may be missing.
type serverSample struct {
	proc     bool
	cpu      time.Duration
	rssBytes int64
	// UDP receive-buffer errors of this machine's network namespace (all
	// sockets): the sign of a socket that overflowed when the server's own
	// drop metric is not available.
	hostDrops    int64
	hasHostDrops bool

	metrics      bool
	metricsErr   error
	mCPU         float64 // process_cpu_seconds_total
	mRSS         float64 // process_resident_memory_bytes
	forwarded    float64 // piiri_forwarded_packets_total, all kinds
	mallocs      float64 // go_memstats_mallocs_total
	socketDrops  float64 // piiri_udp_socket_drops_total, all sockets
	hasDropCount bool
}

func newServerProbe(ctx context.Context, cfg Config, tgt target) (*serverProbe, error) {
	p := &serverProbe{metricsURL: cfg.MetricsURL}
	switch {
	case cfg.PID > 0:
		if _, err := readProcCPU(cfg.PID); err != nil {
			return nil, fmt.Errorf("loadtest: server process %d: %w", cfg.PID, err)
		}
		p.pid, p.pidFrom = cfg.PID, "given"
	case cfg.PID == 0 && isLocalHost(tgt.base.Hostname()):
		port, err := portOf(tgt.base)
		if err == nil {
			p.pid, err = listeningPID(port)
		}
		if err != nil {
			p.notes = append(p.notes, fmt.Sprintf("the server is on this machine, but its process was not found (%v): give -pid for CPU and memory from /proc", err))
		} else {
			p.pidFrom = fmt.Sprintf("listening on port %d", port)
			if p.pid == os.Getpid() {
				p.notes = append(p.notes, "the server runs in the load tool's own process: its CPU includes the bots'")
			}
		}
	}
	if p.metricsURL != "" {
		p.client = &http.Client{
			Timeout:   10 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}},
		}
		if _, err := p.scrape(ctx); err != nil {
			return nil, fmt.Errorf("loadtest: server metrics: %w", err)
		}
	}
	if p.pid == 0 && p.metricsURL == "" {
		p.notes = append(p.notes, "no CPU or memory of the server: it is not on this machine; give -metrics with its admin listener's /metrics")
	}
	return p, nil
}

func (p *serverProbe) sample(ctx context.Context) serverSample {
	var s serverSample
	if p.pid > 0 {
		cpu, err1 := readProcCPU(p.pid)
		rss, err2 := readProcRSS(p.pid)
		if err1 == nil && err2 == nil {
			s.proc, s.cpu, s.rssBytes = true, cpu, rss
		}
		if drops, err := readHostUDPDrops(); err == nil {
			s.hostDrops, s.hasHostDrops = drops, true
		}
	}
	if p.metricsURL != "" {
		fams, err := p.scrape(ctx)
		if err != nil {
			s.metricsErr = err
			return s
		}
		s.metrics = true
		s.mCPU = sum(fams["process_cpu_seconds_total"])
		s.mRSS = sum(fams["process_resident_memory_bytes"])
		s.forwarded = sum(fams["piiri_forwarded_packets_total"])
		s.mallocs = sum(fams["go_memstats_mallocs_total"])
		if f, ok := fams["piiri_udp_socket_drops_total"]; ok {
			s.socketDrops, s.hasDropCount = sum(f), true
		}
	}
	return s
}

// scrape fetches and parses the metrics endpoint.
func (p *serverProbe) scrape(ctx context.Context) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.metricsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.metricsURL, err)
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", p.metricsURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", p.metricsURL, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", p.metricsURL, err)
	}
	if _, ok := fams["piiri_forwarded_packets_total"]; !ok {
		if _, ok := fams["piiri_build_info"]; !ok {
			return nil, fmt.Errorf("%s is not a piiri server's metrics (no piiri_build_info)", p.metricsURL)
		}
	}
	return fams, nil
}

// sum adds up a counter's or gauge's values over all label sets.
func sum(f *dto.MetricFamily) float64 {
	if f == nil {
		return 0
	}
	var v float64
	for _, m := range f.GetMetric() {
		switch {
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Untyped != nil:
			v += m.Untyped.GetValue()
		}
	}
	return v
}

// isLocalHost reports whether host names this machine: a loopback name or
// address, or an address of one of its interfaces.
func isLocalHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		ips, err := net.LookupIP(host)
		if err != nil || len(ips) == 0 {
			return false
		}
		ip = ips[0]
	}
	if ip.IsLoopback() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

func portOf(u *url.URL) (int, error) {
	s := u.Port()
	if s == "" {
		return 0, fmt.Errorf("the link has no port")
	}
	return strconv.Atoi(s)
}

// listeningPID finds the process with a TCP socket listening on port:
// the socket's inode from /proc/net/tcp{,6}, then the process whose file
// descriptors hold it.
func listeningPID(port int) (int, error) {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, ino := range listeningInodes(b, port) {
			inodes[ino] = true
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("no socket listens on TCP port %d here", port)
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		link, err := os.Readlink(fd)
		if err != nil || !strings.HasPrefix(link, "socket:[") {
			continue
		}
		if inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
			pid, err := strconv.Atoi(strings.Split(fd, "/")[2])
			if err == nil {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("the process listening on TCP port %d is not readable by this user", port)
}

// listeningInodes returns the inodes of the sockets in a /proc/net/tcp
// table that listen on port.
func listeningInodes(table []byte, port int) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(table))
	sc.Scan() // the header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != "0A" { // 0A: TCP_LISTEN
			continue
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil && int(p) == port {
			out = append(out, f[9])
		}
	}
	return out
}

// readProcCPU is a process's user and system CPU time.
func readProcCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStatCPU(b)
}

// parseProcStatCPU reads utime and stime (fields 14 and 15) of
// /proc/PID/stat; the command name before them may hold spaces and
// parentheses, so fields are counted from its closing one.
func parseProcStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc stat line %q", b)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat line %q", b)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected CPU times in /proc stat line %q", b)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// readProcRSS is a process's resident memory.
func readProcRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStatusRSS(b)
}

func parseProcStatusRSS(b []byte) (int64, error) {
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb << 10, nil
				}
			}
			return 0, fmt.Errorf("unexpected VmRSS line %q", line)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc status")
}

// readHostUDPDrops is the namespace's UDP and UDP6 RcvbufErrors.
func readHostUDPDrops() (int64, error) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, err
	}
	n, err := parseSNMPRcvbufErrors(b)
	if err != nil {
		return 0, err
	}
	if b6, err := os.ReadFile("/proc/net/snmp6"); err == nil {
		for line := range strings.SplitSeq(string(b6), "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[0] == "Udp6RcvbufErrors" {
				v, err := strconv.ParseInt(f[1], 10, 64)
				if err == nil {
					n += v
				}
			}
		}
	}
	return n, nil
}

// parseSNMPRcvbufErrors reads RcvbufErrors from the "Udp:" header and
// value lines of /proc/net/snmp.
func parseSNMPRcvbufErrors(b []byte) (int64, error) {
	var header []string
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if header == nil {
			header = f
			continue
		}
		for i, name := range header {
			if name == "RcvbufErrors" && i < len(f) {
				return strconv.ParseInt(f[i], 10, 64)
			}
		}
		break
	}
	return 0, fmt.Errorf("no Udp RcvbufErrors in /proc/net/snmp")
}

// selfProbe reads the load tool's own CPU, to show whether the tool
// rather than the server was the limit.
type selfProbe struct{ pid int }

func newSelfProbe() selfProbe { return selfProbe{pid: os.Getpid()} }

type selfSample struct {
	at  time.Time
	ok  bool
	cpu time.Duration
}

func (p selfProbe) sample() selfSample {
	cpu, err := readProcCPU(p.pid)
	return selfSample{at: time.Now(), ok: err == nil, cpu: cpu}
}

func serverStats(p *serverProbe, a, b serverSample, window time.Duration, total Totals) ServerStats {
	st := ServerStats{Notes: append([]string(nil), p.notes...)}
	delivered := total.Audio.Delivered + total.Video.Delivered
	// Per second of the window: the drain after it, in the samples' span,
	// adds CPU for the window's last packets but no load.
	elapsed := window.Seconds()
	var cpu float64 // seconds
	switch {
	case a.proc && b.proc:
		st.Source = "proc"
		st.PID, st.PIDFrom = p.pid, p.pidFrom
		cpu = (b.cpu - a.cpu).Seconds()
		st.RSSBytes = b.rssBytes
	case a.metrics && b.metrics:
		st.Source = "metrics"
		cpu = b.mCPU - a.mCPU
		st.RSSBytes = int64(b.mRSS)
	}
	if st.Source != "" && elapsed > 0 {
		st.CPUCores = cpu / elapsed
		if delivered > 0 {
			st.CPUMicrosPerPacket = cpu * 1e6 / float64(delivered)
		}
	}
	if a.metrics && b.metrics {
		st.ForwardedPackets = int64(b.forwarded - a.forwarded)
		if delivered > 0 {
			st.AllocsPerPacket = (b.mallocs - a.mallocs) / float64(delivered)
		}
		if b.hasDropCount {
			st.SocketDrops = int64(b.socketDrops - a.socketDrops)
			st.SocketDropsFrom = "server"
		}
	}
	if a.hasHostDrops && b.hasHostDrops {
		st.HostSocketDrops = b.hostDrops - a.hostDrops
		st.HasHostDrops = true
	}
	if err := cmp.Or(a.metricsErr, b.metricsErr); err != nil {
		st.Notes = append(st.Notes, "server metrics: "+err.Error())
	}
	return st
}

func selfStats(a, b selfSample) LoadToolStats {
	elapsed := b.at.Sub(a.at).Seconds()
	if !a.ok || !b.ok || elapsed <= 0 {
		return LoadToolStats{}
	}
	return LoadToolStats{CPUCores: (b.cpu - a.cpu).Seconds() / elapsed}
}
