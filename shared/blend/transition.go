package blend

import (
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// TransitionInfo describes where a transition handed over from A to B.
type TransitionInfo struct {
	StartFrame int `json:"start_frame"` // first cross-fade frame, in A's frames at the output rate
	BFrame     int `json:"b_frame"`     // B's frame that plays at StartFrame
	Frames     int `json:"frames"`      // cross-fade length
	// MatchDistance is what the search for the handover minimised: the RMS over the matched
	// joints of their feature distance (positions, and velocities weighted by (Frames/2)²), in
	// cm. It ranks candidate frames; the transition cost is quality's (TransitionMetrics.Cost).
	MatchDistance float64 `json:"match_distance"`
	Automatic     bool    `json:"automatic"` // whether StartFrame was searched (false: transition_at)
}

// ease maps linear progress t in [0,1] through a cross-fade curve. ease-in-out is the cosine
// ease (1-cos πt)/2: its slope is zero at both ends like smoothstep, with a gentler middle.
func ease(curve string, t float64) float64 {
	switch curve {
	case CurveLinear:
		return t
	case CurveEaseInOut:
		return (1 - math.Cos(math.Pi*t)) / 2
	}
	return t * t * (3 - 2*t)
}

// motionFeatures holds, per frame, matched joints' positions in the character's own frame
// (Hips at the origin horizontally, heading removed), their per-frame velocity, and the Hips'
// horizontal velocity in that frame: a pose comparison that ignores where the character stands
// and which way it faces.
type motionFeatures struct {
	m        int // joints per frame
	pos, vel []anim.Vec3
	root     []anim.Vec3
}

// features evaluates frames lo..hi of s at the output rate fps for the output joints in match;
// heading holds the facing at each frame.
func features(s *source, match []int, lo, hi int, fps float64, heading []float64) motionFeatures {
	m := len(match)
	// Velocities are backward differences; frame 0 has no past, so it takes the forward one.
	first, last := max(lo-1, 0), hi
	if lo == 0 && s.frames(fps) > 1 {
		last = max(hi, 1)
	}
	nraw := last - first + 1
	raw := make([]anim.Vec3, nraw*m)
	rawH := make([]anim.Vec3, nraw)   // Hips, horizontal world position
	rawInv := make([]anim.Quat, nraw) // removes the heading
	tmp := anim.NewClip("", s.skel, fps, 1)
	var world []anim.Vec3
	for fr := first; fr <= last; fr++ {
		t := float64(fr) / fps
		s.clip.Sample(s.clip.Start+t, tmp.Rotations, tmp.Translations, tmp.Scales)
		world = tmp.WorldPositions(s.skel, 0, world)
		h := world[s.root]
		inv := anim.QuatAxisAngle(anim.Vec3{0, 1, 0}, -heading[fr])
		k := fr - first
		for i, j := range match {
			p := world[s.idx[j]]
			raw[k*m+i] = inv.Rotate(anim.Vec3{p[0] - h[0], p[1], p[2] - h[2]}).Scale(s.scale)
		}
		rawH[k], rawInv[k] = anim.Vec3{h[0], 0, h[2]}.Scale(s.scale), inv
	}
	nf := hi - lo + 1
	f := motionFeatures{m: m, pos: make([]anim.Vec3, nf*m), vel: make([]anim.Vec3, nf*m), root: make([]anim.Vec3, nf)}
	for fr := lo; fr <= hi; fr++ {
		k, r := fr-lo, fr-first
		p, q := r-1, r // velocity from raw frame p to q
		if fr == 0 {
			p, q = 0, min(1, nraw-1)
		}
		copy(f.pos[k*m:(k+1)*m], raw[r*m:(r+1)*m])
		for i := 0; i < m; i++ {
			f.vel[k*m+i] = raw[q*m+i].Sub(raw[p*m+i])
		}
		f.root[k] = rawInv[q].Rotate(rawH[q].Sub(rawH[p]))
	}
	return f
}

// frames is the number of frames the input spans at the output rate.
func (s *source) frames(fps float64) int { return gridFrames(s.clip.Duration(), fps) }

// distance is the squared pose-and-velocity distance between frame i of a and frame k of b;
// velocity differences are weighted by h², the frames over which they would build up into a
// position error during the cross-fade.
// It stops early once the sum passes bound, which is all the search needs to know.
func distance(a, b *motionFeatures, i, k int, h2, bound float64) float64 {
	m := a.m
	dr := a.root[i].Sub(b.root[k])
	d := h2 * dr.Dot(dr)
	for j := 0; j < m && d < bound; j++ {
		dp := a.pos[i*m+j].Sub(b.pos[k*m+j])
		dv := a.vel[i*m+j].Sub(b.vel[k*m+j])
		d += dp.Dot(dp) + h2*dv.Dot(dv)
	}
	return d
}

// Search windows of the automatic handover, in seconds.
const (
	searchTail = 2.0
	searchHead = 1.0
)

// transition plays A, cross-fades to B over n frames and plays the rest of B, with B's root
// trajectory re-anchored to A's position and heading at the handover.
func transition(srcs []source, o Options, fps float64, name string) (*anim.Clip, *TransitionInfo, error) {
	a, b := &srcs[0], &srcs[1]
	n := o.TransitionFrames
	fa, fb := a.frames(fps), b.frames(fps)
	if n >= fa || n >= fb {
		return nil, nil, optErr("transition_frames", "%d frames do not fit: A has %d and B %d frames at %v fps", n, fa, fb, fps)
	}
	// Candidates: A's last half (leaving room for the fade) but no more than its last
	// searchTail seconds, and B's first half but no more than its first searchHead seconds.
	// The caps keep the search (quadratic in the windows) cheap on long clips.
	sLo, sHi := max((fa-1)/2, fa-1-int(searchTail*fps)), fa-n
	if sLo > sHi {
		sLo = sHi
	}
	info := &TransitionInfo{Frames: n, Automatic: o.TransitionAt == nil}
	if o.TransitionAt != nil {
		s := int(math.Round(*o.TransitionAt * fps))
		if s > fa-1 {
			return nil, nil, optErr("transition_at", "%vs is after the end of A (%.3fs)", *o.TransitionAt, a.clip.Duration())
		}
		sLo, sHi = s, s
	}
	bHi := min(fb-n, (fb-1)/2, int(searchHead*fps))

	var match []int
	for j, k := range b.idx {
		if k >= 0 {
			match = append(match, j)
		}
	}
	headA, headB := a.headings(fps), b.headings(fps)
	fA := features(a, match, sLo, sHi, fps, headA)
	fB := features(b, match, 0, bHi, fps, headB)
	h := float64(n) / 2
	best := math.Inf(1)
	for s := sLo; s <= sHi; s++ {
		for k := 0; k <= bHi; k++ {
			if d := distance(&fA, &fB, s-sLo, k, h*h, best); d < best {
				best, info.StartFrame, info.BFrame = d, s, k
			}
		}
	}
	info.MatchDistance = math.Sqrt(best / float64(len(match)+1))

	s, bf := info.StartFrame, info.BFrame
	tOf := func(f int) float64 { return float64(f) / fps }
	yaw := headA[s] - headB[bf]
	turn := anim.QuatAxisAngle(anim.Vec3{0, 1, 0}, yaw)
	reanchor := func(q anim.Quat) anim.Quat { return a.rs.rotToLocal(turn.Mul(b.rs.rotToWorld(q))) }
	horiz := func(p anim.Vec3) anim.Vec3 { return anim.Vec3{p[0], 0, p[2]} }

	total := s + fb - bf
	nj := len(a.idx)
	out := newClip(name, fps, total, nj)
	scratch := make([]anim.Quat, nj)
	scratchT := make([]anim.Vec3, 2*nj)
	scratchS := scratchT[nj:]
	scratchT = scratchT[:nj]
	var pos anim.Vec3 // integrated Hips world position
	for f := 0; f < total; f++ {
		rot, tr, sc := out.Pose(f)
		if f < s {
			a.sample(tOf(f), rot, tr, sc)
			pos = a.hips(tOf(f))
			tr[a.root] = a.rs.toLocal(pos)
			continue
		}
		i := f - s
		fA := min(s+i, fa-1)
		a.sample(tOf(fA), rot, tr, sc) // also holds the joints B lacks
		alpha := 1.0
		if i < n {
			alpha = ease(o.Curve, float64(i+1)/float64(n+1))
		}
		copy(scratch, rot)
		copy(scratchT, tr)
		copy(scratchS, sc)
		b.sample(tOf(bf+i), scratch, scratchT, scratchS)
		scratch[a.root] = reanchor(scratch[a.root])
		for j := 0; j < nj; j++ {
			rot[j] = anim.Slerp(rot[j], scratch[j], alpha)
			tr[j] = tr[j].Lerp(scratchT[j], alpha)
			sc[j] = sc[j].Lerp(scratchS[j], alpha)
		}
		// Root: height blends, horizontal motion blends as velocity (displacement per frame).
		ha, hb := a.hips(tOf(fA)), b.hips(tOf(bf+i))
		var dA, dB anim.Vec3
		if s+i <= fa-1 && s+i > 0 {
			dA = horiz(ha.Sub(a.hips(tOf(s + i - 1))))
		}
		switch {
		case bf+i > 0:
			dB = horiz(hb.Sub(b.hips(tOf(bf + i - 1))))
		case fb > 1:
			dB = horiz(b.hips(tOf(1)).Sub(hb))
		}
		dB = turn.Rotate(dB)
		if f == 0 {
			pos = horiz(ha)
		} else {
			pos = pos.Add(dA.Scale(1 - alpha)).Add(dB.Scale(alpha))
		}
		pos[1] = ha[1] + (hb[1]-ha[1])*alpha
		tr[a.root] = a.rs.toLocal(pos)
	}
	return out, info, nil
}
