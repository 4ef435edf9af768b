package bq

import (
	"context"
	"fmt"

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
func OpenCatalog(ctx context.Context, project, dataset string) (catalog.StoreCloser, error) {
	return Open(ctx, project, dataset)
}
