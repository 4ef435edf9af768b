//go:build corpus

package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestBlendContentAddressedAndCached(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			p := newPipeline(t, backend)
			ctx := context.Background()
			walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
			run := seed(t, p, "mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx")
			req := pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "mix", Ratio: ratio(0.5)}, Format: "fbx", CorrelationID: "req-1"}
			first, err := p.Blend(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			rig := strings.Split(walk, "/")[1]
			if !regexp.MustCompile(`^blend/` + regexp.QuoteMeta(rig) + `/mix-[0-9a-f]{12}\.fbx$`).MatchString(first.Output) {
				t.Errorf("output %s, want blend/%s/mix-<hash12>.fbx", first.Output, rig)
			}
			if first.Cached || first.Report == nil || first.Generation == 0 || first.Quality.L2Velocity <= 0 {
				t.Errorf("first blend: cached %v, report %v, generation %d, quality %+v", first.Cached, first.Report != nil, first.Generation, first.Quality)
			}
			md := first.Metadata
			var srcs []string
			if err := json.Unmarshal([]byte(md[library.MetaSources]), &srcs); err != nil || !slicesEqual(srcs, req.Sources) {
				t.Errorf("sources metadata %q", md[library.MetaSources])
			}
			var opts blend.Options
			if err := json.Unmarshal([]byte(md[library.MetaOptions]), &opts); err != nil || opts.Method != "mix" || opts.Ratio == nil || *opts.Ratio != 0.5 {
				t.Errorf("options metadata %q", md[library.MetaOptions])
			}
			for _, k := range []string{library.MetaSHA256, library.MetaMethod, library.MetaQuality, library.MetaMetrics, library.MetaFPS, library.MetaFrames, library.MetaDuration, library.MetaJoints, library.MetaRig} {
				if md[k] == "" {
					t.Errorf("metadata %s missing", k)
				}
			}
			if md[library.MetaCorrelationID] != "req-1" {
				t.Errorf("correlation id %q", md[library.MetaCorrelationID])
			}
			// Unnamed blends are named for their method, main options and the seeds' clips,
			// the clip spelled as engines accept it.
			if md[library.MetaLabel] != "mix 0.5 walking+running" || md[library.MetaClip] != "mix_0p5_walking_running" {
				t.Errorf("label %q, clip %q; want mix 0.5 walking+running, mix_0p5_walking_running", md[library.MetaLabel], md[library.MetaClip])
			}
			data, _, err := storage.ReadAll(ctx, p.Library, first.Output, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := animfile.Decode(first.Output, data); err != nil {
				t.Errorf("the blend does not decode: %v", err)
			}
			before := pipelinetest.Names(t, p.Library)

			// The same blend, spelled differently: aliases and defaults
			// resolve to the same canonical options.
			again, err := p.Blend(ctx, pipeline.BlendRequest{Sources: req.Sources, Options: blend.Options{Method: "Linear"}})
			if err != nil {
				t.Fatal(err)
			}
			if !again.Cached || again.Output != first.Output || again.Generation != first.Generation || again.Quality != first.Quality {
				t.Errorf("repeat: %+v, want cached %s#%d", again, first.Output, first.Generation)
			}
			if after := pipelinetest.Names(t, p.Library); !maps.Equal(before, after) {
				t.Errorf("a cached blend wrote: %v -> %v", before, after)
			}
			// Other options, other address.
			other, err := p.Blend(ctx, pipeline.BlendRequest{Sources: req.Sources, Options: blend.Options{Method: "mix", Ratio: ratio(0.25)}})
			if err != nil || other.Cached || other.Output == first.Output {
				t.Errorf("ratio 0.25: %+v, %v", other, err)
			}
		})
	}
}

func TestBlendConcurrentRequestsWriteOnce(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
	idle := seed(t, p, "mixamo/kirby-xbot60__Idle.fbx", "Idle.fbx")
	req := pipeline.BlendRequest{Sources: []string{walk, idle}, Options: blend.Options{Method: "transition", TransitionFrames: 12}}
	const n = 4
	results := make([]*pipeline.BlendResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = p.Blend(context.Background(), req) })
	}
	wg.Wait()
	made := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !results[i].Cached {
			made++
		}
		if results[i].Output != results[0].Output || results[i].Generation != results[0].Generation {
			t.Errorf("request %d: %s#%d, request 0: %s#%d", i, results[i].Output, results[i].Generation, results[0].Output, results[0].Generation)
		}
	}
	if made != 1 {
		t.Errorf("%d requests wrote the blend, want 1", made)
	}
}

