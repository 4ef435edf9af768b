package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
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
		{"bad task index", []string{"batch", "gs://b/jobs/x.yaml"}, map[string]string{"CLOUD_RUN_TASK_INDEX": "-1", "CLOUD_RUN_TASK_COUNT": "2"}, 1, "CLOUD_RUN_TASK_INDEX=\"-1\""},
		{"task index without count", []string{"batch", "gs://b/jobs/x.yaml"}, map[string]string{"CLOUD_RUN_TASK_INDEX": "0"}, 1, "without CLOUD_RUN_TASK_COUNT"},
		{"bad task count", []string{"batch", "gs://b/jobs/x.yaml"}, map[string]string{"CLOUD_RUN_TASK_INDEX": "0", "CLOUD_RUN_TASK_COUNT": "0"}, 1, "CLOUD_RUN_TASK_COUNT=\"0\""},
		{"task past count", []string{"batch", "gs://b/jobs/x.yaml"}, map[string]string{"CLOUD_RUN_TASK_INDEX": "3", "CLOUD_RUN_TASK_COUNT": "3"}, 1, "CLOUD_RUN_TASK_INDEX=3: want it below CLOUD_RUN_TASK_COUNT=3"},
		{"task count not the shards", []string{"batch", "--shards", "4", "gs://b/jobs/x.yaml"}, map[string]string{"CLOUD_RUN_TASK_INDEX": "0", "CLOUD_RUN_TASK_COUNT": "3"}, 1, "CLOUD_RUN_TASK_COUNT=3: the execution was started for --shards 4"},
		{"two runners", []string{"batch", "gs://b/jobs/x.yaml"}, map[string]string{"JOB_COMPLETION_INDEX": "0", "CLOUD_RUN_TASK_INDEX": "0", "CLOUD_RUN_TASK_COUNT": "1"}, 1, "both JOB_COMPLETION_INDEX and CLOUD_RUN_TASK_INDEX"},
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

// TestCloudRunTaskSelectsItsShard runs the worker as a Cloud Run Job's task
// does: no --shard, CLOUD_RUN_TASK_INDEX and CLOUD_RUN_TASK_COUNT in the
// environment (https://cloud.google.com/run/docs/container-contract#jobs-env-vars).
// The task runs the shard of its index and no other; a task count other
// than the manifest's shard count is refused before any blend runs, and a
// run started for an older manifest generation leaves the shards alone.
func TestCloudRunTaskSelectsItsShard(t *testing.T) {
	client, host := fakeGCS(t, "library")
	lib := gcs.New(client, "library", gcs.Options{})
	ctx := context.Background()
	const shards = 3
	for i := range shards {
		// Inputs that are not there: each blend's outcome is a failure,
		// recorded in the shard's summary.
		body := fmt.Sprintf(`{"manifest": "jobs/x.yaml", "manifest_generation": 7, "shard": %d, "shards": %d, "total": %d,
			"indexes": [%d], "blends": [{"name": "b%d", "input1": "seed/r/missing-a.fbx", "input2": "seed/r/missing-b.fbx", "output": "blend/x/b%d.bvh"}]}`,
			i, shards, shards, i, i, i)
		if _, err := lib.Put(ctx, library.ShardName("jobs/x.yaml", i), strings.NewReader(body), &storage.PutOptions{
			ContentType: "application/json", Metadata: library.Batch{ManifestGeneration: 7}.Encode()}); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("STORAGE_EMULATOR_HOST", host)
	t.Setenv("LOG_LEVEL", "WARN")
	runTask := func(index, count int, gen string, args ...string) (int, string, string) {
		env := map[string]string{"STORAGE_EMULATOR_HOST": host, "CLOUD_RUN_TASK_INDEX": strconv.Itoa(index),
			"CLOUD_RUN_TASK_COUNT": strconv.Itoa(count), "CLOUD_RUN_TASK_ATTEMPT": "0", "MANIFEST_GENERATION": gen}
		var out, errb bytes.Buffer
		code := run(ctx, append(append([]string{"batch"}, args...), "gs://library/jobs/x.yaml"), func(k string) string { return env[k] }, &out, &errb)
		return code, out.String(), errb.String()
	}

	if code, _, stderr := runTask(1, 2, "7"); code != 1 || !strings.Contains(stderr, "CLOUD_RUN_TASK_COUNT=2: the manifest was split into 3 shards") {
		t.Fatalf("two tasks for three shards: exit %d, %s", code, stderr)
	}
	if _, err := lib.Stat(ctx, library.ShardResultName("jobs/x.yaml", 1), nil); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a refused task wrote a summary: %v", err)
	}
	// A run started for an older generation leaves the shards alone.
	if code, stdout, stderr := runTask(0, shards, "6"); code != 0 || !strings.Contains(stdout, "shard 0 is of manifest generation 7, this run of 6") {
		t.Fatalf("superseded run: exit %d, %s %s", code, stdout, stderr)
	}
	code, stdout, stderr := runTask(1, shards, "7", "--shards", "3", "--json")
	if code != 0 {
		t.Fatalf("task 1: exit %d: %s", code, stderr)
	}
	var sum struct {
		Total, Failed int
		Blends        []struct{ Index int }
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.Total != 1 || sum.Failed != 1 || len(sum.Blends) != 1 || sum.Blends[0].Index != 1 {
		t.Fatalf("task 1 summary %s: %+v, %v", stdout, sum, err)
	}
	for i := range shards {
		_, err := lib.Stat(ctx, library.ShardResultName("jobs/x.yaml", i), nil)
		if i == 1 && err != nil || i != 1 && !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("shard %d summary after task 1: %v", i, err)
		}
	}
}
