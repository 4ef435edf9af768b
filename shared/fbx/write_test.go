package fbx

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// writeTestRig is a small skeleton exercising what the writer must reproduce: PreRotation,
// PostRotation, a non-XYZ rotation order, a branch, and an armature transform above the root.
func writeTestRig(base bool) *anim.Skeleton {
	s := &anim.Skeleton{Base: anim.Identity, Joints: []anim.Joint{
		{Name: "mixamorig:Hips", Parent: -1},
		{Name: "mixamorig:Spine", Parent: 0, PreRotation: anim.EulerToQuat(anim.Vec3{-6.96, 0, 0.0007}, anim.OrderXYZ)},
		{Name: "mixamorig:Head", Parent: 1, RotationOrder: anim.OrderZXY, PreRotation: anim.EulerToQuat(anim.Vec3{15, -30, 5}, anim.OrderXYZ)},
		{Name: "mixamorig:LeftUpLeg", Parent: 0,
			PreRotation:  anim.EulerToQuat(anim.Vec3{0, 0, 180}, anim.OrderXYZ),
			PostRotation: anim.EulerToQuat(anim.Vec3{10, 20, -5}, anim.OrderXYZ)},
		{Name: "mixamorig:LeftLeg", Parent: 3, RotationOrder: anim.OrderYXZ},
	}}
	offsets := []anim.Vec3{{0, 99.8, 0}, {0, 9.9, -1.2}, {0, 25, 0}, {8.2, -6.7, -0.1}, {0, 42, 0.3}}
	for j := range s.Joints {
		s.Joints[j].Rest = anim.Transform{T: offsets[j], R: s.Joints[j].PreRotation, S: anim.Vec3{1, 1, 1}}
		if s.Joints[j].PreRotation == (anim.Quat{}) {
			s.Joints[j].PreRotation = anim.QuatIdentity
			s.Joints[j].Rest.R = anim.QuatIdentity
		}
		if s.Joints[j].PostRotation == (anim.Quat{}) {
			s.Joints[j].PostRotation = anim.QuatIdentity
		}
	}
	if base {
		s.Base = anim.Transform{T: anim.Vec3{0, 0, 5}, R: anim.EulerToQuat(anim.Vec3{-90, 0, 0}, anim.OrderXYZ), S: anim.Vec3{1, 1, 1}}
	}
	return s
}

// writeTestClip moves every joint: the root travels, the head spins through more than a full
// turn (keys must unwrap), the knee crosses gimbal-sensitive angles, the spine scales.
func writeTestClip(s *anim.Skeleton, fps float64, frames int) *anim.Clip {
	c := anim.NewClip("test move", s, fps, frames)
	rng := rand.New(rand.NewPCG(1, 2))
	for f := 0; f < frames; f++ {
		u := float64(f) / float64(max(frames-1, 1))
		rot, tr, sc := c.Pose(f)
		tr[0] = tr[0].Add(anim.Vec3{3 * math.Sin(2*math.Pi*u), 2 * u, 57 * u})
		rot[0] = anim.EulerToQuat(anim.Vec3{10 * math.Sin(4*u), 30 * u, 5}, anim.OrderXYZ)
		rot[1] = s.Joints[1].Rest.R.Mul(anim.QuatAxisAngle(anim.Vec3{0.6, 0.8, 0}, 0.4*math.Sin(6*u)))
		rot[2] = anim.QuatAxisAngle(anim.Vec3{0, 1, 0}, 2.5*math.Pi*u).Mul(anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, 0.3))
		rot[3] = s.Joints[3].Rest.R.Mul(anim.EulerToQuat(anim.Vec3{170 * u, 89.5, 20 * rng.Float64()}, anim.OrderXYZ))
		rot[4] = anim.EulerToQuat(anim.Vec3{-120 * u, 0, 0}, anim.OrderXYZ)
		sc[1] = anim.Vec3{1 + 0.2*u, 1, 1 - 0.1*u}
	}
	return c
}