func TestBlendErrors(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
	run := seed(t, p, "mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx")
	mix := blend.Options{Method: "mix"}
	taken, err := p.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk, run}, Options: mix, Output: "blend/mine/walk-run.fbx"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		req   pipeline.BlendRequest
		kind  pipeline.Kind
		field string
	}{
		{"no sources", pipeline.BlendRequest{Options: mix}, pipeline.KindInvalid, "sources"},
		{"traversal", pipeline.BlendRequest{Sources: []string{"seed/../jobs/x.fbx", run}, Options: mix}, pipeline.KindInvalid, "sources[0]"},
		{"absolute", pipeline.BlendRequest{Sources: []string{walk, "/etc/passwd"}, Options: mix}, pipeline.KindInvalid, "sources[1]"},
		{"other prefix", pipeline.BlendRequest{Sources: []string{walk, "rejected/x.fbx"}, Options: mix}, pipeline.KindInvalid, "sources[1]"},
		{"unknown method", pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "spade"}}, pipeline.KindInvalid, "method"},
		{"bad ratio", pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "mix", Ratio: ratio(2)}}, pipeline.KindInvalid, "ratio"},
		{"one clip", pipeline.BlendRequest{Sources: []string{walk}, Options: mix}, pipeline.KindInvalid, "sources"},
		{"bad format", pipeline.BlendRequest{Sources: []string{walk, run}, Options: mix, Format: "obj"}, pipeline.KindInvalid, "format"},
		{"output outside blend/", pipeline.BlendRequest{Sources: []string{walk, run}, Options: mix, Output: "seed/x.fbx"}, pipeline.KindInvalid, "output"},
		{"output extension", pipeline.BlendRequest{Sources: []string{walk, run}, Options: mix, Output: "blend/x.glb", Format: "fbx"}, pipeline.KindInvalid, "output"},
		{"missing source", pipeline.BlendRequest{Sources: []string{walk, "seed/nobody/none.fbx"}, Options: mix}, pipeline.KindNotFound, "sources[1]"},
		{"too many sources", pipeline.BlendRequest{Sources: make([]string, 65), Options: blend.Options{Method: "blendspace"}}, pipeline.KindTooLarge, "sources"},
		{"output taken", pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "mix", Ratio: ratio(0.1)}, Output: taken.Output}, pipeline.KindConflict, "output"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Blend(ctx, tc.req)
			var pe *pipeline.Error
			if !errors.As(err, &pe) || pe.Kind != tc.kind || pe.Field != tc.field {
				t.Errorf("err = %v (%+v), want %s on %q", err, pe, tc.kind, tc.field)
			}
		})
	}
	t.Run("over size limit", func(t *testing.T) {
		small := *p
		small.MaxFileSize = 1000
		_, err := small.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk, run}, Options: mix})
		if pipeline.KindOf(err) != pipeline.KindTooLarge {
			t.Errorf("err = %v, want too large", err)
		}
	})
	t.Run("storage down", func(t *testing.T) {
		down := *p
		lib := &faultyStore{Store: p.Library}
		lib.failPuts.Store(true)
		down.Library = lib
		_, err := down.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "mix", Ratio: ratio(0.9)}})
		if pipeline.KindOf(err) != pipeline.KindUnavailable {
			t.Errorf("err = %v, want unavailable", err)
		}
	})
}

func TestBatch(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			p := newPipeline(t, backend)
			ctx := context.Background()
			walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
			run := seed(t, p, "mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx")
			idle := seed(t, p, "mixamo/kirby-xbot60__Idle.fbx", "Idle.fbx")
			manifest := fmt.Sprintf(`version: "1.0"
workflow: blend_batch
blends:
  - name: walk_run
    input1: %[1]s
    input2: %[2]s
    ratio: 0.3
    output: blend/walk_run.fbx
  - name: idle_walk
    input1: %[3]s
    input2: %[1]s
    method: transition
    output: idle_walk.glb
  - name: missing
    input1: %[1]s
    input2: seed/none/none.fbx
    output: blend/missing.fbx
`, walk, run, idle)
			obj := pipelinetest.Put(t, p.Library, "jobs/nightly.yaml", []byte(manifest))
			res, err := p.Batch(ctx, obj, "batch-1")
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 3 || res.OK != 2 || res.Failed != 1 || len(res.Blends) != 3 {
				t.Fatalf("result %+v", res)
			}
			if b := res.Blends[0]; b.Output != "blend/walk_run.fbx" || b.Generation == 0 || b.Error != "" {
				t.Errorf("walk_run: %+v", b)
			}
			if b := res.Blends[1]; b.Output != "blend/idle_walk.glb" || b.Error != "" {
				t.Errorf("idle_walk: %+v", b)
			}
			if b := res.Blends[2]; b.Kind != "not_found" || b.Field != "sources[1]" || b.Error == "" {
				t.Errorf("missing: %+v", b)
			}
			body, attrs, err := storage.ReadAll(ctx, p.Library, "jobs/nightly.result.json", nil)
			if err != nil {
				t.Fatal(err)
			}
			var stored pipeline.BatchResult
			if err := json.Unmarshal(body, &stored); err != nil || stored.OK != 2 || stored.Generation != obj.Generation {
				t.Errorf("result file: %+v, %v", stored, err)
			}
			// The result file is not a manifest: its event does nothing.
			if r, err := p.Batch(ctx, attrs, "batch-1"); r != nil || err != nil {
				t.Errorf("result file ran as a manifest: %+v, %v", r, err)
			}
			// A redelivered manifest event writes nothing.
			before := pipelinetest.Names(t, p.Library)
			again, err := p.Batch(ctx, obj, "batch-1")
			if err != nil || again.OK != 2 {
				t.Fatalf("redelivery: %+v, %v", again, err)
			}
			if after := pipelinetest.Names(t, p.Library); !maps.Equal(before, after) {
				t.Errorf("redelivery wrote: %v -> %v", before, after)
			}
			// The same manifest uploaded again finds every blend made.
			obj2 := pipelinetest.Put(t, p.Library, "jobs/nightly.yaml", []byte(manifest))
			third, err := p.Batch(ctx, obj2, "batch-2")
			if err != nil || !third.Blends[0].Cached || !third.Blends[1].Cached {
				t.Errorf("re-upload: %+v, %v", third, err)
			}
		})
	}
}
