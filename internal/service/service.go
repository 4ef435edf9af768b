// Package service starts a pipeline service on Google Cloud: it reads the
// configuration, opens the buckets (Cloud Storage) and the catalog
// (BigQuery) the service needs and serves the service's function on PORT,
// with the probes (/live, /ready, /health) and /metrics beside it on the
// same port, since Cloud Run probes and scrapes the serving port. Each main
// under functions/ is one call to Main.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	cloudstorage "cloud.google.com/go/storage"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/elastic"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/health"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Needs says which ports a service uses; Open requires the variables that
// configure them.
type Needs struct {
	Uploads bool // UPLOADS_BUCKET
	Library bool // GCS_BUCKET
	Catalog bool // BQ_PROJECT (and BQ_DATASET)
}

func (n Needs) vars() []string {
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

// CatalogOpener opens the catalog of a service that needs one and is not
// given one (Deps.Catalog), and what closes it.
type CatalogOpener func(ctx context.Context, cfg *config.Config) (catalog.Store, io.Closer, error)

// catalogOpener is registered by package cloudcatalog (BigQuery), which
// only the services with a catalog import: the others do not link the
// BigQuery client.
var catalogOpener CatalogOpener

// RegisterCatalog sets how Open opens catalogs; package cloudcatalog calls
// it when imported.
func RegisterCatalog(open CatalogOpener) { catalogOpener = open }

// Deps are what Open builds the pipeline with besides the configuration.
// Storage and Catalog, when set, are used instead of the clients Open would
// create (an emulator's client, an embedded catalog).
type Deps struct {
	Log     *slog.Logger
	Metrics *metrics.Metrics // when set, the ports and use cases are measured
	Storage *cloudstorage.Client
	Catalog catalog.Store
	// Breakers, when set, guard Cloud Storage, BigQuery and Elasticsearch.
	Breakers *resilience.Breakers
}

// Open builds the pipeline a service needs on Google Cloud. The returned
// function closes the clients.
func Open(ctx context.Context, cfg *config.Config, needs Needs, log *slog.Logger) (*pipeline.Pipeline, func() error, error) {
	return OpenWith(ctx, cfg, needs, Deps{Log: log})
}

// OpenWith is Open with the dependencies it does not create itself.
func OpenWith(ctx context.Context, cfg *config.Config, needs Needs, deps Deps) (*pipeline.Pipeline, func() error, error) {
	if err := cfg.Require(needs.vars()...); err != nil {
		return nil, nil, err
	}
	p := &pipeline.Pipeline{MaxFileSize: cfg.MaxFileSize(), Workers: cfg.WorkerPoolSize, Log: deps.Log}
	var closers []io.Closer
	closeAll := func() error {
		var errs []error
		for _, c := range closers {
			errs = append(errs, c.Close())
		}
		return errors.Join(errs...)
	}
	if needs.Uploads || needs.Library {
		client := deps.Storage
		if client == nil {
			var err error
			if client, err = cloudstorage.NewClient(ctx); err != nil {
				return nil, nil, fmt.Errorf("cloud storage client: %w", err)
			}
			closers = append(closers, client)
		}
		if needs.Uploads {
			p.Uploads = gcs.New(client, cfg.UploadsBucket, gcs.Options{})
		}
		if needs.Library {
			p.Library = gcs.New(client, cfg.LibraryBucket, gcs.Options{})
		}
	}
	if needs.Catalog {
		p.Catalog = deps.Catalog
		if p.Catalog == nil {
			if catalogOpener == nil {
				closeAll()
				return nil, nil, errors.New("service: opening the catalog needs package service/cloudcatalog imported")
			}
			store, c, err := catalogOpener(ctx, cfg)
			if err != nil {
				closeAll()
				return nil, nil, err
			}
			closers = append(closers, c)
			p.Catalog = store
		}
		if cfg.ElasticsearchEnabled() {
			idx, err := elastic.New(elastic.Options{URL: cfg.ElasticsearchURL, APIKey: cfg.ESAPIKey})
			if err != nil {
				closeAll()
				return nil, nil, &config.VarError{Var: "ELASTICSEARCH_URL", Msg: err.Error()}
			}
			p.Search = idx
		}
	}
	if m := deps.Metrics; m != nil {
		if p.Uploads != nil {
			p.Uploads = m.Store(p.Uploads)
		}
		if p.Library != nil {
			p.Library = m.Store(p.Library)
		}
		if p.Catalog != nil {
			p.Catalog = m.Catalog(p.Catalog)
		}
		p.Observer = m
	}
	guard(p, cfg, deps.Breakers)
	return p, closeAll, nil
}

// guard puts the breakers and the retry policy (MAX_RETRIES,
// RETRY_BACKOFF_MULTIPLIER) outside the measured ports, so the metrics
// count every call that reached a dependency and none an open breaker
// refused. Cloud Storage's client retries idempotent calls and BigQuery's
// retries inserts and queries, so only what they leave alone is retried
// here (see resilience.StoreOptions.ClientRetries).
func guard(p *pipeline.Pipeline, cfg *config.Config, br *resilience.Breakers) {
	policy := resilience.FromConfig(cfg.MaxRetries, cfg.RetryBackoffMultiplier)
	var gcsBreaker, bqBreaker *resilience.Breaker
	if br != nil {
		gcsBreaker, bqBreaker = br.GCS, br.BigQuery
	}
	opts := resilience.StoreOptions{Breaker: gcsBreaker, Retry: &policy, ClientRetries: true}
	if p.Uploads != nil {
		p.Uploads = resilience.Store(p.Uploads, opts)
	}
	if p.Library != nil {
		p.Library = resilience.Store(p.Library, opts)
	}
	if p.Catalog != nil && bqBreaker != nil {
		p.Catalog = resilience.Catalog(p.Catalog, resilience.CatalogOptions{Breaker: bqBreaker})
	}
	if p.Search != nil && br != nil {
		p.Search = resilience.Index(p.Search, br.Elasticsearch)
	}
}

// NewBreakers returns the breakers of a service, reporting their state in
// circuit_breaker_state.
func NewBreakers(m *metrics.Metrics) *resilience.Breakers {
	return resilience.NewBreakers(resilience.BreakerSettings{
		OnStateChange: func(dep string, s resilience.State) { m.SetBreakerState(dep, float64(s)) },
	})
}

// Checker returns the health checks of p's ports: every bucket and the
// catalog it uses are critical, since no event can be handled without them.
// The breakers' states show in /health.
func Checker(p *pipeline.Pipeline, breakers ...*resilience.Breaker) *health.Checker {
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
	if p.Catalog != nil {
		c.Components = append(c.Components, health.Component{Name: "catalog", Critical: true, Check: health.CatalogCheck(p.Catalog)})
	}
	return c
}

// Handler serves fn beside the probes and /metrics: GET /live, /ready,
// /health and /metrics are answered here, every other request (the
// CloudEvents Eventarc posts to "/", the blend API) goes to fn.
func Handler(fn http.Handler, probes *health.Checker, m *metrics.Metrics) http.Handler {
	mux := http.NewServeMux()
	probes.Register(mux)
	mux.Handle("GET /metrics", m.Handler())
	// Every request and event served by fn carries a correlation id and the
	// trace in its context, for its log lines and what it writes.
	mux.Handle("/", logs.Middleware(fn))
	return mux
}

// Function builds the handler a service serves at "/" from its pipeline.
type Function func(p *pipeline.Pipeline, m *metrics.Metrics, log *slog.Logger) http.Handler

// shutdownGrace is how long in-flight requests get after SIGTERM: Cloud Run
// kills the instance 10 s after sending it.
const shutdownGrace = 8 * time.Second

// Main runs a service: configuration from the environment (Secret Manager
// references resolved), the ports in needs, and fn with the probes and
// /metrics on PORT (8080 by default), /metrics also on METRICS_PORT on
// Kubernetes. FUNCTION_TARGET, when set, must name
// target, as functions-framework-go would refuse to serve another function.
// Bad configuration stops the start with a message naming the variable. On
// SIGTERM or SIGINT the server stops taking requests and lets those in
// flight finish.
func Main(name, target string, needs Needs, fn Function) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if t := os.Getenv("FUNCTION_TARGET"); t != "" && t != target {
		fmt.Fprintf(os.Stderr, "%s: FUNCTION_TARGET=%q: this service serves %q\n", name, t, target)
		os.Exit(2)
	}
	cfg, err := config.Load(ctx, config.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(2)
	}
	log := cfg.Logger(os.Stderr, name)
	slog.SetDefault(log)
	m := metrics.New()
	br := NewBreakers(m)
	p, closeAll, err := OpenWith(ctx, cfg, needs, Deps{Log: log, Metrics: m, Breakers: br})
	if err != nil {
		log.Error("start failed", "error", err)
		os.Exit(2)
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Error("start failed", "error", err)
		closeAll()
		os.Exit(1)
	}
	// On Kubernetes the metrics also get a port of their own (METRICS_PORT).
	if addr, err := m.ServeMetricsPort(ctx, os.Getenv, port, log); err != nil {
		log.Error("start failed", "error", err)
		closeAll()
		os.Exit(1)
	} else if addr != nil {
		log.Info("serving metrics", "addr", addr.String())
	}
	log.Info("serving", "port", port, "target", target, "config", cfg)
	err = Serve(ctx, ln, Handler(fn(p, m, log), Checker(p, br.All()...), m), log)
	if cerr := closeAll(); cerr != nil {
		log.Warn("closing clients failed", "error", cerr)
	}
	if err != nil {
		log.Error("serve failed", "error", err)
		os.Exit(1)
	}
}

// Serve serves h on ln until ctx ends, then shuts down gracefully: new
// connections are refused and requests in flight get shutdownGrace to
// finish.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace)
	shut, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
