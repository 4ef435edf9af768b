//go:build corpus

package metasync

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// TestService serves the function's handler (the source deploy's test at the
// module root serves it through functions-framework-go) and delivers the
// library's events twice and in reverse order, as Eventarc may.
func TestService(t *testing.T) {
	env := pipelinetest.New(t, "gcs")
	p := env.P
	ctx := context.Background()
	var seeds []string
	for name, file := range map[string]string{"Walking.fbx": "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Running.fbx": "mixamo/kirby-xbot60__Running_InPlace.fbx"} {
		v, err := p.Validate(ctx, pipelinetest.Put(t, p.Uploads, name, pipelinetest.Corpus(t, file)), "")
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, v.Object)
	}
	b, err := p.Blend(ctx, pipeline.BlendRequest{Sources: seeds, Options: blend.Options{Method: "mix"}, CorrelationID: "c-1"})
	if err != nil {
		t.Fatal(err)
	}
	// A manifest (not catalogued) and the delete of one seed.
	pipelinetest.Put(t, p.Library, "jobs/ignored.yaml", []byte("blends: []"))
	if err := p.Library.Delete(ctx, seeds[1], nil); err != nil {
		t.Fatal(err)
	}
	evs := env.Events.Take()

	srv := httptest.NewServer(Service(p, nil, pipelinetest.Logger(t)))
	t.Cleanup(srv.Close)
	url := srv.URL + "/"

	for i := len(evs) - 1; i >= 0; i-- {
		for range 2 {
			if code := pipelinetest.Send(t, url, evs[i]); code/100 != 2 {
				t.Fatalf("%s %s: HTTP %d", evs[i].Type, evs[i].Object.Name, code)
			}
		}
	}
	rows, err := p.Catalog.Current(ctx, catalog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Name != b.Output || rows[1].Name != seeds[0] {
		t.Fatalf("current rows %+v, want the blend and %s", rows, seeds[0])
	}
	if r := rows[0]; r.Kind != catalog.KindBlend || r.CorrelationID != "c-1" || r.Quality == nil || len(r.Sources) != 2 {
		t.Errorf("blend row %+v", r)
	}
	if _, err := p.Catalog.Get(ctx, seeds[1]); err == nil {
		t.Errorf("deleted seed %s still current", seeds[1])
	}
}
