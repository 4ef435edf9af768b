package eventarc_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cloudstorage "cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestBucketNotificationsDriveTheCatalogue writes, overwrites, relabels,
// deletes and restores a seed and removes a noncurrent generation on
// fake-gcs-server buckets with and without versioning. The events are the
// ones fake-gcs-server publishes to Pub/Sub for each operation (its
// notificationConfigs, as a bucket's), turned into CloudEvents as Eventarc
// does and delivered over HTTP to the services of the trigger table. Each
// operation yields the documented sequence: "Pub/Sub notifications for
// Cloud Storage", event types
// (https://cloud.google.com/storage/docs/pubsub-notifications#events):
// OBJECT_FINALIZE for a new object or generation, including a copy;
// OBJECT_ARCHIVE only with versioning, when the live version becomes
// noncurrent (deleted or overwritten); OBJECT_DELETE when an object is
// permanently deleted, including an overwritten one without versioning but
// not one archived; OBJECT_METADATA_UPDATE when an object's metadata
// changes. "Object Versioning"
// (https://cloud.google.com/storage/docs/object-versioning): deleting a
// specific generation removes it for good; a noncurrent version is
// restored by copying it over the live name. After each operation the
// catalogue matches the bucket.
func TestBucketNotificationsDriveTheCatalogue(t *testing.T) {
	t.Parallel()
	const (
		fin  = storage.ObjectFinalized
		arc  = storage.ObjectArchived
		del  = storage.ObjectDeleted
		meta = storage.ObjectMetadataUpdated
	)
	// An operation's expected events: type and the 1-based index of the
	// generation written that each carries.
	type ev struct {
		typ storage.EventType
		gen int
	}
	for _, tt := range []struct {
		name      string
		versioned bool
		// overwrite, relabel, delete, restore (versioned) or rewrite,
		// removal of generation 1 (versioned)
		want [][]ev
	}{
		{"versioned", true, [][]ev{
			{{fin, 1}},
			{{arc, 1}, {fin, 2}},
			{{meta, 2}},
			{{arc, 2}},
			{{fin, 3}},
			{{del, 1}},
		}},
		{"unversioned", false, [][]ev{
			{{fin, 1}},
			{{del, 1}, {fin, 2}},
			{{meta, 2}},
			{{del, 2}},
			{{fin, 3}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			client := pipelinetest.FakeGCS(t)
			if err := client.Bucket("library").Create(ctx, "test-project", &cloudstorage.BucketAttrs{VersioningEnabled: tt.versioned}); err != nil {
				t.Fatal(err)
			}
			notes := pipelinetest.Notify(t, client, "library")
			cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cat.Close() })
			p := &pipeline.Pipeline{Library: gcs.New(client, "library", gcs.Options{}), Catalog: cat, Log: pipelinetest.Logger(t)}
			services := map[string]string{}
			for svc, h := range map[string]eventarc.Handler{
				eventarc.MetasyncService: eventarc.Sync(p, p.Log), eventarc.BlendService: eventarc.Batch(p, p.Log),
				eventarc.PreviewService: eventarc.Preview(p, p.Log),
			} {
				srv := httptest.NewServer(eventarc.HTTP(h))
				t.Cleanup(srv.Close)
				services[svc] = srv.URL
			}
			ce, err := cloudevents.NewClientHTTP()
			if err != nil {
				t.Fatal(err)
			}

			const name = "seed/xbot-0123abcd/idle.fbx"
			var gens []int64
			step := 0
			// after checks the events of one operation, delivers them
			// through the triggers and compares the catalogue with the
			// bucket.
			after := func(what string) {
				t.Helper()
				want := tt.want[step]
				step++
				got := notes.Take(t, len(want))
				var have []ev
				for _, n := range got {
					have = append(have, ev{n.Event.Type, slices.Index(gens, n.Event.Object.Generation) + 1})
					if n.Event.Object.Name != name || n.Event.Object.Bucket != "library" {
						t.Errorf("%s: event of %s/%s", what, n.Event.Object.Bucket, n.Event.Object.Name)
					}
					for _, tr := range eventarc.Route(eventarc.Library, n.Event.Type) {
						res := ce.Send(cloudevents.ContextWithTarget(ctx, services[tr.Service]), n.CloudEvent)
						var hr *cehttp.Result
						if !cloudevents.ResultAs(res, &hr) || hr.StatusCode/100 != 2 {
							t.Fatalf("%s: %s to %s: %v", what, n.Event.Type, tr.Service, res)
						}
					}
				}
				byOrder := func(a, b ev) int { return strings.Compare(string(a.typ), string(b.typ))*10 + (a.gen - b.gen) }
				slices.SortFunc(have, byOrder)
				slices.SortFunc(want, byOrder)
				if !slices.Equal(have, want) {
					t.Errorf("%s: events (type, generation written) %v, want %v", what, have, want)
				}
				diffs, err := pipelinetest.CatalogMismatch(ctx, p.Library, cat)
				if err != nil || len(diffs) > 0 {
					t.Errorf("%s: catalogue and bucket differ: %v %v", what, diffs, err)
				}
			}
			put := func(sha, clip string) {
				t.Helper()
				md := library.Seed{Animation: library.Animation{SHA256: sha, Format: "fbx", Rig: "xbot-0123abcd", Clip: clip}}.Encode()
				a, err := p.Library.Put(ctx, name, strings.NewReader(sha), &storage.PutOptions{ContentType: "application/octet-stream", Metadata: md})
				if err != nil {
					t.Fatal(err)
				}
				gens = append(gens, a.Generation)
			}
			obj := client.Bucket("library").Object(name)

			put("aa", "idle")
			after("write")
			put("bb", "idle")
			after("overwrite")
			if _, err := obj.Update(ctx, cloudstorage.ObjectAttrsToUpdate{Metadata: map[string]string{library.MetaClip: "idle-relabelled"}}); err != nil {
				t.Fatal(err)
			}
			after("metadata update")
			if row, err := cat.Get(ctx, name); err != nil || row.Clip != "idle-relabelled" || row.Generation != gens[1] {
				t.Errorf("relabelled seed's row: %+v, %v", row, err)
			}
			if err := p.Library.Delete(ctx, name, nil); err != nil {
				t.Fatal(err)
			}
			after("delete")
			if !tt.versioned {
				if _, err := pipeline.Restore(ctx, p.Library, name, gens[0]); !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("restore without versioning: %v, want not found", err)
				}
				put("cc", "idle")
				after("write again")
				return
			}
			a, err := pipeline.Restore(ctx, p.Library, name, gens[0])
			if err != nil {
				t.Fatal(err)
			}
			gens = append(gens, a.Generation)
			after("restore of generation 1")
			if err := obj.Generation(gens[0]).Delete(ctx); err != nil {
				t.Fatal(err)
			}
			after("removal of noncurrent generation 1")
			if row, err := cat.Get(ctx, name); err != nil || row.Generation != gens[2] || row.SHA256 != "aa" {
				t.Errorf("restored seed's row after its source generation went: %+v, %v", row, err)
			}
			time.Sleep(100 * time.Millisecond)
			if extra := notes.Pending(); len(extra) > 0 {
				t.Errorf("%d events more than documented: %+v", len(extra), extra[0].Event)
			}
		})
	}
}
