package blend

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// twistedRig is the X Bot layout with a different rest rotation on every joint, left and right
// unlike each other, as Mixamo's PreRotations make them: local mirror math that ignores the
// rest orientations fails on it.
func twistedRig() *anim.Skeleton {
	s := xbotJoints(0)
	for j := range s.Joints {
		axis := anim.Vec3{math.Sin(float64(j) * 1.3), math.Cos(float64(j) * 0.9), 0.4 + 0.1*float64(j%5)}
		s.Joints[j].Rest.R = anim.QuatAxisAngle(axis.Scale(1/axis.Len()), 0.3+0.05*float64(j%7))
	}
	return s
}

// maxWorldDelta is the largest distance in cm between the world positions of equally named
// joints of a and b over all frames (of the same count).
func maxWorldDelta(t *testing.T, a, b *anim.Animation) float64 {
	t.Helper()
	ca, cb := a.Clip(), b.Clip()
	if ca.Frames != cb.Frames {
		t.Fatalf("frames %d vs %d", ca.Frames, cb.Frames)
	}
	worst := 0.0
	for f := 0; f < ca.Frames; f++ {
		pa, pb := ca.WorldPositions(a.Skeleton, f, nil), cb.WorldPositions(b.Skeleton, f, nil)
		for j, jt := range a.Skeleton.Joints {
			k := b.Skeleton.Index(jt.Name)
			if k < 0 {
				t.Fatalf("joint %q missing", jt.Name)
			}
			worst = math.Max(worst, pa[j].Sub(pb[k]).Len())
		}
	}
	return worst
}

func TestEditOptionsValidate(t *testing.T) {
	t.Parallel()
	i := func(v int) *int { return &v }
	tests := []struct {
		name  string
		o     Options
		n     int
		field string // "" when valid
	}{
		{"edit one clip", Options{Method: "edit", Mirror: true}, 1, ""},
		{"edit two clips", Options{Method: "edit"}, 2, "inputs"},
		{"mix one clip", Options{Method: "mix"}, 1, "inputs"},
		{"trim both kinds", Options{Method: "edit", TrimStart: f64(1), TrimStartFrame: i(3)}, 1, "trim_start"},
		{"trim end both kinds", Options{Method: "edit", TrimEnd: f64(1), TrimEndFrame: i(3)}, 1, "trim_end"},
		{"trim negative", Options{Method: "edit", TrimStart: f64(-1)}, 1, "trim_start"},
		{"trim NaN", Options{Method: "edit", TrimEnd: f64(math.NaN())}, 1, "trim_end"},
		{"trim frame negative", Options{Method: "edit", TrimEndFrame: i(-2)}, 1, "trim_end_frame"},
		{"trim reversed", Options{Method: "edit", TrimStart: f64(2), TrimEnd: f64(1)}, 1, "trim_end"},
		{"trim frames reversed", Options{Method: "edit", TrimStartFrame: i(9), TrimEndFrame: i(9)}, 1, "trim_end_frame"},
		{"speed zero", Options{Method: "edit", Speed: f64(0)}, 1, "speed"},
		{"speed huge", Options{Method: "mix", Speed: f64(1000)}, 2, "speed"},
		{"speed inf", Options{Method: "mix", Speed: f64(math.Inf(1))}, 2, "speed"},
		{"root motion unknown", Options{Method: "mix", RootMotion: "pelvis"}, 2, "root_motion"},
		{"root motion", Options{Method: "mix", RootMotion: "Root"}, 2, ""},
		{"loop find bad curve", Options{Method: "edit", LoopFind: true, Curve: "cubic"}, 1, "curve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.o.Validate(tt.n)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Field != tt.field {
				t.Fatalf("Validate = %v, want an error on %q", err, tt.field)
			}
		})
	}
}

