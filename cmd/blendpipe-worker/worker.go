package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
)

// runWorker is the worker Deployment: until SIGTERM it runs the batch
// manifests whose CloudEvents (finalized objects under jobs/ of the library
// bucket GCS_BUCKET, as an Eventarc trigger delivers them to a GKE service)
// arrive on PORT, with /live, /ready, /health and /metrics beside them and
// /metrics on METRICS_PORT too. Other objects' events are acknowledged and
// ignored; a transient failure answers 5xx, for the event to be redelivered.
func runWorker(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cli.SetUsage(fs,
		"usage: blendpipe-worker worker   (GCS_BUCKET, PORT, METRICS_PORT, WORKER_POOL_SIZE from the environment)",
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
	if err := cfg.Require("GCS_BUCKET"); err != nil {
		return err
	}
	port := getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log := cfg.NewLogger(stderr).With("command", "worker")
	a, err := open(ctx, cfg, dialer(getenv), log)
	if err != nil {
		return err
	}
	defer a.Close()
	p := a.Pipeline
	srv, err := a.Start(ctx, eventarc.HTTP(eventarc.Batch(p, log)), app.ServeOptions{Port: port, Getenv: getenv, Grace: app.KubernetesGrace})
	if err != nil {
		return err
	}
	log.Info("serving", "port", port, "bucket", cfg.LibraryBucket, "workers", p.Workers)
	fmt.Fprintf(stdout, "serving batch manifests of gs://%s/jobs/ on :%s\n", cfg.LibraryBucket, port)
	<-ctx.Done()
	log.Info("shutting down")
	return srv.Stop()
}
