package fbx

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// WriteOptions controls Encode.
type WriteOptions struct {
	// Version is the FBX version written: 7100 to 7400 use 32-bit record headers, 7500 to 7700
	// 64-bit ones. 0 selects DefaultEncodeVersion (7400), which every importer reads.
	Version uint32
	// CompressThreshold, CompressLevel and Concurrency are passed to Document.Encode.
	CompressThreshold int
	CompressLevel     int
	Concurrency       int
	// Creator names the writing application in the header; "" writes "Mixamo Blend Pipeline".
	Creator string
	// Fresh ignores Skeleton.Origin and writes a new document with only the skeleton and clips.
	Fresh bool
	// Keys, per clip, selects the frames each curve keys (compress.Reduce chooses them, with
	// RotationCurves describing the rotation curves); a missing or nil entry keys every frame.
	Keys []*anim.Keys
}

// Encode writes the animation as binary FBX: its skeleton as LimbNode models and every clip
// as its own animation stack (one layer, linear keys on every frame), named after the clip.
//
// When a.Skeleton.Origin is the *Document the skeleton was read from and holds a model for
// every joint, the written file is that document with its animation replaced: models, node
// attributes, poses, meshes, skins, global settings and their connections are kept, the
// source's stacks, layers, curve nodes and curves are dropped, the new curves drive the
// source's models (matched by joint name), and Definitions counts are recomputed. Otherwise
// (or with Fresh) it writes a new document holding the skeleton, with a Null model above the
// roots when Skeleton.Base is not the identity; there PreRotation is kept on XYZ-order joints
// and everything else of the rest frame (PostRotation, PreRotation under other orders) is
// folded into Lcl Rotation, where importers agree (see writeFreshJoints).
//
// Rotation keys are the Euler angles of Lcl Rotation in each joint's RotationOrder, derived
// from the clip's full local rotation as PreRotation⁻¹·R·PostRotation and unwrapped so that
// consecutive keys never jump by a full turn. Translations are written in centimetres with
// UnitScaleFactor 1, or in the source's unit when its document is reused. Errors for input
// that cannot be written match ErrEncode.
func Encode(w io.Writer, a *anim.Animation, opt WriteOptions) error {
	d, err := EncodeDocument(a, opt)
	if err != nil {
		return err
	}
	// Size the buffer for the curves (two channels of three curves per joint, 12 bytes a
	// key before compression) so that it rarely regrows.
	est := 64 << 10
	for _, c := range a.Clips {
		est += c.NumJoints * 6 * (c.Frames*12 + 700)
	}
	b, err := d.AppendEncoded(make([]byte, 0, est), EncodeOptions{
		CompressThreshold: opt.CompressThreshold, CompressLevel: opt.CompressLevel, Concurrency: opt.Concurrency,
	})
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("fbx: write: %w", err)
	}
	return nil
}

// EncodeDocument returns the node tree Encode writes for the animation. It shares unchanged
// records with the source document and never modifies it.
func EncodeDocument(a *anim.Animation, opt WriteOptions) (*Document, error) {
	if a == nil || a.Skeleton == nil {
		return nil, encodeErr(-1, "animation without a skeleton")
	}
	if err := a.Skeleton.Validate(); err != nil {
		return nil, encodeErr(-1, "skeleton: %v", err)
	}
	for i, c := range a.Clips {
		if c == nil {
			return nil, encodeErr(-1, "clip %d is nil", i)
		}
		if err := c.Validate(a.Skeleton); err != nil {
			return nil, encodeErr(-1, "clip %d: %v", i, err)
		}
		if f := c.Start + float64(c.Frames-1)/c.FPS; math.Abs(c.Start)*KTimeSecond > 1<<62 || f*KTimeSecond > 1<<62 {
			return nil, encodeErr(-1, "clip %d: times %v to %v s beyond the KTime range", i, c.Start, f)
		}
	}
	for i, k := range opt.Keys {
		if i >= len(a.Clips) {
			return nil, encodeErr(-1, "keys %d for a file of %d clips", i, len(a.Clips))
		}
		if err := k.Check(a.Clips[i]); err != nil {
			return nil, encodeErr(-1, "clip %d: %v", i, err)
		}
	}
	version := opt.Version
	if version == 0 {
		version = DefaultEncodeVersion
	}
	if version < 7100 || version > maxVersion {
		return nil, encodeErr(-1, "version %d, want 7100 to %d", version, maxVersion)
	}
	w := &docWriter{a: a, opt: opt, version: version, nextID: 1000000, unit: 1}
	if src, ok := a.Skeleton.Origin.(*Document); ok && !opt.Fresh && src != nil && src.Version >= 7000 {
		if d, ok := w.reuse(src); ok {
			return d, nil
		}
		w.objects, w.conns, w.nextID, w.unit = nil, nil, 1000000, 1
	}
	return w.fresh(), nil
}

// docWriter collects the records of one written document.
type docWriter struct {
	a       *anim.Animation
	opt     WriteOptions
	version uint32
	nextID  int64
	unit    float64 // centimetres per unit of the written file

	objects []*Node
	conns   []*Node
	stacks  []writeStack

	// Records and property lists are carved from blocks: a document of thousands of
	// records then costs a few dozen allocations.
	nodeBlock []Node
	propBlock []Prop
	kidBlock  []*Node
}

const writeBlock = 1024

