package anim

import "fmt"

// Keys selects, for each joint's translation, rotation and scale track of a clip, the frames
// a writer stores as keys; players interpolate linearly between them. Each list increases
// strictly, starts at frame 0 and ends at the clip's last frame. A nil *Keys, or a nil list,
// keeps every frame.
type Keys struct {
	T, R, S [][]int
}

// Check reports whether k fits clip c: one list per joint for each track, each increasing
// from 0 to c.Frames-1 (or nil).
func (k *Keys) Check(c *Clip) error {
	if k == nil {
		return nil
	}
	for _, tr := range []struct {
		name  string
		lists [][]int
	}{{"T", k.T}, {"R", k.R}, {"S", k.S}} {
		if tr.lists == nil {
			continue
		}
		if len(tr.lists) != c.NumJoints {
			return fmt.Errorf("keys %s: %d joint lists for a clip of %d joints", tr.name, len(tr.lists), c.NumJoints)
		}
		for j, l := range tr.lists {
			if l == nil {
				continue
			}
			if len(l) == 0 || l[0] != 0 || l[len(l)-1] != c.Frames-1 {
				return fmt.Errorf("keys %s joint %d: must run from frame 0 to %d", tr.name, j, c.Frames-1)
			}
			for i := 1; i < len(l); i++ {
				if l[i] <= l[i-1] {
					return fmt.Errorf("keys %s joint %d: frame %d follows %d", tr.name, j, l[i], l[i-1])
				}
			}
		}
	}
	return nil
}

// KeyFrames returns list j of lists, or every one of frames frames when there is none.
func KeyFrames(lists [][]int, j, frames int) []int {
	if j < len(lists) && lists[j] != nil {
		return lists[j]
	}
	all := make([]int, frames)
	for f := range all {
		all[f] = f
	}
	return all
}
