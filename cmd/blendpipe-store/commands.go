package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/transfer"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// failed is the exit of a command that has listed its failures.
func failed() error { return &cli.ExitError{Code: 1, Err: cli.ErrReported} }

// metadataFlag collects repeated --metadata key=value.
type metadataFlag map[string]string

func (m metadataFlag) String() string { return fmt.Sprint(map[string]string(m)) }

func (m metadataFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("%q: want key=value", v)
	}
	if k == library.MetaSHA256 {
		return fmt.Errorf("%q: the %s key is the content's checksum, set by upload", v, library.MetaSHA256)
	}
	m[strings.TrimSpace(k)] = val
	return nil
}

// progress draws a bar when stderr is a terminal, plain lines otherwise.
func progress(stderr io.Writer) transfer.Progress {
	f, ok := stderr.(*os.File)
	return transfer.NewBar(stderr, ok && term.IsTerminal(int(f.Fd())))
}

func loadConfig(ctx context.Context) (*config.Config, error) {
	return config.Load(ctx, config.Options{})
}

// newFlagSet returns the flags of command name, which report to stderr;
// its usage prints lines, then the flags.
func newFlagSet(name string, stderr io.Writer, lines ...string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cli.SetUsage(fs, lines...)
	return fs
}

// openLibrary loads the configuration and opens the library and its
// catalog; t.close closes them.
func (t *target) openLibrary(ctx context.Context) (*config.Config, storage.Store, catalog.Store, error) {
	cfg, err := loadConfig(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	lib, err := t.store(ctx, "library", cfg.LibraryBucket, "GCS_BUCKET")
	if err != nil {
		return nil, nil, nil, err
	}
	cat, err := t.catalog(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, lib, cat, nil
}

func runUpload(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("upload", stderr,
		"usage: blendpipe upload PATH... [--bucket NAME | --dir DIR] [--metadata key=value]... [--prefix P]",
		"Folders are searched for .fbx, .bvh, .glb and .gltf files. WORKER_POOL_SIZE, MAX_FILE_SIZE_MB,",
		"UPLOAD_TIMEOUT_SECONDS, MAX_RETRIES and RETRY_BACKOFF_MULTIPLIER apply.")
	var t target
	t.flags(fs, "UPLOADS_BUCKET", false)
	md := metadataFlag{}
	fs.Var(md, "metadata", "key=value attached to every object (repeatable)")
	prefix := fs.String("prefix", "", "put before every object name, such as batch-7/")
	fs.IntVar(&t.chunkMiB, "chunk-mib", 8, "resumable upload chunk in MiB (Cloud Storage)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 || t.chunkMiB <= 0 {
		fs.Usage()
		return cli.ErrUsage
	}
	cfg, err := loadConfig(ctx)
	if err != nil {
		return err
	}
	defer t.close()
	store, err := t.store(ctx, "uploads", cfg.UploadsBucket, "UPLOADS_BUCKET")
	if err != nil {
		return err
	}
	rep := transfer.Upload(ctx, transfer.UploadOptions{
		Store: store, Prefix: *prefix, Workers: cfg.WorkerPoolSize, MaxFileSize: cfg.MaxFileSize(),
		Timeout: cfg.UploadTimeout(), Retry: resilience.FromConfig(cfg.MaxRetries, cfg.RetryBackoffMultiplier),
		Metadata: md, Progress: progress(stderr),
	}, fs.Args())
	if *asJSON {
		if err := cli.WriteJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		secs := rep.Elapsed.Seconds()
		fmt.Fprintf(stdout, "%d files to %s: %d uploaded, %d skipped, %d failed; %.1f MiB in %.1f s (%.1f MiB/s)\n",
			len(rep.Results), store.Bucket(), rep.Count(transfer.Uploaded), rep.Count(transfer.Skipped), rep.Count(transfer.Failed),
			float64(rep.Bytes)/(1<<20), secs, float64(rep.Bytes)/(1<<20)/max(secs, 1e-9))
		list(stdout, rep.Results, transfer.Skipped)
		list(stdout, rep.Results, transfer.Failed)
	}
	if !rep.OK() {
		return failed()
	}
	return nil
}

// list prints the results with outcome o under a heading.
func list(w io.Writer, results []transfer.Result, o transfer.Outcome) {
	first := true
	for _, r := range results {
		if r.Outcome != o {
			continue
		}
		if first {
			fmt.Fprintf(w, "%s:\n", o)
			first = false
		}
		what := r.Path
		if r.Object != "" && r.Object != r.Path {
			what += " -> " + r.Object
		}
		if r.Path == "" {
			what = r.Object
		}
		fmt.Fprintf(w, "  %s: %s\n", what, r.Reason)
	}
}

// parseTime reads --since and --until: RFC 3339, or a UTC date.
func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want a date (2026-11-25) or an RFC 3339 time (2026-11-25T09:30:00Z)", v)
	}
	return t, nil
}

