//go:build corpus

package pipeline_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// A seed keeps its upload's extension, or takes its content's when the name
// has none of the formats', and is written with that format's content type.
func TestValidateNamesSeedsByFormat(t *testing.T) {
	fbx := pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx")
	glb := pipelinetest.Corpus(t, "mixamo/add101-ch46__walking.glb")
	bvh := pipelinetest.Corpus(t, "mixamo/bvhpython__test_freebvh_mixamorig.bvh")
	a, err := animfile.Decode("walking.glb", glb)
	if err != nil {
		t.Fatal(err)
	}
	var gltf bytes.Buffer
	if err := animfile.Encode(&gltf, a, "gltf"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		upload      string
		data        []byte
		seedSuffix  string
		contentType string
	}{
		{"a.fbx", fbx, "/a.fbx", "application/octet-stream"},
		{"b.GLB", glb, "/b.glb", "model/gltf-binary"},
		{"c.gltf", gltf.Bytes(), "/c.gltf", "model/gltf+json"},
		{"d.bvh", bvh, "/d.bvh", "text/plain"},
		{"e.bin", fbx, "/e.fbx", "application/octet-stream"},
		{"f", glb, "/f.glb", "model/gltf-binary"},
		{"g.json", gltf.Bytes(), "/g.gltf", "model/gltf+json"},
		{"h.txt", bvh, "/h.bvh", "text/plain"},
		// The name's extension wins over the content's.
		{"i.gltf", glb, "/i.gltf", "model/gltf+json"},
	}
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			for _, tt := range tests {
				// A pipeline each: equal content would find the seed made before.
				p := newPipeline(t, backend)
				obj := pipelinetest.Put(t, p.Uploads, tt.upload, tt.data)
				v, err := p.Validate(ctx, obj, "")
				if err != nil || v.Status != pipeline.StatusSeeded {
					t.Fatalf("%s: %+v, %v", tt.upload, v, err)
				}
				attrs, err := p.Library.Stat(ctx, v.Object, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasSuffix(v.Object, tt.seedSuffix) || attrs.ContentType != tt.contentType || !library.IsCatalogued(v.Object) {
					t.Errorf("%s: seeded as %s (%s); want seed/<rig>%s (%s)", tt.upload, v.Object, attrs.ContentType, tt.seedSuffix, tt.contentType)
				}
			}
		})
	}
}
