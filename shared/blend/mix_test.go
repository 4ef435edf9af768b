package blend

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

func TestMixEndpoints(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, walk)
	b := synthAnim(s, motion{seconds: 0.7, fps: 60, freq: 1 / 0.7, amp: 0.7, phase: 0.5, speed: 150, heading: 0.3})
	for _, tt := range []struct {
		ratio float64
		want  *anim.Clip
	}{{0, a.Clip()}, {1, b.Clip()}} {
		r := mustRun(t, Options{Method: "mix", Ratio: f64(tt.ratio)}, a, b)
		ang, lin := clipDiff(t, r.Animation.Clip(), tt.want)
		if ang > 1e-5 || lin > 1e-5 {
			t.Errorf("ratio %v: differs from its input by %g rad, %g cm", tt.ratio, ang, lin)
		}
	}
}

func TestMixSymmetric(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, walk)
	b := synthAnim(s, motion{seconds: 0.7, fps: 60, freq: 1 / 0.7, amp: 0.7, phase: 0.5, speed: 150})
	for _, w := range []float64{0.1, 0.35, 0.5, 0.8} {
		ab := mustRun(t, Options{Method: "mix", Ratio: f64(w)}, a, b).Animation.Clip()
		ba := mustRun(t, Options{Method: "mix", Ratio: f64(1 - w)}, b, a).Animation.Clip()
		ang, lin := clipDiff(t, ab, ba)
		if ang > 1e-9 || lin > 1e-9 {
			t.Errorf("w=%v: mix(A,B,w) and mix(B,A,1-w) differ by %g rad, %g cm", w, ang, lin)
		}
	}
}

func TestMixDurationAndRootVelocity(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	inPlace := synthAnim(s, walk)                                                        // 1 s, no travel
	moving := synthAnim(s, motion{seconds: 0.5, fps: 60, freq: 2, amp: 0.5, speed: 200}) // 100 cm in 0.5 s
	r := mustRun(t, Options{Method: "mix", Ratio: f64(0.25)}, inPlace, moving)
	c := r.Animation.Clip()
	if want := 0.75*1 + 0.25*0.5; math.Abs(c.Duration()-want) > 0.5/c.FPS {
		t.Errorf("duration %v, want %v", c.Duration(), want)
	}
	h0, h1 := c.Translations[0], c.Translations[(c.Frames-1)*c.NumJoints]
	// The in-place clip adds no displacement: a quarter of the 100 cm stride remains.
	if got := h1[2] - h0[2]; math.Abs(got-25) > 1e-6 {
		t.Errorf("travel %v cm, want 25", got)
	}
	// Height is the weighted mean of the inputs' heights at the same phase.
	ya, yb := inPlace.Clip().Translations[0][1], moving.Clip().Translations[0][1]
	if got, want := h0[1], 0.75*ya+0.25*yb; math.Abs(got-want) > 1e-9 {
		t.Errorf("hips height %v, want %v", got, want)
	}
	if !equalF(r.Weights, []float64{0.75, 0.25}) {
		t.Errorf("weights %v", r.Weights)
	}
}

func equalF(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

// Slerp must take the shorter arc even when the two inputs store a rotation on opposite
// hemispheres, and the blended angle must be the weighted fraction of the angle between them.
func TestMixNeverTakesTheLongWay(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, walk)
	b := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{a.Clip().Clone()}}
	bc := b.Clip()
	for i := range bc.Rotations {
		j := i % bc.NumJoints
		angle := 3.0 * float64(j) / float64(bc.NumJoints) // up to ~172°
		axis := anim.Vec3{0, 0.6, 0.8}
		q := bc.Rotations[i].Mul(anim.QuatAxisAngle(axis, angle))
		if i%2 == 0 {
			q = q.Neg() // same rotation, other hemisphere
		}
		bc.Rotations[i] = q
	}
	for _, w := range []float64{0.25, 0.5, 0.75} {
		// Foot locking would bend the legs away from the pure slerp this test checks.
		out := mustRun(t, Options{Method: "mix", Ratio: f64(w), FootLock: new(bool)}, a, b).Animation.Clip()
		for i, q := range out.Rotations {
			qa, qb := a.Clip().Rotations[i], bc.Rotations[i]
			full := qa.Angle(qb)
			if full > math.Pi-1e-3 {
				continue
			}
			if got := qa.Angle(q); math.Abs(got-w*full) > 1e-6 {
				t.Fatalf("w=%v joint %d: %v rad from A, want %v of %v", w, i%out.NumJoints, got, w, full)
			}
		}
	}
}

