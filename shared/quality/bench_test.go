package quality

import (
	"fmt"
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// benchRig is the legs rig grown to 65 joints (the X Bot's count) with a chain of upper-body
// joints, each bending a little every frame so forward kinematics does real work.
func benchRig() *anim.Skeleton {
	s := legsRig(1)
	for len(s.Joints) < 65 {
		i := len(s.Joints)
		s.Joints = append(s.Joints, anim.Joint{Name: fmt.Sprintf("mixamorig:Extra%d", i), Parent: i - 1,
			Rest: anim.Transform{T: anim.Vec3{0, 3, 0}, R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}}})
	}
	return s
}

func BenchmarkMeasure(b *testing.B) {
	s := benchRig()
	for _, sec := range []int{1, 10} {
		frames := sec*60 + 1
		c := gaitClip(s, 60, frames, 1, 15, 120)
		for f := 0; f < frames; f++ {
			for j := jSpine; j < c.NumJoints; j++ {
				c.Rotations[f*c.NumJoints+j] = anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, 0.05*math.Sin(float64(f+j)/7))
			}
		}
		b.Run(fmt.Sprintf("%ds_65joints_60fps", sec), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Measure(s, c, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