// writeCompareAnimations checks what the writer promises: same joints and hierarchy, same frame
// grid, and every local rotation, translation and scale within tolerance.
func writeCompareAnimations(t *testing.T, want, got *anim.Animation) {
	t.Helper()
	ws, gs := want.Skeleton, got.Skeleton
	if len(gs.Joints) != len(ws.Joints) {
		t.Fatalf("%d joints, want %d", len(gs.Joints), len(ws.Joints))
	}
	for j := range ws.Joints {
		if gs.Joints[j].Name != ws.Joints[j].Name || gs.Joints[j].Parent != ws.Joints[j].Parent {
			t.Fatalf("joint %d: %q parent %d, want %q parent %d", j, gs.Joints[j].Name, gs.Joints[j].Parent,
				ws.Joints[j].Name, ws.Joints[j].Parent)
		}
	}
	if a, b := gs.Base.Matrix(), ws.Base.Matrix(); !writeMat4Near(a, b, 1e-6) {
		t.Errorf("base %v, want %v", gs.Base, ws.Base)
	}
	if len(got.Clips) != len(want.Clips) {
		t.Fatalf("%d clips, want %d", len(got.Clips), len(want.Clips))
	}
	for ci, wc := range want.Clips {
		gc := got.Clips[ci]
		if gc.FPS != wc.FPS || gc.Frames != wc.Frames || math.Abs(gc.Start-wc.Start) > 1e-9 {
			t.Fatalf("clip %d: %v fps, %d frames from %v s; want %v fps, %d frames from %v s",
				ci, gc.FPS, gc.Frames, gc.Start, wc.FPS, wc.Frames, wc.Start)
		}
		var worstR, worstT, worstS float64
		where := ""
		for i := range wc.Rotations {
			if d := wc.Rotations[i].Angle(gc.Rotations[i]); d > worstR {
				worstR = d
				where = fmt.Sprintf("frame %d joint %s", i/wc.NumJoints, ws.Joints[i%wc.NumJoints].Name)
			}
			worstT = max(worstT, wc.Translations[i].Sub(gc.Translations[i]).Len())
			worstS = max(worstS, wc.Scales[i].Sub(gc.Scales[i]).Len())
		}
		if worstR > 1e-4 {
			t.Errorf("clip %d: rotation off by %.3g rad at %s, want within 1e-4", ci, worstR, where)
		}
		if worstT > 1e-3 {
			t.Errorf("clip %d: translation off by %.3g cm, want within 1e-3", ci, worstT)
		}
		if worstS > 1e-5 {
			t.Errorf("clip %d: scale off by %.3g, want within 1e-5", ci, worstS)
		}
	}
}

func writeMat4Near(a, b anim.Mat4, eps float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > eps {
			return false
		}
	}
	return true
}

func encodeAnimation(t testing.TB, a *anim.Animation, opt WriteOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, a, opt); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

func TestWriteGeneratedRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version uint32
		fps     float64
		frames  int
		base    bool
	}{
		{7400, 60, 61, false},
		{7700, 30, 31, true},
		{7500, 24, 49, false},
		{7400, 37.5, 20, true}, // custom frame rate
		{7700, 60, 1, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d/%vfps/%dframes/base=%v", tc.version, tc.fps, tc.frames, tc.base), func(t *testing.T) {
			s := writeTestRig(tc.base)
			want := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{writeTestClip(s, tc.fps, tc.frames)}}
			b := encodeAnimation(t, want, WriteOptions{Version: tc.version})
			got, err := Decode(b, Limits{})
			if err != nil {
				t.Fatalf("Decode of the written file: %v", err)
			}
			if got.Source.Version != fmt.Sprint(tc.version) {
				t.Errorf("version %s, want %d", got.Source.Version, tc.version)
			}
			writeCompareAnimations(t, want, got)
		})
	}
}

