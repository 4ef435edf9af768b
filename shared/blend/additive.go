package blend

import "github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"

// additive adds B's motion relative to its reference pose onto A, as ozz-animation and Unreal
// Engine do in local space: delta = ref⁻¹·b, result = a·slerp(I, delta, w). Translations add
// w·(b − ref) and scales multiply by lerp(1, b/ref, w). With a = ref and w = 1 the result is b.
func additive(srcs []source, refFrame int, weight, fps float64, name string) (*anim.Clip, error) {
	a, b := &srcs[0], &srcs[1]
	if refFrame >= b.clip.Frames {
		return nil, optErr("reference_frame", "%d is past B's last frame %d", refFrame, b.clip.Frames-1)
	}
	n := len(a.idx)
	refR, refT, refS := b.clip.Pose(refFrame)
	frames, tA, tB := overA(a, b, fps)
	out := newClip(name, fps, frames, n)
	bR := make([]anim.Quat, n)
	bT := make([]anim.Vec3, 2*n)
	bS := bT[n:]
	bT = bT[:n]
	for k := 0; k < frames; k++ {
		rot, tr, sc := out.Pose(k)
		a.sample(tA(k), rot, tr, sc)
		b.sample(tB(k), bR, bT, bS)
		for j, src := range b.idx {
			if src < 0 {
				continue // no delta for joints B lacks
			}
			delta := refR[src].Conj().Mul(bR[j])
			rot[j] = rot[j].Mul(anim.Slerp(anim.QuatIdentity, delta, weight))
			tr[j] = tr[j].Add(bT[j].Sub(b.mapT(j, src, refT[src])).Scale(weight))
			for c := 0; c < 3; c++ {
				if refS[src][c] != 0 {
					sc[j][c] *= 1 + weight*(bS[j][c]/refS[src][c]-1)
				}
			}
		}
	}
	return out, nil
}
