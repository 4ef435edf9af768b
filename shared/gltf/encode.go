package gltf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	gltfdoc "github.com/qmuntal/gltf"
	"github.com/qmuntal/gltf/modeler"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// WriteOptions chooses the output form.
type WriteOptions struct {
	JSON bool // a .gltf JSON file with the buffer as a data URI; the default is GLB
	// Keys, per clip, selects the frames each channel keys (compress.Reduce chooses them);
	// a missing or nil entry keys every frame.
	Keys []*anim.Keys
}

// generator names this writer in asset.generator.
const generator = "mixamo-blend-pipeline gltf"

// Encode writes the skeleton as nodes and a skin, and every clip as a glTF animation with
// LINEAR samplers at the clip's frame times. Every joint gets a rotation channel; translation
// gets one when it moves or differs from the rest pose, scale likewise, so reading the file
// back yields the same tracks.
func Encode(w io.Writer, a *anim.Animation, opt WriteOptions) error {
	if err := checkModel(a); err != nil {
		return err
	}
	for i, k := range opt.Keys {
		if i >= len(a.Clips) {
			return errAt(ErrInvalidModel, fmt.Sprintf("keys[%d]", i), "keys for a clip", "no such clip")
		}
		if err := k.Check(a.Clips[i]); err != nil {
			return errAt(ErrInvalidModel, fmt.Sprintf("keys[%d]", i), "keys that fit the clip", err.Error())
		}
	}
	doc := build(a, opt.Keys)
	if len(opt.Keys) > 0 {
		oneView(doc)
	}
	enc := gltfdoc.NewEncoder(w)
	enc.AsBinary = !opt.JSON
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("gltf: writing document: %w", err)
	}
	return nil
}

func checkModel(a *anim.Animation) error {
	if a == nil || a.Skeleton == nil {
		return errAt(ErrInvalidModel, "skeleton", "a skeleton", "none")
	}
	s := a.Skeleton
	if err := s.Validate(); err != nil {
		return errAt(ErrInvalidModel, "skeleton", "a valid hierarchy", err.Error())
	}
	if !finiteTransform(s.Base) {
		return errAt(ErrInvalidModel, "skeleton.base", "a finite transform", fmt.Sprint(s.Base))
	}
	for i, j := range s.Joints {
		if !finiteTransform(j.Rest) {
			return errAt(ErrInvalidModel, fmt.Sprintf("skeleton.joints[%d].rest", i), "a finite transform", fmt.Sprint(j.Rest))
		}
	}
	for i, c := range a.Clips {
		if c == nil {
			return errAt(ErrInvalidModel, fmt.Sprintf("clips[%d]", i), "a clip", "nil")
		}
		if err := c.Validate(s); err != nil {
			return errAt(ErrInvalidModel, fmt.Sprintf("clips[%d]", i), "a valid clip", err.Error())
		}
		if c.Start < 0 {
			return errAt(ErrInvalidModel, fmt.Sprintf("clips[%d].start", i), "a start time of 0 s or later (glTF key times are non-negative)", fmt.Sprint(c.Start))
		}
		// glTF key times are float32 and must strictly increase.
		if float32(c.Time(c.Frames-1)) <= float32(c.Time(max(c.Frames-2, 0))) && c.Frames > 1 {
			return errAt(ErrInvalidModel, fmt.Sprintf("clips[%d]", i), "frame times distinct in float32", fmt.Sprintf("%d frames at %g fps from %g s", c.Frames, c.FPS, c.Start))
		}
		for k, v := range c.Scales {
			if !finite(v[:]) {
				return errAt(ErrInvalidModel, fmt.Sprintf("clips[%d]", i), "finite scales", fmt.Sprintf("%v at frame %d joint %d", v, k/c.NumJoints, k%c.NumJoints))
			}
		}
	}
	return nil
}

func finiteTransform(t anim.Transform) bool {
	return finite(t.T[:]) && finite(t.R[:]) && finite(t.S[:])
}