func TestEditOptionsCanonical(t *testing.T) {
	t.Parallel()
	c := Options{Method: "EDIT", LoopFind: true, Speed: f64(1), RootMotion: " root ", Mirror: true}.Canonical()
	if c.Method != Edit || !c.Loop || !c.LoopFind || c.Speed != nil || c.RootMotion != RootMotionRoot || !c.Mirror ||
		c.TransitionFrames != DefaultTransitionFrames || c.Curve != DefaultCurve {
		t.Fatalf("Canonical = %+v", c)
	}
	if again := c.Canonical(); Label(again, nil) != Label(c, nil) || again.Loop != c.Loop || again.RootMotion != c.RootMotion {
		t.Errorf("Canonical is not idempotent: %+v then %+v", c, again)
	}
}

func TestRootMotionKeepsWorldPositions(t *testing.T) {
	t.Parallel()
	for _, m := range []motion{
		{seconds: 2, fps: 30, freq: 1, amp: 0.4, speed: 150},                                  // straight walk
		{seconds: 3, fps: 60, freq: 1, amp: 0.3, speed: 120, heading: 0.5, turn: 1.4},         // walks in a circle, past 180°
		{seconds: 1, fps: 24, freq: 1.5, amp: 0.5, speed: 80, strafe: math.Pi / 2, turn: -.3}, // strafes
	} {
		a := synthAnim(twistedRig(), m)
		r, err := ExtractRoot(a)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxWorldDelta(t, a, r); d > 1e-6 {
			t.Errorf("%+v: world positions move by %.3g cm", m, d)
		}
		s, c := r.Skeleton, r.Clip()
		root, hips, leaf := s.Index(RootBone), s.Index("mixamorig:Hips"), s.Index(RootLeaf)
		if root != 0 || s.Joints[hips].Parent != root || leaf < 0 || s.Joints[leaf].Parent != root || len(s.Joints) != len(a.Skeleton.Joints)+2 {
			t.Fatalf("root %d, hips %d under %d, leaf %d of %d joints", root, hips, s.Joints[hips].Parent, leaf, len(s.Joints))
		}
		if l := c.Local(0, root); l.T.Len() > 1e-9 || l.R.Angle(anim.QuatIdentity) > 1e-9 {
			t.Errorf("root starts at %v, %v; want the origin facing forward", l.T, l.R)
		}
		last := c.Local(c.Frames-1, root)
		var travel float64 // length of the root's path
		for f := 0; f < c.Frames; f++ {
			tr := c.Local(f, root).T
			if math.Abs(tr[1]) > 1e-9 {
				t.Fatalf("root leaves the ground: %v at frame %d", tr, f)
			}
			if f > 0 {
				travel += tr.Sub(c.Local(f-1, root).T).Len()
			}
		}
		if want := m.speed * m.seconds * 0.9; travel < want {
			t.Errorf("root travels %.1f cm, want at least %.1f", travel, want)
		}
		// The facing turns with the clip, about Y only.
		wantYaw := m.turn * m.seconds
		if got := 2 * math.Atan2(last.R[1], last.R[3]); math.Abs(math.Remainder(got-wantYaw, 2*math.Pi)) > 0.15 ||
			math.Abs(last.R[0]) > 1e-9 || math.Abs(last.R[2]) > 1e-9 {
			t.Errorf("root ends turned %v, want about %.2f rad about Y", last.R, wantYaw)
		}
		// Baking the root back gives the input.
		b, err := BakeRoot(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Skeleton.Joints) != len(a.Skeleton.Joints) || b.Skeleton.Index(RootBone) >= 0 || b.Skeleton.Index(RootLeaf) >= 0 {
			t.Fatalf("baked skeleton has %d joints", len(b.Skeleton.Joints))
		}
		if ang, lin := clipDiff(t, a.Clip(), b.Clip()); ang > 1e-9 || lin > 1e-9 {
			t.Errorf("bake(extract) differs from the input by %.3g rad, %.3g cm", ang, lin)
		}
	}
}

