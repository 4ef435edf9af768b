package blend

import (
	"fmt"
	"testing"
)

// BenchmarkEdits measures each clip edit on 1 s and 10 s clips of 65 joints at 60 fps.
func BenchmarkEdits(b *testing.B) {
	for _, seconds := range []float64{1, 10} {
		a := benchInputs(seconds, 0)[0]
		rooted, err := ExtractRoot(a)
		if err != nil {
			b.Fatal(err)
		}
		i := func(v int) *int { return &v }
		ops := []struct {
			name string
			run  func() error
		}{
			{"extract_root", func() error { _, err := ExtractRoot(a); return err }},
			{"bake_root", func() error { _, err := BakeRoot(rooted); return err }},
			{"mirror", func() error { return mirror(a.Skeleton, a.Clip().Clone()) }},
			{"reverse", func() error { reverse(a.Clip().Clone()); return nil }},
			{"speed", func() error { _, err := retime(a.Clip(), 1.7); return err }},
			{"trim", func() error {
				_, err := trimClip(Options{TrimStartFrame: i(5), TrimEndFrame: i(a.Clip().Frames - 5)}, a.Clip())
				return err
			}},
			{"find_loop", func() error { _, err := FindLoop(a.Skeleton, a.Clip(), LoopSearch{}); return err }},
			{"run_edit_all", func() error {
				_, err := Run(Options{Method: Edit, Mirror: true, Reverse: true, Speed: f64(1.2), LoopFind: true, RootMotion: RootMotionRoot}, a)
				return err
			}},
		}
		for _, op := range ops {
			b.Run(fmt.Sprintf("%s/%gs", op.name, seconds), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := op.run(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "edits/s")
			})
		}
	}
}

// BenchmarkSafeName measures the name every written clip goes through.
func BenchmarkSafeName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = SafeName("mix 0.3 kirby-xbot60__Walking_InPlace+kirby-xbot60__Running_InPlace loop root-motion")
	}
}
