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
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
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
