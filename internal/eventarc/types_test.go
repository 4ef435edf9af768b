package eventarc_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestEveryEventTypeOnEveryService delivers each of the four event types
// Cloud Storage sends (Eventarc's google.cloud.storage.object.v1.finalized,
// archived, deleted and metadataUpdated; "Pub/Sub notifications for Cloud
// Storage", https://cloud.google.com/storage/docs/pubsub-notifications#events)
// from both buckets to every service, as a trigger would: each answers 2xx;
// only metasync acts on the events that are not finalized, and the
// catalogue follows the live generation through a metadata change, an
// archive, a restore and the removal of a noncurrent generation.
func TestEveryEventTypeOnEveryService(t *testing.T) {
	t.Parallel()
	env := pipelinetest.New(t, "localdir")
	p := env.P
	ctx := context.Background()
	v, s, b := serve(t, p)
	pv := servePreview(t, p)
	urls := map[string]string{eventarc.ValidateService: v, eventarc.MetasyncService: s, eventarc.BlendService: b, eventarc.PreviewService: pv}

	md := library.Seed{Animation: library.Animation{SHA256: "5e", Format: "fbx", Rig: "xbot-0123abcd", Clip: "idle"}}.Encode()
	const name = "seed/xbot-0123abcd/idle.fbx"
	live, err := p.Library.Put(ctx, name, strings.NewReader("not an fbx"), &storage.PutOptions{Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	upload := pipelinetest.Put(t, p.Uploads, "Idle.fbx", []byte("not an fbx either"))
	env.Events.Take()
	before := map[string]map[string]int64{"uploads": pipelinetest.Names(t, p.Uploads), "library": pipelinetest.Names(t, p.Library)}

	g1 := live
	relabelled := g1
	relabelled.Metageneration = 2
	relabelled.Metadata = maps.Clone(md)
	relabelled.Metadata[library.MetaClip] = "idle-relabelled"
	g2 := g1
	g2.Generation = g1.Generation + 1 // a restore: a copy, finalized as a new generation

	steps := []struct {
		typ  storage.EventType
		obj  storage.Attrs
		want string // the current row's clip, "" for none
		gen  int64
	}{
		{storage.ObjectFinalized, g1, "idle", g1.Generation},
		{storage.ObjectMetadataUpdated, relabelled, "idle-relabelled", g1.Generation},
		{storage.ObjectArchived, relabelled, "", 0},
		{storage.ObjectFinalized, g2, "idle", g2.Generation},
		{storage.ObjectDeleted, g1, "idle", g2.Generation}, // a noncurrent generation removed
		{storage.ObjectDeleted, g2, "", 0},
	}
	for i, st := range steps {
		ev := storage.Event{Type: st.typ, Object: st.obj}
		for svc, u := range urls {
			if code := pipelinetest.Send(t, u, ev); code/100 != 2 {
				t.Fatalf("step %d: %s of the library to %s: HTTP %d", i, st.typ, svc, code)
			}
		}
		row, err := p.Catalog.Get(ctx, name)
		switch {
		case st.want == "" && err == nil:
			t.Errorf("step %d (%s #%d): current row %+v, want none", i, st.typ, st.obj.Generation, row)
		case st.want != "" && (err != nil || row.Clip != st.want || row.Generation != st.gen):
			t.Errorf("step %d (%s #%d): current row %+v, %v; want clip %q of generation %d", i, st.typ, st.obj.Generation, row, err, st.want, st.gen)
		}
	}
	// The uploads bucket's events other than finalized reach no one that
	// acts: nothing is written.
	for _, typ := range []storage.EventType{storage.ObjectArchived, storage.ObjectDeleted, storage.ObjectMetadataUpdated} {
		for svc, u := range urls {
			if code := pipelinetest.Send(t, u, storage.Event{Type: typ, Object: upload}); code/100 != 2 {
				t.Fatalf("%s of an upload to %s: HTTP %d", typ, svc, code)
			}
		}
	}
	// Validate, blend and preview wrote nothing for any of it: the seed
	// names no picture and is no manifest, and the library's events were
	// not uploads.
	after := map[string]map[string]int64{"uploads": pipelinetest.Names(t, p.Uploads), "library": pipelinetest.Names(t, p.Library)}
	for bucket := range before {
		if !maps.Equal(before[bucket], after[bucket]) {
			t.Errorf("%s changed: %v, was %v", bucket, after[bucket], before[bucket])
		}
	}
	if rows, err := p.Catalog.Current(ctx, catalog.Filter{}); err != nil || len(rows) != 0 {
		t.Errorf("catalogue %+v, %v; want empty", rows, err)
	}
}
