// Package cloudcatalog opens the catalog on BigQuery for the services that
// keep catalog rows (blend and metasync). Importing it registers Open with
// package service; validate and the batch worker do not import it, and so
// do not link the BigQuery client.
package cloudcatalog

import (
	"context"
	"fmt"
	"io"

	"cloud.google.com/go/bigquery"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/service"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

func init() { service.RegisterCatalog(Open) }

// Open opens the BigQuery catalog of cfg (BQ_PROJECT, BQ_DATASET); the
// closer closes its client.
func Open(ctx context.Context, cfg *config.Config) (catalog.Store, io.Closer, error) {
	client, err := bigquery.NewClient(ctx, cfg.BQProject)
	if err != nil {
		return nil, nil, fmt.Errorf("bigquery client: %w", err)
	}
	store := bq.New(client, cfg.BQDataset, bq.Options{})
	return store, store, nil
}
