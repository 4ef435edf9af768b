//go:build corpus

package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestShardedBatch routes a manifest over the threshold to shards, runs the
// shards side by side as the Job's pods would, and finds the merged result
// written once and equal to the result of the same manifest run in one go.
func TestShardedBatch(t *testing.T) {
	t.Parallel()
	const n = 10
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			env := pipelinetest.New(t, backend)
			p := env.P
			jobs := &startRecorder{}
			p.Sharder = &pipeline.Sharder{MaxBlends: 4, BlendsPerShard: 3, Jobs: jobs}
			walk, run, idle := seeds(t, p)
			manifest := shardManifest(n, walk, run, idle)
			obj := pipelinetest.Put(t, p.Library, "jobs/big.json", []byte(manifest))
			env.Events.Take()

			res, err := p.Batch(ctx, obj, "corr-1")
			if err != nil || res != nil {
				t.Fatalf("sharded batch answered %+v, %v; want nothing until the shards merge", res, err)
			}
			want := pipeline.ShardJob{Bucket: p.Library.Bucket(), Manifest: "jobs/big.json", Generation: obj.Generation,
				Shards: 4, Blends: n, CorrelationID: "corr-1"}
			if len(jobs.jobs) != 1 || jobs.jobs[0] != want {
				t.Fatalf("jobs started: %+v, want %+v", jobs.jobs, want)
			}
			written := env.Events.Take()
			if len(written) != 4 {
				t.Fatalf("sharding wrote %v, want the 4 shards", written)
			}
			for _, ev := range written {
				if library.IsManifest(ev.Object.Name) {
					t.Errorf("shard %s counts as a manifest", ev.Object.Name)
				}
			}
			if _, err := p.Library.Stat(ctx, "jobs/big.result.json", nil); err == nil {
				t.Fatal("result written before the shards ran")
			}

			// A redelivered event asks for the same job and rewrites nothing.
			if res, err := p.Batch(ctx, obj, "corr-1"); res != nil || err != nil {
				t.Fatalf("redelivery: %+v, %v", res, err)
			}
			if len(jobs.jobs) != 2 || jobs.jobs[1] != want {
				t.Errorf("redelivery started %+v", jobs.jobs)
			}
			if again := env.Events.Take(); len(again) != 0 {
				t.Errorf("redelivery wrote %v", again)
			}

			results := make([]*pipeline.BatchResult, want.Shards)
			var wg sync.WaitGroup
			for i := range want.Shards {
				wg.Go(func() {
					r, err := p.RunShard(ctx, want.Manifest, i)
					if err != nil {
						t.Errorf("shard %d: %v", i, err)
					}
					results[i] = r
				})
			}
			wg.Wait()
			var merged *pipeline.BatchResult
			for _, r := range results {
				if r != nil {
					merged = r
				}
			}
			if merged == nil {
				t.Fatal("no shard merged the result")
			}
			resultWrites := 0
			for _, ev := range env.Events.Take() {
				if ev.Object.Name == "jobs/big.result.json" {
					resultWrites++
				}
			}
			if resultWrites != 1 {
				t.Errorf("result written %d times, want once", resultWrites)
			}
			body, _, err := storage.ReadAll(ctx, p.Library, "jobs/big.result.json", nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(body), `"correlation_id": "corr-1"`) {
				t.Errorf("result file lacks the correlation id: %s", body)
			}

			// A retried shard finds the result and writes nothing.
			r, err := p.RunShard(ctx, want.Manifest, 2)
			if err != nil || r == nil || r.OK != merged.OK {
				t.Errorf("retried shard: %+v, %v", r, err)
			}
			if again := env.Events.Take(); len(again) != 0 {
				t.Errorf("retried shard wrote %v", again)
			}
			// The manifest's event once merged returns the result.
			if r, err := p.Batch(ctx, obj, "corr-1"); err != nil || r == nil || r.Total != n {
				t.Errorf("event after the merge: %+v, %v", r, err)
			}

			// The same manifest in one go, in buckets of its own.
			whole := pipelinetest.New(t, backend).P
			w, r2, i2 := seeds(t, whole)
			if w != walk || r2 != run || i2 != idle {
				t.Fatalf("seeds differ: %s %s %s", w, r2, i2)
			}
			single, err := whole.Batch(ctx, pipelinetest.Put(t, whole.Library, "jobs/big.json", []byte(manifest)), "corr-1")
			if err != nil {
				t.Fatal(err)
			}
			compareResults(t, merged, single)
		})
	}
}

