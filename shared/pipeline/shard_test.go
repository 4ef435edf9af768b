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

func TestParseShardRefusesBadShards(t *testing.T) {
	t.Parallel()
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

func TestRunShardOfMissingOrForeignShard(t *testing.T) {
	t.Parallel()
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
