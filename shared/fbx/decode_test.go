package fbx

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// p70 builds a Properties70 P record.
func p70(name, typ string, vals ...[]byte) rec {
	return rec{name: "P", props: append([][]byte{pS(name), pS(typ), pS(""), pS("A")}, vals...)}
}

func vec(name string, x, y, z float64) rec {
	return p70(name, "Vector3D", pD(x), pD(y), pD(z))
}

func object(class string, id int64, name, sub string, props ...rec) rec {
	r := rec{name: class, props: [][]byte{pL(id), pS(name + "\x00\x01" + class), pS(sub)}}
	if len(props) > 0 {
		r.children = []rec{{name: "Properties70", children: props}}
	}
	return r
}

func oo(child, parent int64) rec {
	return rec{name: "C", props: [][]byte{pS("OO"), pL(child), pL(parent)}}
}

func op(child, parent int64, prop string) rec {
	return rec{name: "C", props: [][]byte{pS("OP"), pL(child), pL(parent), pS(prop)}}
}

func curveRec(id int64, times []int64, values []float32, flags int32) rec {
	r := object("AnimationCurve", id, "", "")
	r.children = []rec{
		{name: "Default", props: [][]byte{pD(0)}},
		{name: "KeyTime", props: [][]byte{pArr('l', len(times), i64Bytes(times...), len(times) > 8)}},
		{name: "KeyValueFloat", props: [][]byte{pArr('f', len(values), f32Bytes(values...), false)}},
		{name: "KeyAttrFlags", props: [][]byte{pArr('i', 1, i32Bytes(flags), false)}},
		{name: "KeyAttrDataFloat", props: [][]byte{pArr('f', 4, f32Bytes(0, 0, 0, 0), false)}},
		{name: "KeyAttrRefCount", props: [][]byte{pArr('i', 1, i32Bytes(int32(len(times))), false)}},
	}
	return r
}

// sceneFixture is a small rig: a Null "Armature" (scaled 2, unit scale 10 cm) above a
// LimbNode "Hips" (animated in X, linearly 0 -> 3 over 1 s) with a child "Spine"
// (PreRotation 90° about Z, rotation animated in Y), 24 fps custom rate, and an empty
// second stack.
func sceneFixture(version uint32) []byte {
	const sec = KTimeSecond
	return newFixture(version).bytes(
		rec{name: "Creator", props: [][]byte{pS("fixture")}},
		rec{name: "GlobalSettings", children: []rec{{name: "Properties70", children: []rec{
			p70("UpAxis", "int", pI(1)),
			p70("UnitScaleFactor", "double", pD(10)),
			p70("TimeMode", "enum", pI(14)),
			p70("CustomFrameRate", "double", pD(24)),
		}}}},
		rec{name: "Definitions", children: []rec{{name: "ObjectType", props: [][]byte{pS("Model")}, children: []rec{
			{name: "PropertyTemplate", props: [][]byte{pS("FbxNode")}, children: []rec{{name: "Properties70", children: []rec{
				vec("Lcl Scaling", 1, 1, 1),
				vec("Lcl Translation", 0, 0, 0),
			}}}},
		}}}},
		rec{name: "Objects", children: []rec{
			object("Model", 10, "Armature", "Null", vec("Lcl Scaling", 2, 2, 2)),
			object("Model", 11, "Hips", "LimbNode", vec("Lcl Translation", 0, 5, 0)),
			object("Model", 12, "Spine", "LimbNode", vec("Lcl Translation", 0, 1, 0), vec("PreRotation", 0, 0, 90)),
			object("AnimationStack", 20, "Take 001", ""),
			object("AnimationStack", 21, "Walk", "", p70("LocalStart", "KTime", pL(0)), p70("LocalStop", "KTime", pL(sec))),
			object("AnimationLayer", 30, "Layer0", ""),
			object("AnimationCurveNode", 40, "T", "", p70("d|X", "Number", pD(0)), p70("d|Y", "Number", pD(5)), p70("d|Z", "Number", pD(0))),
			object("AnimationCurveNode", 41, "R", "", p70("d|X", "Number", pD(0)), p70("d|Y", "Number", pD(0)), p70("d|Z", "Number", pD(0))),
			curveRec(50, []int64{0, sec}, []float32{0, 3}, keyLinear),
			curveRec(51, []int64{0, sec / 2, sec}, []float32{0, 45, 90}, keyLinear),
			curveRec(52, []int64{0}, []float32{7}, keyLinear), // connected to nothing
		}},
		rec{name: "Connections", children: []rec{
			oo(10, 0), oo(11, 10), oo(12, 11),
			oo(30, 21),
			oo(40, 30), oo(41, 30),
			op(40, 11, "Lcl Translation"), op(41, 12, "Lcl Rotation"),
			op(50, 40, "d|X"), op(51, 41, "d|Y"),
		}},
	)
}

