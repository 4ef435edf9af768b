package fbx

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// writeBenchSkeleton is a 65-joint hierarchy shaped like a Mixamo rig: a spine chain with two
// arms of five four-bone fingers and two legs, PreRotation on every other joint.
func writeBenchSkeleton(tb testing.TB) *anim.Skeleton {
	s := &anim.Skeleton{Base: anim.Identity}
	add := func(name string, parent int) int {
		pre := anim.QuatIdentity
		if len(s.Joints)%2 == 1 {
			pre = anim.EulerToQuat(anim.Vec3{float64(len(s.Joints)), -3, 0.5}, anim.OrderXYZ)
		}
		s.Joints = append(s.Joints, anim.Joint{Name: fmt.Sprintf("mixamorig:%s", name), Parent: parent,
			Rest: anim.Transform{T: anim.Vec3{0, 10, 0}, R: pre, S: anim.Vec3{1, 1, 1}}, PreRotation: pre, PostRotation: anim.QuatIdentity})
		return len(s.Joints) - 1
	}
	chain := func(prefix string, parent, n int) int {
		for i := 0; i < n; i++ {
			parent = add(fmt.Sprintf("%s%d", prefix, i+1), parent)
		}
		return parent
	}
	hips := add("Hips", -1)
	spine := chain("Spine", hips, 6) // three spine bones, neck, head, head top
	for _, side := range []string{"Left", "Right"} {
		hand := chain(side+"Arm", spine, 4)
		for _, f := range []string{"Thumb", "Index", "Middle", "Ring", "Pinky"} {
			chain(side+"Hand"+f, hand, 4)
		}
		chain(side+"Leg", hips, 5)
	}
	if len(s.Joints) != 65 {
		tb.Fatalf("bench skeleton has %d joints, want 65", len(s.Joints))
	}
	return s
}

// writeBenchClip moves every joint of s on a grid of frames at fps.
func writeBenchClip(s *anim.Skeleton, fps float64, frames int) *anim.Clip {
	c := anim.NewClip("bench", s, fps, frames)
	for f := 0; f < frames; f++ {
		rot, tr, _ := c.Pose(f)
		ph := float64(f) / fps
		tr[0] = tr[0].Add(anim.Vec3{0, math.Sin(ph * 6), ph * 100})
		for j := range rot {
			rot[j] = s.Joints[j].Rest.R.Mul(anim.EulerToQuat(anim.Vec3{20 * math.Sin(ph*3+float64(j)), 10 * math.Cos(ph*2), 5}, anim.OrderXYZ))
		}
	}
	return c
}

// writeBenchCorpusClip extends the X Bot walk (65 joints, 60 fps) to the given number of
// frames by looping it, keeping its source document for Origin reuse.
func writeBenchCorpusClip(b *testing.B, frames int) *anim.Animation {
	src, err := Decode(readEncodeCorpus(b, "kirby-xbot60__Walking_InPlace.fbx"), Limits{})
	if err != nil {
		b.Fatalf("Decode: %v", err)
	}
	sc := src.Clip()
	c := anim.NewClip("walk", src.Skeleton, sc.FPS, frames)
	for f := 0; f < frames; f++ {
		r, t, s := c.Pose(f)
		r0, t0, s0 := sc.Pose(f % sc.Frames)
		copy(r, r0)
		copy(t, t0)
		copy(s, s0)
	}
	return &anim.Animation{Skeleton: src.Skeleton, Clips: []*anim.Clip{c}}
}

func benchmarkEncode(b *testing.B, a *anim.Animation, opt WriteOptions) {
	var buf bytes.Buffer
	if err := Encode(&buf, a, opt); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, a, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/file")
}

// BenchmarkEncodeAnimation writes a 65-joint 60 fps clip of 1 s and 10 s as a fresh
// document, and over the X Bot source document (Origin reuse).
func BenchmarkEncodeAnimation(b *testing.B) {
	for _, seconds := range []int{1, 10} {
		frames := seconds*60 + 1
		b.Run(fmt.Sprintf("generated/fresh/%ds", seconds), func(b *testing.B) {
			s := writeBenchSkeleton(b)
			benchmarkEncode(b, &anim.Animation{Skeleton: s, Clips: []*anim.Clip{writeBenchClip(s, 60, frames)}}, WriteOptions{})
		})
		for _, fresh := range []bool{true, false} {
			mode := "reuse"
			if fresh {
				mode = "fresh"
			}
			b.Run(fmt.Sprintf("xbot/%s/%ds", mode, seconds), func(b *testing.B) {
				benchmarkEncode(b, writeBenchCorpusClip(b, frames), WriteOptions{Fresh: fresh})
			})
		}
	}
}

// BenchmarkDocumentEncode measures the record encoder alone on real documents.
func BenchmarkDocumentEncode(b *testing.B) {
	for _, name := range []string{"kirby-xbot60__Walking_InPlace.fbx", "kirby-xbot60__Idle.fbx", "kirby-xbot__x_bot_character_skin.fbx"} {
		b.Run(name, func(b *testing.B) {
			doc, err := Parse(readEncodeCorpus(b, name), Limits{})
			if err != nil {
				b.Fatal(err)
			}
			out, err := doc.AppendEncoded(nil, EncodeOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if out, err = doc.AppendEncoded(out[:0], EncodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
