package compress

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// rig65 builds a 65-joint tree in the Mixamo layout's shape: a spine of six, two arms of four
// with five fingers of four each, two legs of five. Its rest frames are turned a little at
// every joint, as rigs with PreRotation are.
func rig65() *anim.Skeleton {
	s := &anim.Skeleton{Base: anim.Identity}
	add := func(name string, parent int, off anim.Vec3) int {
		ax := anim.Vec3{1, float64(len(s.Joints) % 3), 0.5}
		s.Joints = append(s.Joints, anim.Joint{Name: name, Parent: parent,
			Rest:        anim.Transform{T: off, R: anim.QuatAxisAngle(ax.Scale(1/ax.Len()), 0.2), S: anim.Vec3{1, 1, 1}},
			PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity})
		return len(s.Joints) - 1
	}
	p := add("Hips", -1, anim.Vec3{0, 100, 0})
	hips := p
	var chest int
	for i, n := range []string{"Spine", "Spine1", "Spine2", "Neck", "Head", "HeadTop_End"} {
		p = add(n, p, anim.Vec3{0, 12, 0})
		if i == 2 {
			chest = p
		}
	}
	for _, side := range []string{"Left", "Right"} {
		x := 1.0
		if side == "Right" {
			x = -1
		}
		p = chest
		for _, n := range []string{"Shoulder", "Arm", "ForeArm", "Hand"} {
			p = add(side+n, p, anim.Vec3{14 * x, 0, 0})
		}
		hand := p
		for fi, f := range []string{"Thumb", "Index", "Middle", "Ring", "Pinky"} {
			q := hand
			for k := 1; k <= 4; k++ {
				q = add(fmt.Sprintf("%sHand%s%d", side, f, k), q, anim.Vec3{3 * x, 0, float64(fi-2) * 1.5})
			}
		}
		p = hips
		for _, n := range []string{"UpLeg", "Leg", "Foot", "ToeBase", "Toe_End"} {
			p = add(side+n, p, anim.Vec3{4 * x, -22, 3})
		}
	}
	return s
}

// motionClip moves every joint smoothly, with a faster wobble on the hands and a hold in the
// middle, as motion capture does; the Hips travel.
func motionClip(s *anim.Skeleton, seconds, fps float64) *anim.Clip {
	frames := int(math.Round(seconds*fps)) + 1
	c := anim.NewClip("motion", s, fps, frames)
	for f := 0; f < frames; f++ {
		t := float64(f) / fps
		hold := math.Min(1, math.Abs(t-seconds/2)*2)
		rot, tr, _ := c.Pose(f)
		for j := range rot {
			ax := anim.Vec3{math.Sin(float64(j)), math.Cos(float64(j) * 0.7), 0.4}
			a := hold * (0.5*math.Sin(2*math.Pi*t+float64(j)) + 0.05*math.Sin(2*math.Pi*7*t*float64(j%3)))
			rot[j] = anim.QuatAxisAngle(ax.Scale(1/ax.Len()), a).Mul(rot[j])
		}
		tr[0] = tr[0].Add(anim.Vec3{3 * math.Sin(2*math.Pi*t), 4 * math.Cos(4*math.Pi*t), 120 * t})
	}
	return c
}

// eulerOf describes the clip's rotations as XYZ Euler curves, unwrapped frame to frame.
func eulerOf(s *anim.Skeleton, c *anim.Clip) *EulerCurves {
	e := &EulerCurves{Joints: s.Joints, Degrees: make([][]anim.Vec3, c.NumJoints)}
	for j := range e.Degrees {
		d := make([]anim.Vec3, c.Frames)
		for f := range d {
			d[f] = anim.QuatToEuler(c.Rotations[f*c.NumJoints+j], anim.OrderXYZ)
			if f > 0 {
				for k := 0; k < 3; k++ {
					d[f][k] -= 360 * math.Round((d[f][k]-d[f-1][k])/360)
				}
			}
		}
		e.Degrees[j] = d
	}
	return e
}

