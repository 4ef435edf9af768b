package app

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

type starter struct{ runner string }

func (starter) StartShards(context.Context, pipeline.ShardJob) error { return nil }

// TestBatchRunner: BATCH_RUNNER picks the adapter that starts shards, with
// the same thresholds whichever it is; a runner the binary does not link
// stops the start naming the variable.
func TestBatchRunner(t *testing.T) {
	t.Parallel()
	lib := dirStore(t, "library")
	var gotLib storage.Store
	linked := Adapters{
		Storage: fixedBuckets(lib),
		Kubernetes: func(context.Context, *slog.Logger) (pipeline.JobStarter, error) {
			return starter{config.RunnerGKE}, nil
		},
		CloudRunJobs: func(_ context.Context, l storage.Store, _ *slog.Logger) (pipeline.JobStarter, error) {
			gotLib = l
			return starter{config.RunnerCloudRun}, nil
		},
	}
	batch := config.Batch{ShardBlends: 10, ShardInputMB: 1, BlendsPerShard: 5, MaxShards: 3}
	for _, tc := range []struct {
		runner string
		ad     Adapters
		want   string // the starter's runner; "" for no sharder
		err    string // the VarError's variable
	}{
		{config.RunnerNone, linked, "", ""},
		{config.RunnerGKE, linked, config.RunnerGKE, ""},
		{config.RunnerCloudRun, linked, config.RunnerCloudRun, ""},
		{config.RunnerGKE, Adapters{Storage: fixedBuckets(lib)}, "", "BATCH_RUNNER"},
		{config.RunnerCloudRun, Adapters{Storage: fixedBuckets(lib)}, "", "BATCH_RUNNER"},
	} {
		t.Run(tc.runner, func(t *testing.T) {
			b := batch
			b.Runner = tc.runner
			cfg := &config.Config{LibraryBucket: "library", Batch: b}
			ports, err := tc.ad.Open(context.Background(), cfg, Needs{Library: true}, slog.New(slog.DiscardHandler))
			if tc.err != "" {
				var ve *config.VarError
				if !errors.As(err, &ve) || ve.Var != tc.err {
					t.Fatalf("error %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer closeAll(ports.Closers)
			if tc.want == "" {
				if ports.Sharder != nil {
					t.Fatalf("sharder %+v with BATCH_RUNNER=none", ports.Sharder)
				}
				return
			}
			s := ports.Sharder
			if s == nil || s.Jobs.(starter).runner != tc.want || s.MaxBlends != 10 || s.MaxInputBytes != 1<<20 || s.BlendsPerShard != 5 || s.MaxShards != 3 {
				t.Fatalf("sharder %+v, want %s with the thresholds", s, tc.want)
			}
			if tc.want == config.RunnerCloudRun && gotLib != ports.Library {
				t.Error("the Cloud Run Jobs starter does not claim its runs in the library bucket")
			}
		})
	}
}
