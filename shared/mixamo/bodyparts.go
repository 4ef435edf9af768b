package mixamo

import (
	"sort"
	"strings"
)

// BodyPart is a named group of joints for masked (layered) blending. Chains are joints masked
// together with all their descendants; Joints are masked alone, without their descendants.
//
// The presets split the rig so that upper_body and lower_body are complements:
//   - upper_body: Spine and everything below it in the hierarchy (chest, neck, head, arms, fingers).
//   - lower_body: the Hips joint itself (its rotation, i.e. pelvis tilt and twist) and both legs from
//     the UpLeg down. Hips translation (root motion) is never layered.
//   - spine: Spine, Spine1, Spine2 only.
//   - head: Neck and everything below it (Head, HeadTop_End, eyes).
//   - left_arm, right_arm: the Shoulder and everything below it (arm, hand, fingers).
type BodyPart struct {
	Name   string
	Chains []string
	Joints []string
}

// BodyPartNames returns the preset names in a stable order.
func BodyPartNames() []string {
	return []string{"upper_body", "lower_body", "left_arm", "right_arm", "head", "spine"}
}

// LookupBodyPart returns the preset with this name (case-insensitive, '-' accepted for '_').
func LookupBodyPart(name string) (BodyPart, bool) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	switch n {
	case "upper_body":
		return BodyPart{Name: n, Chains: []string{"Spine"}}, true
	case "lower_body":
		return BodyPart{Name: n, Chains: []string{"LeftUpLeg", "RightUpLeg"}, Joints: []string{"Hips"}}, true
	case "left_arm":
		return BodyPart{Name: n, Chains: []string{"LeftShoulder"}}, true
	case "right_arm":
		return BodyPart{Name: n, Chains: []string{"RightShoulder"}}, true
	case "head":
		return BodyPart{Name: n, Chains: []string{"Neck"}}, true
	case "spine":
		return BodyPart{Name: n, Joints: []string{"Spine", "Spine1", "Spine2"}}, true
	}
	return BodyPart{}, false
}

// Mask marks the joints of a skeleton that belong to the part. names are the skeleton's joint
// names in any Mixamo spelling and parents their parent indices (parents precede children).
// It returns one flag per joint and the part's joint names (canonical) the skeleton lacks, sorted.
func (p BodyPart) Mask(names []string, parents []int) (mask []bool, missing []string) {
	index := make(map[string]int, len(names))
	for i, n := range names {
		if _, dup := index[Normalize(n)]; !dup {
			index[Normalize(n)] = i
		}
	}
	mask = make([]bool, len(names))
	chain := make([]bool, len(names))
	for _, c := range p.Chains {
		i, ok := index[Normalize(c)]
		if !ok {
			missing = append(missing, Normalize(c))
			continue
		}
		chain[i] = true
	}
	// Parents precede children, so one forward pass carries a chain to every descendant.
	for i := range names {
		if parents[i] >= 0 && chain[parents[i]] {
			chain[i] = true
		}
		mask[i] = chain[i]
	}
	for _, j := range p.Joints {
		i, ok := index[Normalize(j)]
		if !ok {
			missing = append(missing, Normalize(j))
			continue
		}
		mask[i] = true
	}
	sort.Strings(missing)
	return mask, missing
}
