package fbx

import "github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"

// skelBuild is a skeleton with what the animation pass needs to evaluate each joint.
type skelBuild struct {
	skel   *anim.Skeleton
	models []*fbxObject // per joint
	xf     []nodeXform  // per joint
	fold   []*anim.Mat4 // per joint: non-joint models between it and its joint parent, or nil
	index  map[int64]int
}

func isJointModel(o *fbxObject) bool { return o.sub == "LimbNode" || o.sub == "Limb" }

// skeleton orders the joint models parents first and computes their rest transforms.
func (s *scene) skeleton(unit float64) (*skelBuild, error) {
	models := make(map[int64]*fbxObject)
	var joints []*fbxObject
	var all []*fbxObject
	for _, o := range s.list {
		if o.class != "Model" {
			continue
		}
		models[o.id] = o
		all = append(all, o)
		if isJointModel(o) {
			joints = append(joints, o)
		}
	}
	if len(all) == 0 {
		return nil, errScene(ErrMalformed, "Objects: no Model records to build a skeleton from")
	}
	if len(joints) == 0 {
		joints = all // a scene without bones: animate its models as joints
	}
	isJoint := make(map[int64]bool, len(joints))
	for _, o := range joints {
		isJoint[o.id] = true
	}
	parent := make(map[int64]int64, len(all))
	for _, c := range s.conns {
		if c.op || models[c.child] == nil || models[c.parent] == nil || c.child == c.parent {
			continue
		}
		if _, ok := parent[c.child]; !ok {
			parent[c.child] = c.parent
		}
	}

	// For each joint: its nearest joint ancestor, and the static transform of the non-joint
	// models on the way (memoised per model, so long chains cost linear time).
	anc := newAncestry(s, models, parent, isJoint, unit)
	jparent := make(map[int64]int64, len(joints))
	between := make(map[int64]*anim.Mat4)
	children := make(map[int64][]int64, len(joints))
	var roots []int64
	for _, o := range joints {
		p, ok := parent[o.id]
		if ok && !isJoint[p] {
			r, err := anc.resolve(p)
			if err != nil {
				return nil, err
			}
			between[o.id] = &r.acc
			p, ok = r.joint, r.hasJoint
		}
		if ok {
			jparent[o.id] = p
			children[p] = append(children[p], o.id)
		} else {
			roots = append(roots, o.id)
		}
	}
	order := make([]int64, 0, len(joints))
	stack := make([]int64, 0, 16)
	for _, r := range roots {
		stack = append(stack[:0], r)
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			order = append(order, id)
			ch := children[id]
			for i := len(ch) - 1; i >= 0; i-- { // keep file order among siblings
				stack = append(stack, ch[i])
			}
		}
	}
	if len(order) != len(joints) {
		return nil, errScene(ErrMalformed, "Connections: %d of %d joints are in a parent cycle", len(joints)-len(order), len(joints))
	}

	b := &skelBuild{
		skel:   &anim.Skeleton{Joints: make([]anim.Joint, len(order)), Base: anim.Identity},
		models: make([]*fbxObject, len(order)),
		xf:     make([]nodeXform, len(order)),
		fold:   make([]*anim.Mat4, len(order)),
		index:  make(map[int64]int, len(order)),
	}
	for i, id := range order {
		b.index[id] = i
	}
	for i, id := range order {
		o := models[id]
		b.models[i] = o
		b.xf[i] = s.xform(o, unit)
		x := &b.xf[i]
		j := anim.Joint{Name: o.name, Parent: -1, PreRotation: x.pre, PostRotation: x.post, RotationOrder: x.order}
		if p, ok := jparent[id]; ok {
			j.Parent = b.index[p]
		}
		if m := between[id]; m != nil {
			// Non-joint models above a root become the skeleton's Base; between joints they
			// fold into the child.
			if j.Parent >= 0 {
				b.fold[i] = m
			} else if i == 0 {
				b.skel.Base = m.Decompose()
			}
		}
		j.Rest = b.localAt(i, x.t, x.r, x.s)
		if !finiteTransform(j.Rest) {
			return nil, errScene(ErrMalformed, "Model %q: rest transform is not finite", o.name)
		}
		b.skel.Joints[i] = j
	}
	return b, nil
}

func finiteTransform(t anim.Transform) bool {
	sum := 0.0
	for k := range 3 {
		sum += t.T[k]*0 + t.S[k]*0 + t.R[k]*0
	}
	sum += t.R[3] * 0
	return sum == 0 // NaN and ±Inf times zero are NaN
}

// localAt is joint i's local transform for the given Lcl values.
func (b *skelBuild) localAt(i int, t, r, s anim.Vec3) anim.Transform {
	x := &b.xf[i]
	if f := b.fold[i]; f != nil {
		return f.Mul(x.matrix(t, x.rotation(r), s)).Decompose()
	}
	return x.local(t, r, s)
}

// ancestry resolves, for non-joint models, the nearest joint above them and the composed
// transform of the non-joint models from just below that joint down to the model.
type ancestry struct {
	s       *scene
	models  map[int64]*fbxObject
	parent  map[int64]int64
	isJoint map[int64]bool
	unit    float64
	done    map[int64]*ancestor
}

type ancestor struct {
	joint    int64 // nearest joint above; meaningful when hasJoint
	hasJoint bool
	acc      anim.Mat4
}

func newAncestry(s *scene, models map[int64]*fbxObject, parent map[int64]int64, isJoint map[int64]bool, unit float64) *ancestry {
	return &ancestry{s: s, models: models, parent: parent, isJoint: isJoint, unit: unit, done: map[int64]*ancestor{}}
}

// resolve answers for non-joint model id, walking up only as far as the first model already
// resolved, and failing on a parent cycle.
func (a *ancestry) resolve(id int64) (*ancestor, error) {
	var path []int64
	onPath := map[int64]bool{}
	cur := id
	var top *ancestor // the resolved ancestor the walk stopped at, or a joint/scene boundary
	for {
		if r, ok := a.done[cur]; ok {
			top = r
			break
		}
		if onPath[cur] {
			return nil, errScene(ErrMalformed, "Connections: model %q is in a parent cycle", a.models[cur].name)
		}
		onPath[cur] = true
		path = append(path, cur)
		p, ok := a.parent[cur]
		if !ok {
			top = &ancestor{acc: anim.Mat4Identity}
			break
		}
		if a.isJoint[p] {
			top = &ancestor{joint: p, hasJoint: true, acc: anim.Mat4Identity}
			break
		}
		cur = p
	}
	for i := len(path) - 1; i >= 0; i-- {
		x := a.s.xform(a.models[path[i]], a.unit)
		r := &ancestor{joint: top.joint, hasJoint: top.hasJoint, acc: top.acc.Mul(x.localMatrix())}
		a.done[path[i]] = r
		top = r
	}
	return top, nil
}
