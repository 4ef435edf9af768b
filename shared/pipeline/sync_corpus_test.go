//go:build corpus

package pipeline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestSyncDuplicatedAndReorderedEvents(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	rec := &pipelinetest.Recorder{}
	lib, err := localdir.Open(filepath.Join(t.TempDir(), "library"), localdir.Options{NoSync: true, OnChange: rec.Record})
	if err != nil {
		t.Fatal(err)
	}
	p.Library = lib
	ctx := context.Background()

	walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
	run := seed(t, p, "mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx")
	idle := seed(t, p, "mixamo/kirby-xbot60__Idle.fbx", "Idle.fbx")
	mixed, err := p.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "mix"}, CorrelationID: "blend-req"})
	if err != nil {
		t.Fatal(err)
	}
	// Replace the idle seed (a new generation) and delete the run seed.
	cur, err := lib.Stat(ctx, idle, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := storage.ReadAll(ctx, lib, idle, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Put(ctx, idle, bytes.NewReader(data), &storage.PutOptions{Metadata: cur.Metadata}); err != nil {
		t.Fatal(err)
	}
	if err := lib.Delete(ctx, run, nil); err != nil {
		t.Fatal(err)
	}
	// Things under the library that are not catalogued.
	pipelinetest.Put(t, lib, "jobs/x.yaml", []byte("blends: []"))
	pipelinetest.Put(t, lib, "seed/previews/idle.png", []byte("png"))
	pipelinetest.Put(t, lib, walk+library.ErrorSuffix, []byte("{}"))

	events := rec.Take()
	want := []catalog.Row(nil)
	// Delivered in order once, to know the expected current rows.
	for _, ev := range events {
		if _, err := p.Sync(ctx, ev, "ev"); err != nil {
			t.Fatal(err)
		}
	}
	if want, err = p.Catalog.Current(ctx, catalog.Filter{}); err != nil {
		t.Fatal(err)
	}
	names := func(rows []catalog.Row) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.Name)
		}
		return out
	}
	if got := names(want); !slices.Equal(got, []string{mixed.Output, idle, walk}) && !slices.Equal(got, []string{mixed.Output, walk, idle}) {
		t.Fatalf("current rows %v, want the blend, %s and %s", got, idle, walk)
	}

	// Every event twice, shuffled, into fresh catalogs: same current rows.
	for seedN := range 5 {
		q := newPipeline(t, "localdir")
		q.Library = lib
		shuffled := append(slices.Clone(events), events...)
		rand.New(rand.NewPCG(uint64(seedN), 7)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for _, ev := range shuffled {
			if _, err := q.Sync(ctx, ev, "ev"); err != nil {
				t.Fatal(err)
			}
		}
		got, err := q.Catalog.Current(ctx, catalog.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("shuffle %d: %v, want %v", seedN, names(got), names(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.Name != w.Name || g.Generation != w.Generation || g.SHA256 != w.SHA256 || g.Deleted {
				t.Errorf("shuffle %d: row %d = %s#%d, want %s#%d", seedN, i, g.Name, g.Generation, w.Name, w.Generation)
			}
		}
	}

	// Rows carry the object metadata without a download.
	b, err := p.Catalog.Get(ctx, mixed.Output)
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != catalog.KindBlend || b.Method != "mix" || !slices.Equal(b.Sources, []string{walk, run}) || b.Quality == nil ||
		b.Options == "" || b.Metrics == "" || b.CorrelationID != "blend-req" || b.SHA256 != mixed.SHA256 || b.Frames == 0 || b.Rig == "" {
		t.Errorf("blend row %+v", b)
	}
	s, err := p.Catalog.Get(ctx, walk)
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != catalog.KindSeed || s.Format != "fbx" || s.FPS != 60 || s.JointCount != 65 || s.Clip != "walking" || s.URI != "gs://library/"+walk {
		t.Errorf("seed row %+v", s)
	}
	if _, err := p.Catalog.Get(ctx, run); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("deleted seed: %v, want not found", err)
	}
	for _, name := range []string{"jobs/x.yaml", "seed/previews/idle.png", walk + library.ErrorSuffix} {
		if library.IsCatalogued(name) {
			t.Errorf("IsCatalogued(%q)", name)
		}
	}
}

func TestSyncObjectWithoutMetadata(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	data := pipelinetest.Corpus(t, "mixamo/add101-ch46__Idle.fbx")
	obj := pipelinetest.Put(t, p.Library, "seed/by-hand/Idle.fbx", data)
	ok, err := p.Sync(ctx, storage.Event{Type: storage.ObjectFinalized, Object: obj}, "ev-1")
	if err != nil || !ok {
		t.Fatalf("%v, %v", ok, err)
	}
	r, err := p.Catalog.Get(ctx, obj.Name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if r.SHA256 != hex.EncodeToString(sum[:]) || r.Rig == "" || r.Frames == 0 || r.CorrelationID != "ev-1" {
		t.Errorf("row %+v", r)
	}
}

// The keys written on seeds and blends are a stored format: the catalog and
// every object written so far hold them.
func TestWrittenMetadataKeys(t *testing.T) {
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
	run := seed(t, p, "mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx")
	mixed, err := p.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "mix"}, CorrelationID: "blend-req"})
	if err != nil {
		t.Fatal(err)
	}
	seedAttrs, err := p.Library.Stat(ctx, walk, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		what string
		md   map[string]string
		keys []string
	}{
		{"seed", seedAttrs.Metadata, []string{"clip", "correlation_id", "duration_s", "format", "fps", "frames", "joints", "preview",
			"rig", "rig_name", "rig_signature", "root_motion_cm", "sha256", "source", "source_generation", "version"}},
		{"blend", mixed.Metadata, []string{"blend_key", "clip", "correlation_id", "duration_s", "format", "fps", "frames", "joints", "label",
			"method", "metrics", "options", "preview", "preview_options", "quality", "rig", "rig_name", "rig_signature",
			"root_motion_cm", "sha256", "sources"}},
	} {
		if got := slices.Sorted(maps.Keys(tt.md)); !slices.Equal(got, tt.keys) {
			t.Errorf("%s metadata keys\n got %v\nwant %v", tt.what, got, tt.keys)
		}
	}
	if md := seedAttrs.Metadata; md["fps"] != "60" || md["frames"] != "62" || md["duration_s"] != "1.0166666666666666" {
		t.Errorf("seed values fps %q frames %q duration_s %q", md["fps"], md["frames"], md["duration_s"])
	}
}

// A number of the metadata that does not read is catalogued as zero; a
// blend's sources or quality that do not read fail the sync, naming the key.
func TestSyncOfUnreadableMetadata(t *testing.T) {
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
	a, err := p.Library.Stat(ctx, walk, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Metadata = maps.Clone(a.Metadata)
	a.Metadata["fps"] = "sixty"
	if _, err := p.Sync(ctx, storage.Event{Type: storage.ObjectFinalized, Object: a}, ""); err != nil {
		t.Fatalf("sync of a seed with fps %q: %v", a.Metadata["fps"], err)
	}
	row, err := p.Catalog.Get(ctx, walk)
	if err != nil || row.FPS != 0 || row.Frames != 62 {
		t.Errorf("row %+v, %v: want fps 0 and the other values", row, err)
	}
	b := a
	b.Name, b.Metadata = "blend/r/mix-0123456789ab.fbx", map[string]string{"sha256": a.Metadata["sha256"], "sources": "seed/a.fbx"}
	_, err = p.Sync(ctx, storage.Event{Type: storage.ObjectFinalized, Object: b}, "")
	if err == nil || !strings.Contains(err.Error(), `sources="seed/a.fbx"`) {
		t.Errorf("sync of a blend with unreadable sources: %v", err)
	}
}
