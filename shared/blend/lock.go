package blend

import "github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"

// LockFeet limits the clip's foot skating (quality.Skating, cm/s) to allowed, in place, with
// the foot locking the blends use: planted stretches pulled onto a steady path by two-bone IK
// on each leg, their ends untouched. A clip that skates no more than allowed, or whose rig has
// no legs to solve, is left as it is. Other operators (retargeting) keep feet planted with it.
func LockFeet(s *anim.Skeleton, c *anim.Clip, allowed float64) { lockFeet(s, c, allowed) }
