package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// runBatch runs gs://BUCKET/jobs/NAME.yaml: with a shard index (--shard,
// JOB_COMPLETION_INDEX in a Kubernetes Indexed Job or CLOUD_RUN_TASK_INDEX
// in a Cloud Run Job execution) the shard jobs/NAME.shards/<i>.json the blend
// service wrote, merging the result when it is the last shard in; without
// one the whole manifest, as the blend service would. Either way the
// outcome lands in jobs/NAME.result.json. The exit status is 0 once every
// blend has its outcome recorded, failed ones included, so that Kubernetes
// retries a shard only for what a retry can mend.
func runBatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shard := fs.Int("shard", -1, "shard to run (default JOB_COMPLETION_INDEX or CLOUD_RUN_TASK_INDEX when set)")
	shards := fs.Int("shards", 0, "shard count, checked against the shard's own")
	workers := fs.Int("workers", 0, "blends at once (default WORKER_POOL_SIZE)")
	asJSON := fs.Bool("json", false, "print the outcome as JSON")
	cli.SetUsage(fs,
		"usage: blendpipe batch [--shard I --shards N] [--workers N] [--json] gs://BUCKET/jobs/NAME.yaml|json",
	)
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
	task, err := taskFromEnv(getenv)
	if err != nil {
		return err
	}
	if *shard < 0 {
		*shard = task.index
	}
	if *shards < 0 || *shard >= 0 && *shards > 0 && *shard >= *shards {
		return fmt.Errorf("--shard %d must be below --shards %d", *shard, *shards)
	}
	if task.count > 0 && *shards > 0 && task.count != *shards {
		return fmt.Errorf("CLOUD_RUN_TASK_COUNT=%d: the execution was started for --shards %d: it must run one task per shard", task.count, *shards)
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
	a, err := open(ctx, cfg, dialer(getenv), log)
	if err != nil {
		return err
	}
	defer a.Close()
	p := a.Pipeline
	if port := getenv("PORT"); port != "" {
		srv, err := a.Start(ctx, http.NotFoundHandler(), app.ServeOptions{Port: port, Getenv: getenv, Grace: app.KubernetesGrace})
		if err != nil {
			return err
		}
		defer srv.Stop()
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

	var wantGen int64
	if v := getenv("MANIFEST_GENERATION"); v != "" {
		if wantGen, err = strconv.ParseInt(v, 10, 64); err != nil || wantGen < 1 {
			return fmt.Errorf("MANIFEST_GENERATION=%q: want the manifest's generation, a number above 0", v)
		}
	}
	if *shards > 0 || task.count > 0 || wantGen > 0 {
		sh, _, err := pipeline.ReadShard(ctx, p.Library, manifest, *shard)
		if err != nil {
			return err
		}
		if wantGen > 0 && sh.Generation != wantGen {
			// The manifest was replaced after this run was started: its new
			// generation's shards belong to the run started for it.
			log.InfoContext(ctx, "shard superseded", "shard", *shard, "shard_generation", sh.Generation, "run_generation", wantGen)
			fmt.Fprintf(stdout, "%s: shard %d is of manifest generation %d, this run of %d: left to its own run\n", fs.Arg(0), *shard, sh.Generation, wantGen)
			return nil
		}
		if *shards > 0 && sh.Shards != *shards {
			return fmt.Errorf("--shards %d: the manifest was split into %d", *shards, sh.Shards)
		}
		if task.count > 0 && sh.Shards != task.count {
			return fmt.Errorf("CLOUD_RUN_TASK_COUNT=%d: the manifest was split into %d shards: the execution must run one task per shard", task.count, sh.Shards)
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

// task is the shard a Kubernetes Indexed Job's pod or a Cloud Run Job's
// task is to run, -1 outside either; count is CLOUD_RUN_TASK_COUNT, 0 when
// unset, which must equal the manifest's shard count.
type task struct{ index, count int }

// taskFromEnv reads the index Kubernetes (JOB_COMPLETION_INDEX) or Cloud
// Run (CLOUD_RUN_TASK_INDEX and CLOUD_RUN_TASK_COUNT, as documented at
// https://cloud.google.com/run/docs/container-contract#jobs-env-vars) gives
// the process.
func taskFromEnv(getenv func(string) string) (task, error) {
	t := task{index: -1}
	num := func(name string, least int) (int, error) {
		v := getenv(name)
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			return 0, fmt.Errorf("%s=%q: want a whole number, %d or more", name, v, least)
		}
		return n, nil
	}
	k8s, run := getenv("JOB_COMPLETION_INDEX"), getenv("CLOUD_RUN_TASK_INDEX")
	var err error
	switch {
	case k8s != "" && run != "":
		return t, errors.New("both JOB_COMPLETION_INDEX and CLOUD_RUN_TASK_INDEX are set: want the one of the runner starting this process")
	case k8s != "":
		t.index, err = num("JOB_COMPLETION_INDEX", 0)
	case run != "":
		if t.index, err = num("CLOUD_RUN_TASK_INDEX", 0); err != nil {
			return t, err
		}
		if getenv("CLOUD_RUN_TASK_COUNT") == "" {
			return t, errors.New("CLOUD_RUN_TASK_INDEX is set without CLOUD_RUN_TASK_COUNT")
		}
		if t.count, err = num("CLOUD_RUN_TASK_COUNT", 1); err != nil {
			return t, err
		}
		if t.index >= t.count {
			return t, fmt.Errorf("CLOUD_RUN_TASK_INDEX=%d: want it below CLOUD_RUN_TASK_COUNT=%d", t.index, t.count)
		}
	}
	return t, err
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

// open builds the pipeline over the library bucket on Cloud Storage, as
// the services do: measured, behind the Cloud Storage breaker, with the
// retries of MAX_RETRIES where the client does not retry. A worker links no
// catalog or search client.
func open(ctx context.Context, cfg *config.Config, dial func(context.Context) (storage.Buckets, error), log *slog.Logger) (*app.App, error) {
	return app.Open(ctx, cfg, app.Needs{Library: true}, app.Adapters{Storage: dial}.Open, log)
}

// dialer dials Cloud Storage with the environment getenv reads.
func dialer(getenv func(string) string) func(context.Context) (storage.Buckets, error) {
	return func(ctx context.Context) (storage.Buckets, error) { return gcs.Dial(ctx, getenv, gcs.Options{}) }
}