func TestRootMotionThroughRun(t *testing.T) {
	t.Parallel()
	walk := synthAnim(xbotJoints(0), motion{seconds: 1, fps: 60, freq: 1, amp: 0.4, speed: 120})
	run := synthAnim(xbotJoints(0), motion{seconds: 0.7, fps: 60, freq: 1 / 0.7, amp: 0.6, speed: 300})
	plain := mustRun(t, Options{Method: "mix"}, walk, run)
	rooted := mustRun(t, Options{Method: "mix", RootMotion: "root"}, walk, run)
	if d := maxWorldDelta(t, plain.Animation, rooted.Animation); d > 1e-6 {
		t.Errorf("root motion moves joints by %.3g cm", d)
	}
	// A root-motion input is blended in Mixamo's form and keeps its convention.
	rw, err := ExtractRoot(walk)
	if err != nil {
		t.Fatal(err)
	}
	again := mustRun(t, Options{Method: "mix"}, rw, run)
	if again.Animation.Skeleton.Index(RootBone) < 0 {
		t.Error("a root-motion first input gave a result without a root bone")
	}
	if d := maxWorldDelta(t, plain.Animation, again.Animation); d > 1e-6 {
		t.Errorf("blending the root-motion input moves joints by %.3g cm", d)
	}
	hips := mustRun(t, Options{Method: "mix", RootMotion: "hips"}, rw, run)
	if hips.Animation.Skeleton.Index(RootBone) >= 0 {
		t.Error("root_motion hips kept the root bone")
	}
	if d := maxWorldDelta(t, plain.Animation, hips.Animation); d > 1e-6 {
		t.Errorf("baking the root moves joints by %.3g cm", d)
	}
}

// reflectX mirrors a position across the plane x = c.
func reflectX(p anim.Vec3, c float64) anim.Vec3 { return anim.Vec3{2*c - p[0], p[1], p[2]} }

func TestMirrorWorldPositions(t *testing.T) {
	t.Parallel()
	a := synthAnim(twistedRig(), motion{seconds: 1, fps: 30, freq: 1, amp: 0.5, speed: 90, strafe: 0.4, turn: 0.3})
	m := mustRun(t, Options{Method: "edit", Mirror: true}, a).Animation
	s, ca, cm := a.Skeleton, a.Clip(), m.Clip()
	plane := ca.WorldPositions(s, 0, nil)[0][0]
	pairs := [][2]string{{"LeftHand", "RightHand"}, {"LeftFoot", "RightFoot"}, {"LeftHandIndex4", "RightHandIndex4"}, {"Head", "Head"}, {"Hips", "Hips"}}
	worst := 0.0
	for f := 0; f < ca.Frames; f++ {
		pa, pm := ca.WorldPositions(s, f, nil), cm.WorldPositions(m.Skeleton, f, nil)
		for _, p := range pairs {
			l, r := s.Index("mixamorig:"+p[0]), s.Index("mixamorig:"+p[1])
			worst = math.Max(worst, pm[l].Sub(reflectX(pa[r], plane)).Len())
			worst = math.Max(worst, pm[r].Sub(reflectX(pa[l], plane)).Len())
		}
	}
	if worst > 1e-6 {
		t.Errorf("mirrored joints are %.3g cm off the reflection of their partners", worst)
	}
	twice := mustRun(t, Options{Method: "edit", Mirror: true}, m).Animation
	if d := maxWorldDelta(t, a, twice); d > 1e-6 {
		t.Errorf("mirror twice moves joints by %.3g cm", d)
	}
	if ang, lin := clipDiff(t, ca, twice.Clip()); ang > 1e-9 || lin > 1e-9 {
		t.Errorf("mirror twice changes local channels by %.3g rad, %.3g cm", ang, lin)
	}
}

func TestMirrorSymmetricRestIsItself(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	rest := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{anim.NewClip("rest", s, 30, 2)}}
	m := mustRun(t, Options{Method: "edit", Mirror: true}, rest).Animation
	if ang, lin := clipDiff(t, rest.Clip(), m.Clip()); ang > 1e-9 || lin > 1e-9 {
		t.Errorf("the mirrored rest pose of a symmetric rig differs by %.3g rad, %.3g cm", ang, lin)
	}
}

