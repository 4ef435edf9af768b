//go:build !nokube

package blend

import (
	"context"
	"log/slog"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/kube"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// sharder sends the manifests over the sharding threshold to Kubernetes
// Indexed Jobs when K8S_WORKER_IMAGE is set (nil otherwise); bad settings
// stop the start.
func sharder(ctx context.Context, log *slog.Logger) (*pipeline.Sharder, error) {
	cfg, err := kube.LoadConfig(ctx, nil)
	if err != nil || !cfg.Enabled() {
		return nil, err
	}
	client, err := kube.NewClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	log.Info("heavy batches run on kubernetes", "namespace", cfg.Namespace, "image", cfg.Image,
		"over_blends", cfg.ShardBlends, "over_input_mb", cfg.ShardInputMB)
	return cfg.Sharder(&kube.Jobs{Client: client, Config: cfg, Log: log}), nil
}
