package gltf

import (
	"fmt"
	"math"

	gltfdoc "github.com/qmuntal/gltf"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// metresToCM converts glTF units to the model's centimetres.
const metresToCM = 100

// hierarchy is the checked node forest: every node has at most one parent and no cycles.
type hierarchy struct {
	parent []int // -1 for a scene-level node
}

func (d *decoder) hierarchy() (*hierarchy, error) {
	nodes := d.doc.Nodes
	h := &hierarchy{parent: make([]int, len(nodes))}
	for i := range h.parent {
		h.parent[i] = -1
	}
	for i, n := range nodes {
		if n == nil {
			return nil, errAt(ErrReference, fmt.Sprintf("nodes[%d]", i), "a node object", "null")
		}
		for k, c := range n.Children {
			path := fmt.Sprintf("nodes[%d].children[%d]", i, k)
			switch {
			case c < 0 || c >= len(nodes):
				return nil, errAt(ErrReference, path, fmt.Sprintf("a node index below %d", len(nodes)), fmt.Sprint(c))
			case c == i:
				return nil, errAt(ErrHierarchy, path, "a node other than itself", fmt.Sprint(c))
			case h.parent[c] >= 0:
				return nil, errAt(ErrHierarchy, path, "each node to have one parent",
					fmt.Sprintf("node %d is also a child of node %d", c, h.parent[c]))
			}
			h.parent[c] = i
		}
	}
	// With one parent each, a cycle is the only way a parent chain can fail to end.
	const (
		unknown = iota
		visiting
		done
	)
	state := make([]uint8, len(nodes))
	var chain []int
	for i := range nodes {
		chain = chain[:0]
		n := i
		for n >= 0 && state[n] == unknown {
			state[n] = visiting
			chain = append(chain, n)
			n = h.parent[n]
		}
		if n >= 0 && state[n] == visiting {
			return nil, errAt(ErrHierarchy, fmt.Sprintf("nodes[%d]", n), "a tree of nodes", "a cycle through this node")
		}
		for _, c := range chain {
			state[c] = done
		}
	}
	return h, nil
}

// ancestors returns n's ancestors from its parent up to the scene-level node.
func (h *hierarchy) ancestors(n int) []int {
	var out []int
	for p := h.parent[n]; p >= 0; p = h.parent[p] {
		out = append(out, p)
	}
	return out
}

// localTransform returns a node's rest transform in glTF units.
func localTransform(n *gltfdoc.Node, path string) (anim.Transform, error) {
	var t anim.Transform
	if n.Matrix != gltfdoc.DefaultMatrix && n.Matrix != ([16]float64{}) {
		if !finite(n.Matrix[:]) {
			return t, errAt(ErrValue, path+".matrix", "finite values", fmt.Sprint(n.Matrix))
		}
		t = anim.Mat4(n.Matrix).Decompose()
	} else {
		r, s, tr := n.RotationOrDefault(), n.ScaleOrDefault(), n.TranslationOrDefault()
		if !finite(r[:]) || !finite(s[:]) || !finite(tr[:]) {
			return t, errAt(ErrValue, path, "finite translation, rotation and scale", fmt.Sprint(tr, r, s))
		}
		t = anim.Transform{T: anim.Vec3(tr), R: anim.Quat(r).Normalize(), S: anim.Vec3(s)}
	}
	return t, nil
}

func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// worldMatrix returns node n's world matrix in glTF units, or the identity for n = -1.
func (d *decoder) worldMatrix(h *hierarchy, n int) (anim.Mat4, error) {
	m := anim.Mat4Identity
	for ; n >= 0; n = h.parent[n] {
		t, err := localTransform(d.doc.Nodes[n], fmt.Sprintf("nodes[%d]", n))
		if err != nil {
			return m, err
		}
		m = t.Matrix().Mul(m)
	}
	return m, nil
}

// skeleton builds the joint list and maps node index → joint index (-1 for non-joints).
func (d *decoder) skeleton(h *hierarchy) (*anim.Skeleton, []int, error) {
	var order []int
	var base int
	var err error
	if len(d.doc.Skins) > 0 {
		order, base, err = d.skinJoints(h)
	} else {
		order, base, err = d.animatedTree(h)
	}
	if err != nil {
		return nil, nil, err
	}
	jointOf := make([]int, len(d.doc.Nodes))
	for i := range jointOf {
		jointOf[i] = -1
	}
	for j, n := range order {
		jointOf[n] = j
	}
	s := &anim.Skeleton{Joints: make([]anim.Joint, len(order))}
	for j, n := range order {
		node := d.doc.Nodes[n]
		rest, err := localTransform(node, fmt.Sprintf("nodes[%d]", n))
		if err != nil {
			return nil, nil, err
		}
		rest.T = rest.T.Scale(metresToCM)
		if !finiteTransform(rest) {
			return nil, nil, errAt(ErrValue, fmt.Sprintf("nodes[%d]", n), "a transform that stays finite in centimetres", fmt.Sprint(rest))
		}
		parent := -1
		if p := h.parent[n]; p >= 0 {
			parent = jointOf[p]
		}
		s.Joints[j] = anim.Joint{
			Name: node.Name, Parent: parent, Rest: rest,
			PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity,
		}
		if s.Joints[j].Name == "" {
			s.Joints[j].Name = fmt.Sprintf("node%d", n)
		}
	}
	bm, err := d.worldMatrix(h, base)
	if err != nil {
		return nil, nil, err
	}
	s.Base = bm.Decompose()
	s.Base.T = s.Base.T.Scale(metresToCM)
	if !finiteTransform(s.Base) {
		return nil, nil, errAt(ErrValue, fmt.Sprintf("nodes[%d]", base), "a finite world transform above the root joints", fmt.Sprint(s.Base))
	}
	if err := s.Validate(); err != nil {
		return nil, nil, errAt(ErrHierarchy, "skeleton", "parents before children", err.Error())
	}
	return s, jointOf, nil
}

// skinJoints takes the first skin's joints, adds any nodes lying between a joint and its
// nearest joint ancestor (their transforms matter), and lifts roots with different parents to
// their lowest common ancestor so one Base transform sits above every root.
func (d *decoder) skinJoints(h *hierarchy) (order []int, base int, err error) {
	skin := d.doc.Skins[0]
	if skin == nil || len(skin.Joints) == 0 {
		return nil, 0, errAt(ErrReference, "skins[0]", "a skin with joints", "none")
	}
	member := make([]bool, len(d.doc.Nodes))
	for k, n := range skin.Joints {
		path := fmt.Sprintf("skins[0].joints[%d]", k)
		if n < 0 || n >= len(d.doc.Nodes) {
			return nil, 0, errAt(ErrReference, path, fmt.Sprintf("a node index below %d", len(d.doc.Nodes)), fmt.Sprint(n))
		}
		if member[n] {
			return nil, 0, errAt(ErrHierarchy, path, "each joint listed once", fmt.Sprintf("node %d listed again", n))
		}
		member[n] = true
	}
	var extra []int
	above := memberAbove(h, member)
	for _, n := range skin.Joints {
		if !above[n] {
			continue
		}
		// Marking as we go lets later walks stop at the first node already taken.
		for p := h.parent[n]; !member[p]; p = h.parent[p] {
			member[p] = true
			extra = append(extra, p)
		}
	}
	seeds := append(append([]int(nil), skin.Joints...), extra...)
	base, lifted := liftRoots(h, member, seeds)
	seeds = append(seeds, lifted...)
	return parentsFirst(h, member, seeds), base, nil
}

// liftRoots finds the node above the roots. When the roots have different parents it makes
// the nodes up to their lowest common ancestor members (or, when the roots lie in different
// scene trees, their whole ancestor chains) and returns them.
func liftRoots(h *hierarchy, member []bool, seeds []int) (base int, added []int) {
	var roots []int
	above := memberAbove(h, member)
	for _, n := range seeds {
		if !above[n] {
			roots = append(roots, n)
		}
	}
	same := true
	for _, r := range roots[1:] {
		same = same && h.parent[r] == h.parent[roots[0]]
	}
	if same {
		return h.parent[roots[0]], nil
	}
	lca := commonAncestor(h, roots)
	for _, r := range roots {
		// Roots are members and their ancestors were not, so a member met on the way up was
		// added by an earlier walk that already went on to the top: stop there.
		for p := h.parent[r]; p >= 0 && !member[p]; p = h.parent[p] {
			member[p] = true
			added = append(added, p)
			if p == lca {
				break
			}
		}
	}
	if lca < 0 {
		return -1, added
	}
	return h.parent[lca], added
}

// memberAbove reports, for every node, whether some ancestor is a member. Each node is
// resolved once, so deep hierarchies cost linear time.
func memberAbove(h *hierarchy, member []bool) []bool {
	const (
		unknown = iota
		no
		yes
	)
	state := make([]uint8, len(member))
	var path []int
	for n := range member {
		path = path[:0]
		m, found := n, uint8(no)
		for {
			p := h.parent[m]
			if p < 0 {
				break
			}
			if member[p] {
				found = yes
				break
			}
			if state[p] != unknown {
				found = state[p]
				break
			}
			path = append(path, p)
			m = p
		}
		state[n] = found
		for _, q := range path {
			state[q] = found
		}
	}
	out := make([]bool, len(member))
	for i, st := range state {
		out[i] = st == yes
	}
	return out
}

// commonAncestor returns the deepest node that is an ancestor of every node given, or -1.
// A node counts as its own ancestor. Walks stop at nodes already visited, so the cost is
// linear in the number of nodes however deep the tree.
func commonAncestor(h *hierarchy, nodes []int) int {
	if len(nodes) == 0 {
		return -1
	}
	chain := append([]int{nodes[0]}, h.ancestors(nodes[0])...)
	// meet[n] is the index into chain where a walk up from n joins it; -1 never, -2 unknown.
	meet := make([]int, len(h.parent))
	for i := range meet {
		meet[i] = -2
	}
	for k, n := range chain {
		meet[n] = k
	}
	best := 0 // the candidate's index into chain; grows toward the scene root
	var path []int
	for _, n := range nodes[1:] {
		path = path[:0]
		m := n
		for m >= 0 && meet[m] == -2 {
			path = append(path, m)
			m = h.parent[m]
		}
		k := -1
		if m >= 0 {
			k = meet[m]
		}
		for _, q := range path {
			meet[q] = k
		}
		if k < 0 {
			return -1
		}
		best = max(best, k)
	}
	return chain[best]
}

// parentsFirst orders the members so parents precede children, keeping the seeds' order
// wherever it already does.
func parentsFirst(h *hierarchy, member []bool, seeds []int) []int {
	emitted := make([]bool, len(member))
	order := make([]int, 0, len(seeds))
	var chain []int
	for _, n := range seeds {
		chain = chain[:0]
		for m := n; m >= 0 && member[m] && !emitted[m]; m = h.parent[m] {
			chain = append(chain, m)
		}
		for k := len(chain) - 1; k >= 0; k-- {
			emitted[chain[k]] = true
			order = append(order, chain[k])
		}
	}
	return order
}

// animatedTree is the skeleton of a file without a skin: the subtree under the lowest common
// ancestor of the animated nodes, without nodes that carry a mesh, camera or skin.
func (d *decoder) animatedTree(h *hierarchy) (order []int, base int, err error) {
	seen := make([]bool, len(d.doc.Nodes))
	var animated []int
	for _, a := range d.doc.Animations {
		if a == nil {
			continue
		}
		for _, c := range a.Channels {
			if c == nil || c.Target.Node == nil || !isTRS(c.Target.Path) {
				continue
			}
			if n := *c.Target.Node; n >= 0 && n < len(seen) && !seen[n] {
				seen[n] = true
				animated = append(animated, n)
			}
		}
	}
	if len(animated) == 0 {
		return nil, 0, errAt(ErrNoSkeleton, "skins", "a skin or an animation moving nodes", "neither")
	}
	var tops []int
	if lca := commonAncestor(h, animated); lca >= 0 {
		tops = []int{lca}
	} else {
		done := make(map[int]bool)
		for _, n := range animated {
			top := n
			for h.parent[top] >= 0 {
				top = h.parent[top]
			}
			if !done[top] {
				done[top] = true
				tops = append(tops, top)
			}
		}
	}
	stack := make([]int, 0, len(d.doc.Nodes))
	for k := len(tops) - 1; k >= 0; k-- {
		stack = append(stack, tops[k])
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		node := d.doc.Nodes[n]
		if (node.Mesh != nil || node.Camera != nil || node.Skin != nil) && !seen[n] {
			continue
		}
		order = append(order, n)
		for k := len(node.Children) - 1; k >= 0; k-- {
			stack = append(stack, node.Children[k])
		}
	}
	if len(tops) > 1 {
		return order, -1, nil
	}
	return order, h.parent[tops[0]], nil
}

func isTRS(p gltfdoc.TRSProperty) bool {
	return p == gltfdoc.TRSTranslation || p == gltfdoc.TRSRotation || p == gltfdoc.TRSScale
}