// TestWriteTwoClips writes two clips as two stacks; the reader takes one of them, and both
// must be present with their own spans.
func TestWriteTwoClips(t *testing.T) {
	t.Parallel()
	s := writeTestRig(false)
	a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{writeTestClip(s, 30, 31), writeTestClip(s, 30, 11)}}
	a.Clips[1].Name = "second"
	got, err := Decode(encodeAnimation(t, a, WriteOptions{}), Limits{})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(got.Source.Stacks) != 2 {
		t.Fatalf("%d stacks, want 2: %+v", len(got.Source.Stacks), got.Source.Stacks)
	}
	for i, st := range got.Source.Stacks {
		want := a.Clips[i].Duration()
		if st.Name != a.Clips[i].Name || math.Abs(st.Duration-want) > 1e-9 {
			t.Errorf("stack %d: %q %v s, want %q %v s", i, st.Name, st.Duration, a.Clips[i].Name, want)
		}
	}
}

// TestWriteRotationKeysUnwrap checks that no rotation curve jumps by more than the motion
// between two frames: the head turns 450° over the clip.
func TestWriteRotationKeysUnwrap(t *testing.T) {
	t.Parallel()
	s := writeTestRig(false)
	a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{writeTestClip(s, 60, 121)}}
	d, err := EncodeDocument(a, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	curves := 0
	for _, o := range d.Find("Objects").Children {
		if o.Name != "AnimationCurve" {
			continue
		}
		curves++
		v := o.Child("KeyValueFloat").Props[0].F32s
		for f := 1; f < len(v); f++ {
			if math.Abs(float64(v[f]-v[f-1])) > 45 {
				t.Fatalf("curve %d: key %d jumps from %v to %v", o.Props[0].Int, f, v[f-1], v[f])
			}
		}
	}
	if curves == 0 {
		t.Fatal("no curves written")
	}
}

func TestWriteEulerNear(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for order := anim.OrderXYZ; order <= anim.OrderZYX; order++ {
		for i := 0; i < 200; i++ {
			q := anim.Quat{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}.Normalize()
			e := anim.QuatToEuler(q, order)
			prev := anim.Vec3{rng.Float64()*1440 - 720, rng.Float64()*1440 - 720, rng.Float64()*1440 - 720}
			got := writeEulerNear(e, prev, order)
			if d := anim.EulerToQuat(got, order).Angle(q); d > 1e-9 {
				t.Fatalf("%v: %v is %.3g rad from the rotation", order, got, d)
			}
			for k := range got {
				if math.Abs(got[k]-prev[k]) > 180+1e-9 {
					t.Fatalf("%v: axis %d moved from %v to %v", order, k, prev[k], got[k])
				}
			}
			// Continuity: a small rotation step from any Euler triple (however wound, on either
			// branch) must come back as a small step, away from gimbal lock.
			_, mid, _ := writeOrderAxes(order)
			if math.Abs(math.Cos(prev[mid]*math.Pi/180)) < 0.2 {
				continue
			}
			step := anim.Vec3{rng.Float64() - 0.5, rng.Float64() - 0.5, rng.Float64() - 0.5}
			next := anim.EulerToQuat(prev.Add(step), order)
			got = writeEulerNear(anim.QuatToEuler(next, order), prev, order)
			if d := got.Sub(prev); math.Abs(d[0])+math.Abs(d[1])+math.Abs(d[2]) > 5 {
				t.Fatalf("%v: step %v from %v came back as %v", order, step, prev, got)
			}
		}
	}
}

func TestWriteTimeMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fps    float64
		mode   int64
		custom float64
	}{
		{60, 3, -1}, {30, 6, -1}, {24, 11, -1}, {120, 1, -1}, {50, 4, -1}, {48, 5, -1}, {25, 10, -1},
		{100, 2, -1}, {1000, 12, -1}, {96, 15, -1}, {72, 16, -1}, {30000.0 / 1001, 9, -1},
		{37.5, 14, 37.5}, {15, 14, 15},
	}
	for _, tc := range tests {
		if mode, custom := writeTimeMode(tc.fps); mode != tc.mode || custom != tc.custom {
			t.Errorf("%v fps: mode %d custom %v, want %d %v", tc.fps, mode, custom, tc.mode, tc.custom)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	s := writeTestRig(false)
	bad := writeTestClip(s, 30, 4)
	bad.Rotations = bad.Rotations[:3]
	nan := writeTestClip(s, 30, 4)
	nan.Translations[2][1] = math.NaN()
	cyclic := writeTestRig(false)
	cyclic.Joints[0].Parent = 2
	tests := []struct {
		name string
		a    *anim.Animation
		opt  WriteOptions
	}{
		{"nil", nil, WriteOptions{}},
		{"no skeleton", &anim.Animation{}, WriteOptions{}},
		{"bad hierarchy", &anim.Animation{Skeleton: cyclic}, WriteOptions{}},
		{"short track", &anim.Animation{Skeleton: s, Clips: []*anim.Clip{bad}}, WriteOptions{}},
		{"NaN", &anim.Animation{Skeleton: s, Clips: []*anim.Clip{nan}}, WriteOptions{}},
		{"nil clip", &anim.Animation{Skeleton: s, Clips: []*anim.Clip{nil}}, WriteOptions{}},
		{"version", &anim.Animation{Skeleton: s}, WriteOptions{Version: 6100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Encode(&bytes.Buffer{}, tc.a, tc.opt)
			var fe *FormatError
			if !errors.Is(err, ErrEncode) || !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *FormatError matching ErrEncode", err)
			}
		})
	}
}

// writeCorpusFiles are real exports covering 60 and 30 fps, PreRotation rigs and rigs
// without, root motion, no prefix under a Null, a 12x scale, and a character with skin.
var writeCorpusFiles = []string{
	"kirby-xbot60__Walking_InPlace.fbx",
	"kirby-xbot60__Falling_Idle.fbx",
	"add101-ch46__Walking.fbx",
	"vrm4-pirate76__Walking_rootmotion.fbx",
	"kirby-guy-noprefix__Idle.fbx",
	"kirby-guy-naeem3d__Idle_bigscale.fbx",
	"luminoth-mutant37__Breathing_Idle_60fps.fbx",
}

// TestWriteOriginMismatch: when the source document lacks a model for some joint it cannot
// carry the clip, and a fresh document is written instead.
func TestWriteOriginMismatch(t *testing.T) {
	t.Parallel()
	s := writeTestRig(false)
	a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{writeTestClip(s, 30, 5)}}
	src, err := EncodeDocument(a, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	renamed := *s
	renamed.Joints = append([]anim.Joint(nil), s.Joints...)
	renamed.Joints[4].Name = "mixamorig:Elsewhere"
	renamed.Origin = src
	got, err := EncodeDocument(&anim.Animation{Skeleton: &renamed, Clips: a.Clips}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, o := range got.Find("Objects").Children {
		if o.Name == "Model" {
			names[o.Props[1].String] = true
		}
	}
	if !names["mixamorig:Elsewhere\x00\x01Model"] || names["mixamorig:LeftLeg\x00\x01Model"] || len(names) != len(s.Joints) {
		t.Errorf("models %v, want the renamed skeleton's joints only", names)
	}
	// With every joint present the same source is reused: its models keep their ids.
	renamed.Joints[4].Name = s.Joints[4].Name
	got, err = EncodeDocument(&anim.Animation{Skeleton: &renamed, Clips: a.Clips}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := encodeDiffNodes("", src.Find("Objects").Children[:2*len(s.Joints)], got.Find("Objects").Children[:2*len(s.Joints)]); diff != "" {
		t.Errorf("source objects not kept: %s", diff)
	}
}

// TestWriteOriginOddRecords reuses source documents holding records of unexpected shapes (as
// a hostile or unusual file may): the writer must neither panic nor lose the clip.
func TestWriteOriginOddRecords(t *testing.T) {
	t.Parallel()
	s := writeTestRig(false)
	a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{writeTestClip(s, 30, 4)}}
	odd := []*Node{
		{Name: "Model"},
		{Name: "Model", Props: []Prop{{Type: 'S', String: "x"}, {Type: 'I', Int: 3}}},
		{Name: "AnimationCurve"},
		{Name: "AnimationCurveNode", Props: []Prop{{Type: 'S', String: "not an id"}}},
		{Name: "Model", Props: []Prop{{Type: 'L', Int: 5}, {Type: 'S', String: "mixamorig:Hips\x00\x01Model"}}, Children: []*Node{
			{Name: "Properties70", Children: []*Node{{Name: "P"}, {Name: "P", Props: []Prop{{Type: 'I'}}}}},
		}},
	}
	mutations := map[string]func(d *Document){
		"odd objects": func(d *Document) {
			o := d.Find("Objects")
			o.Children = append(append([]*Node(nil), odd...), o.Children...)
		},
		"odd connections": func(d *Document) {
			c := d.Find("Connections")
			c.Children = append(c.Children, &Node{Name: "C"}, &Node{Name: "C", Props: []Prop{{Type: 'S', String: "OO"}}})
		},
		"bare sections": func(d *Document) {
			for i, n := range d.Nodes {
				switch n.Name {
				case "GlobalSettings", "Documents", "Definitions", "FBXHeaderExtension":
					d.Nodes[i] = &Node{Name: n.Name}
				case "Takes":
					d.Nodes[i] = &Node{Name: "Other"}
				}
			}
		},
		"odd definitions": func(d *Document) {
			defs := d.Find("Definitions")
			defs.Children = append(defs.Children, &Node{Name: "ObjectType"}, &Node{Name: "ObjectType", Props: []Prop{{Type: 'I'}}})
		},
		"unit 100": func(d *Document) {
			for _, p := range d.Find("GlobalSettings").Child("Properties70").Children {
				if p.Props[0].String == "UnitScaleFactor" {
					p.Props[4].Float = 100
				}
			}
		},
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			src, err := EncodeDocument(a, WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			mutate(src)
			reused := *s
			reused.Origin = src
			b := encodeAnimation(t, &anim.Animation{Skeleton: &reused, Clips: a.Clips}, WriteOptions{})
			got, err := Decode(b, Limits{})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Clip() == nil || got.Clip().Frames != 4 || len(got.Skeleton.Joints) != len(s.Joints) {
				t.Fatalf("written file lost the clip or joints: %+v", got.Source)
			}
		})
	}
}