func TestSelfBlendIsIdentity(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, motion{seconds: 1, fps: 60, freq: 0.83, amp: 0.5, speed: 120})
	tests := []struct {
		name string
		o    Options
		n    int
	}{
		{"mix", Options{Method: "mix", Ratio: f64(0.37)}, 2},
		{"mix feet-free ratio 0.5", Options{Method: "mix"}, 2},
		{"blendspace", Options{Method: "blendspace", Positions: []float64{1, 2, 4}, Value: 2.6}, 3},
		{"layer", Options{Method: "layer", Mask: Mask{"upper_body"}, MaskWeight: f64(0.6)}, 2},
		{"transition at the middle", Options{Method: "transition", TransitionAt: f64(0.5)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := make([]*anim.Animation, tt.n)
			for i := range in {
				in[i] = a
			}
			out := mustRun(t, tt.o, in...).Animation.Clip()
			ang, lin := clipDiff(t, out, a.Clip())
			if ang > 1e-6 || lin > 1e-6 {
				t.Errorf("blending a clip with itself changed it by %g rad, %g cm", ang, lin)
			}
		})
	}
}

func TestOutputKeepsFirstSkeleton(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a, b := synthAnim(s, walk), synthAnim(xbotJoints(0), run)
	a.Source.Format = "fbx"
	for _, o := range []Options{
		{Method: "mix"}, {Method: "transition"}, {Method: "layer", Mask: Mask{"head"}},
		{Method: "additive"}, {Method: "blendspace", Positions: []float64{0, 1}, Value: 0.5},
	} {
		r := mustRun(t, o, a, b)
		if r.Animation.Skeleton != s || r.Animation.Source.Format != "fbx" {
			t.Errorf("%s: output does not carry the first input's skeleton and source", o.Method)
		}
	}
}

func TestJointMatchingPolicy(t *testing.T) {
	t.Parallel()
	a := synthAnim(xbotJoints(0), walk)
	// B: no Pinky fingers, unprefixed names, and two extra joints.
	full := xbotJoints(2)
	var keep []int
	for i, j := range full.Joints {
		if !strings.HasPrefix(mixamo.Normalize(j.Name), "LeftHandPinky") {
			keep = append(keep, i)
		}
	}
	bs := subSkeleton(full, keep)
	for i := range bs.Joints {
		bs.Joints[i].Name = mixamo.Normalize(bs.Joints[i].Name)
	}
	b := synthAnim(bs, run)

	r := mustRun(t, Options{Method: "mix", Ratio: f64(1)}, a, b)
	if got := len(r.Joints.Missing); got != 4 {
		t.Errorf("missing %v, want the 4 LeftHandPinky joints", r.Joints.Missing)
	}
	if len(r.Joints.Extra) != 2 || r.Joints.Extra[0] != "Prop0" {
		t.Errorf("extra %v, want Prop0, Prop1", r.Joints.Extra)
	}
	if len(r.Joints.Matched) != 61 {
		t.Errorf("%d matched, want 61", len(r.Joints.Matched))
	}
	// At ratio 1, the missing joints keep A's values (A plays at the same phase).
	out := r.Animation.Clip()
	pinky := a.Skeleton.Index("mixamorig:LeftHandPinky2")
	ac := a.Clip()
	for f := 0; f < out.Frames; f++ {
		phi := float64(f) / float64(out.Frames-1)
		rot := make([]anim.Quat, ac.NumJoints)
		tr := make([]anim.Vec3, ac.NumJoints)
		sc := make([]anim.Vec3, ac.NumJoints)
		ac.Sample(phi*ac.Duration(), rot, tr, sc)
		if d := rot[pinky].Angle(out.Rotations[f*out.NumJoints+pinky]); d > 1e-9 {
			t.Fatalf("frame %d: missing joint moved %g rad away from A", f, d)
		}
	}
}

func subSkeleton(s *anim.Skeleton, keep []int) *anim.Skeleton {
	newIdx := map[int]int{-1: -1}
	out := &anim.Skeleton{Base: s.Base}
	for _, i := range keep {
		j := s.Joints[i]
		j.Parent = newIdx[j.Parent]
		newIdx[i] = len(out.Joints)
		out.Joints = append(out.Joints, j)
	}
	return out
}

func TestIncompatibleRigRefused(t *testing.T) {
	t.Parallel()
	a := synthAnim(xbotJoints(0), walk)
	full := xbotJoints(0)
	var keep []int
	for i, j := range full.Joints {
		if n := mixamo.Normalize(j.Name); n != "LeftFoot" && n != "LeftToeBase" && n != "LeftToe_End" {
			keep = append(keep, i)
		}
	}
	b := synthAnim(subSkeleton(full, keep), run)
	_, err := Run(Options{Method: "mix"}, a, b)
	var oe *OptionError
	var me *mixamo.MissingJointsError
	if !errors.As(err, &oe) || oe.Field != "inputs[1]" || !errors.As(err, &me) || len(me.Missing) != 1 || me.Missing[0] != "LeftFoot" {
		t.Fatalf("want inputs[1] error naming LeftFoot, got %v", err)
	}
	for _, bad := range []*anim.Animation{nil, {Skeleton: xbotJoints(0)}} {
		_, err := Run(Options{Method: "mix"}, a, bad)
		if !errors.As(err, &oe) || oe.Field != "inputs[1]" {
			t.Errorf("want inputs[1] error, got %v", err)
		}
	}
}

