package blend

import (
	"errors"
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

func TestEaseCurves(t *testing.T) {
	t.Parallel()
	for _, c := range []string{CurveLinear, CurveSmoothstep, CurveEaseInOut} {
		if ease(c, 0) != 0 || math.Abs(ease(c, 1)-1) > 1e-15 || math.Abs(ease(c, 0.5)-0.5) > 1e-15 {
			t.Errorf("%s: ends or midpoint wrong", c)
		}
		prev := 0.0
		for i := 1; i <= 100; i++ {
			v := ease(c, float64(i)/100)
			if v < prev {
				t.Fatalf("%s: not monotone at %d", c, i)
			}
			prev = v
		}
	}
	if ease(CurveSmoothstep, 0.25) != 3*0.0625-2*0.015625 {
		t.Error("smoothstep is not 3t²−2t³")
	}
}

func maxHorizStep(c *anim.Clip, from, to int) float64 {
	m := 0.0
	for f := max(from, 1); f < to; f++ {
		d := c.Translations[f*c.NumJoints].Sub(c.Translations[(f-1)*c.NumJoints])
		m = math.Max(m, math.Hypot(d[0], d[2]))
	}
	return m
}

func TestTransitionStartsAsAEndsAsB(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	// A walks and turns left by 90° over its 1.2 s; B strafes (travels along +X facing +Z).
	turn := math.Pi / 2 / 1.2
	a := synthAnim(s, motion{seconds: 1.2, fps: 60, freq: 1, amp: 0.4, speed: 100, turn: turn})
	b := synthAnim(s, motion{seconds: 1, fps: 60, freq: 1.3, amp: 0.6, phase: 1, speed: 160, strafe: math.Pi / 2})
	for _, curve := range []string{CurveLinear, CurveSmoothstep, CurveEaseInOut} {
		r := mustRun(t, Options{Method: "transition", TransitionFrames: 12, Curve: curve}, a, b)
		tr, c := r.Transition, r.Animation.Clip()
		if tr == nil || !tr.Automatic || tr.Frames != 12 {
			t.Fatalf("transition info %+v", tr)
		}
		ac, bc := a.Clip(), b.Clip()
		if tr.StartFrame < (ac.Frames-1)/2 || tr.StartFrame > ac.Frames-12 || tr.BFrame < 0 || tr.BFrame > (bc.Frames-1)/2 {
			t.Fatalf("handover outside the search windows: %+v", tr)
		}
		if want := tr.StartFrame + bc.Frames - tr.BFrame; c.Frames != want {
			t.Fatalf("%d frames, want %d", c.Frames, want)
		}
		for f := 0; f < tr.StartFrame; f++ {
			if ang, lin := poseDiff(c, f, ac, f); ang > 1e-12 || lin > 1e-9 {
				t.Fatalf("%s frame %d before the fade is not A (%g rad, %g cm)", curve, f, ang, lin)
			}
		}
		n := c.NumJoints
		for f := tr.StartFrame + 12; f < c.Frames; f++ {
			fb := tr.BFrame + f - tr.StartFrame
			for j := 1; j < n; j++ {
				if d := c.Rotations[f*n+j].Angle(bc.Rotations[fb*n+j]); d > 1e-9 {
					t.Fatalf("%s frame %d joint %d after the fade is not B (%g rad)", curve, f, j, d)
				}
			}
			if dy := c.Translations[f*n][1] - bc.Translations[fb*n][1]; math.Abs(dy) > 1e-9 {
				t.Fatalf("%s frame %d: hips height differs from B by %g", curve, f, dy)
			}
		}
		// No jump in the root: steps no larger than the inputs' own.
		limit := math.Max(maxHorizStep(ac, 0, ac.Frames), maxHorizStep(bc, 0, bc.Frames))
		if got := maxHorizStep(c, 0, c.Frames); got > limit*(1+1e-9) {
			t.Errorf("%s: hips step %v cm, inputs' largest %v", curve, got, limit)
		}
		// Re-anchored to A's facing at the handover, B strafes 90° from where A was facing.
		end := c.Translations[(c.Frames-1)*n].Sub(c.Translations[(tr.StartFrame+12)*n])
		want := turn*float64(tr.StartFrame)/60 + math.Pi/2
		if got := math.Atan2(end[0], end[2]); math.Abs(got-want) > 0.1 {
			t.Errorf("%s: after the handover the hips travel at %.3f rad, want %.3f", curve, got, want)
		}
	}
}

func TestTransitionFindsMatchingPhase(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, motion{seconds: 2, fps: 60, freq: 1, amp: 0.5, speed: 90})
	// B is A played from frame 20 on: the perfect handovers are where A's frame is B's + 20
	// (modulo the 60-frame cycle).
	b := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{sliceClip(a.Clip(), 20, 120)}}
	r := mustRun(t, Options{Method: "transition"}, a, b)
	tr := r.Transition
	if (tr.StartFrame-tr.BFrame-20)%60 != 0 {
		t.Errorf("handover A %d ↔ B %d is not at the same phase", tr.StartFrame, tr.BFrame)
	}
	if tr.MatchDistance > 0.5 { // cm RMS; the two clips' heading estimates differ slightly at their ends
		t.Errorf("match distance %v at a perfect match", tr.MatchDistance)
	}
}

