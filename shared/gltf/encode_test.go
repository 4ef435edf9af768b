package gltf

import (
	"errors"
	"math"
	"testing"

	gltfdoc "github.com/qmuntal/gltf"
	"github.com/qmuntal/gltf/modeler"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// Round-trip tolerances: float32 storage in metres.
const (
	rotTol   = 1e-4 // rad
	transTol = 1e-3 // cm
	scaleTol = 1e-5
)

func checkRoundTrip(t *testing.T, a, b *anim.Animation) {
	t.Helper()
	if len(a.Skeleton.Joints) != len(b.Skeleton.Joints) || len(a.Clips) != len(b.Clips) {
		t.Fatalf("shape changed: %d joints %d clips → %d joints %d clips",
			len(a.Skeleton.Joints), len(a.Clips), len(b.Skeleton.Joints), len(b.Clips))
	}
	for i, j := range a.Skeleton.Joints {
		k := b.Skeleton.Joints[i]
		if j.Name != k.Name || j.Parent != k.Parent {
			t.Fatalf("joint %d: %q parent %d → %q parent %d", i, j.Name, j.Parent, k.Name, k.Parent)
		}
		if d := j.Rest.T.Sub(k.Rest.T).Len(); d > transTol || j.Rest.R.Angle(k.Rest.R) > rotTol {
			t.Errorf("joint %d rest moved: %+v → %+v", i, j.Rest, k.Rest)
		}
	}
	ba, bb := a.Skeleton.Base, b.Skeleton.Base
	if ba.T.Sub(bb.T).Len() > transTol || ba.R.Angle(bb.R) > rotTol || ba.S.Sub(bb.S).Len() > scaleTol {
		t.Errorf("base %+v → %+v", ba, bb)
	}
	for ci, ca := range a.Clips {
		cb := b.Clips[ci]
		if ca.Name != cb.Name || ca.FPS != cb.FPS || ca.Frames != cb.Frames || math.Abs(ca.Start-cb.Start) > 1e-6 {
			t.Fatalf("clip %d: %q %g fps %d frames from %g → %q %g fps %d frames from %g", ci,
				ca.Name, ca.FPS, ca.Frames, ca.Start, cb.Name, cb.FPS, cb.Frames, cb.Start)
		}
		rot, tr, sc := maxLocalError(t, ca, cb)
		if rot > rotTol || tr > transTol || sc > scaleTol {
			t.Errorf("clip %q: max local error %.3g rad, %.3g cm, scale %.3g", ca.Name, rot, tr, sc)
		}
		t.Logf("clip %q: max local error %.3g rad, %.3g cm, scale %.3g", ca.Name, rot, tr, sc)
	}
}

func TestRoundTripSynthetic(t *testing.T) {
	t.Parallel()
	a := synthAnimation(65, 60, 2)
	a.Skeleton.Base = anim.Transform{T: anim.Vec3{10, 0, -5}, R: anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, math.Pi/2), S: anim.Vec3{0.5, 0.5, 0.5}}
	for _, opt := range []WriteOptions{{}, {JSON: true}} {
		b, err := Decode(encodeT(t, a, opt), DefaultLimits())
		if err != nil {
			t.Fatalf("%+v: %v", opt, err)
		}
		checkRoundTrip(t, a, b)
		if b.Source.Creator != generator || b.Source.Prefix != "mixamorig:" {
			t.Errorf("source %+v", b.Source)
		}
	}
}

// readBack parses our own output with qmuntal's decoder, to inspect what was written.
func readBack(t *testing.T, data []byte) *gltfdoc.Document {
	t.Helper()
	jsonText, bin, err := splitContainer(data)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseJSON(jsonText)
	if err != nil {
		t.Fatal(err)
	}
	if bin != nil {
		doc.Buffers[0].Data = bin
	}
	return doc
}

