//go:build corpus

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/kube"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestShardRun is the Kubernetes batch path on one machine: the blend
// service's batch use case shards a manifest in (fake) Cloud Storage and
// starts the Job, whose pods are SHARD_RUN_SHARDS processes of the worker
// with JOB_COMPLETION_INDEX 0..n-1 and WORKER_POOL_SIZE SHARD_RUN_WORKERS;
// the last one in merges the result. SHARD_RUN_BLENDS sets the manifest's
// size (40 here, 1000 with `make shard-run`). With SHARD_RUN_COMPARE (on by
// default up to 100 blends) the merged result is checked against the same
// manifest run in one process.
func TestShardRun(t *testing.T) {
	n := envInt(t, "SHARD_RUN_BLENDS", 40)
	shards := envInt(t, "SHARD_RUN_SHARDS", 4)
	workers := envInt(t, "SHARD_RUN_WORKERS", 1)
	compare := n <= 100
	if v := os.Getenv("SHARD_RUN_COMPARE"); v != "" {
		compare = v == "1"
	}
	ctx := context.Background()
	client, host := fakeGCS(t, "uploads", "library", "whole")
	newPipeline := func(library string) *pipeline.Pipeline {
		return &pipeline.Pipeline{Uploads: gcs.New(client, "uploads", gcs.Options{}), Library: gcs.New(client, library, gcs.Options{}),
			MaxFileSize: 500 << 20, Workers: 2, Log: slog.New(slog.DiscardHandler)}
	}
	p := newPipeline("library")
	var seeds []string
	var uploads []storage.Attrs
	for _, c := range clips {
		obj := pipelinetest.Put(t, p.Uploads, c+".fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__"+c+".fbx"))
		v, err := p.Validate(ctx, obj, "")
		if err != nil || v.Object == "" {
			t.Fatalf("seed %s: %+v, %v", c, v, err)
		}
		seeds, uploads = append(seeds, v.Object), append(uploads, obj)
	}
	body := manifest(n, seeds)

	cfg, err := kube.LoadConfig(ctx, envconfig.MapLookuper(map[string]string{
		"K8S_WORKER_IMAGE": "worker:test", "K8S_WORKER_POOL_SIZE": strconv.Itoa(workers),
	}))
	if err != nil {
		t.Fatal(err)
	}
	procs := &processes{t: t, jobs: &kube.Jobs{Config: cfg}, env: []string{"STORAGE_EMULATOR_HOST=" + host}}
	p.Sharder = thresholds(n, shards).Sharder(procs)

	obj := pipelinetest.Put(t, p.Library, "jobs/acceptance.json", body)
	start := time.Now()
	if res, err := p.Batch(ctx, obj, "evt-acceptance"); res != nil || err != nil {
		t.Fatalf("batch: %+v, %v; want it sharded", res, err)
	}
	if len(procs.started) != shards {
		t.Fatalf("%d shard processes, want %d", len(procs.started), shards)
	}
	procs.wait()
	wall := time.Since(start)
	for i, out := range procs.outs {
		// Every shard logs under the manifest event's id, which the Job passes on.
		lines := 0
		for line := range bytes.Lines(out.Bytes()) {
			if !bytes.HasPrefix(line, []byte(`{"timestamp"`)) {
				continue // the summary on stdout
			}
			lines++
			if !bytes.Contains(line, []byte(`"correlation_id":"evt-acceptance"`)) {
				t.Errorf("shard %d: a log line without the manifest's correlation id: %s", i, line)
			}
		}
		if lines == 0 {
			t.Errorf("shard %d logged nothing at INFO:\n%.2000s", i, out)
		}
	}
	data, _, err := storage.ReadAll(ctx, p.Library, "jobs/acceptance.result.json", nil)
	if err != nil {
		t.Fatalf("no merged result: %v", err)
	}
	var merged pipeline.BatchResult
	if err := json.Unmarshal(data, &merged); err != nil {
		t.Fatal(err)
	}
	if merged.Total != n || merged.OK != n || merged.Failed != 0 || len(merged.Blends) != n || merged.CorrelationID != "evt-acceptance" {
		t.Fatalf("merged: %d total, %d ok, %d failed, %d blends, correlation %q", merged.Total, merged.OK, merged.Failed, len(merged.Blends), merged.CorrelationID)
	}
	for i, b := range merged.Blends {
		if b.Index != i || b.Generation == 0 || b.Cached {
			t.Fatalf("blend %d: %+v", i, b)
		}
	}
	blends, err := storage.ListAll(ctx, p.Library, &storage.ListOptions{Prefix: "blend/run/"})
	if err != nil || len(blends) != n {
		t.Fatalf("%d blends in the library, want %d: %v", len(blends), n, err)
	}
	t.Logf("%d blends in %d shards (%d worker each): %.2f s wall, %.1f blends/s (longest shard %.2f s)",
		n, shards, workers, wall.Seconds(), float64(n)/wall.Seconds(), merged.Wall.Seconds())

	if !compare {
		return
	}
	whole := newPipeline("whole")
	whole.Workers = workers * shards
	for i, up := range uploads {
		if v, err := whole.Validate(ctx, up, ""); err != nil || v.Object != seeds[i] {
			t.Fatalf("seed %s in the second library: %+v, %v", seeds[i], v, err)
		}
	}
	begin := time.Now()
	single, err := whole.Batch(ctx, pipelinetest.Put(t, whole.Library, "jobs/acceptance.json", body), "evt-acceptance")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the same manifest in one process with %d workers: %.2f s", whole.Workers, time.Since(begin).Seconds())
	if single.Total != merged.Total || single.OK != merged.OK || single.Failed != merged.Failed || len(single.Blends) != n {
		t.Fatalf("one process: %d/%d/%d, sharded %d/%d/%d", single.Total, single.OK, single.Failed, merged.Total, merged.OK, merged.Failed)
	}
	for i := range single.Blends {
		a, b := single.Blends[i], merged.Blends[i]
		a.Generation, b.Generation = 0, 0
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("blend %d:\n one process %+v\n sharded     %+v", i, a, b)
		}
	}
}