func build(a *anim.Animation, keys []*anim.Keys) *gltfdoc.Document {
	s := a.Skeleton
	doc := &gltfdoc.Document{
		Asset:  gltfdoc.Asset{Version: "2.0", Generator: generator},
		Scene:  gltfdoc.Index(0),
		Scenes: []*gltfdoc.Scene{{Name: "Scene"}},
	}
	children := s.Children()
	var roots []int
	for i, j := range s.Joints {
		n := trsNode(j.Name, toMetres(j.Rest))
		n.Children = children[i]
		doc.Nodes = append(doc.Nodes, n)
		if j.Parent < 0 {
			roots = append(roots, i)
		}
	}
	if isIdentity(s.Base) {
		doc.Scenes[0].Nodes = roots
	} else {
		arm := trsNode("Armature", toMetres(s.Base))
		arm.Children = roots
		doc.Nodes = append(doc.Nodes, arm)
		doc.Scenes[0].Nodes = []int{len(doc.Nodes) - 1}
	}

	joints := make([]int, len(s.Joints))
	for i := range joints {
		joints[i] = i
	}
	ibm := modeler.WriteAccessor(doc, gltfdoc.TargetNone, inverseBindMatrices(s))
	doc.Skins = []*gltfdoc.Skin{{Name: "Armature", Joints: joints, InverseBindMatrices: gltfdoc.Index(ibm)}}

	for i, c := range a.Clips {
		var k *anim.Keys
		if i < len(keys) {
			k = keys[i]
		}
		doc.Animations = append(doc.Animations, animationOf(doc, s, c, k))
	}
	return doc
}

// oneView puts every accessor of the animations in one buffer view. A reduced clip has a
// sampler input per distinct key set, and a view of its own for each accessor would cost more
// JSON than some accessors hold. The accessors' offsets keep their alignment, since each view
// began aligned; the inverse bind matrices keep their own view, as a view serves one use.
func oneView(doc *gltfdoc.Document) {
	animated := map[int]bool{} // views of animation accessors
	for _, an := range doc.Animations {
		for _, sm := range an.Samplers {
			for _, acc := range []int{sm.Input, sm.Output} {
				if v := doc.Accessors[acc].BufferView; v != nil {
					animated[*v] = true
				}
			}
		}
	}
	if len(animated) < 2 {
		return
	}
	first, end := -1, 0
	for v := range animated {
		bv := doc.BufferViews[v]
		if bv.Buffer != 0 || bv.ByteStride != 0 || bv.Target != gltfdoc.TargetNone {
			return
		}
		if first < 0 || bv.ByteOffset < first {
			first = bv.ByteOffset
		}
		end = max(end, bv.ByteOffset+bv.ByteLength)
	}
	// The merged view must not span another use's view.
	for v, bv := range doc.BufferViews {
		if !animated[v] && bv.ByteOffset < end && bv.ByteOffset+bv.ByteLength > first {
			return
		}
	}
	views := make([]*gltfdoc.BufferView, 0, len(doc.BufferViews)-len(animated)+1)
	index := make([]int, len(doc.BufferViews))
	for v, bv := range doc.BufferViews {
		if !animated[v] {
			index[v] = len(views)
			views = append(views, bv)
		}
	}
	merged := len(views)
	views = append(views, &gltfdoc.BufferView{Buffer: 0, ByteOffset: first, ByteLength: end - first})
	for _, a := range doc.Accessors {
		if a.BufferView == nil {
			continue
		}
		v := *a.BufferView
		if animated[v] {
			a.ByteOffset += doc.BufferViews[v].ByteOffset - first
			a.BufferView = gltfdoc.Index(merged)
		} else {
			a.BufferView = gltfdoc.Index(index[v])
		}
	}
	doc.BufferViews = views
}

func toMetres(t anim.Transform) anim.Transform {
	t.T = t.T.Scale(1.0 / metresToCM)
	t.R = t.R.Normalize()
	return t
}

func trsNode(name string, t anim.Transform) *gltfdoc.Node {
	return &gltfdoc.Node{
		Name:        name,
		Matrix:      gltfdoc.DefaultMatrix,
		Translation: t.T,
		Rotation:    t.R,
		Scale:       t.S,
	}
}

