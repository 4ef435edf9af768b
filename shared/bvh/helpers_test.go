package bvh

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

const corpusBVH = "mixamo/bvhpython__test_freebvh_mixamorig.bvh"

// readCorpus returns the corpus BVH, skipping the test when the corpus is absent.
func readCorpus(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(corpus.Path(tb, corpusBVH))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func mustDecode(tb testing.TB, data []byte) *anim.Animation {
	tb.Helper()
	a, err := Decode(bytes.NewReader(data), DefaultLimits())
	if err != nil {
		tb.Fatal(err)
	}
	if err := a.Skeleton.Validate(); err != nil {
		tb.Fatal(err)
	}
	if c := a.Clip(); c != nil {
		if err := c.Validate(a.Skeleton); err != nil {
			tb.Fatal(err)
		}
	}
	return a
}

func mustEncode(tb testing.TB, a *anim.Animation, opt WriteOptions) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, a, opt); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// synthJoint describes one joint of a hand-built BVH file.
type synthJoint struct {
	name     string
	parent   int
	offset   anim.Vec3
	channels []string
}

// synthBVH writes a BVH file the way the format describes it, independently of Encode.
// value gives channel k of joint j at frame f.
func synthBVH(joints []synthJoint, frames int, frameTime string, value func(f, j, k int) float64) []byte {
	var b strings.Builder
	b.WriteString("HIERARCHY\n")
	var walk func(j, depth int)
	walk = func(j, depth int) {
		ind := strings.Repeat("  ", depth)
		kw := "JOINT"
		if joints[j].parent < 0 {
			kw = "ROOT"
		}
		o := joints[j].offset
		fmt.Fprintf(&b, "%s%s %s\n%s{\n%s  OFFSET %g %g %g\n", ind, kw, joints[j].name, ind, ind, o[0], o[1], o[2])
		fmt.Fprintf(&b, "%s  CHANNELS %d %s\n", ind, len(joints[j].channels), strings.Join(joints[j].channels, " "))
		leaf := true
		for c := range joints {
			if joints[c].parent == j {
				leaf = false
				walk(c, depth+1)
			}
		}
		if leaf {
			fmt.Fprintf(&b, "%s  End Site\n%s  {\n%s    OFFSET 0 %g 0\n%s  }\n", ind, ind, ind, 1.5+float64(j), ind)
		}
		fmt.Fprintf(&b, "%s}\n", ind)
	}
	for j := range joints {
		if joints[j].parent < 0 {
			walk(j, 0)
		}
	}
	fmt.Fprintf(&b, "MOTION\nFrames: %d\nFrame Time: %s\n", frames, frameTime)
	for f := 0; f < frames; f++ {
		var vals []string
		for j := range joints {
			for k := range joints[j].channels {
				vals = append(vals, fmt.Sprintf("%.6f", value(f, j, k)))
			}
		}
		b.WriteString(strings.Join(vals, " "))
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// mat3 is a row-major 3×3 matrix, built here from first principles to check the quaternion code.
type mat3 [9]float64

func (a mat3) mul(b mat3) mat3 {
	var m mat3
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			for k := 0; k < 3; k++ {
				m[r*3+c] += a[r*3+k] * b[k*3+c]
			}
		}
	}
	return m
}

// axisMat is the rotation by deg degrees about axis 0 (X), 1 (Y) or 2 (Z), for column vectors.
func axisMat(axis int, deg float64) mat3 {
	s, c := math.Sincos(deg * math.Pi / 180)
	switch axis {
	case 0:
		return mat3{1, 0, 0, 0, c, -s, 0, s, c}
	case 1:
		return mat3{c, 0, s, 0, 1, 0, -s, 0, c}
	}
	return mat3{c, -s, 0, s, c, 0, 0, 0, 1}
}

