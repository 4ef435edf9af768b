package blend

import (
	"context"
	"log/slog"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/runjobs"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// cloudRunJobs starts the shards of heavy manifests as Cloud Run Job
// executions (BATCH_RUNNER=cloudrun), claiming each run in lib; bad
// settings stop the start.
func cloudRunJobs(ctx context.Context, lib storage.Store, log *slog.Logger) (pipeline.JobStarter, error) {
	cfg, err := runjobs.LoadConfig(ctx, nil)
	if err != nil {
		return nil, err
	}
	jobs, err := runjobs.New(ctx, cfg, lib, log)
	if err != nil {
		return nil, err
	}
	log.Info("heavy batches run as cloud run job executions", "job", cfg.Job, "task_timeout_seconds", cfg.TaskTimeoutSeconds)
	return jobs, nil
}
