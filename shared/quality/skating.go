package quality

import "github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"

// Skating measures foot skating alone, as Measure reports it (mean horizontal speed of the
// touching part of a planted foot, cm/s), with the foot contacts it found. It poses only the
// joints from the root down to the feet, so it costs a fraction of Measure; the blend operators
// call it on every result to decide whether to lock the feet.
func Skating(s *anim.Skeleton, c *anim.Clip, opt ContactOptions) (float64, Contacts, error) {
	if err := checkInput(s, c); err != nil {
		return 0, Contacts{}, err
	}
	if err := opt.check("options"); err != nil {
		return 0, Contacts{}, err
	}
	ft, err := findFeet(s)
	if err != nil {
		return 0, Contacts{}, err
	}
	fa := analyzeFeet(s, legTrack(s, c, ft), ft, opt)
	var m Metrics
	m.footMetrics(fa)
	return m.FootSkatingCMPerS, fa.contacts, nil
}

// legTrack is worldTrack restricted to the feet, the toes and their ancestors; other joints
// stay at the origin.
func legTrack(s *anim.Skeleton, c *anim.Clip, ft feet) *track {
	need := make([]bool, c.NumJoints)
	for side := 0; side < 2; side++ {
		for _, j := range []int{ft.foot[side], ft.toe[side]} {
			for ; j >= 0 && !need[j]; j = s.Joints[j].Parent {
				need[j] = true
			}
		}
	}
	var order []int
	for j, ok := range need {
		if ok {
			order = append(order, j)
		}
	}
	t := &track{fps: c.FPS, frames: c.Frames, n: c.NumJoints, p: make([]anim.Vec3, c.Frames*c.NumJoints)}
	world := make([]anim.Mat4, c.NumJoints)
	base := s.Base.Matrix()
	for f := 0; f < c.Frames; f++ {
		for _, j := range order {
			local := c.Local(f, j).Matrix()
			if p := s.Joints[j].Parent; p >= 0 {
				world[j] = world[p].Mul(local)
			} else {
				world[j] = base.Mul(local)
			}
			t.p[f*t.n+j] = anim.Vec3{world[j][12], world[j][13], world[j][14]}
		}
	}
	return t
}
