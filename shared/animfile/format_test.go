package animfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// twoJoints is a generated animation every writer accepts: a hip and a
// spine, the spine turning over five frames.
func twoJoints(t *testing.T) *anim.Animation {
	t.Helper()
	s := &anim.Skeleton{Joints: []anim.Joint{
		{Name: "mixamorig:Hips", Parent: -1, Rest: anim.Identity, PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity},
		{Name: "mixamorig:Spine", Parent: 0, Rest: anim.Transform{T: anim.Vec3{0, 10, 0}, R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}},
			PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity},
	}, Base: anim.Identity}
	c := anim.NewClip("turn", s, 30, 5)
	for f := range c.Frames {
		c.Rotations[f*c.NumJoints+1] = anim.QuatAxisAngle(anim.Vec3{0, 1, 0}, 0.1*float64(f))
	}
	return &anim.Animation{Skeleton: s, Clips: []*anim.Clip{c}}
}

func TestRegistry(t *testing.T) {
	a := twoJoints(t)
	tests := []struct {
		format      Format
		name, ext   string
		contentType string
		family      string
	}{
		{FBX, "fbx", ".fbx", "application/octet-stream", "fbx"},
		{GLB, "glb", ".glb", "model/gltf-binary", "gltf"},
		{GLTF, "gltf", ".gltf", "model/gltf+json", "gltf"},
		{BVH, "bvh", ".bvh", "text/plain", "bvh"},
	}
	if len(tests) != len(Formats()) {
		t.Fatalf("%d formats tested, %d registered", len(tests), len(Formats()))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.format
			if f.Name() != tt.name || f.String() != tt.name || f.Ext() != tt.ext || f.ContentType() != tt.contentType || f.Family() != tt.family {
				t.Errorf("%v: name %q ext %q content type %q family %q", f, f.Name(), f.Ext(), f.ContentType(), f.Family())
			}
			if got, err := ByName(tt.name); got != f || err != nil {
				t.Errorf("ByName(%q) = %v, %v", tt.name, got, err)
			}
			for _, ext := range []string{tt.ext, strings.ToUpper(tt.ext)} {
				if got, err := ByExtension(ext); got != f || err != nil {
					t.Errorf("ByExtension(%q) = %v, %v", ext, got, err)
				}
			}
			if got := ContentType(tt.name); got != tt.contentType {
				t.Errorf("ContentType(%q) = %q", tt.name, got)
			}

			// A file the format's writer made is recognised by its content
			// alone and reads back.
			var buf bytes.Buffer
			if err := Encode(&buf, a, tt.name); err != nil {
				t.Fatal(err)
			}
			if got, err := ByContent(buf.Bytes()); got != f || err != nil {
				t.Errorf("ByContent(%q...) = %v, %v", buf.Bytes()[:min(buf.Len(), 16)], got, err)
			}
			if got, err := Detect("clip.bin", buf.Bytes()); got != f || err != nil {
				t.Errorf("Detect(clip.bin) = %v, %v", got, err)
			}
			b, err := Decode("clip"+tt.ext, buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if b.Source.Format != tt.family || len(b.Skeleton.Joints) != 2 || b.Clip() == nil || b.Clip().Frames != 5 {
				t.Errorf("read back: format %q, %d joints, clip %+v", b.Source.Format, len(b.Skeleton.Joints), b.Clip())
			}
		})
	}
}

func TestRegistryUnknown(t *testing.T) {
	tests := []struct {
		what   string
		lookup func() (Format, error)
		names  string // what the error must name
	}{
		{"extension", func() (Format, error) { return ByExtension(".obj") }, `".obj"`},
		{"no extension", func() (Format, error) { return ByExtension("") }, `""`},
		{"extension without dot", func() (Format, error) { return ByExtension("fbx") }, `"fbx"`},
		{"name", func() (Format, error) { return ByName("usd") }, `"usd"`},
		{"name in capitals", func() (Format, error) { return ByName("FBX") }, `"FBX"`},
		{"content", func() (Format, error) { return ByContent([]byte("hello")) }, "binary FBX, glTF/GLB or BVH"},
		{"empty content", func() (Format, error) { return ByContent(nil) }, "binary FBX"},
		{"GLB magic after white space", func() (Format, error) { return ByContent([]byte("  glTF")) }, "glTF/GLB"},
	}
	for _, tt := range tests {
		f, err := tt.lookup()
		if f != 0 || !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), tt.names) {
			t.Errorf("%s: got %v, %v; want ErrUnknownFormat naming %s", tt.what, f, err, tt.names)
		}
	}
	var zero Format
	if zero.Name() != "" || zero.Ext() != "" || zero.ContentType() != "application/octet-stream" || zero.Extensions() != nil {
		t.Errorf("zero Format: %q %q %q %q", zero.Name(), zero.Ext(), zero.ContentType(), zero.Extensions())
	}
	if _, err := zero.Decode([]byte("HIERARCHY")); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("zero Format decodes: %v", err)
	}
	if err := zero.Encode(&bytes.Buffer{}, twoJoints(t)); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("zero Format encodes: %v", err)
	}
}

func TestLists(t *testing.T) {
	if got := Names(); got != "fbx, glb, gltf or bvh" {
		t.Errorf("Names() = %q", got)
	}
	if got := ExtensionList(); got != ".fbx, .glb, .gltf or .bvh" {
		t.Errorf("ExtensionList() = %q", got)
	}
	if got := ContentType("obj"); got != "application/octet-stream" {
		t.Errorf("ContentType(obj) = %q", got)
	}
}