func TestShardRouting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := pipelinetest.New(t, "localdir")
	p := env.P
	walk, run, idle := seeds(t, p)
	var inputs int64
	for _, s := range []string{walk, run, idle} {
		a, err := p.Library.Stat(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		inputs += a.Size
	}
	manifest := []byte(shardManifest(6, walk, run, idle))
	tests := []struct {
		name    string
		sharder pipeline.Sharder
		shards  int // 0: runs here
	}{
		{"count below", pipeline.Sharder{MaxBlends: 6}, 0},
		{"count above", pipeline.Sharder{MaxBlends: 5}, 1},
		{"count above, several shards", pipeline.Sharder{MaxBlends: 5, BlendsPerShard: 2}, 3},
		{"shards capped", pipeline.Sharder{MaxBlends: 5, BlendsPerShard: 1, MaxShards: 4}, 4},
		{"bytes below", pipeline.Sharder{MaxInputBytes: inputs}, 0},
		{"bytes above", pipeline.Sharder{MaxInputBytes: inputs - 1, BlendsPerShard: 4}, 2},
		{"no limits", pipeline.Sharder{}, 0},
	}
	for k, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobs := &startRecorder{}
			s := tt.sharder
			s.Jobs = jobs
			p.Sharder = &s
			name := fmt.Sprintf("jobs/route%d.json", k)
			res, err := p.Batch(ctx, pipelinetest.Put(t, p.Library, name, manifest), "")
			if err != nil {
				t.Fatal(err)
			}
			_, statErr := p.Library.Stat(ctx, library.ResultName(name), nil)
			if tt.shards == 0 {
				if res == nil || res.Total != 6 || len(jobs.jobs) != 0 || statErr != nil {
					t.Fatalf("want a run here: result %+v, jobs %+v, result file: %v", res, jobs.jobs, statErr)
				}
				return
			}
			if res != nil || len(jobs.jobs) != 1 || jobs.jobs[0].Shards != tt.shards || statErr == nil {
				t.Fatalf("want %d shards: result %+v, jobs %+v", tt.shards, res, jobs.jobs)
			}
			for i := range tt.shards + 1 {
				_, err := p.Library.Stat(ctx, library.ShardName(name, i), nil)
				if (err == nil) != (i < tt.shards) {
					t.Errorf("shard %d of %d: %v", i, tt.shards, err)
				}
			}
		})
	}
}

// TestShardRetriedAfterTransientFailure: a shard whose writes fail for a
// while reports the failure as unavailable (its pod fails and Kubernetes
// runs it again), writes no summary, and its retry completes the merge.
func TestShardRetriedAfterTransientFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPipeline(t, "localdir")
	lib := &faultyStore{Store: p.Library}
	p.Library = lib
	jobs := &startRecorder{}
	p.Sharder = &pipeline.Sharder{MaxBlends: 1, BlendsPerShard: 2, Jobs: jobs}
	walk, run, _ := seeds(t, p)
	var blends []string
	for i := range 3 {
		blends = append(blends, fmt.Sprintf(`{"name": "b%d", "input1": %q, "input2": %q, "ratio": 0.%d, "output": "blend/r/b%d.bvh"}`, i, walk, run, i+2, i))
	}
	obj := pipelinetest.Put(t, p.Library, "jobs/retry.json", []byte(`{"blends": [`+strings.Join(blends, ",")+`]}`))
	if res, err := p.Batch(ctx, obj, ""); res != nil || err != nil || len(jobs.jobs) != 1 || jobs.jobs[0].Shards != 2 {
		t.Fatalf("batch: %+v, %v, jobs %+v", res, err, jobs.jobs)
	}
	if r, err := p.RunShard(ctx, "jobs/retry.json", 0); r != nil || err != nil {
		t.Fatalf("first shard: %+v, %v; want its summary only", r, err)
	}
	lib.failPuts.Store(true)
	if r, err := p.RunShard(ctx, "jobs/retry.json", 1); err == nil || pipeline.KindOf(err) != pipeline.KindUnavailable || r != nil {
		t.Fatalf("failing shard: %+v, %v; want an unavailable error", r, err)
	}
	lib.failPuts.Store(false)
	for _, name := range []string{library.ShardResultName("jobs/retry.json", 1), "jobs/retry.result.json"} {
		if _, err := p.Library.Stat(ctx, name, nil); err == nil {
			t.Errorf("%s written by the failed shard", name)
		}
	}
	r, err := p.RunShard(ctx, "jobs/retry.json", 1)
	if err != nil || r == nil || r.OK != 3 || r.Total != 3 {
		t.Fatalf("retried shard: %+v, %v", r, err)
	}
}
