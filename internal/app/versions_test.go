//go:build corpus && emulator

package app_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	cloudstorage "cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/functions/metasync"
	"github.com/rydlrcs/mixamo-blend-pipeline/functions/preview"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq/bqtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestMain starts the Pub/Sub emulator fake-gcs-server publishes bucket
// notifications to.
func TestMain(m *testing.M) {
	stop, err := pipelinetest.PubSubEmulator()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pubsub emulator:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// TestVersionedLibraryOnTheServices runs the metasync, blend and preview
// services as their mains build them (app.Build, the Cloud Storage client
// on fake-gcs-server, the BigQuery catalog on the emulator) on a library
// bucket with versioning, as Terraform makes it. The events are those
// fake-gcs-server publishes for each operation, delivered as Eventarc
// delivers them through the trigger table. Seeds and blends are written,
// overwritten, relabelled, deleted, restored and have a noncurrent
// generation removed; after each step the BigQuery catalogue holds one
// current row per live seed and blend, of its live generation, and none
// for a deleted one.
func TestVersionedLibraryOnTheServices(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the BigQuery emulator")
	}
	ctx := context.Background()
	const project, dataset = "versions-project", "RAW_VERSIONS"
	_, bqc := bqtest.Start(t, project, dataset)
	cat := bq.New(bqc, dataset, bq.Options{})
	if err := cat.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	client := pipelinetest.FakeGCS(t)
	if err := client.Bucket("library").Create(ctx, project, &cloudstorage.BucketAttrs{VersioningEnabled: true}); err != nil {
		t.Fatal(err)
	}
	notes := pipelinetest.Notify(t, client, "library")
	lib := gcs.New(client, "library", gcs.Options{})
	log := pipelinetest.Logger(t)

	services := map[string]string{}
	for name, svc := range map[string]struct {
		needs app.Needs
		fn    app.Handler
	}{
		eventarc.MetasyncService: {app.Needs{Library: true, Catalog: true}, metasync.Service},
		eventarc.BlendService:    {app.Needs{Library: true, Catalog: true}, blend.Service},
		eventarc.PreviewService:  {app.Needs{Library: true}, preview.Service},
	} {
		ports := app.Ports{Library: gcs.New(client, "library", gcs.Options{}), StoreClientRetries: true, CatalogClientRetries: true}
		if svc.needs.Catalog {
			ports.Catalog = bq.New(bqc, dataset, bq.Options{})
		}
		a, err := app.Build(svc.needs, ports, app.Options{Log: log.With("service", name)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		srv := httptest.NewServer(a.Handler(svc.fn(a.Pipeline, a.Metrics, log)))
		t.Cleanup(srv.Close)
		services[name] = srv.URL
	}
	ce, err := cloudevents.NewClientHTTP()
	if err != nil {
		t.Fatal(err)
	}
	// deliver sends the n events of an operation through the triggers and
	// compares the catalogue with the bucket.
	deliver := func(what string, n int) {
		t.Helper()
		for _, note := range notes.Take(t, n) {
			for _, tr := range eventarc.Route(eventarc.Library, note.Event.Type) {
				res := ce.Send(cloudevents.ContextWithTarget(ctx, services[tr.Service]), note.CloudEvent)
				var hr *cehttp.Result
				if !cloudevents.ResultAs(res, &hr) || hr.StatusCode/100 != 2 {
					t.Fatalf("%s: %s of %s to %s: %v", what, note.Event.Type, note.Event.Object.Name, tr.Service, res)
				}
			}
		}
		diffs, err := pipelinetest.CatalogMismatch(ctx, lib, cat)
		if err != nil || len(diffs) > 0 {
			t.Fatalf("%s: catalogue and bucket differ: %v %v", what, diffs, err)
		}
	}
	put := func(name, clip, sha string) storage.Attrs {
		t.Helper()
		md := library.Seed{Animation: library.Animation{SHA256: sha, Format: "fbx", Rig: "xbot-0123abcd", Clip: clip}}.Encode()
		a, err := lib.Put(ctx, name, strings.NewReader(sha), &storage.PutOptions{ContentType: "application/octet-stream", Metadata: md})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	const (
		seed = "seed/xbot-0123abcd/idle.fbx"
		bl   = "blend/xbot-0123abcd/crossfade-0123456789ab.fbx"
	)
	s1 := put(seed, "idle", "aa")
	b1 := put(bl, "crossfade", "bb")
	deliver("two writes", 2)
	put(seed, "idle", "cc")
	deliver("an overwrite (archived + finalized)", 2)
	if _, err := client.Bucket("library").Object(seed).Update(ctx, cloudstorage.ObjectAttrsToUpdate{
		Metadata: map[string]string{library.MetaClip: "idle-relabelled"}}); err != nil {
		t.Fatal(err)
	}
	deliver("a metadata update", 1)
	if err := lib.Delete(ctx, bl, nil); err != nil {
		t.Fatal(err)
	}
	deliver("a delete (archived)", 1)
	if _, err := cat.Get(ctx, bl); err == nil {
		t.Fatal("deleted blend still catalogued")
	}
	if _, err := pipeline.Restore(ctx, lib, bl, b1.Generation); err != nil {
		t.Fatal(err)
	}
	deliver("a restore (finalized)", 1)
	if err := client.Bucket("library").Object(seed).Generation(s1.Generation).Delete(ctx); err != nil {
		t.Fatal(err)
	}
	deliver("the removal of a noncurrent generation (deleted)", 1)
	rows, err := cat.Current(ctx, catalog.Filter{})
	if err != nil || len(rows) != 2 || rows[1].Clip != "idle-relabelled" {
		t.Fatalf("current rows %+v, %v; want the restored blend and the relabelled seed", rows, err)
	}
}
