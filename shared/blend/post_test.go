package blend

import (
	"math"
	"testing"
)

func TestInPlaceRemovesTravelKeepsSway(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, motion{seconds: 2, fps: 60, freq: 1, amp: 0.3, speed: 120, heading: 0.7})
	b := synthAnim(s, motion{seconds: 2, fps: 60, freq: 1, amp: 0.3, speed: 120, heading: 0.7})
	c := mustRun(t, Options{Method: "mix", InPlace: true}, a, b).Animation.Clip()
	n := c.NumJoints
	start := c.Translations[0]
	maxOff, sway := 0.0, 0.0
	for f := 0; f < c.Frames; f++ {
		p := c.Translations[f*n]
		d := math.Hypot(p[0]-start[0], p[2]-start[2])
		maxOff = math.Max(maxOff, d)
		if f > 30 && f < c.Frames-30 {
			sway = math.Max(sway, d)
		}
		if p[1] != a.Clip().Translations[f*n][1] {
			t.Fatalf("frame %d: height changed", f)
		}
	}
	// 240 cm of travel is gone; the ±2 cm sway of the synthetic gait is kept.
	if maxOff > 4.5 {
		t.Errorf("hips still wander %v cm", maxOff)
	}
	if sway < 1 {
		t.Errorf("sway removed too (%v cm left)", sway)
	}
}

func TestLoopIsSeamless(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, motion{seconds: 1.1, fps: 60, freq: 0.77, amp: 0.4, speed: 100})
	b := synthAnim(s, motion{seconds: 0.9, fps: 60, freq: 1.6, amp: 0.5, speed: 140})
	for _, inPlace := range []bool{false, true} {
		c := mustRun(t, Options{Method: "mix", Loop: true, InPlace: inPlace, TransitionFrames: 12}, a, b).Animation.Clip()
		n, last := c.NumJoints, c.Frames-1
		ang, _ := poseDiff(c, last, c, 0)
		if ang > 1e-9 {
			t.Errorf("in_place=%v: last pose is %v rad from the first", inPlace, ang)
		}
		p0, pl := c.Translations[0], c.Translations[last*n]
		if math.Abs(p0[1]-pl[1]) > 1e-9 {
			t.Errorf("in_place=%v: hips height differs at the seam", inPlace)
		}
		step := func(f int) float64 {
			d := c.Translations[f*n].Sub(c.Translations[(f-1)*n])
			return math.Hypot(d[0], d[2])
		}
		if inPlace {
			if d := math.Hypot(pl[0]-p0[0], pl[2]-p0[2]); d > 1e-9 {
				t.Errorf("in-place loop ends %v cm from its start", d)
			}
		} else if math.Abs(step(last)-step(1)) > 1e-9 {
			t.Errorf("root speed at the seam %v, at the start %v", step(last), step(1))
		}
	}
}
