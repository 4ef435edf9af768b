// Package cloudcatalog opens the catalog on BigQuery and the search index
// on Elasticsearch for the services that keep catalog rows (blend and
// metasync). Importing it registers Open with package service; validate and
// the batch worker do not import it, and so link neither client.
package cloudcatalog

import (
	"context"
	"fmt"
	"io"

	"cloud.google.com/go/bigquery"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/search"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/service"
)

func init() { service.RegisterCatalog(Open) }

// Open opens the BigQuery catalog of cfg (BQ_PROJECT, BQ_DATASET) unless
// cat is given, and the Elasticsearch index when ELASTICSEARCH_URL is set.
// The closer, when not nil, closes the BigQuery client.
func Open(ctx context.Context, cfg *config.Config, cat catalog.Store) (catalog.Store, pipeline.Indexer, io.Closer, error) {
	var closer io.Closer
	if cat == nil {
		client, err := bigquery.NewClient(ctx, cfg.BQProject)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("bigquery client: %w", err)
		}
		store := bq.New(client, cfg.BQDataset, bq.Options{})
		cat, closer = store, store
	}
	if !cfg.ElasticsearchEnabled() {
		return cat, nil, closer, nil
	}
	idx, err := search.New(search.Options{URL: cfg.ElasticsearchURL, APIKey: cfg.ESAPIKey})
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return nil, nil, nil, &config.VarError{Var: "ELASTICSEARCH_URL", Msg: err.Error()}
	}
	return cat, idx, closer, nil
}
