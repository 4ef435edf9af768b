package gltf

import (
	"bytes"
	"errors"
	"math"
	"testing"

	gltfdoc "github.com/qmuntal/gltf"
	"github.com/qmuntal/gltf/modeler"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// docBytes encodes a hand-built document as GLB, or as JSON with a data URI buffer.
func docBytes(tb testing.TB, doc *gltfdoc.Document, asJSON bool) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := gltfdoc.NewEncoder(&buf)
	enc.AsBinary = !asJSON
	if err := enc.Encode(doc); err != nil {
		tb.Fatalf("encode: %v", err)
	}
	return buf.Bytes()
}

// twoBoneDoc is a skinless file: "Hips" (rest 1 m up) with child "Spine" (rest 0.1 m up),
// under a "Root" node translated 2 m along X. Channels are added by the caller.
func twoBoneDoc() *gltfdoc.Document {
	doc := gltfdoc.NewDocument()
	doc.Nodes = []*gltfdoc.Node{
		{Name: "Root", Translation: [3]float64{2, 0, 0}, Rotation: gltfdoc.DefaultRotation, Scale: gltfdoc.DefaultScale, Matrix: gltfdoc.DefaultMatrix, Children: []int{1}},
		{Name: "Hips", Translation: [3]float64{0, 1, 0}, Rotation: gltfdoc.DefaultRotation, Scale: gltfdoc.DefaultScale, Matrix: gltfdoc.DefaultMatrix, Children: []int{2}},
		{Name: "Spine", Translation: [3]float64{0, 0.1, 0}, Rotation: gltfdoc.DefaultRotation, Scale: gltfdoc.DefaultScale, Matrix: gltfdoc.DefaultMatrix},
	}
	doc.Scenes[0].Nodes = []int{0}
	doc.Animations = []*gltfdoc.Animation{{Name: "test"}}
	return doc
}

func addChannel(doc *gltfdoc.Document, node int, path gltfdoc.TRSProperty, interp gltfdoc.Interpolation, times []float32, out any) {
	a := doc.Animations[0]
	in := modeler.WriteAccessor(doc, gltfdoc.TargetNone, times)
	doc.Accessors[in].Min = []float64{float64(times[0])}
	doc.Accessors[in].Max = []float64{float64(times[len(times)-1])}
	o := modeler.WriteAccessor(doc, gltfdoc.TargetNone, out)
	a.Samplers = append(a.Samplers, &gltfdoc.AnimationSampler{Input: in, Output: o, Interpolation: interp})
	a.Channels = append(a.Channels, &gltfdoc.AnimationChannel{Sampler: len(a.Samplers) - 1,
		Target: gltfdoc.AnimationChannelTarget{Node: gltfdoc.Index(node), Path: path}})
}