// rec returns a record with a copy of the properties.
func (w *docWriter) rec(name string, props ...Prop) *Node {
	if len(w.nodeBlock) == cap(w.nodeBlock) {
		w.nodeBlock = make([]Node, 0, writeBlock)
	}
	w.nodeBlock = append(w.nodeBlock, Node{Name: name})
	n := &w.nodeBlock[len(w.nodeBlock)-1]
	if len(props) > 0 {
		if cap(w.propBlock)-len(w.propBlock) < len(props) {
			w.propBlock = make([]Prop, 0, max(writeBlock, len(props)))
		}
		at := len(w.propBlock)
		w.propBlock = append(w.propBlock, props...)
		n.Props = w.propBlock[at:len(w.propBlock):len(w.propBlock)]
	}
	return n
}

// kids sets the children of n to a copy of the list and returns n.
func (w *docWriter) kids(n *Node, children ...*Node) *Node {
	if cap(w.kidBlock)-len(w.kidBlock) < len(children) {
		w.kidBlock = make([]*Node, 0, max(writeBlock, len(children)))
	}
	at := len(w.kidBlock)
	w.kidBlock = append(w.kidBlock, children...)
	n.Children = w.kidBlock[at:len(w.kidBlock):len(w.kidBlock)]
	return n
}

// p70 returns a Properties70 entry: name, type, label, flags, then the values.
func (w *docWriter) p70(name, typ, label, flags string, vals ...Prop) *Node {
	var buf [8]Prop
	props := append(buf[:0], wS(name), wS(typ), wS(label), wS(flags))
	return w.rec("P", append(props, vals...)...)
}

func (w *docWriter) p70Vec(name, typ, label, flags string, v anim.Vec3) *Node {
	return w.p70(name, typ, label, flags, wD(v[0]), wD(v[1]), wD(v[2]))
}

func (w *docWriter) oo(child, parent int64) *Node {
	return w.rec("C", wS("OO"), wL(child), wL(parent))
}

func (w *docWriter) op(child, parent int64, prop string) *Node {
	return w.rec("C", wS("OP"), wL(child), wL(parent), wS(prop))
}

type writeStack struct {
	name        string
	start, stop int64 // KTime
}

// writeStatic is what a joint's model holds when no curve drives it.
type writeStatic struct {
	t, s anim.Vec3
}

func (w *docWriter) id() int64 {
	w.nextID++
	return w.nextID
}

func (w *docWriter) creator() string {
	if w.opt.Creator != "" {
		return w.opt.Creator
	}
	return "Mixamo Blend Pipeline"
}

// fresh builds a new document holding only the skeleton and the clips.
func (w *docWriter) fresh() *Document {
	s := w.a.Skeleton
	modelIDs := make([]int64, len(s.Joints))
	statics := make([]writeStatic, len(s.Joints))
	var baseID int64
	if !writeIsIdentity(s.Base) {
		baseID = w.id()
		attr := w.id()
		w.objects = append(w.objects,
			&Node{Name: "NodeAttribute", Props: []Prop{wL(attr), wS("\x00\x01NodeAttribute"), wS("Null")},
				Children: []*Node{{Name: "TypeFlags", Props: []Prop{wS("Null")}}}},
			&Node{Name: "Model", Props: []Prop{wL(baseID), wS("Armature\x00\x01Model"), wS("Null")}, Children: []*Node{
				{Name: "Version", Props: []Prop{wI(232)}},
				{Name: "Properties70", Children: []*Node{
					wP70("InheritType", "enum", "", "", wI(1)),
					wP70Vec("Lcl Translation", "Lcl Translation", "", "A", s.Base.T),
					wP70Vec("Lcl Rotation", "Lcl Rotation", "", "A", anim.QuatToEuler(s.Base.R, anim.OrderXYZ)),
					wP70Vec("Lcl Scaling", "Lcl Scaling", "", "A", s.Base.S),
				}},
				{Name: "Shading", Props: []Prop{{Type: 'C', Int: 1}}},
				{Name: "Culling", Props: []Prop{wS("CullingOff")}},
			}})
		w.conns = append(w.conns, w.oo(baseID, 0), w.oo(attr, baseID))
	}
	joints := writeFreshJoints(s.Joints)
	for j, jt := range joints {
		id, attr := w.id(), w.id()
		modelIDs[j] = id
		statics[j] = writeStatic{t: jt.Rest.T, s: jt.Rest.S}
		var pbuf [8]*Node
		props := pbuf[:0]
		if jt.RotationOrder != anim.OrderXYZ {
			props = append(props, w.p70("RotationOrder", "enum", "", "", wI(int64(jt.RotationOrder))))
		}
		hasPre := !writeIsIdentityQuat(jt.PreRotation)
		if hasPre {
			props = append(props, w.p70Vec("PreRotation", "Vector3D", "Vector", "", anim.QuatToEuler(jt.PreRotation, anim.OrderXYZ)))
		}
		if hasPre || jt.RotationOrder != anim.OrderXYZ {
			// The SDK applies pre-rotation and the order only to active rotations.
			props = append(props, w.p70("RotationActive", "bool", "", "", wI(1)))
		}
		props = append(props,
			// RSrs: a child's transform composes with its parent's as plain matrices, as in
			// the model (the default RrSs differs under non-uniform scale).
			w.p70("InheritType", "enum", "", "", wI(1)),
			w.p70("DefaultAttributeIndex", "int", "Integer", "", wI(0)),
			w.p70Vec("Lcl Translation", "Lcl Translation", "", "A", jt.Rest.T),
			w.p70Vec("Lcl Rotation", "Lcl Rotation", "", "A", writeLclEuler(jt, jt.Rest.R)),
		)
		if jt.Rest.S != (anim.Vec3{1, 1, 1}) {
			props = append(props, w.p70Vec("Lcl Scaling", "Lcl Scaling", "", "A", jt.Rest.S))
		}
		w.objects = append(w.objects,
			w.kids(w.rec("NodeAttribute", wL(attr), wS("\x00\x01NodeAttribute"), wS("LimbNode")),
				w.rec("TypeFlags", wS("Skeleton"))),
			w.kids(w.rec("Model", wL(id), wS(jt.Name+"\x00\x01Model"), wS("LimbNode")),
				w.rec("Version", wI(232)),
				w.kids(w.rec("Properties70"), props...),
				w.rec("Shading", Prop{Type: 'C', Int: 1}),
				w.rec("Culling", wS("CullingOff"))))
		parent := baseID
		if jt.Parent >= 0 {
			parent = modelIDs[jt.Parent]
		}
		w.conns = append(w.conns, w.oo(id, parent), w.oo(attr, id))
	}
	w.animation(joints, modelIDs, statics)

	docID := w.id()
	return &Document{Version: w.version, Nodes: []*Node{
		w.headerExtension(),
		{Name: "FileId", Props: []Prop{{Type: 'R', Bytes: encodeFileID[:]}}},
		{Name: "CreationTime", Props: []Prop{wS(encodeCreationTime)}},
		{Name: "Creator", Props: []Prop{wS(w.creator())}},
		w.globalSettings(nil),
		{Name: "Documents", Children: []*Node{
			{Name: "Count", Props: []Prop{wI(1)}},
			{Name: "Document", Props: []Prop{wL(docID), wS(""), wS("Scene")}, Children: []*Node{
				{Name: "Properties70", Children: []*Node{
					wP70("SourceObject", "object", "", ""),
					wP70("ActiveAnimStackName", "KString", "", "", wS(w.activeStack())),
				}},
				{Name: "RootNode", Props: []Prop{wL(0)}},
			}},
		}},
		{Name: "References"},
		w.definitions(nil),
		{Name: "Objects", Children: w.objects},
		{Name: "Connections", Children: w.conns},
		w.takes(),
	}}
}

