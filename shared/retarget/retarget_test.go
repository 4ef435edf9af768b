package retarget

import (
	"errors"
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// TestRetargetProportions carries a walk between rigs of other proportions, rest orientations,
// fingers and prefixes: every bone keeps the target's rest length, every matched bone points
// the way the source's does, and the report names what did not match.
func TestRetargetProportions(t *testing.T) {
	t.Parallel()
	xbot, stocky := genRig(xbotShape), genRig(stockyShape)
	tests := []struct {
		name         string
		src, dst     *anim.Skeleton
		unmapped     int
		missing      int
		wantScale    float64
		directionTol float64 // radians; IK on the legs may turn thighs and shins a little
	}{
		{"65 onto 41", xbot, stocky, 24, 0, 0.8, 0.05},
		{"41 onto 65", stocky, xbot, 0, 24, 1 / 0.8, 0.05},
		{"onto itself", xbot, xbot, 0, 0, 1, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := &anim.Animation{Skeleton: tt.src, Clips: []*anim.Clip{walkClip(tt.src, 2, 30, 120)}}
			r, err := Run(src, tt.dst, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Unmapped) != tt.unmapped || len(r.Missing) != tt.missing {
				t.Errorf("%d unmapped %v, %d missing; want %d and %d", len(r.Unmapped), r.Unmapped, len(r.Missing), tt.unmapped, tt.missing)
			}
			if math.Abs(r.Scale-tt.wantScale) > 1e-9 {
				t.Errorf("scale %v, want %v", r.Scale, tt.wantScale)
			}
			out := r.Animation.Clip()
			if err := out.Validate(tt.dst); err != nil {
				t.Fatal(err)
			}
			rest := tt.dst.RestPositions()
			dir := 0.0
			for f := 0; f < out.Frames; f++ {
				pt := out.WorldPositions(tt.dst, f, nil)
				ps := src.Clip().WorldPositions(tt.src, f, nil)
				for j, jt := range tt.dst.Joints {
					if jt.Parent <= 0 { // the root and the Hips' own offset move
						continue
					}
					want := rest[j].Sub(rest[jt.Parent]).Len()
					if got := pt[j].Sub(pt[jt.Parent]).Len(); math.Abs(got-want) > 1e-9 {
						t.Fatalf("frame %d %s: bone length %v, target rest %v", f, jt.Name, got, want)
					}
					k, p := tt.src.Index(srcName(tt.src, jt.Name)), tt.src.Index(srcName(tt.src, tt.dst.Joints[jt.Parent].Name))
					if k < 0 || p < 0 || tt.src.Joints[k].Parent != p {
						continue
					}
					dir = math.Max(dir, angle(pt[j].Sub(pt[jt.Parent]), ps[k].Sub(ps[p])))
				}
			}
			if dir > tt.directionTol {
				t.Errorf("a bone points %.3f rad away from the source's (limit %v)", dir, tt.directionTol)
			}
			if r.SkatingResult > 1.1*r.SkatingSource*r.Scale+1e-6 {
				t.Errorf("skating %.3f cm/s, source %.3f at the target's size", r.SkatingResult, r.SkatingSource*r.Scale)
			}
			t.Logf("scale %.3f, bones within %.4f rad of the source's, skating %.3f → %.3f cm/s",
				r.Scale, dir, r.SkatingSource, r.SkatingResult)
		})
	}
}

// srcName finds the joint of s with the same canonical name as n.
func srcName(s *anim.Skeleton, n string) string {
	want := mixamo.Normalize(n)
	for _, j := range s.Joints {
		if mixamo.Normalize(j.Name) == want {
			return j.Name
		}
	}
	return ""
}

func angle(u, v anim.Vec3) float64 { return math.Atan2(u.Cross(v).Len(), u.Dot(v)) }

// TestRetargetIdentity: onto its own skeleton without foot locking, a clip comes back as it was.
func TestRetargetIdentity(t *testing.T) {
	t.Parallel()
	s := genRig(stockyShape)
	c := walkClip(s, 1, 30, 80)
	off := false
	r, err := Run(&anim.Animation{Skeleton: s, Clips: []*anim.Clip{c}}, s, Options{FootLock: &off})
	if err != nil {
		t.Fatal(err)
	}
	out := r.Animation.Clip()
	for f := 0; f < c.Frames; f++ {
		a, b := c.WorldPositions(s, f, nil), out.WorldPositions(s, f, nil)
		for j := range a {
			if d := a[j].Sub(b[j]).Len(); d > 1e-9 {
				t.Fatalf("frame %d joint %s moved %g cm", f, s.Joints[j].Name, d)
			}
		}
	}
}

func TestRetargetErrors(t *testing.T) {
	t.Parallel()
	s := genRig(xbotShape)
	good := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{walkClip(s, 0.5, 30, 0)}}
	legless := &anim.Skeleton{Base: anim.Identity, Joints: s.Joints[:7]} // Hips to HeadTop_End
	tests := []struct {
		name    string
		src     *anim.Animation
		dst     *anim.Skeleton
		field   string
		missing bool
	}{
		{"no source", nil, s, "source", false},
		{"no clip", &anim.Animation{Skeleton: s}, s, "source", false},
		{"no target", good, nil, "target", false},
		{"target not humanoid", good, legless, "target", true},
		{"source not humanoid", &anim.Animation{Skeleton: legless, Clips: []*anim.Clip{anim.NewClip("x", legless, 30, 2)}}, s, "source", true},
		{"clip of another rig", &anim.Animation{Skeleton: s, Clips: []*anim.Clip{anim.NewClip("x", legless, 30, 2)}}, s, "source", false},
	}
	for _, tt := range tests {
		_, err := Run(tt.src, tt.dst, Options{})
		var re *Error
		if !errors.As(err, &re) || re.Field != tt.field {
			t.Errorf("%s: error %v, want a *Error on %s", tt.name, err, tt.field)
			continue
		}
		var me *mixamo.MissingJointsError
		if tt.missing != errors.As(err, &me) {
			t.Errorf("%s: %v: missing joints reported %v, want %v", tt.name, err, !tt.missing, tt.missing)
		}
	}
}

func BenchmarkRetarget(b *testing.B) {
	src, dst := genRig(xbotShape), genRig(stockyShape)
	dst.Joints = genRig(rigShape{prefix: "mixamorig:", legs: 0.8, arms: 1.2, spine: 1.1, twist: 0.7,
		fingers: xbotShape.fingers}).Joints // 65 joints on both sides
	for _, sec := range []float64{1, 10} {
		a := &anim.Animation{Skeleton: src, Clips: []*anim.Clip{walkClip(src, sec, 30, 120)}}
		b.Run(map[float64]string{1: "1s", 10: "10s"}[sec], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(a, dst, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*sec/b.Elapsed().Seconds(), "clip-s/s")
		})
	}
}