func TestSampleInterpolation(t *testing.T) {
	t.Parallel()
	doc := twoBoneDoc()
	// Hips translation keyed every 0.1 s from t=0.2 to 1.2: sets the grid to 10 fps from 0.2 s.
	var times []float32
	var hips [][3]float32
	for k := 0; k <= 10; k++ {
		times = append(times, 0.2+float32(k)/10)
		hips = append(hips, [3]float32{float32(k) / 100, 1, 0})
	}
	addChannel(doc, 1, gltfdoc.TRSTranslation, gltfdoc.InterpolationLinear, times, hips)
	// Spine rotation: identity at 0.2 s to 90° about Y at 1.2 s, two keys only.
	r90 := anim.QuatAxisAngle(anim.Vec3{0, 1, 0}, math.Pi/2)
	addChannel(doc, 2, gltfdoc.TRSRotation, gltfdoc.InterpolationLinear, []float32{0.2, 1.2},
		[][4]float32{{0, 0, 0, 1}, {float32(r90[0]), float32(r90[1]), float32(r90[2]), float32(r90[3])}})
	// Spine scale steps from 1 to 2 at 0.75 s.
	addChannel(doc, 2, gltfdoc.TRSScale, gltfdoc.InterpolationStep, []float32{0.2, 0.75}, [][3]float32{{1, 1, 1}, {2, 2, 2}})
	// Spine translation: a cubic spline from y=0.1 at 0.2 s back to y=0.1 at 0.7 s with an
	// out-tangent of 4 m/s on x; key interval 0.5 s, so x(0.45 s) = h10(½)·0.5·4 = 0.25 m.
	addChannel(doc, 2, gltfdoc.TRSTranslation, gltfdoc.InterpolationCubicSpline, []float32{0.2, 0.7},
		[][3]float32{{0, 0, 0}, {0, 0.1, 0}, {4, 0, 0}, {0, 0, 0}, {0, 0.1, 0}, {0, 0, 0}})

	for _, asJSON := range []bool{false, true} {
		a, err := Decode(docBytes(t, doc, asJSON), DefaultLimits())
		if err != nil {
			t.Fatalf("json=%v: %v", asJSON, err)
		}
		s, c := a.Skeleton, a.Clip()
		if len(s.Joints) != 2 || s.Joints[0].Name != "Hips" || s.Joints[1].Parent != 0 {
			t.Fatalf("skeleton %+v: want Hips→Spine under the common root Hips", s.Joints)
		}
		if s.Base.T != (anim.Vec3{200, 0, 0}) {
			t.Errorf("base translation %v, want the Root node's 200 cm", s.Base.T)
		}
		if c.FPS != 10 || c.Frames != 11 || math.Abs(c.Start-0.2) > 1e-6 {
			t.Fatalf("grid %g fps × %d from %g, want 10 × 11 from 0.2", c.FPS, c.Frames, c.Start)
		}
		near := func(what string, got, want, tol float64) {
			t.Helper()
			if math.Abs(got-want) > tol {
				t.Errorf("json=%v %s = %.6f, want %.6f", asJSON, what, got, want)
			}
		}
		for f := 0; f < c.Frames; f++ {
			hipsT := c.Local(f, 0).T
			near("Hips x (cm)", hipsT[0], float64(f), 1e-4)
			near("Hips y (cm)", hipsT[1], 100, 1e-4)
			spine := c.Local(f, 1)
			near("Spine angle", spine.R.Angle(anim.QuatIdentity), math.Pi/2*float64(f)/10, 1e-5)
			wantS := 1.0
			if c.Time(f) >= 0.75 {
				wantS = 2
			}
			near("Spine scale", spine.S[1], wantS, 1e-6)
		}
		// Frame 2 (0.4 s) is u = 0.4 into the spline: h10 = 0.064-0.32+0.4 = 0.144 → 0.144·0.5·4 m.
		near("Spine cubic x at 0.4 s", c.Local(2, 1).T[0], 0.144*0.5*4*100, 1e-3)
		near("Spine cubic y at 0.4 s", c.Local(2, 1).T[1], 10, 1e-4)
		// After its last key the spline holds its final value.
		near("Spine cubic x after its last key", c.Local(8, 1).T[0], 0, 1e-6)
	}
}

