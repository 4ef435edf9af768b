package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/elastic"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/local"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// TokenEnv holds the blend API's bearer token when --token is not given.
const TokenEnv = "BLENDPIPE_API_TOKEN"

// runDev runs the three services, the router and the blend API on one
// address over DIR/uploads, DIR/library and the catalog in DIR.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".demo", "directory holding uploads/, library/ and the catalog")
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve /blend, /blends, /health, /ready and /live on")
	poll := fs.Duration("poll", time.Second, "how often uploads/ and library/ are scanned for files dropped in")
	// No default from the environment here: -h would print the token.
	token := fs.String("token", "", "bearer token /blend and /blends require (default $"+TokenEnv+"; none: open)")
	cli.SetUsage(fs,
		"usage: blendpipe dev [--dir DIR] [--addr HOST:PORT] [--token TOKEN]",
	)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return cli.ErrUsage
	}
	cfg, err := config.Load(ctx, config.Options{})
	if err != nil {
		return err
	}
	log := cfg.Logger(os.Stderr, "blendpipe-local")
	opts := local.Options{Dir: *dir, Addr: *addr, MaxFileSize: cfg.MaxFileSize(), Workers: cfg.WorkerPoolSize, Poll: *poll, Log: log,
		Retry: resilience.FromConfig(cfg.MaxRetries, cfg.RetryBackoffMultiplier), Token: cmp.Or(*token, os.Getenv(TokenEnv))}
	if cfg.ElasticsearchEnabled() {
		idx, err := elastic.New(elastic.Options{URL: cfg.ElasticsearchURL, APIKey: cfg.ESAPIKey})
		if err != nil {
			return err
		}
		opts.Search = idx
	}
	srv, err := local.Open(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving the local pipeline on http://%s (uploads: %s/uploads, library: %s/library)\n", srv.Addr(), *dir, *dir)
	fmt.Fprintf(stdout, "viewer: http://%s/viewer/\n", srv.Addr())
	if opts.Token != "" {
		fmt.Fprintln(stdout, "the blend API requires Authorization: Bearer <token>")
	}
	return srv.Run(ctx)
}

// runCatalog prints the current catalog rows of a local pipeline, after waiting for the
// objects --wait names or the --wait-rows count when asked to.
func runCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("catalog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".demo", "the local pipeline's directory (the --dir of blendpipe dev)")
	asJSON := fs.Bool("json", false, "print the rows as a JSON array")
	var wait names
	fs.Var(&wait, "wait", "wait until an object of this name, or ending in /NAME, is catalogued (repeatable)")
	rows := fs.Int("wait-rows", 0, "wait until the catalog holds at least this many current objects")
	timeout := fs.Duration("timeout", time.Minute, "with --wait or --wait-rows: give up after this long (exit 1)")
	poll := fs.Duration("poll", 200*time.Millisecond, "with --wait or --wait-rows: how often the catalog is read")
	cli.SetUsage(fs,
		"usage: blendpipe catalog [--dir DIR] [--json] [--wait NAME]... [--wait-rows N] [--timeout 1m]",
		"With --wait and --wait-rows it reads the catalog until every named object is there and it",
		"holds N objects, then prints it as without them; after --timeout it exits 1 naming what is",
		"missing. A NAME matches an object's full name (seed/RIG/walking.fbx) or its last part",
		"(walking.fbx), so it can be the name a file was uploaded under. DIR must exist.",
	)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return cli.ErrUsage
	}
	want := catalogWait{names: wait, rows: *rows}
	if err := checkPipelineDir(*dir, !want.none()); err != nil {
		return err
	}
	var cur []catalog.Row
	if want.none() {
		var err error
		if cur, err = local.Rows(ctx, *dir); err != nil {
			return err
		}
	} else {
		var err error
		if cur, err = waitForRows(ctx, *dir, want, *timeout, *poll); err != nil {
			return err
		}
	}
	if *asJSON {
		return cli.WriteJSON(stdout, cur)
	}
	for _, r := range cur {
		fmt.Fprintf(stdout, "%-6s %-60s %s %4.0f fps %5d frames %s\n", r.Kind, r.Name, r.Rig, r.FPS, r.Frames, r.Method)
	}
	fmt.Fprintf(stdout, "%d objects\n", len(cur))
	return nil
}

// names is a repeatable string flag.
type names []string

func (n *names) String() string     { return strings.Join(*n, ",") }
func (n *names) Set(v string) error { *n = append(*n, v); return nil }

// checkPipelineDir wants dir and its catalog to exist; with wait the catalog may still be
// about to appear (blendpipe dev starting), the folder not.
func checkPipelineDir(dir string, wait bool) error {
	if err := local.CheckDir(dir); err != nil {
		return err
	}
	db := filepath.Join(dir, sqlite.FileName)
	if _, err := os.Stat(db); err != nil && !wait {
		return &local.NoPipelineError{Dir: dir, Missing: db}
	}
	return nil
}

// catalogWait is what --wait and --wait-rows ask for.
type catalogWait struct {
	names []string
	rows  int
}

func (w catalogWait) none() bool { return len(w.names) == 0 && w.rows <= 0 }

// missing says what rows lack, "" when nothing.
func (w catalogWait) missing(rows []catalog.Row) string {
	var why []string
	for _, n := range w.names {
		if !slices.ContainsFunc(rows, func(r catalog.Row) bool { return r.Name == n || path.Base(r.Name) == n }) {
			why = append(why, n)
		}
	}
	if len(rows) < w.rows {
		why = append(why, fmt.Sprintf("%d objects (%d so far)", w.rows, len(rows)))
	}
	return strings.Join(why, ", ")
}

// WaitTimeoutError is a --wait that ran out of time.
type WaitTimeoutError struct {
	Timeout time.Duration
	Missing string
}

func (e *WaitTimeoutError) Error() string {
	return fmt.Sprintf("after %v the catalog still lacks %s", e.Timeout, e.Missing)
}

func waitForRows(ctx context.Context, dir string, w catalogWait, timeout, poll time.Duration) ([]catalog.Row, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(max(poll, time.Millisecond))
	defer tick.Stop()
	db := filepath.Join(dir, sqlite.FileName)
	missing := w.missing(nil)
	for {
		if _, err := os.Stat(db); err == nil {
			rows, err := local.Rows(ctx, dir)
			if err != nil && ctx.Err() == nil {
				return nil, err
			}
			if err == nil {
				if missing = w.missing(rows); missing == "" {
					return rows, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, &WaitTimeoutError{Timeout: timeout, Missing: missing}
			}
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}
