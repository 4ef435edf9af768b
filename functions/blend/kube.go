//go:build !nokube

package blend

import (
	"context"
	"log/slog"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/kube"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// kubernetes starts the shards of heavy manifests as Kubernetes Indexed
// Jobs (BATCH_RUNNER=gke); bad settings stop the start.
func kubernetes(ctx context.Context, log *slog.Logger) (pipeline.JobStarter, error) {
	cfg, err := kube.LoadConfig(ctx, nil)
	if err != nil {
		return nil, err
	}
	client, err := kube.NewClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	log.Info("heavy batches run on kubernetes", "namespace", cfg.Namespace, "image", cfg.Image)
	return &kube.Jobs{Client: client, Config: cfg, Log: log}, nil
}