// expectedLocal applies the BVH reading independently: rotation matrices multiplied in listed
// order, position channels replacing the offset.
func expectedLocal(j synthJoint, vals []float64) (mat3, anim.Vec3) {
	m := mat3{1, 0, 0, 0, 1, 0, 0, 0, 1}
	t := j.offset
	for k, ch := range j.channels {
		axis := int(strings.ToLower(ch)[0] - 'x')
		if strings.HasSuffix(strings.ToLower(ch), "rotation") {
			m = m.mul(axisMat(axis, vals[k]))
		} else {
			t[axis] = vals[k]
		}
	}
	return m, t
}

func matDiff(a mat3, b [9]float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// compareClips checks every joint (matched by name) on every frame of two decoded animations.
func compareClips(t *testing.T, want, got *anim.Animation, rotTol, trTol float64) {
	t.Helper()
	ws, gs := want.Skeleton, got.Skeleton
	if len(ws.Joints) != len(gs.Joints) {
		t.Fatalf("joints: got %d, want %d", len(gs.Joints), len(ws.Joints))
	}
	wc, gc := want.Clip(), got.Clip()
	if wc.Frames != gc.Frames || math.Abs(wc.FPS-gc.FPS) > 1e-9 {
		t.Fatalf("frames/fps: got %d/%v, want %d/%v", gc.Frames, gc.FPS, wc.Frames, wc.FPS)
	}
	var maxRot, maxTr float64
	for wj := range ws.Joints {
		gj := gs.Index(ws.Joints[wj].Name)
		if gj < 0 {
			t.Fatalf("joint %q missing", ws.Joints[wj].Name)
		}
		for f := 0; f < wc.Frames; f++ {
			a, b := wc.Local(f, wj), gc.Local(f, gj)
			maxRot = math.Max(maxRot, a.R.Angle(b.R))
			maxTr = math.Max(maxTr, a.T.Sub(b.T).Len())
		}
	}
	if maxRot > rotTol || maxTr > trTol {
		t.Errorf("max difference: rotation %.3g rad (tolerance %g), translation %.3g cm (tolerance %g)",
			maxRot, rotTol, maxTr, trTol)
	}
	t.Logf("max difference: rotation %.3g rad, translation %.3g cm", maxRot, maxTr)
}

// genAnimation builds a Mixamo-sized model clip: joints in a branching tree, smooth rotations
// that include the rest orientation, and root motion.
func genAnimation(joints, frames int, fps float64) *anim.Animation {
	s := &anim.Skeleton{Base: anim.Identity}
	for j := 0; j < joints; j++ {
		parent := -1
		if j > 0 {
			parent = j - 1 // chains, with a branch off an earlier joint every fourth joint
			if j%4 == 0 {
				parent = j / 2
			}
		}
		rest := anim.Transform{
			T: anim.Vec3{float64(j%3) - 1, 8 + float64(j%4), float64(j%2) * 0.5},
			R: anim.EulerToQuat(anim.Vec3{float64(j * 7 % 40), float64(j * 11 % 30), float64(j * 13 % 50)}, anim.OrderXYZ),
			S: anim.Vec3{1, 1, 1},
		}
		if j == 0 {
			rest.T = anim.Vec3{0, 100, 0}
		}
		s.Joints = append(s.Joints, anim.Joint{Name: fmt.Sprintf("mixamorig:J%02d", j), Parent: parent, Rest: rest})
	}
	c := anim.NewClip("gen", s, fps, frames)
	for f := 0; f < frames; f++ {
		ph := 2 * math.Pi * float64(f) / fps
		for j := 0; j < joints; j++ {
			i := f*joints + j
			w := anim.EulerToQuat(anim.Vec3{40 * math.Sin(ph+float64(j)), 30 * math.Cos(0.7*ph+float64(j)), 20 * math.Sin(1.3*ph)}, anim.OrderZXY)
			c.Rotations[i] = s.Joints[j].Rest.R.Mul(w)
		}
		c.Translations[f*joints] = anim.Vec3{10 * math.Sin(ph), 100 + 3*math.Cos(2*ph), 50 * float64(f) / fps}
	}
	return &anim.Animation{Skeleton: s, Clips: []*anim.Clip{c}}
}
