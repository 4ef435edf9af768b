package blend

import (
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// maskWeights returns the per-joint layer weight on the output skeleton: weight on the masked
// joints and their descendants, 0 elsewhere.
func maskWeights(s *anim.Skeleton, m Mask, weight float64) ([]float64, error) {
	names := make([]string, len(s.Joints))
	parents := make([]int, len(s.Joints))
	for i, j := range s.Joints {
		names[i], parents[i] = j.Name, j.Parent
	}
	part, preset := m.Preset()
	if !preset {
		part = mixamo.BodyPart{Name: "joints", Chains: m}
	}
	mask, missing := part.Mask(names, parents)
	if !preset && len(missing) > 0 {
		return nil, optErr("mask", "joints %s are not in the first input's skeleton (presets: %s)",
			strings.Join(missing, ", "), strings.Join(mixamo.BodyPartNames(), ", "))
	}
	w := make([]float64, len(mask))
	hit := false
	for i, in := range mask {
		if in {
			w[i], hit = weight, true
		}
	}
	if !hit {
		return nil, optErr("mask", "preset %q matches no joint of the first input's skeleton (it lacks %s)",
			part.Name, strings.Join(missing, ", "))
	}
	return w, nil
}

// overA is the output grid shared by layer and additive: A's duration at the output rate, with B
// phase-aligned to it (B is stretched or squeezed so that both cycles start and end together,
// the same alignment as mix; a one-off B is not looped).
func overA(a, b *source, fps float64) (frames int, tA, tB func(k int) float64) {
	da, db := a.clip.Duration(), b.clip.Duration()
	frames = gridFrames(da, fps)
	tA = func(k int) float64 { return min(float64(k)/fps, da) }
	tB = func(k int) float64 {
		if da == 0 {
			return 0
		}
		return tA(k) / da * db
	}
	return frames, tA, tB
}

// layer slerps B's local rotations into A on the masked joints. Translations and scales stay A's,
// so root motion and bone lengths are A's.
func layer(srcs []source, w []float64, fps float64, name string) *anim.Clip {
	a, b := &srcs[0], &srcs[1]
	n := len(a.idx)
	frames, tA, tB := overA(a, b, fps)
	out := newClip(name, fps, frames, n)
	scratch := make([]anim.Quat, n)
	scratchT := make([]anim.Vec3, 2*n)
	for k := 0; k < frames; k++ {
		rot, tr, sc := out.Pose(k)
		a.sample(tA(k), rot, tr, sc)
		copy(scratch, rot) // joints B lacks stay A's
		b.sample(tB(k), scratch, scratchT[:n], scratchT[n:])
		for j, wj := range w {
			if wj > 0 {
				rot[j] = anim.Slerp(rot[j], scratch[j], wj)
			}
		}
	}
	return out
}
