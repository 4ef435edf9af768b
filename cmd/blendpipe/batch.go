package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"golang.org/x/term"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/batch"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/job"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

// workerBinary runs manifests in Cloud Storage (gs://), so that blendpipe
// itself links no cloud client.
const workerBinary = "blendpipe-worker"

func runBatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "gs://") }) {
		return cli.Handover(workerBinary, "batch")(ctx, args, stdout, stderr)
	}
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	workers := fs.Int("workers", envInt("WORKER_POOL_SIZE", 4), "blends at once (WORKER_POOL_SIZE)")
	root := fs.String("root", "", "directory that input and output paths are relative to (default: the manifest's)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	shard := fs.Int("shard", -1, "run only this shard of the manifest (default JOB_COMPLETION_INDEX when set)")
	shards := fs.Int("shards", 1, "number of shards the manifest is split into")
	cli.SetUsage(fs,
		"usage: blendpipe batch [--workers N] [--root DIR] [--json] MANIFEST.yaml|json",
		"       blendpipe batch [--shard I --shards N] [--json] gs://BUCKET/jobs/NAME.yaml (run by "+workerBinary+")",
	)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.ErrUsage
	}
	path := fs.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	m, err := batch.ParseManifest(data, path)
	if err != nil {
		return err
	}
	if *shard < 0 {
		*shard = envInt("JOB_COMPLETION_INDEX", -1)
	}
	if *shard >= 0 {
		if *shard >= *shards {
			return fmt.Errorf("--shard %d must be below --shards %d", *shard, *shards)
		}
		m = m.Shard(*shard, *shards)
	}
	log, ctx, err := batchLogger(ctx, os.Getenv, stderr)
	if err != nil {
		return err
	}
	base := *root
	if base == "" {
		base = filepath.Dir(path)
	}
	loader := &inputCache{base: base, entries: map[string]*cachedInput{}}
	do := func(ctx context.Context, b batch.Blend) (batch.Outcome, error) {
		return blendOne(ctx, loader, base, b)
	}

	f, ok := stderr.(*os.File)
	tty := ok && term.IsTerminal(int(f.Fd())) && log == nil
	progress := newProgress(ctx, stderr, tty, log, time.Now)
	start := time.Now()
	sum := batch.Run(ctx, m, *workers, do, progress.update)
	wall := time.Since(start)
	if log != nil {
		for _, r := range sum.Failures() {
			log.WarnContext(ctx, "blend failed", "index", r.Index, "name", r.Name, "error", r.Error, "skipped", r.Skipped)
		}
		log.InfoContext(ctx, "batch done", "manifest", path, "shard", *shard, "shards", *shards, "workers", *workers,
			"total", sum.Total, "ok", sum.OK, "failed", sum.Failed, "skipped", sum.Skipped, "wall", wall)
	}
	if *asJSON {
		if err := cli.WriteJSON(stdout, sum); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%d blends: %d ok, %d failed, %d skipped in %.2f s (%.1f blends/s, %d workers)\n",
			sum.Total, sum.OK, sum.Failed, sum.Skipped, wall.Seconds(), float64(sum.OK)/wall.Seconds(), *workers)
		for _, r := range sum.Failures() {
			why := r.Error
			if r.Skipped {
				why = "skipped: the run was cancelled"
			}
			fmt.Fprintf(stdout, "  FAILED %s: %s\n", r.Name, why)
		}
	}
	if sum.OK != sum.Total {
		return &cli.ExitError{Code: 1, Err: fmt.Errorf("%d of %d blends did not succeed", sum.Total-sum.OK, sum.Total)}
	}
	return nil
}

func blendOne(ctx context.Context, loader *inputCache, base string, b batch.Blend) (batch.Outcome, error) {
	srcs := b.Sources()
	inputs := make([]*anim.Animation, len(srcs))
	metrics := make([]quality.Metrics, len(srcs))
	for i, s := range srcs {
		in, err := loader.load(ctx, s)
		if err != nil {
			return batch.Outcome{}, err
		}
		inputs[i], metrics[i] = in.anim, in.metrics
	}
	out := resolve(base, b.Output)
	f, err := animfile.OutputFormat(out, b.Format)
	if err != nil {
		return batch.Outcome{}, err
	}
	res, err := job.Blend(inputs, job.Spec{Options: b.Options, Format: f, ClipName: b.Name, InputNames: inputNames(b.Sources()), InputMetrics: metrics})
	if err != nil {
		return batch.Outcome{}, nameInput(err, srcs)
	}
	// A manifest declares its output tree, so a batch makes the folders it names; a -o of
	// blend or retarget does not.
	if err := os.MkdirAll(filepath.Dir(out), 0o777); err != nil {
		return batch.Outcome{}, err
	}
	if err := cli.WriteFileAtomic(out, res.Data); err != nil {
		return batch.Outcome{}, err
	}
	q := res.Quality
	return batch.Outcome{Output: b.Output, Bytes: int64(len(res.Data)), Frames: res.Result.Animation.Clip().Frames,
		Quality: &q, Warnings: q.Check(qualityLimits())}, nil
}

// inputCache decodes and measures each input once per batch, however many blends use it.
type inputCache struct {
	base    string
	mu      sync.Mutex
	entries map[string]*cachedInput
}

type cachedInput struct {
	once    sync.Once
	anim    *anim.Animation
	metrics quality.Metrics
	err     error
}

func (c *inputCache) load(ctx context.Context, p string) (*cachedInput, error) {
	c.mu.Lock()
	e, ok := c.entries[p]
	if !ok {
		e = &cachedInput{}
		c.entries[p] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		a, _, err := animfile.Read(ctx, resolve(c.base, p), 0)
		if err == nil {
			e.metrics, err = job.MeasureInput(a)
		}
		e.anim, e.err = a, err
	})
	return e, e.err
}

func resolve(base, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, filepath.FromSlash(p))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// batchLogger returns the logger of a run, as the services log, when LOG_FORMAT or LOG_LEVEL is
// set (the ConfigMap sets them for the pods); on a terminal without them the summary says it
// all and the logger is nil. Every line of the run carries CORRELATION_ID, else a new id.
func batchLogger(ctx context.Context, getenv func(string) string, stderr io.Writer) (*slog.Logger, context.Context, error) {
	if getenv("LOG_FORMAT") == "" && getenv("LOG_LEVEL") == "" {
		return nil, ctx, nil
	}
	o, err := logs.FromEnv(getenv, "blendpipe-batch")
	if err != nil {
		return nil, ctx, err
	}
	id := getenv("CORRELATION_ID")
	if !logs.ValidID(id) {
		id = logs.NewID()
	}
	return logs.New(stderr, o), logs.WithCorrelationID(ctx, id), nil
}
