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
	// Sharder, when set, may return the sharder of heavy manifests; nil
	// when not configured (kube).
	Sharder func(ctx context.Context, log *slog.Logger) (*pipeline.Sharder, error)
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
	if ad.Sharder != nil {
		if ports.Sharder, err = ad.Sharder(ctx, log); err != nil {
			return ports, err
		}
	}
	return ports, nil
}