// TestWriteOriginUnit reuses a source whose unit is the metre (UnitScaleFactor 100, as
// Blender writes): the written translations must be in the source's unit so that the file
// reads back to the same centimetres.
func TestWriteOriginUnit(t *testing.T) {
	t.Parallel()
	s := writeTestRig(true)
	a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{writeTestClip(s, 30, 12)}}
	doc, err := EncodeDocument(a, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range doc.Find("GlobalSettings").Child("Properties70").Children {
		if p.Props[0].String == "UnitScaleFactor" {
			p.Props[4].Float = 100
		}
	}
	src, err := DecodeDocument(doc, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if src.Source.UnitScale != 100 {
		t.Fatalf("source unit %v, want 100", src.Source.UnitScale)
	}
	got, err := Decode(encodeAnimation(t, src, WriteOptions{Version: 7700}), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Source.UnitScale != 100 {
		t.Errorf("written unit %v, want the source's 100", got.Source.UnitScale)
	}
	writeCompareAnimations(t, src, got)
}

// TestWriteSkeletonOnly writes a skeleton without clips (a character file): no stack, and the
// skeleton reads back whole.
func TestWriteSkeletonOnly(t *testing.T) {
	t.Parallel()
	s := writeTestRig(true)
	want := &anim.Animation{Skeleton: s}
	d, err := EncodeDocument(want, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range d.Find("Objects").Children {
		if strings.HasPrefix(o.Name, "Animation") {
			t.Fatalf("%s written without clips", o.Name)
		}
	}
	got, err := Decode(encodeAnimation(t, want, WriteOptions{}), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	writeCompareAnimations(t, want, got)
	rest := got.Skeleton.RestPositions()
	for j, p := range s.RestPositions() {
		if d := p.Sub(rest[j]).Len(); d > 1e-4 {
			t.Errorf("joint %s rests %.3g cm away", s.Joints[j].Name, d)
		}
	}
}
