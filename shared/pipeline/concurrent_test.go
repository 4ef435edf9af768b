package pipeline_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestValidateConcurrentCopiesSeedOnce validates the same content uploaded
// under several names at once, as Eventarc delivers their events to
// concurrent instances: the library ends with one seed of it.
func TestValidateConcurrentCopiesSeedOnce(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			p := newPipeline(t, backend)
			data := pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx")
			const copies = 6
			objs := make([]storage.Attrs, copies)
			for i := range objs {
				objs[i] = pipelinetest.Put(t, p.Uploads, fmt.Sprintf("Idle %d.fbx", i), data)
			}
			results := make([]pipeline.Validation, copies)
			var wg sync.WaitGroup
			for i := range objs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					v, err := p.Validate(context.Background(), objs[i], "")
					if err != nil {
						t.Errorf("%s: %v", objs[i].Name, err)
					}
					results[i] = v
				}()
			}
			wg.Wait()
			var seeds []string
			for name := range pipelinetest.Names(t, p.Library) {
				if strings.HasPrefix(name, library.SeedPrefix) {
					seeds = append(seeds, name)
				}
			}
			if len(seeds) != 1 {
				t.Fatalf("%d seeds of one content: %v", len(seeds), seeds)
			}
			for i, v := range results {
				if v.Object != seeds[0] || (v.Status != pipeline.StatusSeeded && v.Status != pipeline.StatusExists) {
					t.Errorf("%s: %+v, want the seed %s", objs[i].Name, v, seeds[0])
				}
			}
		})
	}
}

// TestValidateRejectsNamesOutsideTheRules validates uploads whose names a
// bucket accepts but the pipeline's rules refuse: each is rejected with a
// reason filed under a slug of its name, once, rather than failing every
// delivery.
func TestValidateRejectsNamesOutsideTheRules(t *testing.T) {
	names := []string{"../escape.fbx", "/abs.fbx", "a//b.fbx", `dir\x.fbx`, "x/./y.fbx", strings.Repeat("n", 1100) + ".fbx"}
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			p := newPipeline(t, backend)
			ctx := context.Background()
			for i, name := range names {
				obj := storage.Attrs{Bucket: p.Uploads.Bucket(), Name: name, Generation: int64(100 + i), Size: 10}
				v, err := p.Validate(ctx, obj, "corr")
				if err != nil {
					t.Fatalf("%.40q: %v", name, err)
				}
				if v.Status != pipeline.StatusRejected || v.Reason != pipeline.ReasonBadName || storage.ValidateName(v.Object+library.ErrorSuffix) != nil {
					t.Fatalf("%.40q: %+v", name, v)
				}
				before := pipelinetest.Names(t, p.Library)
				if _, ok := before[v.Object+library.ErrorSuffix]; !ok {
					t.Errorf("%.40q: no reason file %s in %v", name, v.Object+library.ErrorSuffix, before)
				}
				if again, err := p.Validate(ctx, obj, "corr"); err != nil || again.Object != v.Object {
					t.Errorf("%.40q redelivered: %+v, %v", name, again, err)
				}
				if after := pipelinetest.Names(t, p.Library); !maps.Equal(before, after) {
					t.Errorf("%.40q: redelivery wrote: %v -> %v", name, before, after)
				}
			}
			if n := len(pipelinetest.Names(t, p.Library)); n != len(names) {
				t.Errorf("%d objects for %d rejections", n, len(names))
			}
		})
	}
}
