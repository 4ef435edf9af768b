package main

import (
	"context"
	"flag"
	"path/filepath"

	cloudstorage "cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/local"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// target is where a command works: the local pipeline's directory, or a
// bucket (and a BigQuery dataset) on Google Cloud.
type target struct {
	dir              string
	bucket           string
	project, dataset string
	// Emulators' endpoints, reached without credentials.
	gcsEndpoint, bqEndpoint string
	chunkMiB                int

	closers []func() error
}

// flags declares the flags; catalog says whether the command reads the
// catalog, bucketVar names the variable the bucket defaults to.
func (t *target) flags(fs *flag.FlagSet, bucketVar string, catalog bool) {
	fs.StringVar(&t.dir, "dir", "", "the local pipeline's directory (blendpipe dev --dir) instead of Google Cloud")
	fs.StringVar(&t.bucket, "bucket", "", "bucket on Cloud Storage (default $"+bucketVar+")")
	fs.StringVar(&t.gcsEndpoint, "gcs-endpoint", "", "Cloud Storage API endpoint of an emulator, such as http://127.0.0.1:4443")
	if catalog {
		fs.StringVar(&t.project, "project", "", "BigQuery project of the catalog (default $BQ_PROJECT)")
		fs.StringVar(&t.dataset, "dataset", "", "BigQuery dataset of the catalog (default $BQ_DATASET)")
		fs.StringVar(&t.bqEndpoint, "bq-endpoint", "", "BigQuery API endpoint of an emulator, such as http://127.0.0.1:9050")
	}
}

func (t *target) local() bool { return t.dir != "" }

func (t *target) close() {
	for i := len(t.closers) - 1; i >= 0; i-- {
		t.closers[i]()
	}
}

// store opens the bucket: DIR/<localName> locally, else --bucket or the
// configured one.
func (t *target) store(ctx context.Context, localName, configured, bucketVar string) (storage.Store, error) {
	if t.local() {
		if err := local.CheckDir(t.dir); err != nil {
			return nil, err
		}
		opts := localdir.Options{Bucket: localName}
		if localName == "library" {
			opts.KeepVersions = local.LibraryVersions
		}
		return localdir.Open(filepath.Join(t.dir, localName), opts)
	}
	name := t.bucket
	if name == "" {
		name = configured
	}
	if name == "" {
		return nil, &config.VarError{Var: bucketVar, Msg: "required but not set (or pass --bucket, or --dir for the local pipeline)"}
	}
	var opts []option.ClientOption
	if t.gcsEndpoint != "" {
		opts = append(opts, option.WithEndpoint(t.gcsEndpoint+"/storage/v1/"), option.WithoutAuthentication(), cloudstorage.WithJSONReads())
	}
	client, err := gcs.Dial(ctx, nil, gcs.Options{ChunkSize: t.chunkMiB << 20}, opts...)
	if err != nil {
		return nil, err
	}
	t.closers = append(t.closers, client.Close)
	return client.Bucket(name), nil
}

// catalog opens the catalog: DIR/catalog.db locally, else BigQuery.
func (t *target) catalog(ctx context.Context, cfg *config.Config) (catalog.Store, error) {
	if t.local() {
		if err := local.CheckDir(t.dir); err != nil {
			return nil, err
		}
		s, err := sqlite.Open(ctx, filepath.Join(t.dir, sqlite.FileName))
		if err != nil {
			return nil, err
		}
		t.closers = append(t.closers, s.Close)
		return s, nil
	}
	project, dataset := t.project, t.dataset
	if project == "" {
		project = cfg.BQProject
	}
	if dataset == "" {
		dataset = cfg.BQDataset
	}
	if project == "" {
		return nil, &config.VarError{Var: "BQ_PROJECT", Msg: "required but not set (or pass --project, or --dir for the local pipeline)"}
	}
	var opts []option.ClientOption
	if t.bqEndpoint != "" {
		opts = append(opts, option.WithEndpoint(t.bqEndpoint), option.WithoutAuthentication())
	}
	s, err := bq.Open(ctx, project, dataset, opts...)
	if err != nil {
		return nil, err
	}
	t.closers = append(t.closers, s.Close)
	return s, nil
}

// uri names objects in catalog rows as the pipeline that wrote them does:
// file paths locally (as blendpipe dev), gs:// otherwise.
func (t *target) uri(lib storage.Store) func(bucket, name string) string {
	ld, ok := lib.(*localdir.Store)
	if !ok {
		return nil
	}
	return func(_, name string) string { return "file://" + filepath.Join(ld.Dir(), filepath.FromSlash(name)) }
}