func runPull(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pull", stderr,
		"usage: blendpipe pull -o DIR [--dir DIR | --project P --dataset D --bucket B] [selection flags]")
	var t target
	t.flags(fs, "GCS_BUCKET", true)
	out := fs.String("o", "", "folder to fill with the blends and manifest.json (required)")
	kind := fs.String("kind", "blend", "blend or seed")
	var f catalog.Filter
	fs.StringVar(&f.Rig, "rig", "", "only this rig (the <rig> folder of the names)")
	fs.StringVar(&f.Clip, "clip", "", "only this clip")
	fs.StringVar(&f.Method, "method", "", "only this blend method")
	fs.StringVar(&f.Source, "source", "", "only blends made from this seed (object name)")
	fs.StringVar(&f.Prefix, "prefix", "", "only names starting with this")
	since := fs.String("since", "", "only objects created at or after this date or RFC 3339 time")
	until := fs.String("until", "", "only objects created before this date or RFC 3339 time")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *out == "" || (*kind != "blend" && *kind != "seed") {
		fs.Usage()
		return cli.ErrUsage
	}
	var err error
	f.Kind = catalog.Kind(*kind)
	if f.Since, err = parseTime(*since); err != nil {
		return fmt.Errorf("--since %w", err)
	}
	if f.Until, err = parseTime(*until); err != nil {
		return fmt.Errorf("--until %w", err)
	}
	defer t.close()
	cfg, lib, cat, err := t.openLibrary(ctx)
	if err != nil {
		return err
	}
	rep, err := transfer.Pull(ctx, transfer.PullOptions{
		Catalog: cat, Library: lib, Filter: f, Dir: *out, Workers: cfg.WorkerPoolSize, Timeout: cfg.UploadTimeout(),
		Retry: resilience.FromConfig(cfg.MaxRetries, cfg.RetryBackoffMultiplier), Progress: progress(stderr),
	})
	if err != nil {
		return err
	}
	if *asJSON {
		if err := cli.WriteJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%s: %d downloaded, %d unchanged, %d removed, %d failed; %.1f MiB in %.1f s\n",
			rep.Manifest, rep.Count(transfer.Downloaded), rep.Count(transfer.Unchanged), rep.Count(transfer.Removed),
			rep.Count(transfer.Failed), float64(rep.Bytes)/(1<<20), rep.Elapsed.Seconds())
		for _, n := range rep.Notes {
			fmt.Fprintln(stdout, "note:", n)
		}
		list(stdout, rep.Results, transfer.Failed)
	}
	if !rep.OK() {
		return failed()
	}
	return nil
}

func runResync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("resync", stderr,
		"usage: blendpipe resync [--dir DIR | --project P --dataset D --bucket B] [--dry-run] [--json]")
	var t target
	t.flags(fs, "GCS_BUCKET", true)
	dry := fs.Bool("dry-run", false, "report what would change without appending rows")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return cli.ErrUsage
	}
	defer t.close()
	cfg, lib, cat, err := t.openLibrary(ctx)
	if err != nil {
		return err
	}
	// Built as every pipeline is: retried and guarded as the services' are.
	a, err := app.Build(app.Needs{Library: true, Catalog: true}, app.Ports{Library: lib, Catalog: cat, URI: t.uri(lib),
		StoreClientRetries: !t.local(), CatalogClientRetries: !t.local()}, app.FromConfig(cfg, cfg.NewLogger(io.Discard)))
	if err != nil {
		return err
	}
	rep, err := a.Pipeline.Resync(ctx, pipeline.ResyncOptions{DryRun: *dry, CorrelationID: "resync-" + strconv.FormatInt(time.Now().UnixMilli(), 10)})
	if err != nil {
		return err
	}
	if *asJSON {
		if err := cli.WriteJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		verb := "appended"
		switch {
		case *dry:
			verb = "to append (dry run)"
		case !rep.Changed():
			verb = "already match the library"
		}
		fmt.Fprintf(stdout, "%d objects in %s: %d rows added, %d fixed, %d marked deleted, %d unchanged, %d failed; rows %s\n",
			rep.Objects, lib.Bucket(), len(rep.Added), len(rep.Fixed), len(rep.Deleted), rep.Unchanged, len(rep.Failed), verb)
		for _, g := range []struct {
			head  string
			names []string
		}{{"added", rep.Added}, {"fixed", rep.Fixed}, {"marked deleted", rep.Deleted}} {
			if len(g.names) > 0 {
				fmt.Fprintf(stdout, "%s:\n  %s\n", g.head, strings.Join(g.names, "\n  "))
			}
		}
		if len(rep.Failed) > 0 {
			fmt.Fprintln(stdout, "failed:")
			for _, name := range slices.Sorted(maps.Keys(rep.Failed)) {
				fmt.Fprintf(stdout, "  %s: %s\n", name, rep.Failed[name])
			}
		}
	}
	if len(rep.Failed) > 0 {
		return failed()
	}
	return nil
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", stderr,
		"usage: blendpipe restore NAME#GENERATION [--bucket B]",
		"List an object's generations with: gcloud storage ls -a gs://BUCKET/NAME")
	var t target
	t.flags(fs, "GCS_BUCKET", false)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.ErrUsage
	}
	name, genText, ok := strings.Cut(fs.Arg(0), "#")
	gen, err := strconv.ParseInt(genText, 10, 64)
	if !ok || err != nil || gen <= 0 {
		return fmt.Errorf("%q: want NAME#GENERATION, such as seed/mixamorig-65-97646937/walking.fbx#1764063000123456", fs.Arg(0))
	}
	cfg, err := loadConfig(ctx)
	if err != nil {
		return err
	}
	defer t.close()
	lib, err := t.store(ctx, "library", cfg.LibraryBucket, "GCS_BUCKET")
	if err != nil {
		return err
	}
	a, err := pipeline.Restore(ctx, lib, name, gen)
	if err != nil {
		return err
	}
	if a.Generation == gen {
		fmt.Fprintf(stdout, "%s#%d is already live\n", name, gen)
		return nil
	}
	fmt.Fprintf(stdout, "restored %s#%d as generation %d; the metadata sync catalogues it (or run blendpipe resync)\n", name, gen, a.Generation)
	return nil
}