func TestReverseSpeedTrim(t *testing.T) {
	t.Parallel()
	a := synthAnim(xbotJoints(0), motion{seconds: 2, fps: 30, freq: 0.7, amp: 0.5, speed: 100})
	c := a.Clip() // 61 frames
	rev := mustRun(t, Options{Method: "edit", Reverse: true}, a).Animation
	for _, f := range []int{0, 17, 60} {
		if ang, lin := poseDiff(rev.Clip(), f, c, c.Frames-1-f); ang > 1e-12 || lin > 1e-12 {
			t.Errorf("reversed frame %d is not frame %d", f, c.Frames-1-f)
		}
	}
	twice := mustRun(t, Options{Method: "edit", Reverse: true}, rev).Animation
	if ang, lin := clipDiff(t, c, twice.Clip()); ang > 1e-12 || lin != 0 {
		t.Errorf("reverse twice differs by %g rad, %g cm", ang, lin)
	}

	fast := mustRun(t, Options{Method: "edit", Speed: f64(2)}, a).Animation.Clip()
	if fast.Frames != 31 || fast.FPS != c.FPS || math.Abs(fast.Duration()-1) > 1e-12 {
		t.Fatalf("speed 2: %d frames at %g fps, %g s; want 31 at 30, 1 s", fast.Frames, fast.FPS, fast.Duration())
	}
	for f := 0; f < fast.Frames; f++ {
		if ang, lin := poseDiff(fast, f, c, 2*f); ang > 1e-9 || lin > 1e-9 {
			t.Fatalf("speed 2 frame %d is not source frame %d", f, 2*f)
		}
	}
	slow := mustRun(t, Options{Method: "edit", Speed: f64(0.5)}, a).Animation.Clip()
	if slow.Frames != 121 || math.Abs(slow.Duration()-4) > 1e-12 {
		t.Errorf("speed 0.5: %d frames, %g s; want 121, 4 s", slow.Frames, slow.Duration())
	}

	i := func(v int) *int { return &v }
	byFrame := mustRun(t, Options{Method: "edit", TrimStartFrame: i(10), TrimEndFrame: i(40)}, a).Animation.Clip()
	if byFrame.Frames != 31 {
		t.Fatalf("trim frames 10..40: %d frames", byFrame.Frames)
	}
	if ang, lin := poseDiff(byFrame, 0, c, 10); ang > 1e-12 || lin != 0 {
		t.Error("trim frames: first frame is not frame 10")
	}
	byTime := mustRun(t, Options{Method: "edit", TrimStart: f64(0.5), TrimEnd: f64(1.5)}, a).Animation.Clip()
	if byTime.Frames != 31 {
		t.Fatalf("trim 0.5..1.5 s: %d frames", byTime.Frames)
	}
	if ang, lin := poseDiff(byTime, 30, c, 45); ang > 1e-9 || lin > 1e-9 {
		t.Error("trim by time: last frame is not the frame at 1.5 s")
	}
	for _, tt := range []struct {
		o     Options
		field string
	}{
		{Options{Method: "edit", TrimStart: f64(3)}, "trim_start"},
		{Options{Method: "edit", TrimEnd: f64(2.5)}, "trim_end"},
		{Options{Method: "edit", TrimEndFrame: i(61)}, "trim_end_frame"},
		{Options{Method: "edit", TrimStartFrame: i(70)}, "trim_start_frame"},
		{Options{Method: "edit", TrimStart: f64(1), TrimEnd: f64(1.01)}, "trim_end"},
	} {
		var oe *OptionError
		if _, err := Run(tt.o, a); !errors.As(err, &oe) || oe.Field != tt.field {
			t.Errorf("Run(%+v) = %v, want an error on %s", tt.o, err, tt.field)
		}
	}
}