func TestDecodeFixture(t *testing.T) {
	t.Parallel()
	for _, version := range []uint32{7400, 7700} {
		a, err := Decode(sceneFixture(version), DefaultLimits())
		if err != nil {
			t.Fatalf("%d: %v", version, err)
		}
		checkInvariants(t, "fixture", a)
		s := a.Skeleton
		if len(s.Joints) != 2 || s.Joints[0].Name != "Hips" || s.Joints[1].Name != "Spine" || s.Joints[1].Parent != 0 {
			t.Fatalf("joints = %+v", s.Joints)
		}
		if s.Base.S != (anim.Vec3{2, 2, 2}) {
			t.Errorf("base = %+v, want the Null's scale 2", s.Base)
		}
		if got := s.Joints[0].Rest.T; got != (anim.Vec3{0, 50, 0}) {
			t.Errorf("hips rest T = %v, want 5 units of 10 cm", got)
		}
		pre := anim.EulerToQuat(anim.Vec3{0, 0, 90}, anim.OrderXYZ)
		if s.Joints[1].PreRotation.Angle(pre) > 1e-9 || s.Joints[1].Rest.R.Angle(pre) > 1e-9 {
			t.Errorf("spine pre %v rest %v, want 90° about Z", s.Joints[1].PreRotation, s.Joints[1].Rest.R)
		}
		src := a.Source
		if src.UnitScale != 10 || src.UpAxis != "Y" || src.Creator != "fixture" || src.Version == "" {
			t.Errorf("source = %+v", src)
		}
		if len(src.Stacks) != 2 || src.Stacks[0].Used || !src.Stacks[1].Used || src.Stacks[1].Curves != 2 {
			t.Errorf("stacks = %+v, want the empty Take 001 unused and Walk used with 2 curves", src.Stacks)
		}
		c := a.Clip()
		if c.Name != "Walk" || c.FPS != 24 || c.Frames != 25 || c.Duration() != 1 {
			t.Fatalf("clip %q %v fps %d frames", c.Name, c.FPS, c.Frames)
		}
		for _, f := range []int{0, 6, 12, 24} {
			u := float64(f) / 24
			if got, want := c.Local(f, 0).T, (anim.Vec3{30 * u, 50, 0}); got.Sub(want).Len() > 1e-9 {
				t.Errorf("frame %d: hips T = %v, want %v", f, got, want)
			}
			want := pre.Mul(anim.EulerToQuat(anim.Vec3{0, 90 * u, 0}, anim.OrderXYZ))
			if got := c.Local(f, 1).R; got.Angle(want) > 1e-6 {
				t.Errorf("frame %d: spine R = %v, want %v", f, got, want)
			}
		}
		// World space: the Null's scale 2 doubles the hips' travel.
		p0 := c.WorldPositions(s, 0, nil)[0]
		p1 := c.WorldPositions(s, c.Frames-1, nil)[0]
		if d := p1.Sub(p0); math.Abs(d[0]-60) > 1e-9 {
			t.Errorf("hips world travel = %v, want 60 cm in X", d)
		}
	}
}

func TestDecodeSceneErrors(t *testing.T) {
	t.Parallel()
	noModels := newFixture(7400).bytes(rec{name: "Objects", children: []rec{object("Geometry", 1, "g", "Mesh")}})
	cycle := newFixture(7400).bytes(
		rec{name: "Objects", children: []rec{object("Model", 1, "a", "LimbNode"), object("Model", 2, "b", "LimbNode")}},
		rec{name: "Connections", children: []rec{oo(1, 2), oo(2, 1)}},
	)
	hugeStack := newFixture(7400).bytes(
		rec{name: "Objects", children: []rec{
			object("Model", 1, "a", "LimbNode"),
			object("AnimationStack", 2, "s", "", p70("LocalStop", "KTime", pL(1<<62))),
			object("AnimationLayer", 3, "l", ""),
			object("AnimationCurveNode", 4, "T", ""),
			curveRec(5, []int64{0}, []float32{1}, keyLinear),
		}},
		rec{name: "Connections", children: []rec{oo(3, 2), oo(4, 3), op(4, 1, "Lcl Translation"), op(5, 4, "d|X")}},
	)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"no models", noModels, ErrMalformed},
		{"parent cycle", cycle, ErrMalformed},
		{"stack too long", hugeStack, ErrLimit},
	}
	for _, tc := range tests {
		_, err := Decode(tc.data, DefaultLimits())
		var fe *FormatError
		if !errors.Is(err, tc.want) || !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want *FormatError matching %v", tc.name, err, tc.want)
		}
	}
}

// TestDecodeCharacterOnly: a rig without animation gives its skeleton and no clip.
func TestDecodeCharacterOnly(t *testing.T) {
	t.Parallel()
	data := newFixture(7700).bytes(rec{name: "Objects", children: []rec{
		object("Model", 1, "Hips", "LimbNode"), object("Model", 2, "Spine", "LimbNode"),
	}}, rec{name: "Connections", children: []rec{oo(2, 1)}})
	a, err := Decode(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Skeleton.Joints) != 2 || a.Clip() != nil {
		t.Fatalf("joints %d, clips %d: want 2 joints and no clip", len(a.Skeleton.Joints), len(a.Clips))
	}
}

