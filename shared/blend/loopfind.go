package blend

import (
	"fmt"
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// LoopSearch configures FindLoop.
type LoopSearch struct {
	// MinSeconds is the shortest cycle considered; 0 means half the clip, so a walk's half
	// cycle (left and right foot swapped, a poor loop) is not taken for a whole one.
	MinSeconds float64
}

// LoopPoints are the best loop of a clip: the pose and velocity at End match those at Start,
// so Start..End played as a cycle (End standing in for Start) has the smallest seam.
type LoopPoints struct {
	Start     int     `json:"start_frame"`
	End       int     `json:"end_frame"`
	StartTime float64 `json:"start_s"`
	EndTime   float64 `json:"end_s"`
	// Cost is the seam's pose-and-velocity distance, RMS centimetres over the joints (see
	// FindLoop); ClipCost is the same for the clip's own ends (first against last frame).
	Cost     float64 `json:"cost_cm"`
	ClipCost float64 `json:"clip_cost_cm"`
}

// loopVelocityWeight turns a velocity difference into a pose difference: the distance the
// joints would drift apart in 0.1 s.
const loopVelocityWeight = 0.1

// FindLoop finds the frames Start < End, at least MinSeconds apart, whose poses and velocities
// are closest: joint positions relative to the Hips' ground point with the Hips' yaw removed
// (so a clip that travels or turns compares its body, not its place), and their velocities in
// cm/s weighted by 0.1 s. The distance is the RMS over the joints, per frame pair, in cm; ties
// go to the longer cycle.
func FindLoop(s *anim.Skeleton, c *anim.Clip, opt LoopSearch) (LoopPoints, error) {
	if s == nil || c == nil {
		return LoopPoints{}, fmt.Errorf("blend: loop: no clip")
	}
	if err := s.Validate(); err != nil {
		return LoopPoints{}, fmt.Errorf("blend: loop: %w", err)
	}
	if err := c.Validate(s); err != nil {
		return LoopPoints{}, fmt.Errorf("blend: loop: %w", err)
	}
	if !finite(opt.MinSeconds) || opt.MinSeconds < 0 {
		return LoopPoints{}, fmt.Errorf("blend: loop: minimum length %v s must be 0 or more", opt.MinSeconds)
	}
	if c.Frames < 3 {
		return LoopPoints{}, fmt.Errorf("blend: loop: clip %q has %d frames; a loop needs 3 or more", c.Name, c.Frames)
	}
	hips := hipsIndex(s)
	if hips < 0 {
		return LoopPoints{}, fmt.Errorf("blend: loop: the rig has no Hips joint")
	}
	minLen := int(math.Ceil(opt.MinSeconds * c.FPS))
	if opt.MinSeconds == 0 {
		minLen = (c.Frames - 1) / 2
	}
	minLen = max(minLen, 2)
	if minLen > c.Frames-1 {
		return LoopPoints{}, fmt.Errorf("blend: loop: clip %q lasts %.4g s, shorter than the minimum cycle of %.4g s", c.Name, c.Duration(), opt.MinSeconds)
	}
	feat := loopFeatures(s, c, hips)
	n := c.NumJoints
	stride := 6 * n
	// dist is the squared RMS distance times n; it stops early once past limit, which prunes
	// most pairs once a good loop is known.
	dist := func(a, b int, limit float64) float64 {
		fa, fb := feat[a*stride:(a+1)*stride], feat[b*stride:(b+1)*stride]
		var sum float64
		for k := 0; k < stride; k += 6 {
			d0, d1, d2 := fa[k]-fb[k], fa[k+1]-fb[k+1], fa[k+2]-fb[k+2]
			d3, d4, d5 := fa[k+3]-fb[k+3], fa[k+4]-fb[k+4], fa[k+5]-fb[k+5]
			sum += d0*d0 + d1*d1 + d2*d2 + d3*d3 + d4*d4 + d5*d5
			if sum > limit {
				return sum
			}
		}
		return sum
	}
	best := LoopPoints{}
	bestSum := math.Inf(1)
	const tie = 1e-12
	for a := 0; a+minLen < c.Frames; a++ {
		for b := c.Frames - 1; b >= a+minLen; b-- { // longer cycles first: they win ties
			if d := dist(a, b, bestSum); d < bestSum-tie {
				best.Start, best.End, bestSum = a, b, d
			}
		}
	}
	best.Cost = math.Sqrt(bestSum / float64(n))
	best.StartTime, best.EndTime = float64(best.Start)/c.FPS, float64(best.End)/c.FPS
	best.ClipCost = math.Sqrt(dist(0, c.Frames-1, math.Inf(1)) / float64(n))
	return best, nil
}

// loopFeatures returns, per frame and joint, six numbers: the joint's position relative to the
// Hips' ground point in the Hips' heading frame, then its velocity there (cm/s, central
// differences) scaled by loopVelocityWeight.
func loopFeatures(s *anim.Skeleton, c *anim.Clip, hips int) []float64 {
	n := c.NumJoints
	q, p, sc := make([]anim.Quat, n), make([]anim.Vec3, n), make([]float64, n)
	pos := make([]anim.Vec3, c.Frames*n)
	var q0 anim.Quat
	for f := 0; f < c.Frames; f++ {
		worldPose(s, c, f, q, p, sc)
		if f == 0 {
			q0 = q[hips]
		}
		head := anim.QuatAxisAngle(anim.Vec3{0, 1, 0}, -yawOf(q[hips].Mul(q0.Conj())))
		g := anim.Vec3{p[hips][0], 0, p[hips][2]}
		for j := 0; j < n; j++ {
			pos[f*n+j] = head.Rotate(p[j].Sub(g))
		}
	}
	feat := make([]float64, c.Frames*6*n)
	for f := 0; f < c.Frames; f++ {
		a, b := max(f-1, 0), min(f+1, c.Frames-1)
		k := loopVelocityWeight * c.FPS / float64(b-a)
		for j := 0; j < n; j++ {
			p, v := pos[f*n+j], pos[b*n+j].Sub(pos[a*n+j]).Scale(k)
			copy(feat[(f*n+j)*6:], []float64{p[0], p[1], p[2], v[0], v[1], v[2]})
		}
	}
	return feat
}

// findLoopCut trims the result to its best loop points for loop_find.
func findLoopCut(s *anim.Skeleton, c *anim.Clip) (*anim.Clip, *LoopPoints, error) {
	lp, err := FindLoop(s, c, LoopSearch{})
	if err != nil {
		return nil, nil, optErr("loop_find", "%v", err)
	}
	return copyFrames(c, lp.Start, lp.End), &lp, nil
}
