package retarget

import (
	"fmt"
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// rigShape varies a generated Mixamo rig: limb length factors, a twist of every joint's rest
// orientation (as rigs with and without PreRotation differ), which fingers it has, and its prefix.
type rigShape struct {
	prefix  string
	legs    float64 // factor on thigh and shin lengths
	arms    float64
	spine   float64
	twist   float64 // radians: each joint's rest frame turns by this about its own axis
	fingers []string
}

var (
	xbotShape   = rigShape{prefix: "mixamorig:", legs: 1, arms: 1, spine: 1, fingers: []string{"Thumb", "Index", "Middle", "Ring", "Pinky"}}
	stockyShape = rigShape{prefix: "", legs: 0.8, arms: 1.2, spine: 1.1, twist: 0.7, fingers: []string{"Thumb", "Index"}}
)

// genRig builds a T-posed humanoid in the Mixamo layout (65 joints with all fingers, 41 with
// thumb and index only). A twist rotates every joint's rest frame and counter-rotates its
// children's offsets, so the rest pose's joint positions do not change but every local
// rotation does.
func genRig(sh rigShape) *anim.Skeleton {
	s := &anim.Skeleton{Base: anim.Identity}
	twist := func(i int) anim.Quat {
		if sh.twist == 0 {
			return anim.QuatIdentity
		}
		ax := anim.Vec3{math.Sin(float64(i)), 1, math.Cos(float64(i) * 1.3)}
		return anim.QuatAxisAngle(ax.Scale(1/ax.Len()), sh.twist)
	}
	// worldR tracks each joint's rest world rotation, to express offsets in its parent's frame.
	var worldR []anim.Quat
	add := func(name string, parent int, off anim.Vec3) int {
		i := len(s.Joints)
		pr := anim.QuatIdentity
		if parent >= 0 {
			pr = worldR[parent]
		}
		w := twist(i)
		s.Joints = append(s.Joints, anim.Joint{
			Name: sh.prefix + name, Parent: parent,
			Rest:        anim.Transform{T: pr.Conj().Rotate(off), R: pr.Conj().Mul(w), S: anim.Vec3{1, 1, 1}},
			PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity,
		})
		worldR = append(worldR, w)
		return i
	}
	hips := add("Hips", -1, anim.Vec3{0, 100 * sh.legs, 0})
	spine := add("Spine", hips, anim.Vec3{0, 10 * sh.spine, 0})
	spine1 := add("Spine1", spine, anim.Vec3{0, 12 * sh.spine, 0})
	spine2 := add("Spine2", spine1, anim.Vec3{0, 14 * sh.spine, 0})
	neck := add("Neck", spine2, anim.Vec3{0, 16 * sh.spine, 0})
	head := add("Head", neck, anim.Vec3{0, 9, 0})
	add("HeadTop_End", head, anim.Vec3{0, 20, 0})
	for _, side := range []struct {
		name string
		x    float64
	}{{"Left", 1}, {"Right", -1}} {
		sh2 := add(side.name+"Shoulder", spine2, anim.Vec3{6 * side.x, 12, 0})
		arm := add(side.name+"Arm", sh2, anim.Vec3{12 * side.x * sh.arms, 0, 0})
		fore := add(side.name+"ForeArm", arm, anim.Vec3{27 * side.x * sh.arms, 0, 0})
		hand := add(side.name+"Hand", fore, anim.Vec3{27 * side.x * sh.arms, 0, 0})
		for fi, finger := range sh.fingers {
			p := hand
			for k := 1; k <= 4; k++ {
				p = add(fmt.Sprintf("%sHand%s%d", side.name, finger, k), p, anim.Vec3{3 * side.x, 0, float64(fi-2) * 2})
			}
		}
	}
	for _, side := range []struct {
		name string
		x    float64
	}{{"Left", 1}, {"Right", -1}} {
		up := add(side.name+"UpLeg", hips, anim.Vec3{9 * side.x, -6 * sh.legs, 0})
		leg := add(side.name+"Leg", up, anim.Vec3{0, -42 * sh.legs, 0})
		foot := add(side.name+"Foot", leg, anim.Vec3{0, -42 * sh.legs, 0})
		toe := add(side.name+"ToeBase", foot, anim.Vec3{0, -8, 12})
		add(side.name+"Toe_End", toe, anim.Vec3{0, 0, 8})
	}
	return s
}

// walkClip animates s with a walk-like cycle: legs swing about X in opposition with the knee
// bending on the forward swing, arms counter-swing, the spine sways, and the Hips travel
// forward at speed cm/s and bob. Rotations are applied in world space about each joint's rest
// frame, so rigs of any rest orientation make the same motion.
func walkClip(s *anim.Skeleton, seconds, fps, speed float64) *anim.Clip {
	frames := int(math.Round(seconds*fps)) + 1
	c := anim.NewClip("walk", s, fps, frames)
	restW := make([]anim.Quat, len(s.Joints))
	for i, m := range c.WorldMatrices(s, 0, nil) {
		restW[i] = m.Decompose().R
	}
	byName := map[string]int{}
	for i, j := range s.Joints {
		byName[trimPrefix(j.Name)] = i
	}
	world := make([]anim.Quat, len(s.Joints))
	for f := 0; f < frames; f++ {
		t := float64(f) / fps
		ph := 2 * math.Pi * t // one stride a second
		swing := map[string]anim.Quat{
			"LeftUpLeg":  anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, -0.45*math.Sin(ph)),
			"RightUpLeg": anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, 0.45*math.Sin(ph)),
			"LeftLeg":    anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, 0.5*math.Max(0, math.Sin(ph+1))),
			"RightLeg":   anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, 0.5*math.Max(0, -math.Sin(ph+1))),
			"LeftArm":    anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, 0.3*math.Sin(ph)),
			"RightArm":   anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, -0.3*math.Sin(ph)),
			"Spine1":     anim.QuatAxisAngle(anim.Vec3{0, 1, 0}, 0.1*math.Sin(ph)),
			"Head":       anim.QuatAxisAngle(anim.Vec3{0, 0, 1}, 0.05*math.Sin(2*ph)),
		}
		rot, tr, _ := c.Pose(f)
		for i, j := range s.Joints {
			parent := s.Base.R
			if j.Parent >= 0 {
				parent = world[j.Parent]
			}
			// The joint's world rotation is its parent's motion, then its own swing, on its rest frame.
			parentDelta := parent.Mul(parentRest(s, restW, i).Conj())
			d := parentDelta
			if q, ok := swing[trimPrefix(j.Name)]; ok {
				d = parentDelta.Mul(q)
			}
			world[i] = d.Mul(restW[i]).Normalize()
			rot[i] = parent.Conj().Mul(world[i]).Normalize()
		}
		hips := byName["Hips"]
		tr[hips] = tr[hips].Add(anim.Vec3{0, 2 * math.Cos(2*ph), speed * t})
	}
	return c
}

func parentRest(s *anim.Skeleton, restW []anim.Quat, i int) anim.Quat {
	if p := s.Joints[i].Parent; p >= 0 {
		return restW[p]
	}
	return s.Base.R
}

func trimPrefix(n string) string {
	if len(n) > len("mixamorig:") && n[:len("mixamorig:")] == "mixamorig:" {
		return n[len("mixamorig:"):]
	}
	return n
}
