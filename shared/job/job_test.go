package job

import (
	"context"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

func load(tb testing.TB, name string) *anim.Animation {
	tb.Helper()
	a, _, err := animfile.Read(context.Background(), corpus.Path(tb, "mixamo/"+name), 0)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func BenchmarkBlendMixFBX(b *testing.B) {
	walk, run := load(b, "kirby-xbot60__Walking_InPlace.fbx"), load(b, "kirby-xbot60__Running_InPlace.fbx")
	mw, _ := MeasureInput(walk)
	mr, _ := MeasureInput(run)
	spec := Spec{Options: blend.Options{Method: "mix"}, Format: "fbx", InputMetrics: []quality.Metrics{mw, mr}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Blend([]*anim.Animation{walk, run}, spec); err != nil {
			b.Fatal(err)
		}
	}
}