func TestFindLoop(t *testing.T) {
	t.Parallel()
	// 1.6 cycles of a 1 Hz motion at 60 fps: the best cycle is one period, 60 frames.
	a := synthAnim(xbotJoints(0), motion{seconds: 1.6, fps: 60, freq: 1, amp: 0.4, speed: 140})
	lp, err := FindLoop(a.Skeleton, a.Clip(), LoopSearch{})
	if err != nil {
		t.Fatal(err)
	}
	if lp.End-lp.Start != 60 || lp.Cost > 1e-6 || lp.ClipCost < 1 {
		t.Errorf("loop %+v; want a 60-frame cycle of cost 0 and a worse seam at the clip's ends", lp)
	}
	res := mustRun(t, Options{Method: "edit", LoopFind: true}, a)
	if res.Loop == nil || res.Animation.Clip().Frames != 61 {
		t.Fatalf("loop_find: %+v, %d frames", res.Loop, res.Animation.Clip().Frames)
	}
	if _, err := FindLoop(a.Skeleton, a.Clip(), LoopSearch{MinSeconds: 5}); err == nil {
		t.Error("a minimum cycle longer than the clip was accepted")
	}
	short := synthAnim(xbotJoints(0), motion{seconds: 1.0 / 60, fps: 60, freq: 1, amp: 0.4})
	if _, err := FindLoop(short.Skeleton, short.Clip(), LoopSearch{}); err == nil || !strings.Contains(err.Error(), "frames") {
		t.Errorf("a 2-frame clip: %v", err)
	}
}

func TestSafeName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"mix 0.3 walk+run", "mix_0p3_walk_run"},
		{"mixamo.com", "mixamo_com"},
		{"transition 10f walk>run", "transition_10f_walk_run"},
		{"mix(walking, running)", "mix_walking_running"},
		{"  ", "clip"},
		{"a/b:c[d]@e%f\"g'h", "a_b_c_d_e_f_g_h"},
		{"Walking_InPlace", "Walking_InPlace"},
		{"__x__", "x"},
		{"café", "caf"},
		{"1.5.2", "1p5p2"},
		{strings.Repeat("a", 200), strings.Repeat("a", maxSafeName)},
	}
	for _, tt := range tests {
		got := SafeName(tt.in)
		if got != tt.want {
			t.Errorf("SafeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !IsSafeName(got) {
			t.Errorf("SafeName(%q) = %q is not safe", tt.in, got)
		}
	}
}

func TestLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o     Options
		clips []string
		want  string
	}{
		{Options{Method: "mix", Ratio: f64(0.3)}, []string{"walk", "run"}, "mix 0.3 walk+run"},
		{Options{Method: "single-shot", Loop: true}, []string{"walk", "run"}, "transition 10f walk>run loop"},
		{Options{Method: "layer", Mask: Mask{"upper_body"}}, []string{"walk", "punch"}, "layer upper_body walk+punch"},
		{Options{Method: "edit", Mirror: true, Speed: f64(2), RootMotion: "root"}, []string{"punch"}, "edit punch speed 2 mirror root-motion"},
		{Options{Method: "edit", TrimStart: f64(0.5), LoopFind: true}, []string{"idle"}, "edit idle trim 0.5s- loop-found"},
	}
	for _, tt := range tests {
		if got := Label(tt.o, tt.clips); got != tt.want {
			t.Errorf("Label(%+v) = %q, want %q", tt.o, got, tt.want)
		}
	}
	res := mustRun(t, Options{Method: "mix", Ratio: f64(0.3)},
		synthAnim(xbotJoints(0), walk), synthAnim(xbotJoints(0), run))
	if res.Label != "mix 0.3 synth1.00+synth1.43" || res.Animation.Clip().Name != "mix_0p3_synth1p00_synth1p43" {
		t.Errorf("label %q, clip name %q", res.Label, res.Animation.Clip().Name)
	}
}
