//go:build corpus

package eventarc_test

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestPipelineOverCloudEvents(t *testing.T) {
	for _, backend := range pipelinetest.Backends {
		t.Run(backend, func(t *testing.T) {
			env := pipelinetest.New(t, backend)
			p := env.P
			ctx := context.Background()
			v, s, b := serve(t, p)
			pv := servePreview(t, p)

			idle := pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx")
			pipelinetest.Put(t, p.Uploads, "Idle.fbx", idle)
			pipelinetest.Put(t, p.Uploads, "Walking.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx"))
			pipelinetest.Put(t, p.Uploads, "fuzz_0000.fbx", pipelinetest.Corpus(t, "ufbx/fuzz/fuzz_0000.fbx"))
			delivered := deliver(t, env, v, s, b, pv)

			lib := pipelinetest.Names(t, p.Library)
			var seeds []string
			for name := range lib {
				if strings.HasPrefix(name, library.SeedPrefix) && library.IsCatalogued(name) {
					seeds = append(seeds, name)
				}
			}
			if len(seeds) != 2 || len(lib) != 6 {
				t.Fatalf("library %v, want 2 seeds with their previews and the rejected file with its reason", lib)
			}
			if _, ok := lib["rejected/fuzz_0000.fbx"]; !ok {
				t.Errorf("malformed upload not in rejected/: %v", lib)
			}
			if _, ok := lib["rejected/fuzz_0000.fbx.error.json"]; !ok {
				t.Errorf("no reason for the malformed upload: %v", lib)
			}
			rows, err := p.Catalog.Current(ctx, catalog.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0].Kind != catalog.KindSeed || rows[0].SHA256 == "" || rows[0].CorrelationID == "" {
				t.Fatalf("catalog %+v, want the 2 seeds", rows)
			}

			// Every event delivered again, in reverse: nothing changes.
			for i := len(delivered) - 1; i >= 0; i-- {
				for _, u := range []string{v, s, b} {
					if code := pipelinetest.Send(t, u, delivered[i]); code/100 != 2 {
						t.Fatalf("redelivery: HTTP %d", code)
					}
				}
			}
			if again := pipelinetest.Names(t, p.Library); !maps.Equal(lib, again) {
				t.Errorf("redelivery changed the library: %v -> %v", lib, again)
			}
			if left := env.Events.Take(); len(left) != 0 {
				t.Errorf("redelivery wrote: %v", left)
			}
			again, err := p.Catalog.Current(ctx, catalog.Filter{})
			if err != nil || len(again) != 2 || again[0].Generation != rows[0].Generation || again[1].Generation != rows[1].Generation {
				t.Errorf("catalog after redelivery %+v, %v", again, err)
			}

			// A batch manifest under jobs/ runs once; its result file is
			// delivered too and ignored.
			manifest := "blends:\n  - name: idle_walk\n    input1: " + seeds[0] + "\n    input2: " + seeds[1] + "\n    output: blend/idle_walk.fbx\n"
			pipelinetest.Put(t, p.Library, "jobs/one.yaml", []byte(manifest))
			deliver(t, env, v, s, b)
			if _, err := p.Library.Stat(ctx, "jobs/one.result.json", nil); err != nil {
				t.Errorf("no batch result: %v", err)
			}
			row, err := p.Catalog.Get(ctx, "blend/idle_walk.fbx")
			if err != nil || row.Kind != catalog.KindBlend || len(row.Sources) != 2 {
				t.Errorf("blend row %+v, %v", row, err)
			}
		})
	}
}

func TestTransientFailureIsRedelivered(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	p := env.P
	v, s, _ := serve(t, p)
	pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))
	evs := env.Events.Take()
	// The catalog down: the sync answers 5xx so that Eventarc retries.
	p.Catalog.Close()
	if code := pipelinetest.Send(t, v, evs[0]); code != http.StatusNoContent {
		t.Fatalf("validate: HTTP %d", code)
	}
	var seedEvent storage.Event
	for _, ev := range env.Events.Take() {
		if strings.HasPrefix(ev.Object.Name, library.SeedPrefix) && library.IsCatalogued(ev.Object.Name) {
			seedEvent = ev
		}
	}
	if code := pipelinetest.Send(t, s, seedEvent); code != http.StatusInternalServerError {
		t.Errorf("sync with the catalog down: HTTP %d, want 500", code)
	}
}

func TestEventsOfOtherBucketsAndObjectsAreIgnored(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	p := env.P
	v, s, b := serve(t, p)
	upload := pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))
	env.Events.Take()
	foreign := upload
	foreign.Bucket = "someone-elses"
	for _, ev := range []storage.Event{
		{Type: storage.ObjectFinalized, Object: foreign}, // validate: not the uploads bucket
		{Type: storage.ObjectDeleted, Object: upload},    // validate: deletes
		{Type: storage.ObjectFinalized, Object: storage.Attrs{Bucket: p.Library.Bucket(), Name: "jobs/x.result.json", Generation: 1}},
		{Type: storage.ObjectFinalized, Object: storage.Attrs{Bucket: p.Library.Bucket(), Name: "rejected/x.fbx", Generation: 1}},
	} {
		for _, u := range []string{v, s, b} {
			if code := pipelinetest.Send(t, u, ev); code != http.StatusNoContent {
				t.Errorf("%s %s/%s: HTTP %d", ev.Type, ev.Object.Bucket, ev.Object.Name, code)
			}
		}
	}
	if lib := pipelinetest.Names(t, p.Library); len(lib) != 0 {
		t.Errorf("ignored events wrote %v", lib)
	}
	// A request that is no CloudEvent at all.
	resp, err := http.Post(v, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain POST: HTTP %d", resp.StatusCode)
	}
}

// One bucket as uploads and library: the validate service must not take the
// library's own objects for uploads.
func TestOneBucketForUploadsAndLibrary(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	p := env.P
	p.Uploads = p.Library
	v, s, b := serve(t, p)
	pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))
	pipelinetest.Put(t, p.Uploads, "bad.fbx", pipelinetest.Corpus(t, "ufbx/fuzz/fuzz_0001.fbx"))
	deliver(t, env, v, s, b, servePreview(t, p))
	lib := pipelinetest.Names(t, p.Library)
	if len(lib) != 6 {
		t.Errorf("bucket holds %v, want the 2 uploads, 1 seed and its preview, 1 rejection and its reason", lib)
	}
}
