package fbx

import (
	"math"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// RotationCurves describes the Lcl Rotation curves Encode writes for clip ci of a with these
// options: the joints whose PreRotation, PostRotation and RotationOrder frame them (a fresh
// document folds some of the rest frame into the curves, a reused one keeps the source's),
// and per joint the Euler angles in degrees at every frame, unwrapped as Encode unwraps them.
// Keyframe reduction measures its error on exactly what importers will evaluate from them.
func RotationCurves(a *anim.Animation, ci int, opt WriteOptions) ([]anim.Joint, [][]anim.Vec3, error) {
	if a == nil || a.Skeleton == nil {
		return nil, nil, encodeErr(-1, "animation without a skeleton")
	}
	if ci < 0 || ci >= len(a.Clips) || a.Clips[ci] == nil {
		return nil, nil, encodeErr(-1, "no clip %d", ci)
	}
	c := a.Clips[ci]
	if err := c.Validate(a.Skeleton); err != nil {
		return nil, nil, encodeErr(-1, "clip %d: %v", ci, err)
	}
	joints := writeFreshJoints(a.Skeleton.Joints)
	if src, ok := a.Skeleton.Origin.(*Document); ok && !opt.Fresh && src != nil && src.Version >= 7000 && writeReusable(src, a.Skeleton) {
		joints = a.Skeleton.Joints
	}
	deg := make([][]anim.Vec3, len(joints))
	for j := range joints {
		deg[j] = make([]anim.Vec3, c.Frames)
		writeEulerTrack(deg[j], joints[j], c, j)
	}
	return joints, deg, nil
}

// writeReusable reports whether reuse will keep the source document for skeleton s: it has
// objects, room for new ids above them, and a model for every joint.
func writeReusable(src *Document, s *anim.Skeleton) bool {
	objects := src.Find("Objects")
	if objects == nil {
		return false
	}
	models := map[string]bool{}
	for _, o := range objects.Children {
		if len(o.Props) > 0 && o.Props[0].Type == 'L' && o.Props[0].Int > math.MaxInt64/2 {
			return false
		}
		if o.Name == "Model" && len(o.Props) >= 2 && o.Props[0].Type == 'L' && o.Props[1].Type == 'S' {
			name, _, _ := strings.Cut(o.Props[1].String, "\x00\x01")
			models[name] = true
		}
	}
	for _, j := range s.Joints {
		if !models[j.Name] {
			return false
		}
	}
	return true
}
