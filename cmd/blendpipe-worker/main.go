// Command blendpipe-worker runs batch manifests that live in Cloud Storage:
// `blendpipe batch gs://...` hands over to it, and it is what the batch
// worker image runs, one pod per shard of a Kubernetes Indexed Job, and as
// the worker Deployment (`worker`) serving manifests' events. It is a
// binary of its own because it links the Cloud Storage client, which the
// one-shot blendpipe commands must not carry.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return cli.Dispatch(ctx, "blendpipe-worker", map[string]cli.Command{
		"batch": {Summary: "run a manifest, or one shard of it, from gs://BUCKET/jobs/NAME.yaml", Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return runBatch(ctx, args, getenv, stdout, stderr)
		}},
		"worker": {Summary: "serve batch manifests' CloudEvents on PORT, with probes and metrics (the worker Deployment)", Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return runWorker(ctx, args, getenv, stdout, stderr)
		}},
	}, args, stdout, stderr)
}
