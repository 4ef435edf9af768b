package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/elastic"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/local"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
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

// runCatalog prints the current catalog rows of a local pipeline.
func runCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("catalog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".demo", "the local pipeline's directory")
	asJSON := fs.Bool("json", false, "print the rows as a JSON array")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	rows, err := local.Rows(ctx, *dir)
	if err != nil {
		return err
	}
	if *asJSON {
		return cli.WriteJSON(stdout, rows)
	}
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-6s %-60s %s %4.0f fps %5d frames %s\n", r.Kind, r.Name, r.Rig, r.FPS, r.Frames, r.Method)
	}
	fmt.Fprintf(stdout, "%d objects\n", len(rows))
	return nil
}
