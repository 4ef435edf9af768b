package blend

import (
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

// legChain is one leg's joints: hip (UpLeg), knee (Leg), ankle (Foot) and toe (-1 if none).
type legChain struct{ up, knee, foot, toe int }

func findLegs(s *anim.Skeleton) ([2]legChain, bool) {
	idx := map[string]int{}
	for i, j := range s.Joints {
		idx[mixamo.Normalize(j.Name)] = i
	}
	var legs [2]legChain
	for side, p := range []string{"Left", "Right"} {
		up, ok1 := idx[p+"UpLeg"]
		knee, ok2 := idx[p+"Leg"]
		foot, ok3 := idx[p+"Foot"]
		if !ok1 || !ok2 || !ok3 || s.Joints[foot].Parent != knee || s.Joints[knee].Parent != up {
			return legs, false
		}
		toe, ok := idx[p+"ToeBase"]
		if !ok || s.Joints[toe].Parent != foot {
			toe = -1
		}
		legs[side] = legChain{up, knee, foot, toe}
	}
	return legs, true
}

// allowedSkating is what a blend may skate: its inputs' skating weighted as the blend weighs
// them. ok is false when an input has no feet to measure.
func allowedSkating(inputs []*anim.Animation, w []float64) (float64, bool) {
	sum := 0.0
	for i, a := range inputs {
		if w[i] == 0 {
			continue
		}
		sk, _, err := quality.Skating(a.Skeleton, a.Clip(), quality.ContactOptions{})
		if err != nil {
			return 0, false
		}
		sum += w[i] * sk
	}
	return sum, true
}

// lockFeet limits the clip's foot skating to allowed (cm/s), as engines' foot locking does:
// within each stretch where a foot is planted and the same part of it (ankle or toe) touches
// down, the touching point is pulled towards the straight, steady path between the stretch's
// ends, and two-bone IK on the leg puts it there with the foot's orientation kept. The ends of
// each stretch do not move, so nothing pops. A clip that already skates no more than allowed
// is left exactly as it is.
func lockFeet(s *anim.Skeleton, c *anim.Clip, allowed float64) {
	legs, ok := findLegs(s)
	if !ok || c.Frames < 3 {
		return
	}
	n := c.NumJoints
	// IK reads the world matrices of the legs and what is above them, nothing else.
	chain := s.Chain(legs[0].foot, legs[1].foot)
	world := make([]anim.Mat4, n)
	type goal struct {
		set    bool
		target anim.Vec3
	}
	goals := make([][2]goal, c.Frames)
	for iter := 0; iter < 4; iter++ {
		// The positions skating was measured on include the feet and toes read below.
		sk, con, pos, err := quality.SkatingPositions(s, c, quality.ContactOptions{})
		if err != nil || sk <= allowed {
			return
		}
		// Keep this fraction of each deviation from the steady path; skating scales with it.
		keep := 0.97 * allowed / sk
		clear(goals)
		at := func(f, j int) anim.Vec3 { return pos[f*n+j] }
		for side, in := range [][]bool{con.Left, con.Right} {
			lg := legs[side]
			parts := []int{lg.foot}
			if lg.toe >= 0 {
				parts = append(parts, lg.toe)
			}
			minY := map[int]float64{}
			for _, j := range parts {
				m := at(0, j)[1]
				for f := 1; f < c.Frames; f++ {
					m = min(m, at(f, j)[1])
				}
				minY[j] = m
			}
			low := func(f int) int {
				best := parts[0]
				for _, j := range parts[1:] {
					if at(f, j)[1]-minY[j] < at(f, best)[1]-minY[best] {
						best = j
					}
				}
				return best
			}
			for p := 0; p < c.Frames; {
				if !in[p] {
					p++
					continue
				}
				part, q := low(p), p+1
				for q < c.Frames && in[q] && low(q) == part {
					q++
				}
				if q-p >= 3 {
					p0, p1 := at(p, part), at(q-1, part)
					for f := p + 1; f < q-1; f++ {
						line := p0.Lerp(p1, float64(f-p)/float64(q-1-p))
						cur := at(f, part)
						want := line.Add(cur.Sub(line).Scale(keep))
						want[1] = cur[1]
						goals[f][side] = goal{true, at(f, lg.foot).Add(want.Sub(cur))}
					}
				}
				p = q
			}
		}
		for f := 0; f < c.Frames; f++ {
			if !goals[f][0].set && !goals[f][1].set {
				continue
			}
			// The legs do not share joints below the hips, so one pose serves both.
			c.WorldMatricesOf(s, f, chain, world)
			for side, g := range goals[f] {
				if g.set {
					lg := legs[side]
					c.TwoBoneIK(s, f, lg.up, lg.knee, lg.foot, g.target, world)
				}
			}
		}
	}
}