func TestMixResamplesOtherRates(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, walk)
	m30 := run
	m30.fps = 30
	b30 := synthAnim(s, m30)
	b60 := synthAnim(s, run)
	got := mustRun(t, Options{Method: "mix", Ratio: f64(0.5)}, a, b30).Animation.Clip()
	ref := mustRun(t, Options{Method: "mix", Ratio: f64(0.5)}, a, b60).Animation.Clip()
	if got.FPS != 60 {
		t.Fatalf("output at %v fps, want the first input's 60", got.FPS)
	}
	// The 30 fps copy is interpolated between its samples, so it matches within sampling error.
	if ang, lin := clipDiff(t, got, ref); ang > 0.02 || lin > 0.5 {
		t.Errorf("30 fps input differs from 60 fps by %g rad, %g cm", ang, lin)
	}
	out := mustRun(t, Options{Method: "mix", FPS: 24}, a, b60).Animation.Clip()
	if out.FPS != 24 || out.Frames != gridFrames(0.85, 24) {
		t.Errorf("fps option: %v fps, %d frames", out.FPS, out.Frames)
	}
}

func TestOutputSizeBounded(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	slow := synthAnim(s, motion{seconds: 3000, fps: 0.5, freq: 0.001, amp: 0.1})
	_, err := Run(Options{Method: "mix", FPS: 1000}, slow, slow)
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "fps" {
		t.Fatalf("want an fps error for a 3000 s clip at 1000 fps, got %v", err)
	}
}

// A clip of a rig half the size is retargeted: its rotations play on the first rig's bones and
// its root motion doubles.
func TestOtherRigIsRetargeted(t *testing.T) {
	t.Parallel()
	a := synthAnim(xbotJoints(0), walk)
	small := xbotJoints(0)
	for i := range small.Joints {
		small.Joints[i].Rest.T = small.Joints[i].Rest.T.Scale(0.5)
	}
	b := synthAnim(small, motion{seconds: 1, fps: 60, freq: 1.5, amp: 0.6, speed: 50})
	// Retargeted strides skate differently; without foot locking the rotations stay B's exactly.
	c := mustRun(t, Options{Method: "mix", Ratio: f64(1), FootLock: new(bool)}, a, b).Animation.Clip()
	bc, n := b.Clip(), c.NumJoints
	for f := 0; f < c.Frames; f++ {
		for j := 0; j < n; j++ {
			i := f*n + j
			if d := c.Rotations[i].Angle(bc.Rotations[i]); d > 1e-9 {
				t.Fatalf("frame %d joint %d: rotation is not B's", f, j)
			}
			want := a.Skeleton.Joints[j].Rest.T
			if j == 0 {
				want = bc.Translations[i].Scale(2)
			}
			if d := c.Translations[i].Sub(want).Len(); d > 1e-9 {
				t.Fatalf("frame %d joint %d: translation %v, want %v", f, j, c.Translations[i], want)
			}
		}
	}
}

// Run never modifies its inputs, so one decoded clip can feed many blends at once.
func TestInputsUntouchedAndConcurrent(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, motion{seconds: 1, fps: 60, freq: 1, amp: 0.4, speed: 100})
	b := synthAnim(s, motion{seconds: 0.8, fps: 30, freq: 1.2, amp: 0.5, speed: 150})
	ca, cb := a.Clip().Clone(), b.Clip().Clone()
	opts := []Options{
		{Method: "mix", Loop: true, InPlace: true}, {Method: "transition", Loop: true, InPlace: true},
		{Method: "layer", Mask: Mask{"upper_body"}, InPlace: true}, {Method: "additive", Loop: true},
		{Method: "blendspace", Positions: []float64{0, 1}, Value: 0.5, InPlace: true},
	}
	done := make(chan error, 4*len(opts))
	for k := 0; k < 4; k++ {
		for _, o := range opts {
			go func() {
				_, err := Run(o, a, b)
				done <- err
			}()
		}
	}
	for range 4 * len(opts) {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct{ got, want *anim.Clip }{{a.Clip(), ca}, {b.Clip(), cb}} {
		if !reflect.DeepEqual(p.got, p.want) {
			t.Fatal("an input changed")
		}
	}
}
