package quality

import "github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"

// Skating measures foot skating alone, as Measure reports it (mean horizontal speed of the
// touching part of a planted foot, cm/s), with the foot contacts it found. It poses only the
// joints from the root down to the feet, so it costs a fraction of Measure; the blend operators
// call it on every result to decide whether to lock the feet.
func Skating(s *anim.Skeleton, c *anim.Clip, opt ContactOptions) (float64, Contacts, error) {
	sk, con, _, err := SkatingPositions(s, c, opt)
	return sk, con, err
}

// SkatingPositions is Skating that also returns the world positions it posed, frame-major
// (joint j at frame f is at f*c.NumJoints+j): those of the feet and toes (LeftFoot, RightFoot,
// LeftToeBase, RightToeBase by mixamo.Normalize) and their ancestors; other entries are zero.
// Foot locking reads the feet from them instead of posing the clip again.
func SkatingPositions(s *anim.Skeleton, c *anim.Clip, opt ContactOptions) (float64, Contacts, []anim.Vec3, error) {
	if err := checkInput(s, c); err != nil {
		return 0, Contacts{}, nil, err
	}
	if err := opt.check("options"); err != nil {
		return 0, Contacts{}, nil, err
	}
	ft, err := findFeet(s)
	if err != nil {
		return 0, Contacts{}, nil, err
	}
	tr := legTrack(s, c, ft)
	fa := analyzeFeet(s, tr, ft, opt)
	var m Metrics
	m.footMetrics(fa)
	return m.FootSkatingCMPerS, fa.contacts, tr.p, nil
}

// legTrack is worldTrack restricted to the feet, the toes and their ancestors; other joints
// stay at the origin.
func legTrack(s *anim.Skeleton, c *anim.Clip, ft feet) *track {
	order := s.Chain(ft.foot[0], ft.foot[1], ft.toe[0], ft.toe[1])
	t := &track{fps: c.FPS, frames: c.Frames, n: c.NumJoints, p: make([]anim.Vec3, c.Frames*c.NumJoints)}
	world := make([]anim.Mat4, c.NumJoints)
	for f := 0; f < c.Frames; f++ {
		c.WorldMatricesOf(s, f, order, world)
		for _, j := range order {
			t.p[f*t.n+j] = anim.Vec3{world[j][12], world[j][13], world[j][14]}
		}
	}
	return t
}
