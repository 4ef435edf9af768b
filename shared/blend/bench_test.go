package blend

import (
	"fmt"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// benchInputs generates three clips of the given length on a rig of 65+extra joints at 60 fps.
func benchInputs(seconds float64, extra int) []*anim.Animation {
	s := xbotJoints(extra)
	return []*anim.Animation{
		synthAnim(s, motion{seconds: seconds, fps: 60, freq: 1, amp: 0.4, speed: 100}),
		synthAnim(s, motion{seconds: seconds * 0.7, fps: 60, freq: 1 / 0.7, amp: 0.6, phase: 0.5, speed: 250, strafe: 0.3}),
		synthAnim(s, motion{seconds: seconds * 0.6, fps: 60, freq: 1 / 0.6, amp: 0.7, phase: 1, speed: 400}),
	}
}

func BenchmarkOperators(b *testing.B) {
	ops := []struct {
		name string
		o    Options
		n    int
	}{
		{"mix", Options{Method: "mix", Ratio: f64(0.5)}, 2},
		{"transition", Options{Method: "transition"}, 2},
		{"layer", Options{Method: "layer", Mask: Mask{"upper_body"}}, 2},
		{"additive", Options{Method: "additive", Weight: f64(0.7)}, 2},
		{"blendspace", Options{Method: "blendspace", Positions: []float64{1.5, 3, 5}, Value: 2.2}, 3},
		{"mix+loop+in_place", Options{Method: "mix", Loop: true, InPlace: true}, 2},
	}
	for _, seconds := range []float64{1, 10} {
		in := benchInputs(seconds, 0)
		for _, op := range ops {
			b.Run(fmt.Sprintf("%s/%gs", op.name, seconds), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Run(op.o, in[:op.n]...); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "blends/s")
			})
		}
	}
}

// BenchmarkMixJoints shows how the cost grows with the rig: 65 joints against 130.
func BenchmarkMixJoints(b *testing.B) {
	for _, extra := range []int{0, 65} {
		in := benchInputs(1, extra)
		b.Run(fmt.Sprintf("%djoints", 65+extra), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(Options{Method: "mix"}, in[0], in[1]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMixSyncFeet includes foot-contact detection on both inputs (real clips: the
// generated ones have no foot plants).
func BenchmarkMixSyncFeet(b *testing.B) {
	in := []*anim.Animation{load(b, "kirby-xbot60__Walking_InPlace"), load(b, "kirby-xbot60__Running_InPlace")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(Options{Method: "mix", Sync: "feet"}, in...); err != nil {
			b.Fatal(err)
		}
	}
}