// reuse builds the document from the source, replacing its animation. It reports false when
// the source lacks a model for some joint.
func (w *docWriter) reuse(src *Document) (*Document, bool) {
	objects := src.Find("Objects")
	if objects == nil {
		return nil, false
	}
	models := map[string]*Node{}
	dropped := map[int64]bool{}
	kept := make([]*Node, 0, len(objects.Children))
	for _, o := range objects.Children {
		if len(o.Props) > 0 && o.Props[0].Type == 'L' {
			w.nextID = max(w.nextID, o.Props[0].Int)
		}
		if w.nextID > math.MaxInt64/2 {
			return nil, false // no room for new ids above the source's
		}
		switch o.Name {
		case "AnimationStack", "AnimationLayer", "AnimationCurveNode", "AnimationCurve":
			if len(o.Props) > 0 {
				dropped[o.Props[0].Int] = true
			}
			continue
		case "Model":
			if len(o.Props) >= 2 && o.Props[0].Type == 'L' && o.Props[1].Type == 'S' {
				name, _, _ := strings.Cut(o.Props[1].String, "\x00\x01")
				if _, dup := models[name]; !dup {
					models[name] = o
				}
			}
		}
		kept = append(kept, o)
	}
	// The source keeps its unit: translations are written in its units, as its models are.
	if gs := src.Find("GlobalSettings"); gs != nil {
		if u := writeP70Float(gs.Child("Properties70"), "UnitScaleFactor", 1); u > 0 && !math.IsInf(u, 0) {
			w.unit = u
		}
	}
	s := w.a.Skeleton
	modelIDs := make([]int64, len(s.Joints))
	statics := make([]writeStatic, len(s.Joints))
	for j, jt := range s.Joints {
		m := models[jt.Name]
		if m == nil {
			return nil, false
		}
		modelIDs[j] = m.Props[0].Int
		statics[j] = writeStatic{
			t: writeModelVec(m, "Lcl Translation", anim.Vec3{}).Scale(w.unit),
			s: writeModelVec(m, "Lcl Scaling", anim.Vec3{1, 1, 1}),
		}
	}
	if conns := src.Find("Connections"); conns != nil {
		for _, c := range conns.Children {
			if len(c.Props) >= 3 && (dropped[c.Props[1].Int] || dropped[c.Props[2].Int]) {
				continue
			}
			w.conns = append(w.conns, c)
		}
	}
	w.objects = kept
	w.animation(s.Joints, modelIDs, statics)

	// The SDK reads a file only when its FileId, CreationTime and time stamp (from which the
	// footer id derives) belong together: keep the source's three when it has them all,
	// else write the known combination.
	keepStamp := src.Find("FileId") != nil && src.Find("CreationTime") != nil &&
		src.Find("FBXHeaderExtension").Child("CreationTimeStamp") != nil
	out := &Document{Version: w.version, Nodes: make([]*Node, 0, len(src.Nodes)+3)}
	seen := map[string]bool{}
	for _, n := range src.Nodes {
		seen[n.Name] = true
		switch n.Name {
		case "FBXHeaderExtension":
			n = w.mergeHeaderExtension(n, keepStamp)
		case "FileId":
			if !keepStamp {
				n = &Node{Name: "FileId", Props: []Prop{{Type: 'R', Bytes: encodeFileID[:]}}}
			}
		case "CreationTime":
			if !keepStamp {
				n = &Node{Name: "CreationTime", Props: []Prop{wS(encodeCreationTime)}}
			}
		case "GlobalSettings":
			n = w.globalSettings(n)
		case "Documents":
			n = writeActiveStack(n, w.activeStack())
		case "Definitions":
			n = w.definitions(n)
		case "Objects":
			n = &Node{Name: "Objects", Props: n.Props, Children: w.objects}
		case "Connections":
			n = &Node{Name: "Connections", Props: n.Props, Children: w.conns}
		case "Takes":
			n = w.takes()
		}
		out.Nodes = append(out.Nodes, n)
	}
	if !seen["Takes"] {
		out.Nodes = append(out.Nodes, w.takes())
	}
	if !keepStamp {
		head := []*Node{}
		for _, n := range []*Node{w.headerExtension(),
			{Name: "FileId", Props: []Prop{{Type: 'R', Bytes: encodeFileID[:]}}},
			{Name: "CreationTime", Props: []Prop{wS(encodeCreationTime)}}} {
			if !seen[n.Name] {
				head = append(head, n)
			}
		}
		out.Nodes = append(head, out.Nodes...)
	}
	return out, true
}

