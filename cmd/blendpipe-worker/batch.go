package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	cloudstorage "cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/health"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// runBatch runs gs://BUCKET/jobs/NAME.yaml: with a shard index (--shard or
// JOB_COMPLETION_INDEX) the shard jobs/NAME.shards/<i>.json the blend
// service wrote, merging the result when it is the last shard in; without
// one the whole manifest, as the blend service would. Either way the
// outcome lands in jobs/NAME.result.json. The exit status is 0 once every
// blend has its outcome recorded, failed ones included, so that Kubernetes
// retries a shard only for what a retry can mend.
func runBatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shard := fs.Int("shard", -1, "shard to run (default JOB_COMPLETION_INDEX when set)")
	shards := fs.Int("shards", 0, "shard count, checked against the shard's own")
	workers := fs.Int("workers", 0, "blends at once (default WORKER_POOL_SIZE)")
	asJSON := fs.Bool("json", false, "print the outcome as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: blendpipe batch [--shard I --shards N] [--workers N] [--json] gs://BUCKET/jobs/NAME.yaml|json")
		fs.PrintDefaults()
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.ErrUsage
	}
	bucket, manifest, err := parseGS(fs.Arg(0))
	if err != nil {
		return err
	}
	if *shard < 0 {
		if v := getenv("JOB_COMPLETION_INDEX"); v != "" {
			if *shard, err = strconv.Atoi(v); err != nil || *shard < 0 {
				return fmt.Errorf("JOB_COMPLETION_INDEX=%q: want a shard index, 0 or more", v)
			}
		}
	}
	if *shards < 0 || *shard >= 0 && *shards > 0 && *shard >= *shards {
		return fmt.Errorf("--shard %d must be below --shards %d", *shard, *shards)
	}

	cfg, err := config.Load(ctx, config.Options{})
	if err != nil {
		return err
	}
	cfg.LibraryBucket = bucket
	if *workers > 0 {
		cfg.WorkerPoolSize = *workers
	}
	log := cfg.NewLogger(stderr).With("command", "batch", "manifest", fs.Arg(0))
	if id := getenv("CORRELATION_ID"); id != "" {
		// The Job carries the manifest event's id, so every shard's lines join its trail.
		ctx = logs.WithCorrelationID(ctx, id)
	}
	client, err := storageClient(ctx, getenv)
	if err != nil {
		return err
	}
	defer client.Close()
	p, m, breaker := open(cfg, gcs.New(client, bucket, gcs.Options{}), log)
	if port := getenv("PORT"); port != "" {
		stop, err := serve(ctx, p, m, breaker, http.NotFoundHandler(), port, getenv, log)
		if err != nil {
			return err
		}
		defer stop()
	}

	var res *pipeline.BatchResult
	if *shard < 0 {
		attrs, err := p.Library.Stat(ctx, manifest, nil)
		if err != nil {
			return fmt.Errorf("manifest %s: %w", fs.Arg(0), err)
		}
		if res, err = p.Batch(ctx, attrs, getenv("CORRELATION_ID")); err != nil {
			return err
		}
		if res == nil {
			return fmt.Errorf("manifest %s: replaced while starting; its new generation is run by its own event", fs.Arg(0))
		}
		return report(stdout, *asJSON, res, fmt.Sprintf("%s: %d blends, %d ok, %d failed", fs.Arg(0), res.Total, res.OK, res.Failed))
	}

	if *shards > 0 {
		sh, _, err := pipeline.ReadShard(ctx, p.Library, manifest, *shard)
		if err != nil {
			return err
		}
		if sh.Shards != *shards {
			return fmt.Errorf("--shards %d: the manifest was split into %d", *shards, sh.Shards)
		}
	}
	merged, err := p.RunShard(ctx, manifest, *shard)
	if err != nil {
		return err
	}
	if merged != nil {
		return report(stdout, *asJSON, merged, fmt.Sprintf("%s: all shards done: %d blends, %d ok, %d failed", fs.Arg(0), merged.Total, merged.OK, merged.Failed))
	}
	// Others are still running: report this shard's own summary.
	data, _, err := storage.ReadAll(ctx, p.Library, library.ShardResultName(manifest, *shard), nil)
	if err != nil {
		return fmt.Errorf("shard %d summary: %w", *shard, err)
	}
	if *asJSON {
		_, err = stdout.Write(data)
		return err
	}
	fmt.Fprintf(stdout, "%s: shard %d done (%s); the last shard merges the result\n", fs.Arg(0), *shard, library.ShardResultName(manifest, *shard))
	return nil
}

