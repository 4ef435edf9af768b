package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Adapters are the cloud adapters a service's main links; a nil one is not
// linked, and a service that needs its port fails to start naming it.
type Adapters struct {
	// Storage dials Cloud Storage (gcs.Dial).
	Storage func(ctx context.Context) (storage.Buckets, error)
	// Catalog opens BigQuery's catalog (bq.Open).
	Catalog func(ctx context.Context, project, dataset string) (catalog.StoreCloser, error)
	// Search opens the Elasticsearch index when ELASTICSEARCH_URL and
	// ES_API_KEY are set (elastic.New).
	Search func(url, apiKey string) (pipeline.Indexer, error)
	// Kubernetes starts the shards of heavy manifests as Indexed Jobs
	// (kube) when BATCH_RUNNER=gke.
	Kubernetes func(ctx context.Context, log *slog.Logger) (pipeline.JobStarter, error)
	// CloudRunJobs starts them as Cloud Run Job executions (runjobs),
	// claiming each run in the library bucket lib, when
	// BATCH_RUNNER=cloudrun.
	CloudRunJobs func(ctx context.Context, lib storage.Store, log *slog.Logger) (pipeline.JobStarter, error)
}

// sharder returns the sharder of BATCH_RUNNER's runner, nil for none. A
// runner this binary does not link is refused rather than ignored, so a
// heavy manifest never runs where the configuration says it must not.
func (ad Adapters) sharder(ctx context.Context, cfg *config.Config, ports Ports, log *slog.Logger) (*pipeline.Sharder, error) {
	b := cfg.Batch
	var jobs pipeline.JobStarter
	var err error
	switch b.Runner {
	case config.RunnerNone, "":
		return nil, nil
	case config.RunnerGKE:
		if ad.Kubernetes == nil {
			return nil, &config.VarError{Var: "BATCH_RUNNER", Msg: "gke, but this binary links no Kubernetes client (built with -tags nokube?)"}
		}
		jobs, err = ad.Kubernetes(ctx, log)
	case config.RunnerCloudRun:
		if ad.CloudRunJobs == nil {
			return nil, &config.VarError{Var: "BATCH_RUNNER", Msg: "cloudrun, but this binary does not start Cloud Run Jobs"}
		}
		if ports.Library == nil {
			return nil, fmt.Errorf("app: %w: BATCH_RUNNER=cloudrun claims its runs in the library bucket (GCS_BUCKET)", ErrMissingPort)
		}
		jobs, err = ad.CloudRunJobs(ctx, ports.Library, log)
	default:
		return nil, &config.VarError{Var: "BATCH_RUNNER", Msg: fmt.Sprintf("%q: want %v", b.Runner, config.Runners)}
	}
	if err != nil {
		return nil, err
	}
	log.Info("heavy batches run elsewhere", "runner", b.Runner, "over_blends", b.ShardBlends, "over_input_mb", b.ShardInputMB,
		"blends_per_shard", b.BlendsPerShard, "max_shards", b.MaxShards)
	return b.Sharder(jobs), nil
}

// Open opens the ports of needs: the buckets on one Cloud Storage client,
// the catalog on BigQuery, and with the catalog the search index.
func (ad Adapters) Open(ctx context.Context, cfg *config.Config, needs Needs, log *slog.Logger) (ports Ports, err error) {
	ports.StoreClientRetries, ports.CatalogClientRetries = true, true
	defer func() {
		if err != nil {
			closeAll(ports.Closers)
		}
	}()
	if needs.Uploads || needs.Library {
		if ad.Storage == nil {
			return ports, fmt.Errorf("app: %w: this binary links no Cloud Storage client", ErrMissingPort)
		}
		b, err := ad.Storage(ctx)
		if err != nil {
			return ports, err
		}
		ports.Closers = append(ports.Closers, b)
		if needs.Uploads {
			ports.Uploads = b.Bucket(cfg.UploadsBucket)
		}
		if needs.Library {
			ports.Library = b.Bucket(cfg.LibraryBucket)
		}
	}
	if needs.Catalog {
		if ad.Catalog == nil {
			return ports, fmt.Errorf("app: %w: this binary links no BigQuery client", ErrMissingPort)
		}
		c, err := ad.Catalog(ctx, cfg.BQProject, cfg.BQDataset)
		if err != nil {
			return ports, err
		}
		ports.Catalog = c
		ports.Closers = append(ports.Closers, c)
		if cfg.ElasticsearchEnabled() {
			if ad.Search == nil {
				return ports, &config.VarError{Var: "ELASTICSEARCH_URL", Msg: "set, but this binary links no Elasticsearch client"}
			}
			idx, err := ad.Search(cfg.ElasticsearchURL, cfg.ESAPIKey)
			if err != nil {
				return ports, &config.VarError{Var: "ELASTICSEARCH_URL", Msg: err.Error()}
			}
			ports.Search = idx
		}
	}
	if ports.Sharder, err = ad.sharder(ctx, cfg, ports, log); err != nil {
		return ports, err
	}
	return ports, nil
}