// TestDecodeLayers: the first layer of a stack sets the value, an additive layer adds its
// value scaled by the layer weight, an override layer moves towards its value by the weight,
// and an animated Weight is evaluated per frame.
func TestDecodeLayers(t *testing.T) {
	t.Parallel()
	const sec = KTimeSecond
	layer := func(id int64, name string, weight float64, mode int32) rec {
		return object("AnimationLayer", id, name, "", p70("Weight", "Number", pD(weight)), p70("BlendMode", "enum", pI(mode)))
	}
	tnode := func(id int64) rec { return object("AnimationCurveNode", id, "T", "") }
	data := newFixture(7500).bytes(
		rec{name: "GlobalSettings", children: []rec{{name: "Properties70", children: []rec{p70("TimeMode", "enum", pI(6))}}}},
		rec{name: "Objects", children: []rec{
			object("Model", 1, "Hips", "LimbNode"),
			object("AnimationStack", 2, "Take", "", p70("LocalStop", "KTime", pL(sec))),
			layer(10, "Base", 100, 0),
			layer(11, "Add", 50, 0),
			layer(12, "Over", 100, 1),
			tnode(20), tnode(21), tnode(22),
			object("AnimationCurveNode", 23, "Weight", ""),
			curveRec(30, []int64{0, sec}, []float32{1, 1}, keyLinear),   // base X = 1
			curveRec(31, []int64{0, sec}, []float32{2, 2}, keyLinear),   // additive X = 2 at 50%
			curveRec(32, []int64{0, sec}, []float32{10, 10}, keyLinear), // override X = 10
			curveRec(33, []int64{0, sec}, []float32{0, 100}, keyLinear), // override weight 0 -> 100%
		}},
		rec{name: "Connections", children: []rec{
			oo(1, 0), oo(10, 2), oo(11, 2), oo(12, 2),
			oo(20, 10), oo(21, 11), oo(22, 12),
			op(20, 1, "Lcl Translation"), op(21, 1, "Lcl Translation"), op(22, 1, "Lcl Translation"),
			op(30, 20, "d|X"), op(31, 21, "d|X"), op(32, 22, "d|X"),
			op(23, 12, "Weight"), op(33, 23, "d|Weight"),
		}},
	)
	a, err := Decode(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	c := a.Clip()
	if c == nil || c.FPS != 30 || c.Frames != 31 {
		t.Fatalf("clip %+v", c)
	}
	for _, f := range []int{0, 15, 30} {
		w := float64(f) / 30
		base := 1 + 0.5*2.0 // base plus half the additive layer
		want := base + (10-base)*w
		if got := c.Local(f, 0).T[0]; math.Abs(got-want) > 1e-9 {
			t.Errorf("frame %d: X = %v, want %v", f, got, want)
		}
	}
}

// TestDecodeLongChains: a deep chain of Nulls above many joints, and many stacks sharing one
// layer, stay linear in the size of the file (a quadratic walk would take minutes here).
func TestDecodeLongChains(t *testing.T) {
	t.Parallel()
	const nulls, joints, stacks = 30000, 30000, 3000
	var objs, conns []rec
	for i := range nulls {
		id := int64(1 + i)
		objs = append(objs, object("Model", id, "n", "Null"))
		conns = append(conns, oo(id, id-1)) // id 1 hangs off the scene root (0)
	}
	for i := range joints {
		id := int64(100000 + i)
		objs = append(objs, object("Model", id, "j", "LimbNode"))
		conns = append(conns, oo(id, nulls)) // every joint under the deepest Null
	}
	objs = append(objs, object("AnimationLayer", 500000, "l", ""), object("AnimationCurveNode", 500001, "T", ""),
		curveRec(500002, []int64{0, KTimeSecond}, []float32{0, 1}, keyLinear))
	conns = append(conns, oo(500001, 500000), op(500001, 100000, "Lcl Translation"), op(500002, 500001, "d|X"))
	for i := range stacks {
		id := int64(600000 + i)
		objs = append(objs, object("AnimationStack", id, "s", ""))
		conns = append(conns, oo(500000, id))
	}
	data := newFixture(7400).bytes(rec{name: "Objects", children: objs}, rec{name: "Connections", children: conns})
	start := time.Now()
	a, err := Decode(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("decode took %v", el)
	}
	if len(a.Skeleton.Joints) != joints || len(a.Source.Stacks) != stacks || a.Clip() == nil {
		t.Fatalf("%d joints, %d stacks, clip %v", len(a.Skeleton.Joints), len(a.Source.Stacks), a.Clip() != nil)
	}
}