// maxError measures, independently of Reduce, the largest world position error of the
// reconstructed clip and its virtual vertices.
func maxError(s *anim.Skeleton, c *anim.Clip, k *anim.Keys, e *EulerCurves, vertex float64) float64 {
	rec := c.Clone()
	Reconstruct(c, k, e, rec)
	worst := 0.0
	for f := 0; f < c.Frames; f++ {
		a, b := c.WorldMatrices(s, f, nil), rec.WorldMatrices(s, f, nil)
		for j := range a {
			for _, p := range []anim.Vec3{{}, {vertex, 0, 0}, {0, vertex, 0}, {0, 0, vertex}} {
				worst = math.Max(worst, a[j].Point(p).Sub(b[j].Point(p)).Len())
			}
		}
	}
	return worst
}

func TestReduceMeetsTheBound(t *testing.T) {
	t.Parallel()
	s := rig65()
	c := motionClip(s, 2, 60)
	for _, tt := range []struct {
		name   string
		bound  float64
		vertex float64
		euler  bool
	}{
		{"slerp 0.1 cm", 0.1, 0, false},
		{"slerp 1 cm", 1, 0, false},
		{"slerp 0.5 cm, vertex 5 cm", 0.5, 5, false},
		{"euler 0.1 cm", 0.1, 0, true},
		{"euler 1 cm", 1, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opt := Options{MaxErrorCM: tt.bound, VertexDistanceCM: tt.vertex}
			if tt.euler {
				opt.Euler = eulerOf(s, c)
			}
			r, err := Reduce(s, c, opt)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Keys.Check(c); err != nil {
				t.Fatal(err)
			}
			got := maxError(s, c, r.Keys, opt.Euler, tt.vertex)
			if tt.euler { // the keys' quaternions slerped, as Blender and three.js play them
				got = math.Max(got, maxError(s, c, r.Keys, nil, tt.vertex))
			}
			if got > tt.bound || math.Abs(got-r.MaxErrorCM) > 1e-9 {
				t.Errorf("error %.4f cm (reported %.4f), bound %v", got, r.MaxErrorCM, tt.bound)
			}
			if r.KeysAfter >= r.KeysBefore/3 {
				t.Errorf("kept %d of %d keys", r.KeysAfter, r.KeysBefore)
			}
			t.Logf("%d → %d keys (%.1f %%), max error %.4f cm at %s frame %d",
				r.KeysBefore, r.KeysAfter, 100*float64(r.KeysAfter)/float64(r.KeysBefore), r.MaxErrorCM, r.WorstJoint, r.WorstFrame)
		})
	}
}

// TestReduceLooserKeepsFewer: a looser bound never needs more keys.
func TestReduceLooserKeepsFewer(t *testing.T) {
	t.Parallel()
	s := rig65()
	c := motionClip(s, 1, 60)
	prev := math.MaxInt
	for _, b := range []float64{0.01, 0.1, 1, 10} {
		r, err := Reduce(s, c, Options{MaxErrorCM: b})
		if err != nil {
			t.Fatal(err)
		}
		if r.KeysAfter > prev {
			t.Errorf("bound %v cm keeps %d keys, more than the tighter bound's %d", b, r.KeysAfter, prev)
		}
		prev = r.KeysAfter
	}
}

