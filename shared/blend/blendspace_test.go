package blend

import (
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

func TestBlendspaceWeights(t *testing.T) {
	t.Parallel()
	pos := []float64{1.5, 3, 5}
	tests := []struct {
		value float64
		want  []float64
	}{
		{0, []float64{1, 0, 0}},
		{1.5, []float64{1, 0, 0}},
		{2.25, []float64{0.5, 0.5, 0}},
		{3, []float64{0, 1, 0}},
		{4.5, []float64{0, 0.25, 0.75}},
		{5, []float64{0, 0, 1}},
		{9, []float64{0, 0, 1}},
	}
	for _, tt := range tests {
		if got := blendspaceWeights(pos, tt.value); !equalF(got, tt.want) {
			t.Errorf("value %v: weights %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestBlendspaceMatchesMixAndEnds(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	walkA := synthAnim(s, walk)
	jog := synthAnim(s, motion{seconds: 0.8, fps: 60, freq: 1.25, amp: 0.55, phase: 0.2, speed: 80})
	runA := synthAnim(s, motion{seconds: 0.7, fps: 60, freq: 1 / 0.7, amp: 0.7, phase: 0.5, speed: 150})
	in := []*anim.Animation{walkA, jog, runA}
	pos := []float64{1.5, 3, 5}

	for i, v := range pos {
		r := mustRun(t, Options{Method: "blendspace", Positions: pos, Value: v}, in...)
		// Clip i alone; positions are exact, but the root start is the clip's own.
		if ang, lin := clipDiff(t, r.Animation.Clip(), in[i].Clip()); ang > 1e-5 || lin > 1e-5 {
			t.Errorf("value %v: differs from clip %d by %g rad, %g cm", v, i, ang, lin)
		}
	}
	bs := mustRun(t, Options{Method: "blendspace", Positions: pos, Value: 4}, in...)
	mix := mustRun(t, Options{Method: "mix", Ratio: f64(0.5)}, jog, runA)
	// The output skeleton and joint-fallback source is the first input (walk), which has weight 0.
	if ang, lin := clipDiff(t, bs.Animation.Clip(), mix.Animation.Clip()); ang > 1e-9 || lin > 1e-9 {
		t.Errorf("blendspace between jog and run differs from their mix by %g rad, %g cm", ang, lin)
	}
	if !equalF(bs.Weights, []float64{0, 0.5, 0.5}) {
		t.Errorf("weights %v", bs.Weights)
	}
}
