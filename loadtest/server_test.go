package loadtest

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseProcStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis, as a process may
	// choose; utime 1234 and stime 66 ticks.
	line := "4242 (pi iri) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 66 0 0 20 0 9 0 100 1000000 2000 18446744073709551615\n"
	got, err := parseProcStatCPU([]byte(line))
	if err != nil || got != 13*time.Second {
		t.Errorf("parseProcStatCPU = %v, %v; want 13s", got, err)
	}
	if _, err := parseProcStatCPU([]byte("4242 (piiri")); err == nil {
		t.Error("a cut line parsed")
	}
}

func TestParseProcStatusRSS(t *testing.T) {
	got, err := parseProcStatusRSS([]byte("Name:\tpiiri\nVmPeak:\t  999 kB\nVmRSS:\t   64000 kB\nThreads: 9\n"))
	if err != nil || got != 64000<<10 {
		t.Errorf("parseProcStatusRSS = %d, %v", got, err)
	}
	if _, err := parseProcStatusRSS([]byte("Name:\tpiiri\n")); err == nil {
		t.Error("no VmRSS parsed")
	}
}

func TestParseSNMP(t *testing.T) {
	snmp := "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
		"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"Udp: 100 2 508000 90 507998 0 0 0 0\n" +
		"UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"UdpLite: 0 0 0 0 7 0 0 0 0\n"
	got, err := parseSNMPRcvbufErrors([]byte(snmp))
	if err != nil || got != 507998 {
		t.Errorf("parseSNMPRcvbufErrors = %d, %v; want 507998", got, err)
	}
}

func TestListeningInodes(t *testing.T) {
	table := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0\n" +
		"   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 20 4 30 10 -1\n" +
		"   2: 0100007F:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0\n"
	got := listeningInodes([]byte(table), 8080)
	if len(got) != 1 || got[0] != "111" {
		t.Errorf("listeningInodes(8080) = %v, want [111] (the listener, not the connection)", got)
	}
}

// TestListeningPIDFindsThisProcess: a listener of this process is found
// by its port.
func TestListeningPIDFindsThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skipf("no /proc/net/tcp here (%v): the load tool reads /proc only on Linux", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pid, err := listeningPID(ln.Addr().(*net.TCPAddr).Port)
	if err != nil || pid != os.Getpid() {
		t.Errorf("listeningPID = %d, %v; want this process, %d", pid, err, os.Getpid())
	}
}

func TestParseBitrateAndNames(t *testing.T) {
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands = %q", got)
	}
	if got := thousands(-1000); got != "-1,000" {
		t.Errorf("thousands = %q", got)
	}
	if compareNames("load-1-2", "load-1-10") >= 0 {
		t.Error("load-1-2 sorts after load-1-10")
	}
	tgt, err := parseLink("https://meet.example.org:8443/?room=tuesday#key=K%2B1")
	if err != nil || tgt.ws != "wss://meet.example.org:8443/ws" || tgt.room != "tuesday" || tgt.key != "K+1" {
		t.Errorf("parseLink = %+v, %v", tgt, err)
	}
	a, errA := parseLink("http://127.0.0.1:8080/")
	b, errB := parseLink("http://127.0.0.1:8080/")
	if errA != nil || errB != nil || !strings.HasPrefix(a.room, "load-") || a.room == b.room || a.ws != "ws://127.0.0.1:8080/ws" {
		t.Errorf("links without a room: rooms %q and %q (%v, %v); want two different load-... names", a.room, b.room, errA, errB)
	}
}
