package blend

import (
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// hipsTrack reads the Hips world positions of every frame of c.
func hipsTrack(c *anim.Clip, root int, rs space) []anim.Vec3 {
	h := make([]anim.Vec3, c.Frames)
	for f := range h {
		h[f] = rs.toWorld(c.Translations[f*c.NumJoints+root])
	}
	return h
}

// inPlace removes the Hips' horizontal travel and keeps their sway within a step: it subtracts a
// centred moving average of the horizontal path (about one second wide, narrowing symmetrically
// at the ends, so a straight path at constant speed is removed exactly) and pins the path to the
// first frame's position.
func inPlace(c *anim.Clip, root int, rs space) {
	h := hipsTrack(c, root, rs)
	n := len(h)
	// Prefix sums make every window average O(1).
	sum := make([]anim.Vec3, n+1)
	for f, p := range h {
		sum[f+1] = sum[f].Add(anim.Vec3{p[0], 0, p[2]})
	}
	half := int(math.Round(c.FPS / 2))
	for f := range h {
		r := min(half, f, n-1-f)
		avg := sum[f+r+1].Sub(sum[f-r]).Scale(1 / float64(2*r+1))
		p := h[f]
		p[0] += h[0][0] - avg[0]
		p[2] += h[0][2] - avg[2]
		c.Translations[f*c.NumJoints+root] = rs.toLocal(p)
	}
}

// loop cross-fades the last k frames into the first pose so the clip repeats without a pop. The
// Hips' horizontal motion is blended as velocity toward the clip's opening step, so a clip that
// travels keeps travelling across the seam; pinned (in-place) clips blend position instead.
func loop(c *anim.Clip, root int, rs space, k int, curve string, pinned bool) {
	f0 := c.Frames
	k = min(k, (f0-1)/2)
	if k < 1 {
		return
	}
	n := c.NumJoints
	h := hipsTrack(c, root, rs)
	r0, t0, s0 := c.Pose(0)
	step := h[1].Sub(h[0])
	pos := h[f0-k-1]
	for i := 0; i < k; i++ {
		f := f0 - k + i
		alpha := ease(curve, float64(i+1)/float64(k))
		rot, tr, sc := c.Pose(f)
		for j := 0; j < n; j++ {
			rot[j] = anim.Slerp(rot[j], r0[j], alpha)
			tr[j] = tr[j].Lerp(t0[j], alpha)
			sc[j] = sc[j].Lerp(s0[j], alpha)
		}
		if pinned {
			pos = h[f].Lerp(h[0], alpha)
		} else {
			d := h[f].Sub(h[f-1])
			pos = pos.Add(d.Lerp(step, alpha))
			pos[1] = h[f][1] + (h[0][1]-h[f][1])*alpha
		}
		tr[root] = rs.toLocal(pos)
	}
}
