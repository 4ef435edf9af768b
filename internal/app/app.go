// Package app is the composition root: every binary that runs the pipeline
// (the three Cloud Run services, the batch worker, the local pipeline and the
// store commands) builds it here. A main opens the adapters it links (Cloud
// Storage, BigQuery, Elasticsearch, a directory, SQLite) and hands them over
// as Ports; Build checks that the ports the binary needs are there, measures
// them and puts the retries and circuit breakers around them, once, in the
// same order everywhere; Start and Run serve the binary's handler with the
// probes and /metrics beside it and stop gracefully.
//
// Nothing here imports a client library: a binary links only the adapters its
// main passes, which keeps each image within its size budget.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/catalogcache"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/health"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Needs says which ports a binary's use cases call.
type Needs struct {
	Uploads bool // UPLOADS_BUCKET
	Library bool // GCS_BUCKET
	Catalog bool // BQ_PROJECT (and BQ_DATASET)
	// CatalogReads says the binary serves catalogue reads to clients
	// (GET /blends, /seeds): they come from an in-process cache of the
	// catalog refreshed every Options.CatalogRefresh (package
	// catalogcache), not from a query each.
	CatalogReads bool
}

// Vars are the variables that configure the ports in n.
func (n Needs) Vars() []string {
	var v []string
	if n.Uploads {
		v = append(v, "UPLOADS_BUCKET")
	}
	if n.Library {
		v = append(v, "GCS_BUCKET")
	}
	if n.Catalog {
		v = append(v, "BQ_PROJECT")
	}
	return v
}

// ErrMissingPort is returned by Build when a needed port was not opened.
var ErrMissingPort = errors.New("missing port")

// Ports are the adapters a main opened, undecorated.
type Ports struct {
	Uploads, Library storage.Store
	// StoreClientRetries says the stores' client retries its idempotent
	// calls itself, as cloud.google.com/go/storage does; a directory does
	// not (resilience.StoreOptions.ClientRetries).
	StoreClientRetries bool
	Catalog            catalog.Store
	// CatalogClientRetries says the catalog's client retries itself, as
	// BigQuery's does: the pipeline then adds no retries of its own.
	CatalogClientRetries bool
	// Search, when set, also receives every synced row.
	Search pipeline.Indexer
	// Sharder, when set, runs heavy manifests elsewhere (BATCH_RUNNER).
	Sharder *pipeline.Sharder
	// URI names objects in catalog rows; gs://bucket/name when nil.
	URI func(bucket, name string) string
	// Closers release what the adapters hold, closed last first by
	// App.Close.
	Closers []io.Closer
}

// Options are what Build takes besides the ports.
type Options struct {
	Log *slog.Logger
	// Metrics receives the pipeline's metrics; a new set when nil.
	Metrics *metrics.Metrics
	// MaxFileSize (bytes) and Workers are MAX_FILE_SIZE_MB and
	// WORKER_POOL_SIZE.
	MaxFileSize int64
	Workers     int
	// Retry is MAX_RETRIES and RETRY_BACKOFF_MULTIPLIER; the zero Policy
	// takes the defaults.
	Retry resilience.Policy
	// Breaker configures the breakers. IsFailure is set per dependency;
	// every change of state is reported in circuit_breaker_state, then to
	// OnStateChange when set.
	Breaker resilience.BreakerSettings
	// CatalogRefresh is how often the catalogue cache of Needs.CatalogReads
	// refreshes (CATALOG_REFRESH_SECONDS); catalogcache.DefaultRefresh
	// when zero, and no cache (a query per read) when negative.
	CatalogRefresh time.Duration
}

// FromConfig takes the options of cfg.
func FromConfig(cfg *config.Config, log *slog.Logger) Options {
	return Options{Log: log, MaxFileSize: cfg.MaxFileSize(), Workers: cfg.WorkerPoolSize,
		Retry: resilience.FromConfig(cfg.MaxRetries, cfg.RetryBackoffMultiplier), CatalogRefresh: cfg.CatalogRefresh()}
}

// App is a built pipeline with what serves and watches it.
type App struct {
	Pipeline *pipeline.Pipeline
	Metrics  *metrics.Metrics
	// Health checks every port the pipeline has; the breakers show in
	// /health.
	Health *health.Checker
	// Breakers guard the dependencies the ports reach: resilience.GCS for
	// the buckets, resilience.BigQuery for the catalog and
	// resilience.Elasticsearch for the index: the first when a bucket is
	// there, the others when the catalog is.
	Breakers []*resilience.Breaker
	Log      *slog.Logger
	// CatalogCache serves the pipeline's catalogue reads when the binary
	// has Needs.CatalogReads; Start runs its refreshes. Nil otherwise.
	CatalogCache *catalogcache.Cache

	closers []io.Closer
	// stopRefresh ends the cache's refreshes Start began.
	stopRefresh context.CancelFunc
}

