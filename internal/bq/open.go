package bq

import (
	"context"
	"fmt"
	"os"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// Open creates a client for project and the catalog in its dataset; closing
// the store closes the client.
func Open(ctx context.Context, project, dataset string, opts ...option.ClientOption) (*Store, error) {
	client, err := bigquery.NewClient(ctx, project, opts...)
	if err != nil {
		return nil, fmt.Errorf("bigquery client: %w", err)
	}
	return New(client, dataset, Options{}), nil
}

// OpenCatalog is Open as a catalog the caller closes, for app.Adapters.
// With BIGQUERY_EMULATOR_HOST set (host:port) it talks to that emulator,
// without credentials, as the Cloud Storage client does with
// STORAGE_EMULATOR_HOST; the BigQuery client has no such variable of its own.
func OpenCatalog(ctx context.Context, project, dataset string) (catalog.StoreCloser, error) {
	var opts []option.ClientOption
	if host := os.Getenv("BIGQUERY_EMULATOR_HOST"); host != "" {
		opts = append(opts, option.WithEndpoint("http://"+host), option.WithoutAuthentication())
	}
	return Open(ctx, project, dataset, opts...)
}