func TestReduceStaticAndShortClips(t *testing.T) {
	t.Parallel()
	s := rig65()
	for _, frames := range []int{1, 2, 30} {
		c := anim.NewClip("rest", s, 30, frames)
		r, err := Reduce(s, c, Options{MaxErrorCM: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		want := 3 * len(s.Joints) * min(frames, 2)
		if frames > 2 {
			want++ // frame 1 of the first rotation, which tells glTF readers the frame rate
		}
		if r.KeysAfter != want || r.MaxErrorCM > 1e-9 {
			t.Errorf("%d frames at rest: %d keys, error %v; want %d, 0", frames, r.KeysAfter, r.MaxErrorCM, want)
		}
	}
}

func TestReduceErrors(t *testing.T) {
	t.Parallel()
	s := rig65()
	c := motionClip(s, 0.5, 30)
	tests := []struct {
		name  string
		skel  *anim.Skeleton
		clip  *anim.Clip
		opt   Options
		field string
	}{
		{"no bound", s, c, Options{}, "max_error_cm"},
		{"negative bound", s, c, Options{MaxErrorCM: -1}, "max_error_cm"},
		{"NaN bound", s, c, Options{MaxErrorCM: math.NaN()}, "max_error_cm"},
		{"huge bound", s, c, Options{MaxErrorCM: 1e9}, "max_error_cm"},
		{"negative vertex", s, c, Options{MaxErrorCM: 1, VertexDistanceCM: -2}, "vertex_distance_cm"},
		{"no skeleton", nil, c, Options{MaxErrorCM: 1}, "skeleton"},
		{"clip of another rig", &anim.Skeleton{Joints: s.Joints[:3]}, c, Options{MaxErrorCM: 1}, "clip"},
		{"short euler", s, c, Options{MaxErrorCM: 1, Euler: &EulerCurves{}}, "euler"},
	}
	for _, tt := range tests {
		_, err := Reduce(tt.skel, tt.clip, tt.opt)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != tt.field {
			t.Errorf("%s: error %v, want an *OptionError on %s", tt.name, err, tt.field)
		}
	}
}

func BenchmarkReduce(b *testing.B) {
	s := rig65()
	for _, sec := range []float64{1, 10} {
		c := motionClip(s, sec, 30)
		for _, glb := range []bool{false, true} {
			opt := Options{MaxErrorCM: 0.5}
			name := fmt.Sprintf("%gs", sec)
			if glb { // shared time lists, as for glTF
				opt.Lists = &TimeLists{ListBytes: 110, TimeBytes: 4, ValueBytes: func(int, byte) int { return 16 }}
				name += "-lists"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Reduce(s, c, opt); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)*sec/b.Elapsed().Seconds(), "clip-s/s")
			})
		}
	}
}

// With shared time lists, merged tracks still meet the bound, there are fewer lists, and the
// bytes the cost model counts are no more than without sharing.
func TestReduceSharesTimeLists(t *testing.T) {
	t.Parallel()
	s := rig65()
	c := motionClip(s, 1, 60)
	lists := &TimeLists{ListBytes: 110, TimeBytes: 4, ValueBytes: func(_ int, track byte) int {
		if track == 'R' {
			return 16
		}
		return 12
	}}
	bytesOf := func(k *anim.Keys) (int, int) {
		seen := map[string]bool{}
		n := 0
		for j := 0; j < c.NumJoints; j++ {
			for _, tr := range []struct {
				b  byte
				fs []int
			}{{'T', anim.KeyFrames(k.T, j, c.Frames)}, {'R', anim.KeyFrames(k.R, j, c.Frames)}, {'S', anim.KeyFrames(k.S, j, c.Frames)}} {
				n += len(tr.fs) * lists.ValueBytes(j, tr.b)
				if key := fmt.Sprint(tr.fs); !seen[key] {
					seen[key] = true
					n += lists.ListBytes + lists.TimeBytes*len(tr.fs)
				}
			}
		}
		return n, len(seen)
	}
	for _, bound := range []float64{0.001, 0.1, 1} {
		t.Run(fmt.Sprint(bound), func(t *testing.T) {
			t.Parallel()
			alone, err := Reduce(s, c, Options{MaxErrorCM: bound})
			if err != nil {
				t.Fatal(err)
			}
			shared, err := Reduce(s, c, Options{MaxErrorCM: bound, Lists: lists})
			if err != nil {
				t.Fatal(err)
			}
			if err := shared.Keys.Check(c); err != nil {
				t.Fatal(err)
			}
			if got := maxError(s, c, shared.Keys, nil, 0); got > bound || math.Abs(got-shared.MaxErrorCM) > 1e-9 {
				t.Errorf("error %.4f cm (reported %.4f), bound %v", got, shared.MaxErrorCM, bound)
			}
			b0, l0 := bytesOf(alone.Keys)
			b1, l1 := bytesOf(shared.Keys)
			if b1 > b0 || l1 >= l0 {
				t.Errorf("sharing: %d bytes in %d lists; alone %d bytes in %d lists", b1, l1, b0, l0)
			}
			t.Logf("bound %v cm: %d bytes in %d lists → %d bytes in %d lists", bound, b0, l0, b1, l1)
		})
	}
}