func TestEncodeLayout(t *testing.T) {
	t.Parallel()
	a := synthAnimation(5, 30, 1)
	n := 5
	// Joint 1 moves its translation; joint 2 holds a constant translation off its rest.
	c := a.Clips[0]
	for f := 0; f < c.Frames; f++ {
		c.Translations[f*n+1] = c.Translations[f*n+1].Add(anim.Vec3{float64(f), 0, 0})
		c.Translations[f*n+2] = a.Skeleton.Joints[2].Rest.T.Add(anim.Vec3{0, 3, 0})
	}
	doc := readBack(t, encodeT(t, a, WriteOptions{}))

	if len(doc.Nodes) != n || len(doc.Scenes[0].Nodes) != 1 || doc.Scenes[0].Nodes[0] != 0 {
		t.Errorf("identity base: want %d joint nodes with the root at scene level, got %d nodes, scene %v", n, len(doc.Nodes), doc.Scenes[0].Nodes)
	}
	count := map[gltfdoc.TRSProperty][]int{}
	for _, ch := range doc.Animations[0].Channels {
		count[ch.Target.Path] = append(count[ch.Target.Path], *ch.Target.Node)
	}
	// Every joint rotates; translation for the root, joint 1 (moving) and joint 2 (off rest);
	// scale only for the last joint, the one whose scale moves.
	want := map[gltfdoc.TRSProperty][]int{
		gltfdoc.TRSRotation:    {0, 1, 2, 3, 4},
		gltfdoc.TRSTranslation: {0, 1, 2},
		gltfdoc.TRSScale:       {4},
	}
	for p, nodes := range want {
		if len(count[p]) != len(nodes) {
			t.Errorf("%s channels on nodes %v, want %v", p, count[p], nodes)
			continue
		}
		for i := range nodes {
			if count[p][i] != nodes[i] {
				t.Errorf("%s channels on nodes %v, want %v", p, count[p], nodes)
				break
			}
		}
	}
	in := doc.Accessors[doc.Animations[0].Samplers[0].Input]
	if len(in.Min) != 1 || len(in.Max) != 1 || in.Min[0] != 0 || math.Abs(in.Max[0]-1) > 1e-6 {
		t.Errorf("input accessor min %v max %v, want [0] [1]", in.Min, in.Max)
	}

	// Inverse bind matrices undo each joint's rest world matrix (in metres).
	ibm, err := modeler.ReadInverseBindMatrices(doc, doc.Accessors[*doc.Skins[0].InverseBindMatrices], nil)
	if err != nil {
		t.Fatal(err)
	}
	rest := anim.NewClip("rest", a.Skeleton, 30, 1).WorldMatrices(a.Skeleton, 0, nil)
	for j := range rest {
		for k := 12; k < 15; k++ {
			rest[j][k] /= 100
		}
		var inv anim.Mat4
		for r := 0; r < 4; r++ {
			for col := 0; col < 4; col++ {
				inv[col*4+r] = float64(ibm[j][r][col])
			}
		}
		prod := inv.Mul(rest[j])
		for k := range prod {
			if math.Abs(prod[k]-anim.Mat4Identity[k]) > 1e-5 {
				t.Fatalf("joint %d: IBM × rest world = %v, want identity", j, prod)
			}
		}
	}
}

func TestEncodeArmatureAndHemisphere(t *testing.T) {
	t.Parallel()
	a := synthAnimation(3, 30, 1)
	a.Skeleton.Base = anim.Transform{R: anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, math.Pi/2), S: anim.Vec3{0.01, 0.01, 0.01}}
	c := a.Clips[0]
	for f := 0; f < c.Frames; f += 2 { // flip every other key to the far hemisphere
		c.Rotations[f*3] = c.Rotations[f*3].Neg()
	}
	doc := readBack(t, encodeT(t, a, WriteOptions{JSON: true}))
	root := doc.Scenes[0].Nodes
	if len(root) != 1 || doc.Nodes[root[0]].Name != "Armature" || len(doc.Nodes[root[0]].Children) != 1 {
		t.Fatalf("scene roots %v: want one Armature node above the joints", root)
	}
	if doc.Buffers[0].URI == "" {
		t.Fatal("JSON output must embed its buffer as a data URI")
	}
	// Decoding the data URI back through our reader also exercises the JSON path.
	b, err := Decode(encodeT(t, a, WriteOptions{JSON: true}), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	cb := b.Clip()
	for f := 0; f+1 < cb.Frames; f++ {
		q0, q1 := cb.Rotations[f*3], cb.Rotations[(f+1)*3]
		if q0.Dot(q1) < 0 {
			t.Fatalf("frames %d and %d on opposite hemispheres: %v %v", f, f+1, q0, q1)
		}
	}
	checkRoundTrip(t, a, b)
}

func TestEncodeRejectsBadModel(t *testing.T) {
	t.Parallel()
	good := func() *anim.Animation { return synthAnimation(3, 30, 1) }
	tests := []struct {
		name   string
		mutate func(a *anim.Animation)
	}{
		{"no skeleton", func(a *anim.Animation) { a.Skeleton = nil }},
		{"parent after child", func(a *anim.Animation) { a.Skeleton.Joints[1].Parent = 2 }},
		{"track length", func(a *anim.Animation) { a.Clips[0].Rotations = a.Clips[0].Rotations[:3] }},
		{"NaN translation", func(a *anim.Animation) { a.Clips[0].Translations[4][1] = math.NaN() }},
		{"infinite rest", func(a *anim.Animation) { a.Skeleton.Joints[0].Rest.T[0] = math.Inf(1) }},
		{"zero fps", func(a *anim.Animation) { a.Clips[0].FPS = 0 }},
		{"negative start", func(a *anim.Animation) { a.Clips[0].Start = -0.5 }},
		{"times equal in float32", func(a *anim.Animation) { a.Clips[0].Start = 1e6; a.Clips[0].FPS = 1e6 }},
		{"nil clip", func(a *anim.Animation) { a.Clips = append(a.Clips, nil) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := good()
			tc.mutate(a)
			err := Encode(discard{}, a, WriteOptions{})
			var fe *FormatError
			if !errors.Is(err, ErrInvalidModel) || !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FormatError wrapping ErrInvalidModel", err)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