func report(w io.Writer, asJSON bool, res *pipeline.BatchResult, line string) error {
	if asJSON {
		return cli.WriteJSON(w, res)
	}
	fmt.Fprintln(w, line)
	for _, b := range res.Blends {
		if b.Error != "" {
			fmt.Fprintf(w, "  FAILED %s: %s\n", b.Name, b.Error)
		}
	}
	return nil
}

// parseGS splits gs://BUCKET/jobs/NAME.yaml into the bucket and a manifest name.
func parseGS(u string) (bucket, name string, err error) {
	rest, ok := strings.CutPrefix(u, "gs://")
	if ok {
		bucket, name, ok = strings.Cut(rest, "/")
	}
	if !ok || bucket == "" {
		return "", "", fmt.Errorf("%q: want gs://BUCKET/jobs/NAME.yaml", u)
	}
	if !library.IsManifest(name) {
		return "", "", fmt.Errorf("%q: not a manifest: want jobs/NAME.yaml, .yml or .json", u)
	}
	return bucket, name, nil
}

// open builds the pipeline over the library as the services do: measured,
// behind the Cloud Storage breaker, with the retries of MAX_RETRIES where
// the client does not retry. It is built here rather than by package
// service, which would link the catalog and search clients a worker does
// not use.
func open(cfg *config.Config, lib storage.Store, log *slog.Logger) (*pipeline.Pipeline, *metrics.Metrics, *resilience.Breaker) {
	m := metrics.New()
	br := resilience.NewBreaker(resilience.GCS, resilience.BreakerSettings{
		IsFailure:     storage.IsTransient,
		OnStateChange: func(dep string, s resilience.State) { m.SetBreakerState(dep, float64(s)) },
	})
	policy := resilience.FromConfig(cfg.MaxRetries, cfg.RetryBackoffMultiplier)
	lib = resilience.Store(m.Store(lib), resilience.StoreOptions{Breaker: br, Retry: &policy, ClientRetries: true})
	return &pipeline.Pipeline{Library: lib, MaxFileSize: cfg.MaxFileSize(), Workers: cfg.WorkerPoolSize, Log: log, Observer: m}, m, br
}

// serve answers /live, /ready, /health and /metrics, and fn for every
// other path, on port, and /metrics on the port metrics.PortFromEnv picks
// (METRICS_PORT; 9090 on Kubernetes): the probes and the Prometheus
// annotations of a pod. The returned function stops serving, letting
// requests in flight finish for up to shutdownGrace.
func serve(ctx context.Context, p *pipeline.Pipeline, m *metrics.Metrics, br *resilience.Breaker, fn http.Handler, port string, getenv func(string) string, log *slog.Logger) (func(), error) {
	probes := &health.Checker{
		Components: []health.Component{{Name: "library", Critical: true, Check: health.StoreCheck(p.Library)}},
		Breakers:   []health.Breaker{br},
	}
	mux := http.NewServeMux()
	probes.Register(mux)
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/", fn)
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		return nil, err
	}
	mctx, stopMetrics := context.WithCancel(context.WithoutCancel(ctx))
	if _, err := m.ServeMetricsPort(mctx, getenv, port, log); err != nil {
		stopMetrics()
		ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("probe server failed", "port", port, "error", err)
		}
	}()
	return func() {
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		if err := srv.Shutdown(shut); err != nil {
			log.Warn("shutdown", "error", err)
		}
		stopMetrics()
	}, nil
}

// shutdownGrace is how long requests in flight get after SIGTERM: a pod
// has 30 s (terminationGracePeriodSeconds) before it is killed.
const shutdownGrace = 25 * time.Second

// storageClient is the Cloud Storage client of both commands.
func storageClient(ctx context.Context, getenv func(string) string) (*cloudstorage.Client, error) {
	var opts []option.ClientOption
	if getenv("STORAGE_EMULATOR_HOST") != "" {
		// The emulators serve downloads on the JSON API only.
		opts = append(opts, cloudstorage.WithJSONReads())
	}
	client, err := cloudstorage.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("cloud storage client: %w", err)
	}
	return client, nil
}
