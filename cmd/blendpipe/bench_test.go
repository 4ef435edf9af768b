package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// BenchmarkInspectJSON is the work of `blendpipe inspect --json` on a 65-joint, 501-frame clip,
// without process start.
func BenchmarkInspectJSON(b *testing.B) {
	in := corpus.Path(b, "mixamo/kirby-xbot60__Idle.fbx")
	b.ReportAllocs()
	for b.Loop() {
		if code := run(context.Background(), []string{"inspect", "--json", in}, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkBlendMix is the work of `blendpipe blend A B --ratio 0.5 -o out.fbx`: two decodes,
// the blend with foot locking, the quality report and the FBX written to disk.
func BenchmarkBlendMix(b *testing.B) {
	walk := corpus.Path(b, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	runc := corpus.Path(b, "mixamo/kirby-xbot60__Running_InPlace.fbx")
	out := filepath.Join(b.TempDir(), "out.fbx")
	b.ReportAllocs()
	for b.Loop() {
		if code := run(context.Background(), []string{"blend", walk, runc, "--ratio", "0.5", "-o", out}, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
