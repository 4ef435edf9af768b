//go:build corpus

package pipeline_test

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestValidateSeedsCorpusFiles(t *testing.T) {
	t.Parallel()
	files := []struct {
		corpus, upload, seedSuffix string
	}{
		{"mixamo/kirby-xbot60__Idle.fbx", "Idle.fbx", "/idle.fbx"},
		{"mixamo/add101-ch46__Walking.fbx", "downloads/Walking.fbx", "/walking.fbx"},
		{"mixamo/add101-ch46__walking.glb", "Walking (1).glb", "/walking-1.glb"},
		{"mixamo/bvhpython__test_freebvh_mixamorig.bvh", "free.bvh", "/free.bvh"},
	}
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			p := newPipeline(t, backend)
			ctx := context.Background()
			for _, f := range files {
				data := pipelinetest.Corpus(t, f.corpus)
				obj := pipelinetest.Put(t, p.Uploads, f.upload, data)
				v, err := p.Validate(ctx, obj, "corr-"+f.upload)
				if err != nil {
					t.Fatalf("%s: %v", f.upload, err)
				}
				if v.Status != pipeline.StatusSeeded || !strings.HasPrefix(v.Object, library.SeedPrefix) || !strings.HasSuffix(v.Object, f.seedSuffix) {
					t.Fatalf("%s: %+v, want seeded as seed/<rig>%s", f.upload, v, f.seedSuffix)
				}
				seed, attrs, err := storage.ReadAll(ctx, p.Library, v.Object, nil)
				if err != nil {
					t.Fatal(err)
				}
				if string(seed) != string(data) {
					t.Errorf("%s: seed bytes differ from the upload", v.Object)
				}
				md := attrs.Metadata
				for _, k := range []string{library.MetaSHA256, library.MetaSource, library.MetaSourceGeneration, library.MetaFormat, library.MetaFPS, library.MetaFrames,
					library.MetaDuration, library.MetaJoints, library.MetaRig, library.MetaRigSignature, library.MetaCorrelationID} {
					if md[k] == "" {
						t.Errorf("%s: metadata %s missing: %v", v.Object, k, md)
					}
				}
				if md[library.MetaSHA256] != v.SHA256 || md[library.MetaSource] != p.Uploads.Bucket()+"/"+f.upload || md[library.MetaCorrelationID] != "corr-"+f.upload {
					t.Errorf("%s: metadata %v", v.Object, md)
				}
				if rig := strings.Split(v.Object, "/")[1]; md[library.MetaRig] != rig || !strings.Contains(rig, md[library.MetaRigSignature]) {
					t.Errorf("%s: rig folder %q, metadata rig %q signature %q", v.Object, rig, md[library.MetaRig], md[library.MetaRigSignature])
				}
			}
		})
	}
}

