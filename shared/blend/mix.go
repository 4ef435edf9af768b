package blend

import (
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// phaseBlend is the phase-aligned weighted blend behind mix and blendspace. Every input plays
// over normalised time (phase 0..1 over its own duration); the output lasts the weighted mean
// of the durations. warps, when not nil, maps the output phase to each input's phase (foot sync);
// a warped phase outside 0..1 wraps around a looping input (see source.atPhase).
//
// Rotations blend by successive slerps with running weights (exact for two inputs), non-root
// translations and scales lerp. The Hips are split in world space: height is the weighted mean;
// horizontal motion is the weighted sum of each input's displacement over the same phase step
// (its velocity scaled by its play rate to the output's time base), integrated from the weighted
// start. An in-place clip contributes no displacement, so it slows a root-motion clip down
// instead of pulling it back. Blending displacement per phase rather than per second keeps the
// travel per cycle equal to the weighted stride, which is what the blended legs cover; blending
// velocities per second would over- or under-shoot it by the duration change and slide the feet.
func phaseBlend(srcs []source, w []float64, warps []func(float64) float64, fps float64, name string) *anim.Clip {
	a := &srcs[0]
	n := len(a.idx)
	dur, wsum := 0.0, 0.0
	for i := range srcs {
		dur += w[i] * srcs[i].clip.Duration()
		wsum += w[i]
	}
	dur /= wsum
	frames := gridFrames(dur, fps)
	out := newClip(name, fps, frames, n)
	scratch := make([]anim.Quat, n)
	scratchT := make([]anim.Vec3, 2*n)
	scratchS := scratchT[n:]
	scratchT = scratchT[:n]

	at := func(i int, phi float64) (float64, anim.Vec3) {
		if warps != nil && warps[i] != nil {
			return srcs[i].atPhase(warps[i](phi))
		}
		return phi * srcs[i].clip.Duration(), anim.Vec3{}
	}
	for k := 0; k < frames; k++ {
		phi := 0.0
		if frames > 1 {
			phi = float64(k) / float64(frames-1)
		}
		rot, tr, sc := out.Pose(k)
		// The first input fills every joint, so joints another input lacks keep its values.
		t, shift := at(0, phi)
		a.sample(t, rot, tr, sc)
		acc := w[0]
		var hips anim.Vec3
		if w[0] > 0 {
			hips = a.hips(t).Add(shift).Scale(w[0])
		}
		for i := 1; i < len(srcs); i++ {
			if w[i] <= 0 {
				continue
			}
			s := &srcs[i]
			t, shift := at(i, phi)
			hips = hips.Add(s.hips(t).Add(shift).Scale(w[i]))
			copy(scratch, rot)
			copy(scratchT, tr)
			copy(scratchS, sc)
			s.sample(t, scratch, scratchT, scratchS)
			if acc == 0 {
				copy(rot, scratch)
				copy(tr, scratchT)
				copy(sc, scratchS)
				acc = w[i]
				continue
			}
			acc += w[i]
			u := w[i] / acc
			for j := 0; j < n; j++ {
				rot[j] = anim.Slerp(rot[j], scratch[j], u)
				tr[j] = tr[j].Lerp(scratchT[j], u)
				sc[j] = sc[j].Lerp(scratchS[j], u)
			}
		}
		// The weighted sum of phase-aligned positions equals the weighted start plus the sum of
		// weighted per-step displacements, so this is the integrated blended velocity.
		hips = hips.Scale(1 / wsum)
		tr[a.root] = a.rs.toLocal(hips)
	}
	return out
}

// atPhase returns the time in the input for phase u, which may lie outside 0..1 on a looping
// input: it wraps, and the Hips' horizontal travel per cycle is returned as shift so that a
// looping root-motion clip keeps moving forward across the wrap.
func (s *source) atPhase(u float64) (t float64, shift anim.Vec3) {
	d := s.clip.Duration()
	if u >= 0 && u <= 1 {
		return u * d, anim.Vec3{}
	}
	cycles := math.Floor(u)
	travel := s.hips(d).Sub(s.hips(0))
	travel[1] = 0
	return (u - cycles) * d, travel.Scale(cycles)
}