// writeP70Float reads a number from a Properties70 record, or def when absent.
func writeP70Float(p70 *Node, name string, def float64) float64 {
	for _, p := range writeChildren(p70, "P") {
		if len(p.Props) >= 5 && p.Props[0].String == name {
			return writePropFloat(p.Props[4])
		}
	}
	return def
}

// writeModelVec reads a 3-vector property of a model, or def when absent.
func writeModelVec(m *Node, name string, def anim.Vec3) anim.Vec3 {
	for _, p := range writeChildren(m.Child("Properties70"), "P") {
		if len(p.Props) >= 7 && p.Props[0].String == name {
			return anim.Vec3{writePropFloat(p.Props[4]), writePropFloat(p.Props[5]), writePropFloat(p.Props[6])}
		}
	}
	return def
}

func writeChildren(n *Node, name string) []*Node {
	if n == nil {
		return nil
	}
	out := make([]*Node, 0, len(n.Children))
	for _, c := range n.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func writePropFloat(p Prop) float64 {
	switch p.Type {
	case 'F', 'D':
		return p.Float
	case 'Y', 'I', 'L', 'C':
		return float64(p.Int)
	}
	return 0
}

func (w *docWriter) activeStack() string {
	if len(w.stacks) == 0 {
		return ""
	}
	return w.stacks[0].name
}

// animation appends a stack, a layer, curve nodes and curves for every clip.
func (w *docWriter) animation(joints []anim.Joint, modelIDs []int64, statics []writeStatic) {
	used := map[string]bool{}
	for i, c := range w.a.Clips {
		base := c.Name
		if base == "" {
			base = fmt.Sprintf("Take %03d", i+1)
		}
		name := base
		for k := 2; used[name]; k++ {
			name = fmt.Sprintf("%s %d", base, k)
		}
		used[name] = true
		var k *anim.Keys
		if i < len(w.opt.Keys) {
			k = w.opt.Keys[i]
		}
		w.clip(c, k, name, joints, modelIDs, statics)
	}
}

// Key attributes shared by all curves: linear interpolation is exact at the sampled frames
// and every importer evaluates it the same way.
const (
	writeKeyFlags   = 0x404      // linear interpolation, as the SDK writes linear keys
	writeKeyWeights = 0x0d050d05 // default tangent weights (1/3, 1/3), packed as the SDK does
)

func (w *docWriter) clip(c *anim.Clip, keys *anim.Keys, name string, joints []anim.Joint, modelIDs []int64, statics []writeStatic) {
	n := c.NumJoints
	times := make([]int64, c.Frames)
	startTicks := c.Start * KTimeSecond
	step := KTimeSecond / c.FPS
	for f := range times {
		times[f] = int64(math.Round(startTicks + float64(f)*step))
	}
	flags := []int32{writeKeyFlags}
	attrData := []float32{0, 0, math.Float32frombits(writeKeyWeights), 0}
	refCount := []int32{int32(min(c.Frames, math.MaxInt32))}
	var kt, kr, ks [][]int
	if keys != nil {
		kt, kr, ks = keys.T, keys.R, keys.S
	}

	stackID, layerID := w.id(), w.id()
	info := writeStack{name: name, start: times[0], stop: times[len(times)-1]}
	w.stacks = append(w.stacks, info)
	w.objects = append(w.objects,
		w.kids(w.rec("AnimationStack", wL(stackID), wS(name+"\x00\x01AnimStack"), wS("")),
			w.kids(w.rec("Properties70"),
				w.p70("LocalStart", "KTime", "Time", "", wL(info.start)),
				w.p70("LocalStop", "KTime", "Time", "", wL(info.stop)),
				w.p70("ReferenceStart", "KTime", "Time", "", wL(info.start)),
				w.p70("ReferenceStop", "KTime", "Time", "", wL(info.stop)))),
		w.rec("AnimationLayer", wL(layerID), wS("Layer0\x00\x01AnimLayer"), wS("")))
	w.conns = append(w.conns, w.oo(layerID, stackID))

	// Decide the channels first so that all key values live in one allocation.
	type channel struct {
		joint int
		kind  byte // 'T', 'R' or 'S'
	}
	var chans []channel
	total := 0
	for j := 0; j < n; j++ {
		if joints[j].Parent < 0 || writeVaries(c.Translations, j, n, statics[j].t) {
			chans = append(chans, channel{j, 'T'})
			total += len(anim.KeyFrames(kt, j, c.Frames))
		}
		chans = append(chans, channel{j, 'R'})
		total += len(anim.KeyFrames(kr, j, c.Frames))
		if writeVaries(c.Scales, j, n, statics[j].s) {
			chans = append(chans, channel{j, 'S'})
			total += len(anim.KeyFrames(ks, j, c.Frames))
		}
	}
	values := make([]float32, 3*total)
	next := 0
	vec := make([]anim.Vec3, c.Frames)
	for _, ch := range chans {
		j := ch.joint
		switch ch.kind {
		case 'T':
			for f := range vec {
				vec[f] = c.Translations[f*n+j].Scale(1 / w.unit)
			}
		case 'S':
			for f := range vec {
				vec[f] = c.Scales[f*n+j]
			}
		case 'R':
			writeEulerTrack(vec, joints[j], c, j)
		}
		kf, kTimes := anim.KeyFrames(nil, 0, c.Frames), times
		if keys != nil {
			switch ch.kind {
			case 'T':
				kf = anim.KeyFrames(kt, j, c.Frames)
			case 'R':
				kf = anim.KeyFrames(kr, j, c.Frames)
			case 'S':
				kf = anim.KeyFrames(ks, j, c.Frames)
			}
			if len(kf) != c.Frames {
				kTimes = make([]int64, len(kf))
				for i, f := range kf {
					kTimes[i] = times[f]
				}
			}
		}
		kRef := refCount
		if len(kf) != c.Frames {
			kRef = []int32{int32(len(kf))}
		}
		prop, short := "Lcl Translation", "T"
		switch ch.kind {
		case 'R':
			prop, short = "Lcl Rotation", "R"
		case 'S':
			prop, short = "Lcl Scaling", "S"
		}
		nodeID := w.id()
		w.objects = append(w.objects, w.kids(w.rec("AnimationCurveNode", wL(nodeID), wS(short+"\x00\x01AnimCurveNode"), wS("")),
			w.kids(w.rec("Properties70"),
				w.p70("d|X", "Number", "", "A", wD(vec[0][0])),
				w.p70("d|Y", "Number", "", "A", wD(vec[0][1])),
				w.p70("d|Z", "Number", "", "A", wD(vec[0][2])))))
		w.conns = append(w.conns, w.oo(nodeID, layerID), w.op(nodeID, modelIDs[j], prop))
		for axis, label := range [3]string{"d|X", "d|Y", "d|Z"} {
			k := next
			next += len(kf)
			keys := values[k : k+len(kf) : k+len(kf)]
			for i, f := range kf {
				keys[i] = float32(vec[f][axis])
			}
			curveID := w.id()
			w.objects = append(w.objects, w.kids(w.rec("AnimationCurve", wL(curveID), wS("\x00\x01AnimCurve"), wS("")),
				w.rec("Default", wD(vec[0][axis])),
				w.rec("KeyVer", wI(4009)),
				w.rec("KeyTime", Prop{Type: 'l', I64s: kTimes}),
				w.rec("KeyValueFloat", Prop{Type: 'f', F32s: keys}),
				w.rec("KeyAttrFlags", Prop{Type: 'i', I32s: flags}),
				w.rec("KeyAttrDataFloat", Prop{Type: 'f', F32s: attrData}),
				w.rec("KeyAttrRefCount", Prop{Type: 'i', I32s: kRef})))
			w.conns = append(w.conns, w.op(curveID, nodeID, label))
		}
	}
}

// writeFreshJoints returns the joints as a fresh document writes them. Importers disagree on
// PostRotation (Blender applies it uninverted) and on the order of PreRotation (Blender and
// three.js use the joint's RotationOrder, the SDK always XYZ), so a fresh document folds
// PostRotation, and PreRotation of joints with another order, into Lcl Rotation: every
// importer then sees the same full local rotation.
func writeFreshJoints(src []anim.Joint) []anim.Joint {
	out := make([]anim.Joint, len(src))
	for j, jt := range src {
		if jt.RotationOrder != anim.OrderXYZ {
			jt.PreRotation = anim.QuatIdentity
		}
		jt.PostRotation = anim.QuatIdentity
		out[j] = jt
	}
	return out
}

// writeVaries reports whether joint j's track differs from the static value on some frame.
func writeVaries(track []anim.Vec3, j, n int, static anim.Vec3) bool {
	const eps = 1e-6
	for i := j; i < len(track); i += n {
		v := track[i]
		if math.Abs(v[0]-static[0]) > eps || math.Abs(v[1]-static[1]) > eps || math.Abs(v[2]-static[2]) > eps {
			return true
		}
	}
	return false
}

// writeEulerTrack fills vec with joint j's Lcl Rotation Euler angles at every frame of c, each
// unwrapped against the frame before it.
func writeEulerTrack(vec []anim.Vec3, jt anim.Joint, c *anim.Clip, j int) {
	for f := range vec {
		e := writeLclEuler(jt, c.Rotations[f*c.NumJoints+j])
		if f > 0 {
			e = writeEulerNear(e, vec[f-1], jt.RotationOrder)
		}
		vec[f] = e
	}
}

// writeLclEuler converts a full local rotation to the joint's Lcl Rotation Euler angles (degrees):
// full = Pre·Lcl·Post⁻¹, so Lcl = Pre⁻¹·full·Post.
func writeLclEuler(j anim.Joint, full anim.Quat) anim.Vec3 {
	q := full
	if !writeIsIdentityQuat(j.PreRotation) {
		q = j.PreRotation.Normalize().Conj().Mul(q)
	}
	if !writeIsIdentityQuat(j.PostRotation) {
		q = q.Mul(j.PostRotation.Normalize())
	}
	return anim.QuatToEuler(q, j.RotationOrder)
}

// writeEulerNear returns the Euler triple equal to e as a rotation that is closest to prev:
// importers interpolate each channel separately, so a jump of 360° would spin the joint.
func writeEulerNear(e, prev anim.Vec3, order anim.RotationOrder) anim.Vec3 {
	first, mid, last := writeOrderAxes(order)
	// Rk(c)·Rj(b)·Ri(a) = Rk(c+180)·Rj(180-b)·Ri(a+180) for any three distinct axes.
	alt := e
	alt[first] += 180
	alt[mid] = 180 - alt[mid]
	alt[last] += 180
	best, bestD := e, math.Inf(1)
	for _, cand := range [2]anim.Vec3{e, alt} {
		var cost float64
		for k := range cand {
			d := cand[k] - prev[k]
			d -= 360 * math.Round(d/360)
			cand[k] = prev[k] + d
			cost += math.Abs(d)
		}
		if cost < bestD {
			best, bestD = cand, cost
		}
	}
	return best
}

// writeOrderAxes returns the axis indices of an Euler order in application order.
func writeOrderAxes(o anim.RotationOrder) (first, mid, last int) {
	switch o {
	case anim.OrderXZY:
		return 0, 2, 1
	case anim.OrderYZX:
		return 1, 2, 0
	case anim.OrderYXZ:
		return 1, 0, 2
	case anim.OrderZXY:
		return 2, 0, 1
	case anim.OrderZYX:
		return 2, 1, 0
	}
	return 0, 1, 2
}

func writeIsIdentityQuat(q anim.Quat) bool {
	const eps = 1e-12
	return q == anim.Quat{} || (math.Abs(q[0]) < eps && math.Abs(q[1]) < eps && math.Abs(q[2]) < eps && math.Abs(math.Abs(q[3])-1) < eps)
}

func writeIsIdentity(t anim.Transform) bool {
	return t.T == anim.Vec3{} && writeIsIdentityQuat(t.R) && (t.S == anim.Vec3{1, 1, 1} || t.S == anim.Vec3{})
}

func (w *docWriter) headerExtension() *Node {
	headerVersion := int64(1003)
	if w.version >= 7700 {
		headerVersion = 1004 // as the SDK writes beside 7700 (1003 up to 7500)
	}
	// The time stamp is the one encodeFileID and encodeCreationTime belong with: the SDK
	// loads nothing from a file whose FileId, CreationTime and footer disagree, and only this
	// combination is known. Equal input thus also gives equal bytes.
	t := time.Date(1970, 1, 1, 10, 0, 0, 0, time.UTC)
	return &Node{Name: "FBXHeaderExtension", Children: []*Node{
		{Name: "FBXHeaderVersion", Props: []Prop{wI(headerVersion)}},
		{Name: "FBXVersion", Props: []Prop{wI(int64(w.version))}},
		{Name: "EncryptionType", Props: []Prop{wI(0)}},
		{Name: "CreationTimeStamp", Children: []*Node{
			{Name: "Version", Props: []Prop{wI(1000)}},
			{Name: "Year", Props: []Prop{wI(int64(t.Year()))}},
			{Name: "Month", Props: []Prop{wI(int64(t.Month()))}},
			{Name: "Day", Props: []Prop{wI(int64(t.Day()))}},
			{Name: "Hour", Props: []Prop{wI(int64(t.Hour()))}},
			{Name: "Minute", Props: []Prop{wI(int64(t.Minute()))}},
			{Name: "Second", Props: []Prop{wI(int64(t.Second()))}},
			{Name: "Millisecond", Props: []Prop{wI(int64(t.Nanosecond() / 1e6))}},
		}},
		{Name: "Creator", Props: []Prop{wS(w.creator())}},
	}}
}

// mergeHeaderExtension keeps the source's header records (scene info, flags, and its time
// stamp when keepStamp) and takes the versions and creator of the written file.
func (w *docWriter) mergeHeaderExtension(src *Node, keepStamp bool) *Node {
	ours := w.headerExtension()
	out := &Node{Name: src.Name, Props: src.Props}
	used := map[string]bool{}
	for _, c := range src.Children {
		if keepStamp && c.Name == "CreationTimeStamp" {
			used[c.Name] = true
		} else if o := ours.Child(c.Name); o != nil {
			c, used[c.Name] = o, true
		}
		out.Children = append(out.Children, c)
	}
	for _, o := range ours.Children {
		if !used[o.Name] {
			out.Children = append(out.Children, o)
		}
	}
	return out
}

// writeTimeModes maps frame rates to FbxTime::EMode values; others are written as custom (14).
var writeTimeModes = [...]struct {
	fps  float64
	mode int64
}{
	{120, 1}, {100, 2}, {60, 3}, {50, 4}, {48, 5}, {30, 6}, {30000.0 / 1001, 9}, {25, 10}, {24, 11},
	{1000, 12}, {24000.0 / 1001, 13}, {96, 15}, {72, 16}, {60000.0 / 1001, 17}, {120000.0 / 1001, 18},
}

// writeTimeMode returns the TimeMode and CustomFrameRate for a frame rate.
func writeTimeMode(fps float64) (int64, float64) {
	for _, m := range writeTimeModes {
		if math.Abs(fps-m.fps) < 1e-6*m.fps {
			return m.mode, -1
		}
	}
	return 14, fps
}

// globalSettings returns the settings with the time mode and span of the clips: a copy of
// src when given (keeping its axes and units), else the Y-up centimetre defaults.
func (w *docWriter) globalSettings(src *Node) *Node {
	fps := 30.0
	if len(w.a.Clips) > 0 {
		fps = w.a.Clips[0].FPS
	}
	mode, custom := writeTimeMode(fps)
	var start, stop int64
	for i, st := range w.stacks {
		if i == 0 || st.start < start {
			start = st.start
		}
		if i == 0 || st.stop > stop {
			stop = st.stop
		}
	}
	set := []*Node{
		wP70("TimeMode", "enum", "", "", wI(mode)),
		wP70("TimeSpanStart", "KTime", "Time", "", wL(start)),
		wP70("TimeSpanStop", "KTime", "Time", "", wL(stop)),
		wP70("CustomFrameRate", "double", "Number", "", wD(custom)),
	}
	if src == nil {
		props := []*Node{
			wP70("UpAxis", "int", "Integer", "", wI(1)),
			wP70("UpAxisSign", "int", "Integer", "", wI(1)),
			wP70("FrontAxis", "int", "Integer", "", wI(2)),
			wP70("FrontAxisSign", "int", "Integer", "", wI(1)),
			wP70("CoordAxis", "int", "Integer", "", wI(0)),
			wP70("CoordAxisSign", "int", "Integer", "", wI(1)),
			wP70("OriginalUpAxis", "int", "Integer", "", wI(1)),
			wP70("OriginalUpAxisSign", "int", "Integer", "", wI(1)),
			wP70("UnitScaleFactor", "double", "Number", "", wD(1)),
			wP70("OriginalUnitScaleFactor", "double", "Number", "", wD(1)),
			wP70("AmbientColor", "ColorRGB", "Color", "", wD(0), wD(0), wD(0)),
			wP70("DefaultCamera", "KString", "", "", wS("Producer Perspective")),
		}
		props = append(props, set[0], wP70("TimeProtocol", "enum", "", "", wI(2)), wP70("SnapOnFrameMode", "enum", "", "", wI(0)))
		props = append(props, set[1:]...)
		return &Node{Name: "GlobalSettings", Children: []*Node{
			{Name: "Version", Props: []Prop{wI(1000)}},
			{Name: "Properties70", Children: props},
		}}
	}
	out := &Node{Name: src.Name, Props: src.Props, Children: make([]*Node, 0, len(src.Children)+1)}
	found := false
	for _, c := range src.Children {
		if c.Name == "Properties70" && !found {
			found = true
			c = writeReplaceP70(c, set)
		}
		out.Children = append(out.Children, c)
	}
	if !found {
		out.Children = append(out.Children, &Node{Name: "Properties70", Children: set})
	}
	return out
}

// writeReplaceP70 returns a copy of a Properties70 record with the given P records replacing those
// of the same name, or appended.
func writeReplaceP70(src *Node, set []*Node) *Node {
	out := &Node{Name: src.Name, Props: src.Props, Children: make([]*Node, 0, len(src.Children)+len(set))}
	done := make([]bool, len(set))
	for _, p := range src.Children {
		for i, s := range set {
			if len(p.Props) > 0 && p.Props[0].String == s.Props[0].String {
				p, done[i] = s, true
				break
			}
		}
		out.Children = append(out.Children, p)
	}
	for i, s := range set {
		if !done[i] {
			out.Children = append(out.Children, s)
		}
	}
	return out
}

// writeActiveStack returns a copy of Documents naming the active stack.
func writeActiveStack(src *Node, stack string) *Node {
	out := &Node{Name: src.Name, Props: src.Props, Children: make([]*Node, len(src.Children))}
	copy(out.Children, src.Children)
	for i, d := range out.Children {
		if d.Name != "Document" {
			continue
		}
		nd := &Node{Name: d.Name, Props: d.Props, Children: make([]*Node, len(d.Children))}
		copy(nd.Children, d.Children)
		for k, c := range nd.Children {
			if c.Name == "Properties70" {
				nd.Children[k] = writeReplaceP70(c, []*Node{wP70("ActiveAnimStackName", "KString", "", "", wS(stack))})
			}
		}
		out.Children[i] = nd
	}
	return out
}

func (w *docWriter) takes() *Node {
	t := &Node{Name: "Takes", Children: []*Node{{Name: "Current", Props: []Prop{wS(w.activeStack())}}}}
	for _, st := range w.stacks {
		t.Children = append(t.Children, &Node{Name: "Take", Props: []Prop{wS(st.name)}, Children: []*Node{
			{Name: "FileName", Props: []Prop{wS(strings.ReplaceAll(st.name, " ", "_") + ".tak")}},
			{Name: "LocalTime", Props: []Prop{wL(st.start), wL(st.stop)}},
			{Name: "ReferenceTime", Props: []Prop{wL(st.start), wL(st.stop)}},
		}})
	}
	return t
}

// definitions counts the written objects by type. The source's object types and property
// templates are kept (with true counts); types it lacks get the SDK's templates.
func (w *docWriter) definitions(src *Node) *Node {
	counts := map[string]int{"GlobalSettings": 1}
	var order []string
	for _, o := range w.objects {
		if counts[o.Name] == 0 {
			order = append(order, o.Name)
		}
		counts[o.Name]++
	}
	out := &Node{Name: "Definitions", Children: []*Node{{Name: "Version", Props: []Prop{wI(100)}}, nil}}
	total := 0
	add := func(typ string, template *Node) {
		c := counts[typ]
		if c == 0 {
			return
		}
		total += c
		counts[typ] = 0 // each type once
		ot := &Node{Name: "ObjectType", Props: []Prop{wS(typ)}, Children: []*Node{{Name: "Count", Props: []Prop{wI(int64(c))}}}}
		if template != nil {
			ot.Children = append(ot.Children, template)
		}
		out.Children = append(out.Children, ot)
	}
	if src != nil {
		for _, ot := range writeChildren(src, "ObjectType") {
			if len(ot.Props) == 0 {
				continue
			}
			typ := ot.Props[0].String
			add(typ, ot.Child("PropertyTemplate"))
		}
	}
	add("GlobalSettings", nil)
	for _, typ := range order {
		add(typ, writeTemplate(typ))
	}
	out.Children[1] = &Node{Name: "Count", Props: []Prop{wI(int64(total))}}
	return out
}

// writeTemplate returns the property template the SDK writes for an object type, holding the
// defaults importers fall back to; nil for types without one.
func writeTemplate(typ string) *Node {
	var class string
	var props []*Node
	zero := anim.Vec3{}
	switch typ {
	case "Model":
		class = "FbxNode"
		props = []*Node{
			wP70("QuaternionInterpolate", "enum", "", "", wI(0)),
			wP70Vec("RotationOffset", "Vector3D", "Vector", "", zero),
			wP70Vec("RotationPivot", "Vector3D", "Vector", "", zero),
			wP70Vec("ScalingOffset", "Vector3D", "Vector", "", zero),
			wP70Vec("ScalingPivot", "Vector3D", "Vector", "", zero),
			wP70("RotationOrder", "enum", "", "", wI(0)),
			wP70("RotationSpaceForLimitOnly", "bool", "", "", wI(0)),
			wP70Vec("PreRotation", "Vector3D", "Vector", "", zero),
			wP70Vec("PostRotation", "Vector3D", "Vector", "", zero),
			wP70("RotationActive", "bool", "", "", wI(0)),
			wP70("InheritType", "enum", "", "", wI(0)),
			wP70Vec("GeometricTranslation", "Vector3D", "Vector", "", zero),
			wP70Vec("GeometricRotation", "Vector3D", "Vector", "", zero),
			wP70Vec("GeometricScaling", "Vector3D", "Vector", "", anim.Vec3{1, 1, 1}),
			wP70("Show", "bool", "", "", wI(1)),
			wP70("DefaultAttributeIndex", "int", "Integer", "", wI(-1)),
			wP70Vec("Lcl Translation", "Lcl Translation", "", "A", zero),
			wP70Vec("Lcl Rotation", "Lcl Rotation", "", "A", zero),
			wP70Vec("Lcl Scaling", "Lcl Scaling", "", "A", anim.Vec3{1, 1, 1}),
			wP70("Visibility", "Visibility", "", "A", wD(1)),
			wP70("Visibility Inheritance", "Visibility Inheritance", "", "", wI(1)),
		}
	case "NodeAttribute":
		class = "FbxSkeleton"
		props = []*Node{
			wP70("Color", "ColorRGB", "Color", "", wD(0.8), wD(0.8), wD(0.8)),
			wP70("Size", "double", "Number", "", wD(100)),
			wP70("LimbLength", "double", "Number", "H", wD(1)),
		}
	case "AnimationStack":
		class = "FbxAnimStack"
		props = []*Node{
			wP70("Description", "KString", "", "", wS("")),
			wP70("LocalStart", "KTime", "Time", "", wL(0)),
			wP70("LocalStop", "KTime", "Time", "", wL(0)),
			wP70("ReferenceStart", "KTime", "Time", "", wL(0)),
			wP70("ReferenceStop", "KTime", "Time", "", wL(0)),
		}
	case "AnimationLayer":
		class = "FbxAnimLayer"
		props = []*Node{
			wP70("Weight", "Number", "", "A", wD(100)),
			wP70("Mute", "bool", "", "", wI(0)),
			wP70("Solo", "bool", "", "", wI(0)),
			wP70("Lock", "bool", "", "", wI(0)),
			wP70("Color", "ColorRGB", "Color", "", wD(0.8), wD(0.8), wD(0.8)),
			wP70("BlendMode", "enum", "", "", wI(0)),
			wP70("RotationAccumulationMode", "enum", "", "", wI(0)),
			wP70("ScaleAccumulationMode", "enum", "", "", wI(0)),
			wP70("BlendModeBypass", "ULongLong", "", "", wL(0)),
		}
	case "AnimationCurveNode":
		class = "FbxAnimCurveNode"
		props = []*Node{wP70("d", "Compound", "", "")}
	default:
		return nil
	}
	return &Node{Name: "PropertyTemplate", Props: []Prop{wS(class)}, Children: []*Node{{Name: "Properties70", Children: props}}}
}

func wS(s string) Prop  { return Prop{Type: 'S', String: s} }
func wI(v int64) Prop   { return Prop{Type: 'I', Int: v} }
func wL(v int64) Prop   { return Prop{Type: 'L', Int: v} }
func wD(v float64) Prop { return Prop{Type: 'D', Float: v} }

// wP70 returns a Properties70 entry: name, type, label, flags, then the values.
func wP70(name, typ, label, flags string, vals ...Prop) *Node {
	props := make([]Prop, 0, 4+len(vals))
	props = append(props, wS(name), wS(typ), wS(label), wS(flags))
	return &Node{Name: "P", Props: append(props, vals...)}
}

func wP70Vec(name, typ, label, flags string, v anim.Vec3) *Node {
	return wP70(name, typ, label, flags, wD(v[0]), wD(v[1]), wD(v[2]))
}
