package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// startRecorder is a JobStarter that remembers what it was asked to start.
type startRecorder struct {
	mu   sync.Mutex
	jobs []pipeline.ShardJob
}

func (s *startRecorder) StartShards(_ context.Context, job pipeline.ShardJob) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs = append(s.jobs, job)
	return nil
}

// shardManifest is a manifest of n blends over the seeds: mixes at
// different ratios, a transition written relative to blend/, and a blend
// whose input is missing.
func shardManifest(n int, walk, run, idle string) string {
	var b strings.Builder
	b.WriteString("{\"blends\": [\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		switch {
		case i == 3:
			fmt.Fprintf(&b, `{"name": "b%d", "input1": %q, "input2": "seed/none/none.fbx", "output": "blend/s/b%d.fbx"}`, i, walk, i)
		case i%5 == 1:
			fmt.Fprintf(&b, `{"name": "b%d", "input1": %q, "input2": %q, "method": "transition", "output": "s/b%d.glb"}`, i, idle, walk, i)
		default:
			fmt.Fprintf(&b, `{"name": "b%d", "input1": %q, "input2": %q, "ratio": %.3f, "output": "blend/s/b%d.bvh"}`, i, walk, run, float64(i+1)/float64(n+1), i)
		}
	}
	b.WriteString("\n]}")
	return b.String()
}

func seeds(t *testing.T, p *pipeline.Pipeline) (walk, run, idle string) {
	return seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx"),
		seed(t, p, "mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx"),
		seed(t, p, "mixamo/kirby-xbot60__Idle.fbx", "Idle.fbx")
}

// TestShardedBatch routes a manifest over the threshold to shards, runs the
// shards side by side as the Job's pods would, and finds the merged result
// written once and equal to the result of the same manifest run in one go.
func TestShardedBatch(t *testing.T) {
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

// compareResults fails unless a and b report the same outcomes; wall time,
// finish time and the generations of the outputs, which differ between
// buckets, are not compared.
func compareResults(t *testing.T, a, b *pipeline.BatchResult) {
	t.Helper()
	if a.Manifest != b.Manifest || a.Total != b.Total || a.OK != b.OK || a.Failed != b.Failed || a.Error != b.Error ||
		a.CorrelationID != b.CorrelationID || len(a.Blends) != len(b.Blends) {
		t.Fatalf("results differ:\n%+v\n%+v", a, b)
	}
	if a.Failed == 0 || a.OK == 0 {
		t.Errorf("want both outcomes in the comparison: %d ok, %d failed", a.OK, a.Failed)
	}
	for k := range a.Blends {
		x, y := a.Blends[k], b.Blends[k]
		if x.Generation == 0 && x.Error == "" {
			t.Errorf("blend %d: no generation", k)
		}
		x.Generation, y.Generation = 0, 0
		if fmt.Sprint(x) != fmt.Sprint(y) {
			t.Errorf("blend %d:\n%+v\n%+v", k, x, y)
		}
	}
}

func TestShardRouting(t *testing.T) {
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

func TestParseShardRefusesBadShards(t *testing.T) {
	blends := `[{"name": "a", "input1": "seed/a.fbx", "input2": "seed/b.fbx", "output": "blend/a.fbx"}, {"name": "b", "input1": "seed/a.fbx", "input2": "seed/b.fbx", "output": "blend/b.fbx"}]`
	shard := func(fields string) []byte {
		return []byte(`{"manifest": "jobs/m.yaml", "manifest_generation": 7, "shard": 1, "shards": 2, "total": 4, "blends": ` + blends + `, ` + fields + `}`)
	}
	sh, m, err := pipeline.ParseShard(shard(`"indexes": [1, 3]`), "s")
	if err != nil || sh.Generation != 7 || len(m.Blends) != 2 || m.Blends[1].Index != 3 || sh.Blends[1].Name != "b" {
		t.Fatalf("good shard: %+v %+v %v", sh, m, err)
	}
	tests := []struct{ name, data, want string }{
		{"not JSON", `{"manifest":`, "unexpected EOF"},
		{"unknown field", string(shard(`"indexes": [1, 3], "extra": 1`)), "unknown field"},
		{"index count", string(shard(`"indexes": [1]`)), "1 indexes for 2 blends"},
		{"index order", string(shard(`"indexes": [3, 1]`)), "indexes[1] = 1"},
		{"index past total", string(shard(`"indexes": [1, 4]`)), "below total 4"},
		{"shard out of range", strings.Replace(string(shard(`"indexes": [1, 3]`)), `"shard": 1`, `"shard": 2`, 1), "shard 2 of 2"},
		{"not a manifest", strings.Replace(string(shard(`"indexes": [1, 3]`)), "jobs/m.yaml", "seed/m.fbx", 1), "not a manifest name"},
		{"bad blend", strings.Replace(string(shard(`"indexes": [1, 3]`)), `"input2": "seed/b.fbx", "output": "blend/b.fbx"`, `"ratio": 2, "output": "blend/b.fbx"`, 1), "blends[1]"},
		{"no blends", `{"manifest": "jobs/m.yaml", "shard": 0, "shards": 1, "indexes": []}`, "no blends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := pipeline.ParseShard([]byte(tt.data), "s")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestShardRetriedAfterTransientFailure: a shard whose writes fail for a
// while reports the failure as unavailable (its pod fails and Kubernetes
// runs it again), writes no summary, and its retry completes the merge.
func TestShardRetriedAfterTransientFailure(t *testing.T) {
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

func TestRunShardOfMissingOrForeignShard(t *testing.T) {
	ctx := context.Background()
	p := newPipeline(t, "localdir")
	if _, err := p.RunShard(ctx, "jobs/none.yaml", 0); !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), "jobs/none.shards/0.json") {
		t.Errorf("missing shard: %v", err)
	}
	huge := bytes.Repeat([]byte(" "), pipeline.MaxShardBytes+1)
	pipelinetest.Put(t, p.Library, "jobs/huge.shards/0.json", huge)
	if _, err := p.RunShard(ctx, "jobs/huge.yaml", 0); err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Errorf("huge shard: %v", err)
	}
	other := `{"manifest": "jobs/other.yaml", "manifest_generation": 1, "shard": 0, "shards": 1, "total": 1, "indexes": [0],
		"blends": [{"name": "a", "input1": "seed/a.fbx", "input2": "seed/b.fbx", "output": "blend/a.fbx"}]}`
	pipelinetest.Put(t, p.Library, "jobs/mine.shards/0.json", []byte(other))
	if _, err := p.RunShard(ctx, "jobs/mine.yaml", 0); err == nil || !strings.Contains(err.Error(), "holds shard 0 of jobs/other.yaml") {
		t.Errorf("foreign shard: %v", err)
	}
}
