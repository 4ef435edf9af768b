package bvh

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

func TestRoundTripEveryOrder(t *testing.T) {
	t.Parallel()
	js := orderedJoints()
	a := mustDecode(t, synthBVH(js, 40, "0.0166667", orderedValue))
	for o := anim.OrderXYZ; o <= anim.OrderZYX; o++ {
		t.Run(o.String(), func(t *testing.T) {
			out := mustEncode(t, a, WriteOptions{Order: o})
			b := mustDecode(t, out)
			compareClips(t, a, b, 1e-6, 1e-5)
			// Position channels exactly where the source had them: the root and the interleaved joints.
			for j, sj := range js {
				hasPos := false
				for _, ch := range sj.channels {
					hasPos = hasPos || strings.HasSuffix(ch, "position")
				}
				written := channelCount(t, out, sj.name) == 6
				if hasPos != written {
					t.Errorf("joint %d %s: position channels written %v, want %v", j, sj.name, written, hasPos)
				}
			}
		})
	}
}

// channelCount returns the CHANNELS count declared for a joint in BVH text.
func channelCount(t *testing.T, text []byte, joint string) int {
	t.Helper()
	re := regexp.MustCompile(`(?:ROOT|JOINT) ` + regexp.QuoteMeta(joint) + `\s*\{\s*OFFSET[^\n]*\n\s*CHANNELS (\d)`)
	m := re.FindSubmatch(text)
	if m == nil {
		t.Fatalf("joint %s not found", joint)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// worldPositions returns every joint's world position on every frame, keyed by name.
func worldPositions(a *anim.Animation) map[string][]anim.Vec3 {
	c := a.Clip()
	out := map[string][]anim.Vec3{}
	for f := 0; f < c.Frames; f++ {
		p := c.WorldPositions(a.Skeleton, f, nil)
		for j, jt := range a.Skeleton.Joints {
			out[jt.Name] = append(out[jt.Name], p[j])
		}
	}
	return out
}

func TestEncodeModel(t *testing.T) {
	t.Parallel()
	a := genAnimation(12, 30, 30)
	s, c := a.Skeleton, a.Clip()
	// A joint that stretches on some frames, and a base from a Z-up armature at scale 2.
	c.Translations[7*c.NumJoints+5] = s.Joints[5].Rest.T.Add(anim.Vec3{0, 3, 0})
	s.Base = anim.Transform{T: anim.Vec3{5, 0, -3}, R: anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, -math.Pi/2), S: anim.Vec3{2, 2, 2}}
	out := mustEncode(t, a, WriteOptions{Order: anim.OrderZXY})
	b := mustDecode(t, out)
	if b.Skeleton.Base != anim.Identity {
		t.Errorf("base %+v, want identity", b.Skeleton.Base)
	}
	// The world motion is what must survive: the base and rest orientations are folded in.
	want, got := worldPositions(a), worldPositions(b)
	maxD := 0.0
	for name, ps := range want {
		for f := range ps {
			maxD = math.Max(maxD, ps[f].Sub(got[name][f]).Len())
		}
	}
	if maxD > 1e-3 {
		t.Errorf("world positions differ by up to %g cm", maxD)
	}
	for j := 1; j < len(s.Joints); j++ {
		for f := 0; f < c.Frames; f++ {
			if d := c.Local(f, j).R.Angle(b.Clip().Local(f, j).R); d > 1e-6 {
				t.Fatalf("joint %d frame %d: local rotation differs by %g rad", j, f, d)
			}
		}
	}
	if d := s.Base.R.Mul(c.Rotations[0]).Angle(b.Clip().Rotations[0]); d > 1e-6 {
		t.Errorf("root rotation lacks the base: %g rad", d)
	}
	for j, jt := range s.Joints {
		want := 3
		if j == 0 || j == 5 {
			want = 6
		}
		if n := channelCount(t, out, jt.Name); n != want {
			t.Errorf("joint %s: %d channels, want %d", jt.Name, n, want)
		}
	}
	if !strings.Contains(string(out), "CHANNELS 3 Yrotation Xrotation Zrotation\n") {
		t.Error("ZXY order should list Y X Z")
	}
}

func TestEncodeUnwrapsAngles(t *testing.T) {
	t.Parallel()
	s := &anim.Skeleton{Base: anim.Identity, Joints: []anim.Joint{
		{Name: "Root", Parent: -1, Rest: anim.Identity},
		{Name: "Arm", Parent: 0, Rest: anim.Transform{T: anim.Vec3{0, 10, 0}, R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}}},
	}}
	const frames = 145
	c := anim.NewClip("spin", s, 30, frames)
	for f := 0; f < frames; f++ {
		a := float64(f) * 5 // two full turns
		c.Rotations[f*2] = anim.QuatAxisAngle(anim.Vec3{0, 1, 0}, a*math.Pi/180)
		// Through the gimbal pole of XYZ and beyond: Y past ±90°.
		c.Rotations[f*2+1] = anim.EulerToQuat(anim.Vec3{20, 150 * math.Sin(a*math.Pi/360), 10}, anim.OrderXYZ)
	}
	a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{c}}
	out := mustEncode(t, a, WriteOptions{})
	lines := strings.Split(strings.TrimSpace(string(out[bytes.Index(out, []byte("Frame Time")):])), "\n")[1:]
	if len(lines) != frames {
		t.Fatalf("%d frame lines", len(lines))
	}
	var prev []float64
	maxJump, maxAngle := 0.0, 0.0
	for _, l := range lines {
		var vals []float64
		for _, f := range strings.Fields(l) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			vals = append(vals, v)
		}
		for k := 3; k < len(vals) && prev != nil; k++ {
			if k == 6 {
				continue
			}
			maxJump = math.Max(maxJump, math.Abs(vals[k]-prev[k]))
			maxAngle = math.Max(maxAngle, math.Abs(vals[k]))
		}
		prev = vals
	}
	if maxJump > 30 {
		t.Errorf("a channel jumps by %g° between frames", maxJump)
	}
	if maxAngle < 700 {
		t.Errorf("largest angle %g°: the spin was not unwrapped", maxAngle)
	}
	compareClips(t, a, mustDecode(t, out), 1e-6, 1e-5)
}

