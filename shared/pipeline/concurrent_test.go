package pipeline_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestValidateRejectsNamesOutsideTheRules validates uploads whose names a
// bucket accepts but the pipeline's rules refuse: each is rejected with a
// reason filed under a slug of its name, once, rather than failing every
// delivery.
func TestValidateRejectsNamesOutsideTheRules(t *testing.T) {
	t.Parallel()
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
