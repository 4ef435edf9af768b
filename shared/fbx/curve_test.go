package fbx

import (
	"math"
	"testing"
)

// Each extrapolation mode after the last key, and repeat relative before the first.
func TestExtrapolationModes(t *testing.T) {
	t.Parallel()
	// Linear keys 0 at t=0 and 10 at t=1 s, then 4 at t=2 s.
	sec := float64(KTimeSecond)
	base := animCurve{times: []int64{0, KTimeSecond, 2 * KTimeSecond}, values: []float32{0, 10, 4}}
	cases := []struct {
		name string
		post extrapolation
		at   float64 // seconds
		want float64
	}{
		{"constant", extrapolation{extConstant, -1}, 3, 4},
		{"repeat", extrapolation{extRepeat, -1}, 2.5, 5},
		{"repeat, second cycle", extrapolation{extRepeat, -1}, 5.5, 7},
		{"repeat once, then held", extrapolation{extRepeat, 1}, 5.5, 4},
		{"repeat zero times", extrapolation{extRepeat, 0}, 2.5, 4},
		{"mirror: backwards first", extrapolation{extMirror, -1}, 2.5, 7},
		{"mirror: then forwards", extrapolation{extMirror, -1}, 4.5, 5},
		{"repeat relative", extrapolation{extRepeatRelative, -1}, 2.5, 9},
		{"repeat relative, second cycle", extrapolation{extRepeatRelative, -1}, 4.5, 13},
		{"keep slope", extrapolation{extKeepSlope, -1}, 3, -2},
	}
	for _, c := range cases {
		curve := base
		curve.post = c.post
		var cur curveCursor
		curve.reset(&cur)
		if got := curve.eval(c.at*sec, &cur); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("%s at %v s: %v, want %v", c.name, c.at, got, c.want)
		}
	}
	pre := base
	pre.pre = extrapolation{extRepeatRelative, -1}
	var cur curveCursor
	pre.reset(&cur)
	if got := pre.eval(-0.5*sec, &cur); math.Abs(got-3) > 1e-6 {
		t.Errorf("pre repeat relative at -0.5 s: %v, want 3 (the curve at 1.5 s less its change, 4)", got)
	}
}
