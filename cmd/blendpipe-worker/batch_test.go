package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestBatchRefusesBadArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"no manifest", []string{"batch"}, nil, 2, "usage: blendpipe batch"},
		{"not gs", []string{"batch", "jobs/x.yaml"}, nil, 1, "want gs://BUCKET/jobs/NAME.yaml"},
		{"no bucket", []string{"batch", "gs:///jobs/x.yaml"}, nil, 1, "want gs://BUCKET/jobs/NAME.yaml"},
		{"not a manifest", []string{"batch", "gs://b/seed/x.fbx"}, nil, 1, "not a manifest"},
		{"a shard is not a manifest", []string{"batch", "gs://b/jobs/x.shards/0.json"}, nil, 1, "not a manifest"},
		{"bad index", []string{"batch", "gs://b/jobs/x.yaml"}, map[string]string{"JOB_COMPLETION_INDEX": "one"}, 1, "JOB_COMPLETION_INDEX=\"one\""},
		{"shard past count", []string{"batch", "--shard", "4", "--shards", "4", "gs://b/jobs/x.yaml"}, nil, 1, "--shard 4 must be below --shards 4"},
		{"unknown command", []string{"serve"}, nil, 2, "unknown command"},
		{"worker takes no arguments", []string{"worker", "x"}, nil, 2, "usage: blendpipe-worker worker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			getenv := func(k string) string { return tt.env[k] }
			if code := run(context.Background(), tt.args, getenv, &out, &errb); code != tt.code || !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb.String(), tt.code, tt.want)
			}
		})
	}
}

// TestProbes serves the pod's probes and metrics over a pipeline on fake
// Cloud Storage, as a shard pod does while it runs.
func TestProbes(t *testing.T) {
	t.Parallel()
	client, _ := fakeGCS(t, "library")
	cfg, err := config.Load(context.Background(), config.Options{Lookuper: envconfig.MapLookuper(nil)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.LibraryBucket = "library"
	a, err := open(context.Background(), cfg, func(context.Context) (storage.Buckets, error) { return gcs.Wrap(client, gcs.Options{}), nil },
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	port, metricsPort := pipelinetest.FreePort(t), pipelinetest.FreePort(t)
	srv, err := a.Start(context.Background(), http.NotFoundHandler(), app.ServeOptions{Port: strconv.Itoa(port),
		Getenv: func(k string) string { return map[string]string{"METRICS_PORT": strconv.Itoa(metricsPort)}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	get := func(port int, path string) (int, string) {
		t.Helper()
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(port, "/live"); code != http.StatusOK {
		t.Errorf("/live: HTTP %d", code)
	}
	if code, body := get(port, "/ready"); code != http.StatusOK {
		t.Errorf("/ready: HTTP %d %s", code, body)
	}
	if code, body := get(port, "/health"); code != http.StatusOK || !strings.Contains(body, "library") {
		t.Errorf("/health: HTTP %d %s", code, body)
	}
	if code, body := get(metricsPort, "/metrics"); code != http.StatusOK || !strings.Contains(body, "circuit_breaker_state") {
		t.Errorf("/metrics: HTTP %d, %d bytes", code, len(body))
	}
}
