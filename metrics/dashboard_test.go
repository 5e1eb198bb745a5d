package metrics

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// dashboardFile is the Grafana dashboard shipped for piiri's metrics.
const dashboardFile = "../docs/grafana-dashboard.json"

// dashboard is the part of a Grafana dashboard the test reads.
type dashboard struct {
	SchemaVersion int `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Datasource *datasource     `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID         int         `json:"id"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []struct {
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a row's panels
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// registered returns the names of every metric m's registry exports: the
// descriptors of its collectors, not what Gather returns, because a vector
// appears in Gather only once it has a child. Each collector is registered
// again to prove the registry holds it: that must fail as already
// registered.
func registered(t *testing.T, m *Metrics) map[string]bool {
	t.Helper()
	var cs []prometheus.Collector
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		// The registry is a Collector too, of everything in it;
		// registering it in itself would deadlock.
		if c, ok := v.Field(i).Interface().(prometheus.Collector); ok && c != prometheus.Collector(m.Registry) {
			cs = append(cs, c)
		}
	}
	cs = append(cs, goCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	names := map[string]bool{}
	for _, c := range cs {
		var are prometheus.AlreadyRegisteredError
		if err := m.Registry.Register(c); !errors.As(err, &are) {
			t.Errorf("collector %T is not registered by New (Register: %v)", c, err)
			continue
		}
		ch := make(chan *prometheus.Desc)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			if s := fqName.FindStringSubmatch(d.String()); s != nil {
				names[s[1]] = true
			}
		}
	}
	return names
}

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promMatchers = regexp.MustCompile(`\{[^}]*\}`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promToken    = regexp.MustCompile(`[$\w:.]+`)
	promIdent    = regexp.MustCompile(`^[a-zA-Z_:][\w:]*$`)
)

// promKeywords are PromQL words that are not followed by "(" and not
// metric names.
var promKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true}

// metricNames returns the metric names a PromQL expression selects: what
// is left once strings, label matchers, ranges and groupings are removed,
// less numbers, variables, keywords and function names (followed by "(").
func metricNames(expr string) []string {
	s := promString.ReplaceAllString(expr, `""`)
	s = promMatchers.ReplaceAllString(s, " ")
	s = promRange.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	var out []string
	for _, loc := range promToken.FindAllStringIndex(s, -1) {
		tok := s[loc[0]:loc[1]]
		if !promIdent.MatchString(tok) || promKeywords[strings.ToLower(tok)] {
			continue
		}
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // a function or an aggregation
		}
		out = append(out, tok)
	}
	return out
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`piiri_rooms`: {"piiri_rooms"},
		`1e6 * sum by (instance) (rate(process_cpu_seconds_total{instance=~"$instance"}[$__rate_interval]))
/
(sum by (instance) (rate(piiri_forwarded_packets_total{kind="a b"}[1m])) > 0)`: {"process_cpu_seconds_total", "piiri_forwarded_packets_total"},
		`sum without (kind) (x_total) / on (instance) group_left (job) y and z offset 5m`: {"x_total", "y", "z"},
		`histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))`:                       {"h_bucket"},
		`{__name__="x"}`: nil,
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %q, want %q", expr, got, want)
		}
	}
}

func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// TestDashboard keeps docs/grafana-dashboard.json in step with the code:
// every metric a panel queries is one New registers, and the dashboard
// imports into any Grafana with its own Prometheus data source.
func TestDashboard(t *testing.T) {
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d; write it for a current Grafana (36 or later)", d.SchemaVersion)
	}
	hasDatasourceVar := false
	for _, v := range d.Templating.List {
		if v.Name == "datasource" && v.Type == "datasource" && string(v.Query) == `"prometheus"` {
			hasDatasourceVar = true
		}
		checkDatasource(t, "variable "+v.Name, v.Datasource)
	}
	if !hasDatasourceVar {
		t.Error("no datasource variable of type datasource, query prometheus: the panels would need a hard-coded data source")
	}

	names := registered(t, New())
	used := map[string]bool{}
	ids := map[int]string{}
	for _, p := range allPanels(d.Panels) {
		if other, dup := ids[p.ID]; dup {
			t.Errorf("panels %q and %q share id %d", other, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		checkDatasource(t, "panel "+p.Title, p.Datasource)
		for _, tg := range p.Targets {
			checkDatasource(t, "panel "+p.Title+" target", tg.Datasource)
			ms := metricNames(tg.Expr)
			if len(ms) == 0 {
				t.Errorf("panel %q: expression %q queries no metric", p.Title, tg.Expr)
			}
			for _, m := range ms {
				// A histogram's series carry suffixes its
				// descriptor does not.
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if base, ok := strings.CutSuffix(m, suffix); ok && names[base] {
						m = base
					}
				}
				used[m] = true
				if !names[m] {
					t.Errorf("panel %q queries %s, which metrics.New does not register", p.Title, m)
				}
			}
		}
	}
	// The capacity questions the dashboard is for.
	for _, m := range []string{
		"process_cpu_seconds_total", "piiri_forwarded_packets_total",
		"piiri_udp_socket_drops_total", "piiri_udp_buffer_bytes",
		"piiri_participants", "piiri_rooms", "process_resident_memory_bytes",
		"piiri_retransmissions_total", "piiri_plis_received_total", "piiri_plis_sent_total",
		"piiri_connection_paths_total", "go_sched_latencies_seconds",
		"piiri_rooms_by_participants", "piiri_down_tracks",
		// The Meetings row: running, held vs not held, phase transitions.
		"piiri_meetings_running", "piiri_meetings_ended_total", "piiri_meeting_phase_transitions_total",
	} {
		if !used[m] {
			t.Errorf("no panel queries %s", m)
		}
	}
}

// checkDatasource fails on a data source named by a fixed UID: UIDs differ
// between Grafanas, so an imported dashboard would query nothing.
func checkDatasource(t *testing.T, what string, ds *datasource) {
	t.Helper()
	if ds != nil && ds.UID != "${datasource}" && ds.UID != "$datasource" {
		t.Errorf("%s: data source uid %q; use ${datasource}", what, ds.UID)
	}
}
