package resilience_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
)

// failingCatalog answers every call with err, counting them.
type failingCatalog struct {
	catalog.Store
	err   error
	calls atomic.Int64
}

func (c *failingCatalog) Append(context.Context, ...catalog.Row) error {
	c.calls.Add(1)
	return c.err
}

func (c *failingCatalog) Get(context.Context, string) (catalog.Row, error) {
	c.calls.Add(1)
	return catalog.Row{}, c.err
}

func TestCatalog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		retry     bool
		wantCalls int64 // over 4 calls, breaker opening after 2 consecutive failures
		wantState resilience.State
	}{
		{"bigquery 503 opens, no retries", &googleapi.Error{Code: 503}, false, 2, resilience.Open},
		{"bigquery 429 with retries", &googleapi.Error{Code: 429}, true, 2, resilience.Open},
		{"no row is an answer", catalog.ErrNotFound, true, 4, resilience.Closed},
		{"invalid row is an answer", catalog.ErrInvalidRow, true, 4, resilience.Closed},
		{"bigquery 403 is not retried", &googleapi.Error{Code: 403}, true, 4, resilience.Closed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := resilience.NewBreakers(resilience.BreakerSettings{Failures: 2, Timeout: time.Hour}).BigQuery
			f := &failingCatalog{err: tc.err}
			opts := resilience.CatalogOptions{Breaker: b}
			if tc.retry {
				opts.Retry = &resilience.Policy{MaxAttempts: 3, Sleep: noWait}
			}
			c := resilience.Catalog(f, opts)
			for range 4 {
				if _, err := c.Get(t.Context(), "seed/a.bvh"); !errors.Is(err, tc.err) && !errors.Is(err, resilience.ErrOpen) {
					t.Fatalf("err = %v", err)
				}
			}
			if n := f.calls.Load(); n != tc.wantCalls || b.State() != tc.wantState {
				t.Fatalf("%d calls, state %v; want %d, %v", n, b.State(), tc.wantCalls, tc.wantState)
			}
		})
	}
}

// The decorated embedded catalog still honours the whole port contract.
func TestCatalogContract(t *testing.T) {
	t.Parallel()
	catalogtest.Run(t, catalogtest.Harness{New: func(t *testing.T) catalog.Store {
		s, err := sqlite.Open(t.Context(), t.TempDir()+"/"+sqlite.FileName)
		if err != nil {
			t.Fatal(err)
		}
		b := resilience.NewBreakers(resilience.BreakerSettings{}).BigQuery
		return resilience.Catalog(s, resilience.CatalogOptions{Breaker: b, Retry: &resilience.Policy{Sleep: noWait}})
	}})
}

type failingIndex struct{ calls int }

func (x *failingIndex) Put(context.Context, catalog.Row) error {
	x.calls++
	return errors.New("search: index seed/a.bvh#1: dial tcp: connection refused")
}

// An Elasticsearch that is down stops being called once its breaker opens.
func TestIndexFailsFast(t *testing.T) {
	t.Parallel()
	b := resilience.NewBreakers(resilience.BreakerSettings{Failures: 3, Timeout: time.Hour}).Elasticsearch
	x := &failingIndex{}
	idx := resilience.Index(x, b)
	for range 10 {
		if err := idx.Put(t.Context(), catalogtest.Seed("seed/a.bvh", 1)); err == nil {
			t.Fatal("no error from a failing index")
		}
	}
	if x.calls != 3 || b.State() != resilience.Open {
		t.Fatalf("%d calls, state %v; want 3 and open", x.calls, b.State())
	}
}
