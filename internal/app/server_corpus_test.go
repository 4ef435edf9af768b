//go:build corpus

package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics/metricstest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestProbesBesideTheFunction(t *testing.T) {
	base, gcs, p := serve(t)
	for _, path := range []string{"/live", "/ready", "/health"} {
		if code, body := get(t, base+path); code != http.StatusOK {
			t.Errorf("GET %s: HTTP %d %v", path, code, body)
		}
	}
	_, health := get(t, base+"/health")
	comps, _ := health["components"].(map[string]any)
	for _, name := range []string{"uploads", "library", "catalog"} {
		if comps[name] != "ok" {
			t.Errorf("/health component %s = %v", name, comps[name])
		}
	}

	// The function still gets Eventarc's CloudEvents at "/".
	obj := pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))
	ev := storage.Event{Type: storage.ObjectFinalized, Object: obj}
	if code := pipelinetest.SendID(t, base+"/", ev, "ev-1"); code/100 != 2 {
		t.Fatalf("CloudEvent: HTTP %d", code)
	}
	seeds := 0
	for name := range pipelinetest.Names(t, p.Library) {
		if strings.HasPrefix(name, library.SeedPrefix) && library.IsCatalogued(name) {
			seeds++
		}
	}
	if seeds != 1 {
		t.Errorf("%d seeds, want 1", seeds)
	}
	page := metricstest.Scrape(t, base+"/metrics")
	if n, _ := page.Value("validation_results_total", map[string]string{"result": "seeded"}); n != 1 {
		t.Errorf("validation_results_total{result=seeded} = %v, want 1", n)
	}
	if n, _ := page.Value("gcs_api_duration_seconds", map[string]string{"op": "put"}); n == 0 {
		t.Error("no put timed in gcs_api_duration_seconds")
	}

	// Storage down: not ready, yet alive.
	gcs.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, base+"/ready")
		if code == http.StatusServiceUnavailable {
			comps, _ := body["components"].(map[string]any)
			if comps["uploads"] == "ok" || comps["catalog"] != "ok" {
				t.Errorf("/ready components %v: want uploads failing, catalog ok", comps)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/ready still HTTP %d with storage down", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _ := get(t, base+"/health"); code != http.StatusServiceUnavailable {
		t.Errorf("/health with storage down: HTTP %d", code)
	}
	if code, _ := get(t, base+"/live"); code != http.StatusOK {
		t.Errorf("/live with storage down: HTTP %d", code)
	}
	// The probes keep failing until the gcs breaker opens; /health and the
	// gauge show it, and the others stay closed.
	for {
		_, body := get(t, base+"/health")
		breakers, _ := body["breakers"].(map[string]any)
		if breakers["gcs"] == "open" {
			if breakers["bigquery"] != "closed" || breakers["elasticsearch"] != "closed" {
				t.Errorf("/health breakers %v: want only gcs open", breakers)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health breakers %v: gcs never opened with storage down", breakers)
		}
		time.Sleep(20 * time.Millisecond)
	}
	page = metricstest.Scrape(t, base+"/metrics")
	if n, _ := page.Value("circuit_breaker_state", map[string]string{"dependency": "gcs"}); n != 2 {
		t.Errorf("circuit_breaker_state{gcs} = %v, want 2 (open)", n)
	}
	if n, ok := page.Value("circuit_breaker_state", map[string]string{"dependency": "bigquery"}); !ok || n != 0 {
		t.Errorf("circuit_breaker_state{bigquery} = %v (present %v), want 0", n, ok)
	}
	if n, _ := metricstest.Scrape(t, base+"/metrics").Value("gcs_api_errors_total", map[string]string{"op": "list"}); n == 0 {
		t.Error("failed listings not counted in gcs_api_errors_total")
	}
}
