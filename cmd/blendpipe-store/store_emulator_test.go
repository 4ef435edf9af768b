//go:build corpus && emulator

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	cloudstorage "cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq/bqtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestCloudUploadResyncRestorePull runs the commands as on Google Cloud,
// against fake-gcs-server (versioned buckets) and the BigQuery emulator.
func TestCloudUploadResyncRestorePull(t *testing.T) {
	env(t)
	bqEndpoint, bqClient := bqtest.Start(t, "test-project", "RAW_DEV")
	ctx := context.Background()
	if err := bq.New(bqClient, "RAW_DEV", bq.Options{}).Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", Port: uint16(pipelinetest.FreePort(t)), Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	for _, b := range []string{"uploads", "library"} {
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b, VersioningEnabled: true})
	}
	client, err := cloudstorage.NewClient(ctx, option.WithEndpoint(srv.URL()+"/storage/v1/"), option.WithoutAuthentication(), cloudstorage.WithJSONReads())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	uploads, lib := gcs.New(client, "uploads", gcs.Options{}), gcs.New(client, "library", gcs.Options{})
	cloud := []string{"--gcs-endpoint", srv.URL()}
	catalogFlags := append([]string{"--project", "test-project", "--dataset", "RAW_DEV", "--bq-endpoint", bqEndpoint}, cloud...)
	t.Setenv("UPLOADS_BUCKET", "uploads")
	t.Setenv("GCS_BUCKET", "library")

	src := filepath.Join(corpus.Require(t), "mixamo")
	if code, out := blendpipe(t, append([]string{"upload", src, "--chunk-mib", "1"}, cloud...)...); code != 0 || !strings.Contains(out, "25 files to uploads: 25 uploaded") {
		t.Fatalf("upload: exit %d", code)
	}
	seedAndBlend(t, &pipeline.Pipeline{Uploads: uploads, Library: lib, MaxFileSize: 500 << 20, Log: pipelinetest.Logger(t)})
	if code, out := blendpipe(t, append([]string{"resync"}, catalogFlags...)...); code != 0 || !strings.Contains(out, "4 rows added") {
		t.Fatalf("resync: exit %d", code)
	}

	// An accident, a restore, a resync.
	objs, err := storage.ListAll(ctx, lib, &storage.ListOptions{Prefix: "blend/"})
	if err != nil || len(objs) != 1 {
		t.Fatalf("blends %v, %v", objs, err)
	}
	b := objs[0]
	if err := lib.Delete(ctx, b.Name, nil); err != nil {
		t.Fatal(err)
	}
	if code, out := blendpipe(t, append([]string{"resync"}, catalogFlags...)...); code != 0 || !strings.Contains(out, "1 marked deleted") {
		t.Fatalf("resync after the delete: exit %d", code)
	}
	if code, out := blendpipe(t, append([]string{"restore", b.Name + "#" + strconv.FormatInt(b.Generation, 10)}, cloud...)...); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: exit %d", code)
	}
	if code, out := blendpipe(t, append([]string{"resync"}, catalogFlags...)...); code != 0 || !strings.Contains(out, "1 rows added, 0 fixed, 0 marked deleted, 3 unchanged") {
		t.Fatalf("resync after the restore: exit %d", code)
	}

	out := t.TempDir()
	if code, o := blendpipe(t, append([]string{"pull", "-o", out}, catalogFlags...)...); code != 0 || !strings.Contains(o, "1 downloaded") {
		t.Fatalf("pull: exit %d", code)
	}
	got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(b.Name)))
	want, _, rerr := storage.ReadAll(ctx, lib, b.Name, nil)
	if err != nil || rerr != nil || !bytes.Equal(got, want) {
		t.Errorf("pulled blend differs from the restored object (%v, %v)", err, rerr)
	}
}