func TestValidateIsIdempotent(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			p := newPipeline(t, backend)
			ctx := context.Background()
			idle := pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx")
			obj := pipelinetest.Put(t, p.Uploads, "Idle.fbx", idle)
			first, err := p.Validate(ctx, obj, "a")
			if err != nil || first.Status != pipeline.StatusSeeded {
				t.Fatalf("first: %+v, %v", first, err)
			}
			before := pipelinetest.Names(t, p.Library)

			// The same event again, and the same content uploaded again.
			again, err := p.Validate(ctx, obj, "a")
			if err != nil || again.Status != pipeline.StatusExists || again.Object != first.Object || again.Generation != first.Generation {
				t.Fatalf("redelivery: %+v, %v; want exists %s#%d", again, err, first.Object, first.Generation)
			}
			reup := pipelinetest.Put(t, p.Uploads, "Idle.fbx", idle)
			if v, err := p.Validate(ctx, reup, "b"); err != nil || v.Status != pipeline.StatusExists {
				t.Fatalf("same content re-uploaded: %+v, %v", v, err)
			}
			// The same content under another upload name.
			renamed := pipelinetest.Put(t, p.Uploads, "Idle copy.fbx", idle)
			if v, err := p.Validate(ctx, renamed, "b"); err != nil || v.Status != pipeline.StatusExists || v.Object != first.Object {
				t.Fatalf("same content, other name: %+v, %v", v, err)
			}
			if after := pipelinetest.Names(t, p.Library); !maps.Equal(before, after) {
				t.Errorf("library changed by repeated validation:\nbefore %v\nafter  %v", before, after)
			}

			// Different content under the same upload name: a distinct seed.
			other := pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Running_InPlace.fbx"))
			v, err := p.Validate(ctx, other, "c")
			if err != nil || v.Status != pipeline.StatusSeeded {
				t.Fatalf("other content: %+v, %v", v, err)
			}
			if want := strings.TrimSuffix(first.Object, ".fbx") + "-" + v.SHA256[:8] + ".fbx"; v.Object != want {
				t.Errorf("other content seeded as %s, want %s", v.Object, want)
			}
			if again, err := p.Validate(ctx, other, "c"); err != nil || again.Status != pipeline.StatusExists || again.Object != v.Object {
				t.Errorf("redelivery of the other content: %+v, %v", again, err)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, corpus, upload string
		maxSize              int64
		reason               pipeline.Reason
		withBytes            bool
	}{
		{"malformed", "ufbx/fuzz/fuzz_0000.fbx", "fuzz_0000.fbx", 0, pipeline.ReasonUnreadable, true},
		{"ascii fbx without a humanoid", "mixamo/threejs-copy__nurbs_ascii72.fbx", "nurbs.fbx", 0, pipeline.ReasonNotHumanoid, true},
		{"not an animation", "README.md", "notes.txt", 0, pipeline.ReasonUnreadable, true},
		{"character only", "mixamo/kirby-xbot__x_bot_character_skin.fbx", "chars/X Bot.fbx", 0, pipeline.ReasonNoAnimation, true},
		{"not humanoid", "mixamo/threejs-copy__RobotExpressive.glb", "robot.glb", 0, pipeline.ReasonNotHumanoid, true},
		{"too large", "mixamo/kirby-xbot60__Idle.fbx", "big.fbx", 1 << 20, pipeline.ReasonTooLarge, false},
	}
	for _, backend := range backends {
		for _, tc := range cases {
			t.Run(backend+"/"+tc.name, func(t *testing.T) {
				p := newPipeline(t, backend)
				if tc.maxSize > 0 {
					p.MaxFileSize = tc.maxSize
				}
				uploads := &faultyStore{Store: p.Uploads}
				p.Uploads = uploads
				ctx := context.Background()
				data := pipelinetest.Corpus(t, tc.corpus)
				obj := pipelinetest.Put(t, p.Uploads, tc.upload, data)
				v, err := p.Validate(ctx, obj, "corr-1")
				if err != nil {
					t.Fatal(err)
				}
				base := library.RejectedPrefix + tc.upload
				if v.Status != pipeline.StatusRejected || v.Reason != tc.reason || v.Object != base || v.Message == "" {
					t.Fatalf("%+v, want rejected as %s with reason %s", v, base, tc.reason)
				}
				want := map[string]bool{base + library.ErrorSuffix: true}
				if tc.withBytes {
					want[base] = true
				} else if n := uploads.gets.Load(); n != 0 {
					t.Errorf("an upload over the limit was read %d times", n)
				}
				got := pipelinetest.Names(t, p.Library)
				if len(got) != len(want) {
					t.Errorf("library holds %v, want only %v", got, want)
				}
				for name := range want {
					if _, ok := got[name]; !ok {
						t.Errorf("%s missing; library holds %v", name, got)
					}
				}
				body, _, err := storage.ReadAll(ctx, p.Library, base+library.ErrorSuffix, nil)
				if err != nil {
					t.Fatal(err)
				}
				var r pipeline.Rejection
				if err := json.Unmarshal(body, &r); err != nil {
					t.Fatal(err)
				}
				if r.Reason != tc.reason || r.Message == "" || r.Name != tc.upload || r.Generation != obj.Generation || r.CorrelationID != "corr-1" {
					t.Errorf("reason file %+v", r)
				}
				if tc.withBytes {
					copied, _, err := storage.ReadAll(ctx, p.Library, base, nil)
					if err != nil || string(copied) != string(data) {
						t.Errorf("rejected copy: %d bytes, %v; want the upload's %d", len(copied), err, len(data))
					}
				}
				// Redelivered: nothing is written again.
				again, err := p.Validate(ctx, obj, "corr-1")
				if err != nil || again.Status != pipeline.StatusRejected || again.Reason != tc.reason {
					t.Fatalf("redelivery: %+v, %v", again, err)
				}
				if after := pipelinetest.Names(t, p.Library); !maps.Equal(got, after) {
					t.Errorf("redelivery wrote: before %v after %v", got, after)
				}
			})
		}
	}
}

func TestValidateTransientFailures(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	uploads := &faultyStore{Store: p.Uploads}
	library := &faultyStore{Store: p.Library}
	p.Uploads, p.Library = uploads, library
	obj := pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))

	uploads.failGets.Store(true)
	if _, err := p.Validate(ctx, obj, ""); !storage.IsTransient(err) || pipeline.KindOf(err) != pipeline.KindUnavailable {
		t.Errorf("download failing: err = %v, want a transient error", err)
	}
	uploads.failGets.Store(false)
	library.failPuts.Store(true)
	if _, err := p.Validate(ctx, obj, ""); !storage.IsTransient(err) {
		t.Errorf("write failing: err = %v, want a transient error", err)
	}
	if got := pipelinetest.Names(t, p.Library); len(got) != 0 {
		t.Errorf("failed validations wrote %v", got)
	}
	// Once storage recovers, the redelivered event seeds the upload.
	library.failPuts.Store(false)
	if v, err := p.Validate(ctx, obj, ""); err != nil || v.Status != pipeline.StatusSeeded {
		t.Errorf("after recovery: %+v, %v", v, err)
	}
}

func TestValidateSkipsReplacedGeneration(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	old := pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))
	pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Running_InPlace.fbx"))
	v, err := p.Validate(context.Background(), old, "")
	if err != nil || v.Status != pipeline.StatusSkipped {
		t.Fatalf("%+v, %v; want skipped", v, err)
	}
	if got := pipelinetest.Names(t, p.Library); len(got) != 0 {
		t.Errorf("wrote %v", got)
	}
}
