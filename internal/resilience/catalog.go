package resilience

import (
	"context"
	"errors"
	"net/http"

	"google.golang.org/api/googleapi"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// CatalogTransient reports whether a catalog failure may go away on retry:
// transport failures (storage.IsTransient's timeouts and resets) and
// BigQuery's 408, 429 and 5xx answers. A missing row, a refused row and a
// cancelled call are answers, not failures of the store.
func CatalogTransient(err error) bool {
	if err == nil || errors.Is(err, catalog.ErrNotFound) || errors.Is(err, catalog.ErrInvalidRow) ||
		errors.Is(err, context.Canceled) {
		return false
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code == http.StatusRequestTimeout || ge.Code == http.StatusTooManyRequests || ge.Code >= 500
	}
	return storage.IsTransient(err)
}

// CatalogOptions configure Catalog.
type CatalogOptions struct {
	// Breaker guards every call; none when nil.
	Breaker *Breaker
	// Retry repeats failures CatalogTransient accepts (its Retryable is
	// ignored). Leave it nil for BigQuery: its client retries inserts and
	// query jobs on backend errors and rate limits itself, and every
	// attempt of ours would start its whole schedule again.
	Retry *Policy
}

// Catalog returns c with its calls guarded and retried as o says. Appending
// is safe to repeat (rows are identified by name, generation and deleted),
// so a retry after an append that did land leaves the same current rows.
func Catalog(c catalog.Store, o CatalogOptions) catalog.Store {
	cs := &catalogStore{Store: c, b: o.Breaker}
	if o.Retry != nil {
		p := *o.Retry
		p.Retryable = retryable(CatalogTransient)
		cs.retry = &p
	}
	return cs
}

type catalogStore struct {
	catalog.Store
	b     *Breaker
	retry *Policy
}

func (c *catalogStore) call(ctx context.Context, op func(context.Context) error) error {
	attempt := func(ctx context.Context) error {
		if c.b == nil {
			return op(ctx)
		}
		return c.b.Do(func() error { return op(ctx) })
	}
	if c.retry == nil {
		return attempt(ctx)
	}
	return Retry(ctx, *c.retry, attempt)
}

func (c *catalogStore) Append(ctx context.Context, rows ...catalog.Row) error {
	return c.call(ctx, func(ctx context.Context) error { return c.Store.Append(ctx, rows...) })
}

func (c *catalogStore) Current(ctx context.Context, f catalog.Filter) ([]catalog.Row, error) {
	var rows []catalog.Row
	err := c.call(ctx, func(ctx context.Context) (err error) {
		rows, err = c.Store.Current(ctx, f)
		return err
	})
	return rows, err
}

func (c *catalogStore) Get(ctx context.Context, name string) (catalog.Row, error) {
	var row catalog.Row
	err := c.call(ctx, func(ctx context.Context) (err error) {
		row, err = c.Store.Get(ctx, name)
		return err
	})
	return row, err
}

// Indexer is the search index port (pipeline.Indexer).
type Indexer interface {
	Put(ctx context.Context, row catalog.Row) error
}

// Index returns x guarded by b, with no retries: the search client retries
// on its own, the catalog stays the record, and the sync logs a failed or
// refused indexing and carries on, so a cluster that is down costs the sync
// nothing once the breaker is open.
func Index(x Indexer, b *Breaker) Indexer { return &index{x: x, b: b} }

type index struct {
	x Indexer
	b *Breaker
}

func (i *index) Put(ctx context.Context, row catalog.Row) error {
	return i.b.Do(func() error { return i.x.Put(ctx, row) })
}

// Breakers are a process's breakers, one per dependency, each counting the
// failures of its kind of dependency.
type Breakers struct {
	GCS, BigQuery, Elasticsearch *Breaker
}

// NewBreakers returns closed breakers for Cloud Storage (failures:
// storage.IsTransient), BigQuery (CatalogTransient) and Elasticsearch
// (every failure but a cancelled call: the index has no answers that are
// not failures besides the conflicts package search accepts already).
func NewBreakers(s BreakerSettings) *Breakers {
	with := func(f func(error) bool) BreakerSettings { s.IsFailure = f; return s }
	return &Breakers{
		GCS:           NewBreaker(GCS, with(storage.IsTransient)),
		BigQuery:      NewBreaker(BigQuery, with(CatalogTransient)),
		Elasticsearch: NewBreaker(Elasticsearch, with(nil)),
	}
}

// All lists the breakers for the health answer.
func (b *Breakers) All() []*Breaker { return []*Breaker{b.GCS, b.BigQuery, b.Elasticsearch} }
