package metrics

import (
	"context"
	"errors"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// Catalog returns c with its failures counted in bq_api_errors_total{op}.
// A missing row and a row refused before it reaches the store are answers,
// not failures of the store, and are not counted.
func (m *Metrics) Catalog(c catalog.Store) catalog.Store {
	return &catalogStore{Store: c, m: m}
}

type catalogStore struct {
	catalog.Store
	m *Metrics
}

func (c *catalogStore) count(op string, err error) {
	if err != nil && !errors.Is(err, catalog.ErrNotFound) && !errors.Is(err, catalog.ErrInvalidRow) {
		c.m.BQErrors.WithLabelValues(op).Inc()
	}
}

func (c *catalogStore) Append(ctx context.Context, rows ...catalog.Row) error {
	err := c.Store.Append(ctx, rows...)
	c.count("append", err)
	return err
}

func (c *catalogStore) Current(ctx context.Context, f catalog.Filter) ([]catalog.Row, error) {
	rows, err := c.Store.Current(ctx, f)
	c.count("current", err)
	return rows, err
}

func (c *catalogStore) Get(ctx context.Context, name string) (catalog.Row, error) {
	row, err := c.Store.Get(ctx, name)
	c.count("get", err)
	return row, err
}
