package animfile

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// TestLoadMatchesRead: mapped or read, every format decodes to the same animation.
func TestLoadMatchesRead(t *testing.T) {
	dir := corpus.Require(t)
	var paths []string
	for _, pat := range []string{"*.fbx", "*.glb", "*.bvh"} {
		m, _ := filepath.Glob(filepath.Join(dir, "mixamo", pat))
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Skip("no corpus files")
	}
	ctx := context.Background()
	for _, p := range paths {
		want, _, werr := Read(ctx, p, 0)
		got, err := Load(ctx, p, 0)
		if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
			t.Errorf("%s: Load error %v, Read error %v", filepath.Base(p), err, werr)
			continue
		}
		if err != nil {
			continue
		}
		if !reflect.DeepEqual(got.Clips, want.Clips) || !reflect.DeepEqual(got.Source, want.Source) ||
			!reflect.DeepEqual(got.Skeleton.Joints, want.Skeleton.Joints) {
			t.Errorf("%s: Load and Read differ", filepath.Base(p))
		}
	}
}

func TestLoadEmptyAndLimits(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.fbx")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), empty, 0); err == nil {
		t.Error("empty file decoded")
	}
	big := filepath.Join(dir, "big.bvh")
	if err := os.WriteFile(big, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), big, 10); err == nil {
		t.Error("file over the limit read")
	}
	if _, err := Load(context.Background(), filepath.Join(dir, "missing.fbx"), 0); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}
