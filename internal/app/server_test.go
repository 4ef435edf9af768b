package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cloudstorage "cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/sethvargo/go-envconfig"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/elastic"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics/metricstest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// serve starts the validate function as Main serves it, on fake-gcs-server
// and an embedded catalog, and returns its base URL and the fake server.
func serve(t *testing.T) (string, *fakestorage.Server, *pipeline.Pipeline) {
	t.Helper()
	port := pipelinetest.FreePort(t)
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", Port: uint16(port), Writer: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gcs.Stop)
	for _, b := range []string{"uploads", "library"} {
		gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	ctx := context.Background()
	client, err := cloudstorage.NewClient(ctx, option.WithEndpoint(gcs.URL()+"/storage/v1/"),
		option.WithoutAuthentication(), cloudstorage.WithJSONReads())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	cfg, err := config.Load(ctx, config.Options{Lookuper: envconfig.MapLookuper(map[string]string{
		"UPLOADS_BUCKET": "uploads", "GCS_BUCKET": "library", "BQ_PROJECT": "test-project",
	})})
	if err != nil {
		t.Fatal(err)
	}
	log := pipelinetest.Logger(t)
	a, err := Open(ctx, cfg, Needs{Uploads: true, Library: true, Catalog: true}, testAdapters(client, cat).Open, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	p := a.Pipeline
	// Short enough for the test to see an outage, long enough to be a cache.
	a.Health.TTL, a.Health.Timeout = 50*time.Millisecond, 500*time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Serve(srvCtx, ln, a.Handler(eventarc.HTTP(eventarc.Validate(p, log))), CloudRunGrace, log)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), gcs, p
}

func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode, body
}

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

// TestServeFinishesInFlightRequests cancels the serving context, as SIGTERM
// does, while a request is in flight: the request completes and Serve
// returns without error.
func TestServeFinishesInFlightRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, CloudRunGrace, pipelinetest.Logger(t)) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if body := <-got; body != "done" {
		t.Errorf("in-flight request got %q", body)
	}
}

// testAdapters open the ports on a client and a catalog of the test's.
func testAdapters(client *cloudstorage.Client, cat catalog.StoreCloser) Adapters {
	return Adapters{
		Storage: func(context.Context) (storage.Buckets, error) { return gcs.Wrap(client, gcs.Options{}), nil },
		Catalog: func(context.Context, string, string) (catalog.StoreCloser, error) { return cat, nil },
		Search:  elastic.Open,
	}
}