func TestJointsWithoutChannelsHoldRest(t *testing.T) {
	t.Parallel()
	doc := twoBoneDoc()
	addChannel(doc, 1, gltfdoc.TRSRotation, gltfdoc.InterpolationLinear, []float32{0, 1.0 / 30, 2.0 / 30},
		[][4]float32{{0, 0, 0, 1}, {0, 0.1, 0, 0.995}, {0, 0.2, 0, 0.98}})
	doc.Nodes[2].Rotation = [4]float64{0.5, 0.5, 0.5, 0.5}
	doc.Nodes[2].Scale = [3]float64{1, 2, 3}
	a, err := Decode(docBytes(t, doc, false), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// Only Hips is animated, so its subtree is the skeleton.
	if len(a.Skeleton.Joints) != 2 {
		t.Fatalf("joints %d, want 2", len(a.Skeleton.Joints))
	}
	c := a.Clip()
	for f := 0; f < c.Frames; f++ {
		got, rest := c.Local(f, 1), a.Skeleton.Joints[1].Rest
		if got != rest || got.T != (anim.Vec3{0, 10, 0}) || got.S != (anim.Vec3{1, 2, 3}) {
			t.Errorf("frame %d Spine %+v, want its rest %+v", f, got, rest)
		}
		if c.Local(f, 0).T != (anim.Vec3{0, 100, 0}) {
			t.Errorf("frame %d Hips translation %v, want rest (0,100,0) cm", f, c.Local(f, 0).T)
		}
	}
}

func TestInferFPS(t *testing.T) {
	t.Parallel()
	grid := func(fps float64, n int, start float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(float32(start + float64(i)/fps)) // float32 like the file
		}
		return out
	}
	tests := []struct {
		name   string
		inputs [][]float64
		want   float64
	}{
		{"blender 30", [][]float64{grid(30, 32, 1.0/30)}, 30},
		{"60 over 10 s", [][]float64{grid(60, 601, 0)}, 60},
		{"24 late start", [][]float64{grid(24, 239, 100)}, 24},
		{"ntsc", [][]float64{grid(30000.0/1001, 100, 0)}, 29.97},
		{"two-key channels outvoted", [][]float64{{0, 1.033}, {0, 1.033}, {0, 1.033}, grid(30, 32, 0)}, 30},
		{"single pose", [][]float64{{0.5}}, 30},
		{"odd rate kept", [][]float64{grid(37, 50, 0)}, 37},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := inferFPS(tc.inputs)
			if math.Abs(got-tc.want) > 1e-3 {
				t.Errorf("inferFPS = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSparseOutput(t *testing.T) {
	t.Parallel()
	doc := twoBoneDoc()
	times := []float32{0, 0.1, 0.2, 0.3}
	addChannel(doc, 1, gltfdoc.TRSTranslation, gltfdoc.InterpolationLinear, times,
		[][3]float32{{0, 1, 0}, {0, 1, 0}, {0, 1, 0}, {0, 1, 0}})
	out := doc.Accessors[doc.Animations[0].Samplers[0].Output]
	// Keys 1 and 3 move to x = 0.5 m and 0.25 m through sparse substitution.
	idx := modeler.WriteBufferView(doc, gltfdoc.TargetNone, []uint16{1, 3})
	val := modeler.WriteBufferView(doc, gltfdoc.TargetNone, [][3]float32{{0.5, 1, 0}, {0.25, 1, 0}})
	out.Sparse = &gltfdoc.Sparse{Count: 2,
		Indices: gltfdoc.SparseIndices{BufferView: idx, ComponentType: gltfdoc.ComponentUshort},
		Values:  gltfdoc.SparseValues{BufferView: val}}
	a, err := Decode(docBytes(t, doc, false), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	c := a.Clip()
	want := []float64{0, 50, 0, 25}
	if c.Frames != len(want) {
		t.Fatalf("frames %d, want %d", c.Frames, len(want))
	}
	for f, x := range want {
		if got := c.Local(f, 0).T; math.Abs(got[0]-x) > 1e-4 || math.Abs(got[1]-100) > 1e-4 {
			t.Errorf("frame %d Hips translation %v, want x %g y 100 cm", f, got, x)
		}
	}
}

func TestExternalBufferRefused(t *testing.T) {
	t.Parallel()
	doc := twoBoneDoc()
	addChannel(doc, 1, gltfdoc.TRSRotation, gltfdoc.InterpolationLinear, []float32{0, 1}, [][4]float32{{0, 0, 0, 1}, {0, 0, 0, 1}})
	doc.Buffers[0].URI = "anim.bin"
	_, err := Decode(docBytes(t, doc, true), DefaultLimits())
	if !errors.Is(err, ErrExternalBuffer) {
		t.Fatalf("err = %v, want ErrExternalBuffer", err)
	}
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Path != "buffers[0].uri" {
		t.Errorf("err %#v should be a *FormatError at buffers[0].uri", err)
	}
}
