// Package catalogcache is the serving read path of the catalog: an
// in-process catalog.Index of the current rows that answers Current and Get
// with no query per request, kept fresh by a watermark refresh from the
// store's catalog.Feed.
//
// Every instance of a Cloud Run service holds its own copy and refreshes it
// itself: an Eventarc event reaches one instance only, so invalidating on
// events would leave the others stale. The first load reads the ranking row
// of every name (one query job); each refresh after reads those among the
// rows synced since the previous refresh began, less Overlap (one small
// query job on the table's newest partitions). Delete rows come through the
// same stream and are kept as tombstones, so a removal propagates like an
// insert and a late redelivery of a deleted generation cannot bring it back.
// Folding is idempotent, so overlapping reads cost rows, never correctness.
// See docs/architecture.md.
package catalogcache

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// Defaults of Options.
const (
	DefaultRefresh = 10 * time.Second
	// DefaultOverlap covers the writers' clock skew and the seconds a
	// streamed row takes to become visible to queries: a row stamped
	// synced_at T that appears after a refresh began at S is still read
	// when S-T is under the overlap.
	DefaultOverlap = 2 * time.Minute
)

// ErrStale is returned by Fresh when the last successful refresh is older
// than the staleness bound.
var ErrStale = errors.New("catalog cache: stale")

// Options configure a Cache.
type Options struct {
	// Refresh is the interval between refreshes; DefaultRefresh when zero.
	Refresh time.Duration
	// Overlap is how far before the previous refresh's start the next one
	// reads; DefaultOverlap when zero.
	Overlap time.Duration
	Log     *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Cache is a catalog.Store whose reads come from memory once loaded and
// whose appends go to the store (and into memory, so that this instance
// reads its own writes at once). Before the first load completes, reads go
// to the store.
type Cache struct {
	store catalog.Store
	feed  catalog.Feed
	x     *catalog.Index
	o     Options

	loaded atomic.Bool
	// ok is the start (UnixNano) of the last successful refresh.
	ok atomic.Int64

	mu    sync.Mutex // one refresh at a time
	since time.Time  // where the next refresh reads from; zero: everything
}

var _ catalog.Store = (*Cache)(nil)

// New returns a cache of store that follows feed (usually the same
// adapter). Nothing is read until Refresh or Run.
func New(store catalog.Store, feed catalog.Feed, o Options) *Cache {
	o.Refresh = cmp.Or(o.Refresh, DefaultRefresh)
	o.Overlap = cmp.Or(o.Overlap, DefaultOverlap)
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Cache{store: store, feed: feed, x: catalog.NewIndex(), o: o}
}

// Refresh reads what changed since the last refresh (everything the first
// time) and folds it in.
func (c *Cache) Refresh(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := c.o.Now()
	rows, err := c.feed.Changed(ctx, c.since)
	if err != nil {
		return fmt.Errorf("catalog cache: refresh since %v: %w", c.since, err)
	}
	changed := c.x.Fold(rows)
	first := c.since.IsZero()
	c.since = start.Add(-c.o.Overlap)
	c.ok.Store(start.UnixNano())
	c.loaded.Store(true)
	if first {
		st := c.x.Stats()
		c.o.Log.InfoContext(ctx, "catalog cache loaded", "live", st.Live, "deleted", st.Deleted, "took", c.o.Now().Sub(start))
	} else if changed > 0 {
		c.o.Log.DebugContext(ctx, "catalog cache refreshed", "read", len(rows), "changed", changed)
	}
	return nil
}

// Run loads the cache, retrying every Refresh until it succeeds, then
// refreshes every Refresh until ctx ends. A failed refresh is logged and
// the rows already held keep being served.
func (c *Cache) Run(ctx context.Context) {
	t := time.NewTicker(c.o.Refresh)
	defer t.Stop()
	for {
		if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
			c.o.Log.WarnContext(ctx, "catalog cache refresh failed; serving the rows held", "error", err,
				"loaded", c.loaded.Load(), "age", c.Age())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Age is how old the rows are: the time since the last successful
// refresh began; zero before the first.
func (c *Cache) Age() time.Duration {
	ok := c.ok.Load()
	if ok == 0 {
		return 0
	}
	return c.o.Now().Sub(time.Unix(0, ok))
}

// Fresh fails with ErrStale when the cache is loaded and its last
// successful refresh is more than three intervals old, for /health.
func (c *Cache) Fresh(context.Context) error {
	if age := c.Age(); c.loaded.Load() && age > 3*c.o.Refresh {
		return fmt.Errorf("%w: last refreshed %v ago (every %v)", ErrStale, age.Round(time.Second), c.o.Refresh)
	}
	return nil
}

// Stats reports what the cache holds.
func (c *Cache) Stats() catalog.Stats { return c.x.Stats() }

// Append appends to the store, then folds the rows in. The rows are
// prepared here so that the copy in memory has the synced_at the store
// recorded.
func (c *Cache) Append(ctx context.Context, rows ...catalog.Row) error {
	rows, err := catalog.Prepare(c.o.Now(), rows)
	if err != nil {
		return err
	}
	if err := c.store.Append(ctx, rows...); err != nil {
		return err
	}
	c.x.Fold(rows)
	return nil
}

// Current answers from memory once loaded.
func (c *Cache) Current(ctx context.Context, f catalog.Filter) ([]catalog.Row, error) {
	if !c.loaded.Load() {
		return c.store.Current(ctx, f)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.x.Current(f), nil
}

// Get answers from memory once loaded: a name the cache does not hold live
// is not found, without asking the store, so polling a missing name costs
// no query either.
func (c *Cache) Get(ctx context.Context, name string) (catalog.Row, error) {
	if !c.loaded.Load() {
		return c.store.Get(ctx, name)
	}
	if r, ok := c.x.Get(name); ok {
		return r, nil
	}
	return catalog.Row{}, fmt.Errorf("%w for %q", catalog.ErrNotFound, name)
}

// Close closes the store.
func (c *Cache) Close() error { return c.store.Close() }
