//go:build corpus

package local

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics/metricstest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
)

// TestMetricsCountUploadsBlendsAndSyncs drops two uploads and a malformed
// file, makes one blend twice (the second answer is cached) and sends one
// bad request, then reads /metrics as Prometheus would.
func TestMetricsCountUploadsBlendsAndSyncs(t *testing.T) {
	dir := t.TempDir()
	srv := start(t, options(t, dir))
	base := "http://" + srv.Addr()
	var uploaded int64
	for name, file := range map[string]string{
		"Idle.fbx":      "mixamo/kirby-xbot60__Idle.fbx",
		"Walking.fbx":   "mixamo/kirby-xbot60__Walking_InPlace.fbx",
		"fuzz_0000.fbx": "ufbx/fuzz/fuzz_0000.fbx",
	} {
		data := pipelinetest.Corpus(t, file)
		uploaded += int64(len(data))
		if err := os.WriteFile(filepath.Join(dir, "uploads", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "two seed rows", func() bool { return len(rows(t, dir)) == 2 })
	seeds := rows(t, dir)
	body := `{"a": "` + seeds[0].Name + `", "b": "` + seeds[1].Name + `", "method": "mix", "ratio": 0.5, "format": "fbx"}`
	var statuses []int
	for _, b := range []string{body, body, `{"a": "seed/none.fbx"`} {
		resp, err := http.Post(base+"/blend", "application/json", strings.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	if want := []int{201, 200, 400}; !slices.Equal(statuses, want) {
		t.Fatalf("POST /blend answered %v, want %v", statuses, want)
	}
	eventually(t, "the blend's row", func() bool { return len(rows(t, dir)) == 3 })
	eventually(t, "an idle router", srv.Idle)

	var page metricstest.Page
	// A handler's request is counted once it returns, which may be after its client has the
	// answer, so every count is awaited.
	eventually(t, "every upload and request counted", func() bool {
		page = metricstest.Scrape(t, base+"/metrics")
		n, _ := page.Value("validation_results_total", nil)
		s, _ := page.Value("metadata_sync_total", nil)
		b, _ := page.Value("blend_requests_total", nil)
		return n == 3 && s == 3 && b == 3
	})
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"validation_results_total", map[string]string{"result": "seeded", "reason": ""}, 2},
		{"validation_results_total", map[string]string{"result": "rejected", "reason": "unreadable"}, 1},
		{"upload_bytes_total", nil, float64(uploaded)},
		{"blend_requests_total", map[string]string{"status": "201", "method": "POST"}, 1},
		{"blend_requests_total", map[string]string{"status": "200", "method": "POST"}, 1},
		{"blend_requests_total", map[string]string{"status": "400", "method": "POST"}, 1},
		{"blend_duration_seconds", nil, 3},
		{"metadata_sync_total", map[string]string{"result": "appended"}, 3},
		{"queue_depth", nil, 0},
		{"worker_pool_utilization", nil, 0},
		{"bq_api_errors_total", nil, 0},
		{"circuit_breaker_state", map[string]string{"dependency": "gcs"}, 0},
		{"circuit_breaker_state", map[string]string{"dependency": "bigquery"}, 0},
		{"circuit_breaker_state", map[string]string{"dependency": "elasticsearch"}, 0},
	} {
		got, ok := page.Value(tc.name, tc.labels)
		if tc.want == 0 && !ok && (tc.name == "bq_api_errors_total") {
			continue // a vector with no failures has no series
		}
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	for _, op := range []string{"put", "get", "stat", "list"} {
		if n, ok := page.Value("gcs_api_duration_seconds", map[string]string{"op": op}); !ok || n == 0 {
			t.Errorf("gcs_api_duration_seconds{op=%q}: %v calls", op, n)
		}
	}
	resp, err := http.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var health struct{ Breakers map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"gcs": "closed", "bigquery": "closed", "elasticsearch": "closed"}; !maps.Equal(health.Breakers, want) {
		t.Errorf("/health breakers = %v, want %v", health.Breakers, want)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := page[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
}