func isIdentity(t anim.Transform) bool {
	const eps = 1e-9
	return t.T.Len() < eps && math.Abs(math.Abs(t.R.Normalize()[3])-1) < eps &&
		math.Abs(t.S[0]-1) < eps && math.Abs(t.S[1]-1) < eps && math.Abs(t.S[2]-1) < eps
}

// inverseBindMatrices inverts each joint's rest world matrix, in metres.
func inverseBindMatrices(s *anim.Skeleton) [][4][4]float32 {
	world := make([]anim.Mat4, len(s.Joints))
	base := toMetres(s.Base).Matrix()
	out := make([][4][4]float32, len(s.Joints))
	for i, j := range s.Joints {
		local := toMetres(j.Rest).Matrix()
		if j.Parent >= 0 {
			world[i] = world[j.Parent].Mul(local)
		} else {
			world[i] = base.Mul(local)
		}
		inv := invertAffine(world[i])
		// qmuntal's matrices are [row][column]; it stores them column-major as glTF wants.
		for r := 0; r < 3; r++ {
			for c := 0; c < 4; c++ {
				out[i][r][c] = float32(inv[c*4+r])
			}
		}
		out[i][3] = [4]float32{0, 0, 0, 1} // exact, as the validator requires
	}
	return out
}

// invertAffine inverts a column-major affine matrix; a singular one (zero scale) gives the
// identity, since such a joint binds nothing.
func invertAffine(m anim.Mat4) anim.Mat4 {
	a, b, c := m[0], m[4], m[8]
	d, e, f := m[1], m[5], m[9]
	g, h, k := m[2], m[6], m[10]
	det := a*(e*k-f*h) - b*(d*k-f*g) + c*(d*h-e*g)
	if math.Abs(det) < 1e-300 {
		return anim.Mat4Identity
	}
	r := [9]float64{ // row-major inverse of the 3×3 part
		(e*k - f*h) / det, (c*h - b*k) / det, (b*f - c*e) / det,
		(f*g - d*k) / det, (a*k - c*g) / det, (c*d - a*f) / det,
		(d*h - e*g) / det, (b*g - a*h) / det, (a*e - b*d) / det,
	}
	t := anim.Vec3{m[12], m[13], m[14]}
	tx := -(r[0]*t[0] + r[1]*t[1] + r[2]*t[2])
	ty := -(r[3]*t[0] + r[4]*t[1] + r[5]*t[2])
	tz := -(r[6]*t[0] + r[7]*t[1] + r[8]*t[2])
	return anim.Mat4{
		r[0], r[3], r[6], 0,
		r[1], r[4], r[7], 0,
		r[2], r[5], r[8], 0,
		tx, ty, tz, 1,
	}
}

