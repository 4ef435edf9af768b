package metrics_test

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
)

// Where the alerts live, from this package's folder.
const (
	rulesFile    = "../../terraform/k8s/base/alert-rules.yml"
	policiesFile = "../../terraform/modules/alerts/main.tf"
)

// external are the series alerts may read that the pipeline does not
// export: kube-state-metrics' container states.
var external = map[string]bool{
	"kube_pod_container_status_restarts_total": true,
	"kube_pod_container_status_waiting_reason": true,
}

// builtin are the Cloud Monitoring metric prefixes the policies may filter
// on besides the services' own metrics.
var builtin = []string{"run.googleapis.com/", "pubsub.googleapis.com/", "storage.googleapis.com/"}

var (
	quoted    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	matchers  = regexp.MustCompile(`\{[^}]*\}`)
	ranges    = regexp.MustCompile(`\[[^\]]*\]`)
	grouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ident     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	keywords  = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true, "inf": true, "nan": true}
	interpol  = regexp.MustCompile(`\$\{[^}]*\}`)
	hclString = regexp.MustCompile(`^\s*\w+\s*=\s*("(?:[^"\\]|\\.)*")\s*$`)
	metricTyp = regexp.MustCompile(`metric\.type = \\"([^"\\]+)\\"`)
)

// metricNames returns the series names a PromQL expression selects: the
// identifiers left once strings, label matchers, ranges and grouping
// clauses are removed, that are neither functions nor keywords.
func metricNames(expr string) []string {
	expr = quoted.ReplaceAllString(expr, `""`)
	expr = matchers.ReplaceAllString(expr, " ")
	expr = ranges.ReplaceAllString(expr, " ")
	expr = grouping.ReplaceAllString(expr, " ")
	var names []string
	for _, loc := range ident.FindAllStringIndex(expr, -1) {
		name := expr[loc[0]:loc[1]]
		rest := strings.TrimLeft(expr[loc[1]:], " \t\n")
		if keywords[strings.ToLower(name)] || strings.HasPrefix(rest, "(") {
			continue
		}
		if loc[0] > 0 && (expr[loc[0]-1] >= '0' && expr[loc[0]-1] <= '9' || expr[loc[0]-1] == '.') {
			continue // the exponent or unit of a number
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		expr string
		want []string
	}{
		{`sum by (namespace) (rate(gcs_api_errors_total{code!~"404|x"}[5m])) / sum by (namespace) (rate(gcs_api_duration_seconds_count[5m])) > 0.05`,
			[]string{"gcs_api_errors_total", "gcs_api_duration_seconds_count"}},
		{`histogram_quantile(0.95, sum by (le) (rate(blend_duration_seconds_bucket[5m]))) > 5`, []string{"blend_duration_seconds_bucket"}},
		{`max by (dependency) (circuit_breaker_state) == 2 or up == 0 unless on (job) queue_depth > 1e3`, []string{"circuit_breaker_state", "up", "queue_depth"}},
		{`increase(kube_pod_container_status_restarts_total{namespace="blendpipe"}[15m]) > 3`, []string{"kube_pod_container_status_restarts_total"}},
	}
	for _, c := range cases {
		if got := metricNames(c.expr); !slices.Equal(got, c.want) {
			t.Errorf("metricNames(%s) = %q, want %q", c.expr, got, c.want)
		}
	}
}

// exported returns every metric name the services' registry exports, with
// the _bucket, _count and _sum series of its histograms and summaries. Vecs
// without children yet are not gathered, so their names come from their
// descriptions.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	m := metrics.New()
	names := map[string]bool{}
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		if !v.Type().Field(i).IsExported() {
			continue
		}
		c, ok := v.Field(i).Interface().(prometheus.Collector)
		if !ok {
			continue
		}
		ch := make(chan *prometheus.Desc, 8)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			if sub := fqName.FindStringSubmatch(d.String()); sub != nil {
				names[sub[1]] = true
			}
		}
	}
	for n := range names {
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			names[n+suffix] = true
		}
	}
	return names
}

// ruleExprs reads every alert expression of the Prometheus rules file.
func ruleExprs(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	out := map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			out[rulesFile+": "+r.Alert] = r.Expr
		}
	}
	return out
}

// policyQueries reads the PromQL queries of the Terraform alert policies
// (the promql map of its locals) and the Cloud Monitoring metric types its
// filters name.
func policyQueries(t *testing.T) (map[string]string, []string) {
	t.Helper()
	b, err := os.ReadFile(policiesFile)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	start := strings.Index(src, "promql = {")
	if start < 0 {
		t.Fatalf("%s: no promql map in the locals", policiesFile)
	}
	out := map[string]string{}
	for _, line := range strings.Split(src[start:], "\n")[1:] {
		if strings.TrimSpace(line) == "}" {
			break
		}
		sub := hclString.FindStringSubmatch(line)
		if sub == nil {
			continue
		}
		q, err := strconv.Unquote(sub[1])
		if err != nil {
			t.Fatalf("%s: %s: %v", policiesFile, line, err)
		}
		out[policiesFile+": "+strings.Fields(line)[0]] = interpol.ReplaceAllString(q, "1")
	}
	var types []string
	for _, m := range metricTyp.FindAllStringSubmatch(src, -1) {
		types = append(types, m[1])
	}
	return out, types
}

func TestAlertsReadExportedMetrics(t *testing.T) {
	t.Parallel()
	have := exported(t)
	exprs := ruleExprs(t)
	queries, types := policyQueries(t)
	if len(exprs) < 3 || len(queries) < 3 || len(types) < 5 {
		t.Fatalf("read %d rules, %d PromQL policies and %d metric types; the files changed shape", len(exprs), len(queries), len(types))
	}
	for k, v := range queries {
		exprs[k] = v
	}
	seen := map[string]bool{}
	for where, expr := range exprs {
		names := metricNames(expr)
		if len(names) == 0 {
			t.Errorf("%s: no metric in %q", where, expr)
		}
		for _, n := range names {
			seen[n] = true
			if !have[n] && !external[n] {
				t.Errorf("%s: %s is not exported by internal/metrics", where, n)
			}
		}
	}
	for _, n := range []string{"gcs_api_errors_total", "gcs_api_duration_seconds_count", "blend_duration_seconds_bucket", "circuit_breaker_state"} {
		if !seen[n] {
			t.Errorf("no alert reads %s", n)
		}
	}
	for _, typ := range types {
		if !slices.ContainsFunc(builtin, func(p string) bool { return strings.HasPrefix(typ, p) }) {
			t.Errorf("%s: metric type %s is neither built in (%v) nor a PromQL query of the services' metrics", policiesFile, typ, builtin)
		}
	}
}