func TestTwinEulerSameRotation(t *testing.T) {
	t.Parallel()
	for o := anim.OrderXYZ; o <= anim.OrderZYX; o++ {
		ax := orderAxes(o)
		e := anim.Vec3{17, -63, 141}
		twin := nearestEuler(e, anim.Vec3{200, 240, -30}, ax)
		if d := anim.EulerToQuat(e, o).Angle(anim.EulerToQuat(twin, o)); d > 1e-9 {
			t.Errorf("%v: twin %v of %v is %g rad away", o, twin, e, d)
		}
		if twin == e {
			t.Errorf("%v: expected the twin nearer to the previous frame", o)
		}
	}
}

func TestEncodeNoClipAndNames(t *testing.T) {
	t.Parallel()
	s := &anim.Skeleton{Base: anim.Identity, Joints: []anim.Joint{
		{Name: "Left Hand\tTip", Parent: -1, Rest: anim.Transform{T: anim.Vec3{1, 2, 3}, R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}}},
		{Name: "", Parent: 0, Rest: anim.Transform{T: anim.Vec3{0, 4, 0}, R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}}},
		{Name: "Other", Parent: -1, Rest: anim.Identity},
	}}
	out := mustEncode(t, &anim.Animation{Skeleton: s}, WriteOptions{})
	b := mustDecode(t, out)
	if b.Clip() != nil {
		t.Fatal("a skeleton alone should read back without a clip")
	}
	names := []string{"Left_Hand_Tip", "joint1", "Other"}
	for j, n := range names {
		if got := b.Skeleton.Joints[j]; got.Name != n || got.Parent != s.Joints[j].Parent || got.Rest.T != s.Joints[j].Rest.T {
			t.Errorf("joint %d: %+v, want %q", j, got, n)
		}
	}
	if es := b.Skeleton.Origin.(*Origin).EndSites["joint1"]; es != (anim.Vec3{0, 2, 0}) {
		t.Errorf("default end site %v, want half the joint's offset", es)
	}
}

