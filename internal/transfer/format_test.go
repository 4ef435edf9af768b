package transfer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/transfer"
)

// Each animation file goes up with its format's content type; other files
// are refused with the extensions that would be taken.
func TestUploadContentTypes(t *testing.T) {
	tests := []struct {
		file        string
		contentType string // empty: refused
	}{
		{"a.fbx", "application/octet-stream"},
		{"b.GLB", "model/gltf-binary"},
		{"c.gltf", "model/gltf+json"},
		{"d.Bvh", "text/plain"},
		{"e.obj", ""},
		{"f", ""},
	}
	dir := t.TempDir()
	var paths []string
	for _, tt := range tests {
		if got, want := transfer.IsAnimation(tt.file), tt.contentType != ""; got != want {
			t.Errorf("IsAnimation(%q) = %v", tt.file, got)
		}
		p := filepath.Join(dir, tt.file)
		if err := os.WriteFile(p, []byte("bytes of "+tt.file), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	store, err := localdir.Open(filepath.Join(t.TempDir(), "uploads"), localdir.Options{Bucket: "uploads", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep := transfer.Upload(ctx, transfer.UploadOptions{Store: store, Retry: fastRetry()}, paths)
	outcome := map[string]transfer.Result{}
	for _, r := range rep.Results {
		outcome[filepath.Base(r.Path)] = r
	}
	for _, tt := range tests {
		r := outcome[tt.file]
		if tt.contentType == "" {
			if r.Outcome != transfer.Failed || !strings.Contains(r.Reason, ".fbx, .glb, .gltf or .bvh") {
				t.Errorf("%s: %s %q; want refused naming the extensions", tt.file, r.Outcome, r.Reason)
			}
			continue
		}
		a, err := store.Stat(ctx, tt.file, nil)
		if r.Outcome != transfer.Uploaded || err != nil || a.ContentType != tt.contentType {
			t.Errorf("%s: %s, content type %q, %v; want uploaded as %s", tt.file, r.Outcome, a.ContentType, err, tt.contentType)
		}
	}
}