func animationOf(doc *gltfdoc.Document, s *anim.Skeleton, c *anim.Clip, keys *anim.Keys) *gltfdoc.Animation {
	out := &gltfdoc.Animation{Name: c.Name}
	// One input accessor per distinct set of key frames: with every frame keyed, all samplers
	// share one; reduced channels often share theirs (a constant track keys its two ends).
	inputs := map[string]int{}
	input := func(frames []int) int {
		id := fmt.Sprint(frames)
		if i, ok := inputs[id]; ok {
			return i
		}
		times := make([]float32, len(frames))
		for i, f := range frames {
			times[i] = float32(c.Time(f))
		}
		i := modeler.WriteAccessor(doc, gltfdoc.TargetNone, times)
		doc.Accessors[i].Min = []float64{float64(times[0])}
		doc.Accessors[i].Max = []float64{float64(times[len(times)-1])}
		inputs[id] = i
		return i
	}
	// Identical outputs share an accessor too: held joints key the same two values.
	outputs := map[string]int{}
	add := func(joint int, path gltfdoc.TRSProperty, frames []int, data any) {
		in := input(frames) // before the output, so a sampler's times precede its values
		key := valuesKey(data)
		outAcc, ok := outputs[key]
		if !ok {
			outAcc = modeler.WriteAccessor(doc, gltfdoc.TargetNone, data)
			outputs[key] = outAcc
		}
		out.Samplers = append(out.Samplers, &gltfdoc.AnimationSampler{Input: in, Output: outAcc, Interpolation: gltfdoc.InterpolationLinear})
		out.Channels = append(out.Channels, &gltfdoc.AnimationChannel{
			Sampler: len(out.Samplers) - 1,
			Target:  gltfdoc.AnimationChannelTarget{Node: gltfdoc.Index(joint), Path: path},
		})
	}
	var kt, kr, ks [][]int
	if keys != nil {
		kt, kr, ks = keys.T, keys.R, keys.S
	}
	n := c.NumJoints
	for j := 0; j < n; j++ {
		rest := s.Joints[j].Rest
		frames := anim.KeyFrames(kr, j, c.Frames)
		rot := make([][4]float32, len(frames))
		prev := anim.Quat{}
		for i, f := range frames {
			q := c.Rotations[f*n+j].Normalize()
			if i > 0 && q.Dot(prev) < 0 { // keep neighbouring keys on one hemisphere so LINEAR takes the short arc
				q = q.Neg()
			}
			prev = q
			rot[i] = [4]float32{float32(q[0]), float32(q[1]), float32(q[2]), float32(q[3])}
		}
		add(j, gltfdoc.TRSRotation, frames, rot)
		if moves(c.Translations, n, j, rest.T) {
			frames := anim.KeyFrames(kt, j, c.Frames)
			tr := make([][3]float32, len(frames))
			for i, f := range frames {
				v := c.Translations[f*n+j].Scale(1.0 / metresToCM)
				tr[i] = [3]float32{float32(v[0]), float32(v[1]), float32(v[2])}
			}
			add(j, gltfdoc.TRSTranslation, frames, tr)
		}
		if moves(c.Scales, n, j, rest.S) {
			frames := anim.KeyFrames(ks, j, c.Frames)
			sc := make([][3]float32, len(frames))
			for i, f := range frames {
				v := c.Scales[f*n+j]
				sc[i] = [3]float32{float32(v[0]), float32(v[1]), float32(v[2])}
			}
			add(j, gltfdoc.TRSScale, frames, sc)
		}
	}
	return out
}

// valuesKey identifies an output accessor's contents: its element width and float bits.
func valuesKey(data any) string {
	var b []byte
	put := func(v ...float32) {
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	}
	switch d := data.(type) {
	case [][4]float32:
		b = append(make([]byte, 0, 1+16*len(d)), 4)
		for _, v := range d {
			put(v[:]...)
		}
	case [][3]float32:
		b = append(make([]byte, 0, 1+12*len(d)), 3)
		for _, v := range d {
			put(v[:]...)
		}
	}
	return string(b)
}

// InputBytes is what one more sampler input costs in a file this encoder writes: its
// accessor's JSON, with min and max (accessors share one buffer view). Each time in it
// costs 4 bytes more.
const InputBytes = 110

// KeyBytes is what one key of joint j's track ('T', 'R' or 'S') of c costs in a file this
// encoder writes: 0 for a track it leaves out, at rest throughout.
func KeyBytes(s *anim.Skeleton, c *anim.Clip, j int, track byte) int {
	n := c.NumJoints
	switch track {
	case 'R':
		return 16
	case 'T':
		if moves(c.Translations, n, j, s.Joints[j].Rest.T) {
			return 12
		}
	case 'S':
		if moves(c.Scales, n, j, s.Joints[j].Rest.S) {
			return 12
		}
	}
	return 0
}

// moves reports whether joint j's track differs from rest on any frame.
func moves(track []anim.Vec3, n, j int, rest anim.Vec3) bool {
	const eps = 1e-9
	for i := j; i < len(track); i += n {
		v := track[i]
		if math.Abs(v[0]-rest[0]) > eps || math.Abs(v[1]-rest[1]) > eps || math.Abs(v[2]-rest[2]) > eps {
			return true
		}
	}
	return false
}