// Build builds the pipeline of needs over ports. A needed port that is nil
// fails with ErrMissingPort (and the ports are closed). Each store and the
// catalog are measured, then retried and guarded by a breaker outside the
// measurement, so the metrics count every call that reached a dependency and
// none a breaker refused.
func Build(needs Needs, ports Ports, o Options) (*App, error) {
	var missing []string
	if needs.Uploads && ports.Uploads == nil {
		missing = append(missing, "uploads bucket (UPLOADS_BUCKET)")
	}
	if needs.Library && ports.Library == nil {
		missing = append(missing, "library bucket (GCS_BUCKET)")
	}
	if needs.Catalog && ports.Catalog == nil {
		missing = append(missing, "catalog (BQ_PROJECT)")
	}
	if len(missing) > 0 {
		closeAll(ports.Closers)
		return nil, fmt.Errorf("app: %w: the pipeline needs the %s, and no adapter opened it", ErrMissingPort, joinAnd(missing))
	}
	a := &App{Metrics: o.Metrics, Log: cmp.Or(o.Log, slog.Default()), closers: ports.Closers}
	if a.Metrics == nil {
		a.Metrics = metrics.New()
	}
	m := a.Metrics
	settings := o.Breaker
	settings.OnStateChange = func(dep string, s resilience.State) {
		m.SetBreakerState(dep, float64(s))
		if o.Breaker.OnStateChange != nil {
			o.Breaker.OnStateChange(dep, s)
		}
	}
	breaker := func(dep string, isFailure func(error) bool) *resilience.Breaker {
		s := settings
		s.IsFailure = isFailure
		b := resilience.NewBreaker(dep, s)
		a.Breakers = append(a.Breakers, b)
		return b
	}
	policy := o.Retry
	var checked catalog.Store // what the catalog's health check reads
	p := &pipeline.Pipeline{MaxFileSize: o.MaxFileSize, Workers: o.Workers, Log: a.Log, Observer: m,
		Sharder: ports.Sharder, URI: ports.URI}
	if ports.Uploads != nil || ports.Library != nil {
		storeOpts := resilience.StoreOptions{Breaker: breaker(resilience.GCS, storage.IsTransient), Retry: &policy,
			ClientRetries: ports.StoreClientRetries}
		if ports.Uploads != nil {
			p.Uploads = resilience.Store(m.Store(ports.Uploads), storeOpts)
		}
		if ports.Library != nil {
			p.Library = resilience.Store(m.Store(ports.Library), storeOpts)
		}
	}
	if ports.Catalog != nil {
		catOpts := resilience.CatalogOptions{Breaker: breaker(resilience.BigQuery, resilience.CatalogTransient)}
		if !ports.CatalogClientRetries {
			catOpts.Retry = &policy
		}
		p.Catalog = resilience.Catalog(m.Catalog(ports.Catalog), catOpts)
		checked = p.Catalog
		// The feed is the adapter itself: its refreshes are retried by the
		// cache's own interval, not by the pipeline's policy.
		if feed, ok := ports.Catalog.(catalog.Feed); ok && needs.CatalogReads && o.CatalogRefresh >= 0 {
			a.CatalogCache = catalogcache.New(p.Catalog, feed, catalogcache.Options{Refresh: o.CatalogRefresh, Log: a.Log})
			p.Catalog = a.CatalogCache
		}
		// The index is fed by the catalogue's sync; its breaker shows
		// (closed) wherever a catalogue is, configured or not, so the
		// dashboards of every such service read the same.
		es := breaker(resilience.Elasticsearch, nil)
		if ports.Search != nil {
			p.Search = resilience.Index(ports.Search, es)
		}
	}
	a.Pipeline = p
	a.Health = checker(p, checked, a.Breakers)
	if a.CatalogCache != nil {
		// Stale reads are still answers: the cache shows in /health only.
		a.Health.Components = append(a.Health.Components, health.Component{Name: "catalog-cache", Check: a.CatalogCache.Fresh})
	}
	return a, nil
}

// checker checks every bucket and the catalog (the store itself, not a
// cache of it): all are critical, since no event can be handled without
// them.
func checker(p *pipeline.Pipeline, cat catalog.Store, breakers []*resilience.Breaker) *health.Checker {
	c := &health.Checker{}
	for _, b := range breakers {
		c.Breakers = append(c.Breakers, b)
	}
	if p.Uploads != nil {
		c.Components = append(c.Components, health.Component{Name: "uploads", Critical: true, Check: health.StoreCheck(p.Uploads)})
	}
	// One bucket may serve as both; checking it once is enough.
	if p.Library != nil && (p.Uploads == nil || p.Library.Bucket() != p.Uploads.Bucket()) {
		c.Components = append(c.Components, health.Component{Name: "library", Critical: true, Check: health.StoreCheck(p.Library)})
	}
	if cat != nil {
		c.Components = append(c.Components, health.Component{Name: "catalog", Critical: true, Check: health.CatalogCheck(cat)})
	}
	return c
}

// Breaker is the breaker of dependency, or nil.
func (a *App) Breaker(dependency string) *resilience.Breaker {
	i := slices.IndexFunc(a.Breakers, func(b *resilience.Breaker) bool { return b.Dependency() == dependency })
	if i < 0 {
		return nil
	}
	return a.Breakers[i]
}

// Close ends the cache's refreshes and closes the adapters' clients, last
// opened first.
func (a *App) Close() error {
	if a.stopRefresh != nil {
		a.stopRefresh()
	}
	return closeAll(a.closers)
}

func closeAll(cs []io.Closer) error {
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		errs = append(errs, cs[i].Close())
	}
	return errors.Join(errs...)
}

func joinAnd(s []string) string {
	switch len(s) {
	case 1:
		return s[0]
	case 2:
		return s[0] + " and " + s[1]
	}
	out := ""
	for i, v := range s {
		switch {
		case i == len(s)-1:
			out += ", and " + v
		case i > 0:
			out += ", " + v
		default:
			out = v
		}
	}
	return out
}
