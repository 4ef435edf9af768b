package pipeline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/batch"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// seed validates a corpus file into the library and returns the seed's name.
func seed(t testing.TB, p *pipeline.Pipeline, corpusName, uploadName string) string {
	t.Helper()
	obj := pipelinetest.Put(t, p.Uploads, uploadName, pipelinetest.Corpus(t, corpusName))
	v, err := p.Validate(context.Background(), obj, "seed-"+uploadName)
	if err != nil || (v.Status != pipeline.StatusSeeded && v.Status != pipeline.StatusExists) {
		t.Fatalf("seed %s: %+v, %v", uploadName, v, err)
	}
	return v.Object
}

func ratio(v float64) *float64 { return &v }

func slicesEqual(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

func TestBatchBadManifestAndNames(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	obj := pipelinetest.Put(t, p.Library, "jobs/bad.json", []byte(`{"blends": [{"name": "x", "input1": "seed/a.fbx", "ratio": "half"}]}`))
	res, err := p.Batch(ctx, obj, "")
	if err != nil || res.Error == "" || res.Total != 0 {
		t.Fatalf("bad manifest: %+v, %v", res, err)
	}
	if _, err := p.Library.Stat(ctx, "jobs/bad.result.json", nil); err != nil {
		t.Errorf("no result file for a bad manifest: %v", err)
	}

}

func TestBatchManifestOverLimitIsNotRead(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	lib := &faultyStore{Store: p.Library}
	p.Library = lib
	obj := pipelinetest.Put(t, p.Library, "jobs/huge.json", []byte(`{"blends": []}`))
	obj.Size = batch.MaxManifestBytes + 1 // as the event reports it
	res, err := p.Batch(context.Background(), obj, "")
	if err != nil || !strings.Contains(res.Error, "exceeds the limit") {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := lib.gets.Load(); n != 0 {
		t.Errorf("a manifest over the limit was read %d times", n)
	}
}
