// Package service starts a pipeline service on Google Cloud: it reads the
// configuration, opens the buckets (Cloud Storage) and the catalog
// (BigQuery) the service needs, registers its function with
// functions-framework-go and serves it on PORT. Each main under functions/
// is one call to Main.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"cloud.google.com/go/bigquery"
	cloudstorage "cloud.google.com/go/storage"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/search"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage/gcs"
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

// Open builds the pipeline a service needs on Google Cloud. The returned
// function closes the clients.
func Open(ctx context.Context, cfg *config.Config, needs Needs, log *slog.Logger) (*pipeline.Pipeline, func() error, error) {
	if err := cfg.Require(needs.vars()...); err != nil {
		return nil, nil, err
	}
	p := &pipeline.Pipeline{MaxFileSize: cfg.MaxFileSize(), Workers: cfg.WorkerPoolSize, Log: log}
	var closers []io.Closer
	closeAll := func() error {
		var errs []error
		for _, c := range closers {
			errs = append(errs, c.Close())
		}
		return errors.Join(errs...)
	}
	if needs.Uploads || needs.Library {
		client, err := cloudstorage.NewClient(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("cloud storage client: %w", err)
		}
		closers = append(closers, client)
		if needs.Uploads {
			p.Uploads = gcs.New(client, cfg.UploadsBucket, gcs.Options{})
		}
		if needs.Library {
			p.Library = gcs.New(client, cfg.LibraryBucket, gcs.Options{})
		}
	}
	if needs.Catalog {
		client, err := bigquery.NewClient(ctx, cfg.BQProject)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("bigquery client: %w", err)
		}
		store := bq.New(client, cfg.BQDataset, bq.Options{})
		closers = append(closers, store)
		p.Catalog = store
		if cfg.ElasticsearchEnabled() {
			idx, err := search.New(search.Options{URL: cfg.ElasticsearchURL, APIKey: cfg.ESAPIKey})
			if err != nil {
				closeAll()
				return nil, nil, &config.VarError{Var: "ELASTICSEARCH_URL", Msg: err.Error()}
			}
			p.Search = idx
		}
	}
	return p, closeAll, nil
}

// Main runs a service: configuration from the environment (Secret Manager
// references resolved), the ports in needs, register, and
// functions-framework-go on PORT (8080 by default) serving target at "/"
// unless FUNCTION_TARGET names another. Bad configuration stops the start
// with a message naming the variable.
func Main(name, target string, needs Needs, register func(*pipeline.Pipeline, *slog.Logger)) {
	ctx := context.Background()
	if os.Getenv("FUNCTION_TARGET") == "" {
		os.Setenv("FUNCTION_TARGET", target)
	}
	cfg, err := config.Load(ctx, config.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(2)
	}
	log := cfg.NewLogger(os.Stderr).With("service", name)
	slog.SetDefault(log)
	p, closeAll, err := Open(ctx, cfg, needs, log)
	if err != nil {
		log.Error("start failed", "error", err)
		os.Exit(2)
	}
	defer closeAll()
	register(p, log)
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Info("serving", "port", port, "config", cfg)
	if err := funcframework.Start(port); err != nil {
		log.Error("serve failed", "error", err)
		closeAll()
		os.Exit(1)
	}
}
