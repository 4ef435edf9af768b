//go:build corpus

package pipeline_test

import (
	"context"
	"fmt"
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
	t.Parallel()
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