func TestEncodeRejects(t *testing.T) {
	t.Parallel()
	good := func() *anim.Animation { return genAnimation(3, 4, 30) }
	nanClip := good()
	nanClip.Clips[0].Rotations[2][0] = math.NaN()
	skewBase := good()
	skewBase.Skeleton.Base.S = anim.Vec3{1, 2, 1}
	badParent := good()
	badParent.Skeleton.Joints[1].Parent = 2
	cases := []struct {
		name string
		a    *anim.Animation
		opt  WriteOptions
	}{
		{"nil", nil, WriteOptions{}},
		{"no skeleton", &anim.Animation{}, WriteOptions{}},
		{"bad parent", badParent, WriteOptions{}},
		{"NaN rotation", nanClip, WriteOptions{}},
		{"non-uniform base scale", skewBase, WriteOptions{}},
		{"bad order", good(), WriteOptions{Order: 9}},
		{"bad decimals", good(), WriteOptions{Decimals: 20}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Encode(&bytes.Buffer{}, tc.a, tc.opt)
			var fe *FormatError
			if !errors.Is(err, ErrUnwritable) || !errors.As(err, &fe) || fe.Expected == "" || fe.Found == "" {
				t.Fatalf("got %v, want a *FormatError wrapping ErrUnwritable", err)
			}
			t.Log(err)
		})
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestEncodeWriteError(t *testing.T) {
	t.Parallel()
	a := genAnimation(65, 600, 60)
	for _, budget := range []int{0, 10 << 10, 100 << 10} {
		err := Encode(&failingWriter{n: budget}, a, WriteOptions{})
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("budget %d: got %v, want the writer's error", budget, err)
		}
	}
}

func TestAppendNum(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v    float64
		dec  int
		want string
	}{
		{0, 6, "0"}, {-0.0000001, 6, "0"}, {1.5, 6, "1.5"}, {-12.25, 6, "-12.25"}, {100, 6, "100"},
		{0.1234567, 6, "0.123457"}, {-3.0000004, 6, "-3"}, {2.5e-7, 3, "0"}, {123456789, 2, "123456789"},
		{-0.05, 1, "-0.1"}, {1e12, 6, "1000000000000"}, {-123456789012.5, 6, "-123456789012.5"}, {7e-16, 15, "0.000000000000001"},
	}
	for _, tc := range cases {
		if got := string(appendNum(nil, tc.v, tc.dec)); got != tc.want {
			t.Errorf("appendNum(%v, %d) = %q, want %q", tc.v, tc.dec, got, tc.want)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		v := (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(14)-4))
		dec := 1 + rng.IntN(9)
		s := appendNum(nil, v, dec)
		back, err := strconv.ParseFloat(string(s), 64)
		if err != nil || math.Abs(back-v) > 0.5/math.Pow(10, float64(dec))*(1+1e-6)+1e-15*math.Abs(v) {
			t.Fatalf("appendNum(%v, %d) = %q reads back as %v", v, dec, s, back)
		}
	}
}

func ExampleEncode() {
	s := &anim.Skeleton{Base: anim.Identity, Joints: []anim.Joint{
		{Name: "mixamorig:Hips", Parent: -1, Rest: anim.Transform{T: anim.Vec3{0, 100, 0}, R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}}},
	}}
	c := anim.NewClip("", s, 30, 1)
	c.Rotations[0] = anim.EulerToQuat(anim.Vec3{0, 90, 0}, anim.OrderXYZ)
	var out bytes.Buffer
	if err := Encode(&out, &anim.Animation{Skeleton: s, Clips: []*anim.Clip{c}}, WriteOptions{}); err != nil {
		panic(err)
	}
	fmt.Print(out.String())
	// Output:
	// HIERARCHY
	// ROOT mixamorig:Hips
	// {
	// 	OFFSET 0 100 0
	// 	CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
	// 	End Site
	// 	{
	// 		OFFSET 0 0 0
	// 	}
	// }
	// MOTION
	// Frames: 1
	// Frame Time: 0.03333333333
	// 0 100 0 0 90 0
}
