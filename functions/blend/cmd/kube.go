//go:build !nokube

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/kube"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/service"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// withShards sends the manifests over the sharding threshold to Kubernetes
// Indexed Jobs when K8S_WORKER_IMAGE is set; bad settings stop the start.
func withShards(fn service.Function) service.Function {
	ctx := context.Background()
	cfg, err := kube.LoadConfig(ctx, nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "blend: %v\n", err)
		os.Exit(2)
	}
	if !cfg.Enabled() {
		return fn
	}
	client, err := kube.NewClient(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "blend: %v\n", err)
		os.Exit(2)
	}
	return func(p *pipeline.Pipeline, m *metrics.Metrics, log *slog.Logger) http.Handler {
		p.Sharder = cfg.Sharder(&kube.Jobs{Client: client, Config: cfg, Log: log})
		log.Info("heavy batches run on kubernetes", "namespace", cfg.Namespace, "image", cfg.Image,
			"over_blends", cfg.ShardBlends, "over_input_mb", cfg.ShardInputMB)
		return fn(p, m, log)
	}
}