func sliceClip(c *anim.Clip, from, to int) *anim.Clip {
	n := c.NumJoints
	d := c.Clone()
	d.Frames = to - from
	d.Rotations = d.Rotations[from*n : to*n]
	d.Translations = d.Translations[from*n : to*n]
	d.Scales = d.Scales[from*n : to*n]
	return d
}

func TestTransitionErrors(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a, b := synthAnim(s, walk), synthAnim(s, run)
	tests := []struct {
		o     Options
		field string
	}{
		{Options{Method: "transition", TransitionAt: f64(5)}, "transition_at"},
		{Options{Method: "transition", TransitionFrames: 50}, "transition_frames"},
	}
	for _, tt := range tests {
		_, err := Run(tt.o, a, b)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != tt.field {
			t.Errorf("%+v: want %s error, got %v", tt.o, tt.field, err)
		}
	}
	r := mustRun(t, Options{Method: "transition", TransitionAt: f64(0.25)}, a, b)
	if r.Transition.StartFrame != 15 || r.Transition.Automatic {
		t.Errorf("transition_at 0.25 s at 60 fps: %+v", r.Transition)
	}
}

// Inputs at other rates and single-pose clips go through every method.
func TestRatesAndShortClips(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, motion{seconds: 1, fps: 60, freq: 1, amp: 0.4, speed: 100})
	m30 := motion{seconds: 0.9, fps: 30, freq: 1.1, amp: 0.5, speed: 140}
	b := synthAnim(s, m30)
	pose := synthAnim(s, motion{seconds: 0, fps: 30, freq: 1, amp: 0.4})
	for _, o := range []Options{
		{Method: "mix"}, {Method: "transition"}, {Method: "layer", Mask: Mask{"left_arm"}},
		{Method: "additive"}, {Method: "blendspace", Positions: []float64{0, 1}, Value: 0.3},
		{Method: "mix", FPS: 24, Loop: true, InPlace: true},
	} {
		c := mustRun(t, o, a, b).Animation.Clip()
		want := 60.0
		if o.FPS != 0 {
			want = o.FPS
		}
		if c.FPS != want || c.Frames < 2 {
			t.Errorf("%s: %d frames at %v fps", o.Method, c.Frames, c.FPS)
		}
		if o.Method == "transition" {
			continue // a transition needs frames to fade over
		}
		p := mustRun(t, o, pose, pose).Animation.Clip()
		if p.Frames != 1 {
			t.Errorf("%s of two single poses: %d frames", o.Method, p.Frames)
		}
	}
	// B at 30 fps is sampled at 60 fps: after the fade, odd output frames fall between B's samples.
	r := mustRun(t, Options{Method: "transition", TransitionAt: f64(0.5)}, a, b)
	tr, c := r.Transition, r.Animation.Clip()
	if want := tr.StartFrame + gridFrames(0.9, 60) - tr.BFrame; c.Frames != want {
		t.Errorf("transition with a 30 fps B: %d frames, want %d", c.Frames, want)
	}
}
