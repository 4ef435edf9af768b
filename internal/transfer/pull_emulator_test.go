//go:build corpus && emulator

package transfer_test

import (
	"context"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq/bqtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/transfer"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// TestPullFromGCPThroughTransientFailures pulls as on GCP: the catalog on
// BigQuery (the emulator) and the library on Cloud Storage (fake-gcs-server,
// behind failures).
func TestPullFromGCPThroughTransientFailures(t *testing.T) {
	_, bqClient := bqtest.Start(t, "test-project", "RAW_DEV")
	cat := bq.New(bqClient, "RAW_DEV", bq.Options{})
	ctx := context.Background()
	if err := cat.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	f := &flaky{}
	through, direct := fakeGCS(t, f, true, "uploads", "library")
	p := &pipeline.Pipeline{
		Uploads: gcs.New(direct, "uploads", gcs.Options{}), Library: gcs.New(direct, "library", gcs.Options{}),
		Catalog: cat, MaxFileSize: 500 << 20, Workers: 2, Log: pipelinetest.Logger(t),
	}
	fill(t, p)
	f.mu.Lock()
	f.FailFirst = f.requests + 4
	f.mu.Unlock()

	dir := t.TempDir()
	opts := transfer.PullOptions{Catalog: cat, Library: gcs.New(through, "library", gcs.Options{}), Dir: dir, Workers: 2, Retry: fastRetry(),
		Filter: catalog.Filter{Method: "mix"}}
	rep, err := transfer.Pull(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Count(transfer.Downloaded) != 2 || f.Failed() != 4 {
		t.Fatalf("pull %+v with %d requests failed", rep, f.Failed())
	}
	checkPulled(t, p, dir, opts.Filter)
	rep, err = transfer.Pull(ctx, opts)
	if err != nil || rep.Count(transfer.Unchanged) != 2 {
		t.Fatalf("second pull %+v, %v", rep, err)
	}
}
