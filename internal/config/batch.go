package config

import (
	"fmt"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Batch runners: where the blend service sends the shards of a heavy
// manifest.
const (
	// RunnerNone runs every manifest in the blend service itself.
	RunnerNone = "none"
	// RunnerGKE runs the shards as a Kubernetes Indexed Job (K8S_*).
	RunnerGKE = "gke"
	// RunnerCloudRun runs the shards as the tasks of a Cloud Run Job
	// execution (CLOUDRUN_*).
	RunnerCloudRun = "cloudrun"
)

// Runners are the values BATCH_RUNNER takes.
var Runners = []string{RunnerNone, RunnerGKE, RunnerCloudRun}

// Batch says when a manifest is too heavy for the blend service and where
// its shards run instead. The thresholds are the same whichever runner
// takes the shards, so that moving from GKE to Cloud Run Jobs changes where
// a manifest runs, never how it is cut.
type Batch struct {
	Runner string `env:"BATCH_RUNNER, default=none"`

	ShardBlends    int   `env:"BATCH_SHARD_BLENDS, default=200"`    // more blends than this
	ShardInputMB   int64 `env:"BATCH_SHARD_INPUT_MB, default=2048"` // or distinct inputs over this
	BlendsPerShard int   `env:"BATCH_BLENDS_PER_SHARD, default=100"`
	MaxShards      int   `env:"BATCH_MAX_SHARDS, default=64"`
}

func (b *Batch) check() error {
	bad := func(v, format string, args ...any) error {
		return &VarError{Var: v, Msg: fmt.Sprintf(format, args...)}
	}
	b.Runner = strings.ToLower(strings.TrimSpace(b.Runner))
	switch {
	case b.Runner != RunnerNone && b.Runner != RunnerGKE && b.Runner != RunnerCloudRun:
		return bad("BATCH_RUNNER", "%q: want %s", b.Runner, strings.Join(Runners, ", "))
	case b.ShardBlends < 0:
		return bad("BATCH_SHARD_BLENDS", "%d: want 0 (no limit) or more", b.ShardBlends)
	case b.ShardInputMB < 0:
		return bad("BATCH_SHARD_INPUT_MB", "%d: want 0 (no limit) or more", b.ShardInputMB)
	case b.BlendsPerShard < 1:
		return bad("BATCH_BLENDS_PER_SHARD", "%d: want 1 or more", b.BlendsPerShard)
	case b.MaxShards < 1 || b.MaxShards > 1000:
		return bad("BATCH_MAX_SHARDS", "%d: want 1 to 1000", b.MaxShards)
	}
	return nil
}

// Sharder is the pipeline's Sharder with these thresholds, starting shards
// with jobs.
func (b Batch) Sharder(jobs pipeline.JobStarter) *pipeline.Sharder {
	return &pipeline.Sharder{MaxBlends: b.ShardBlends, MaxInputBytes: b.ShardInputMB << 20,
		BlendsPerShard: b.BlendsPerShard, MaxShards: b.MaxShards, Jobs: jobs}
}
