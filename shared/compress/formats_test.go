package compress

import (
	"bytes"
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/gltf"
)

// TestReducedFilesReadBack writes reduced FBX and GLB files and reads them back with our
// readers: every joint is within the bound of the original at every frame, and the files
// shrink.
func TestReducedFilesReadBack(t *testing.T) {
	t.Parallel()
	s := rig65()
	c := motionClip(s, 2, 60)
	a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{c}}
	const bound = 0.5
	for _, format := range []string{"fbx", "glb"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			opt := Options{MaxErrorCM: bound}
			if format == "fbx" {
				joints, deg, err := fbx.RotationCurves(a, 0, fbx.WriteOptions{})
				if err != nil {
					t.Fatal(err)
				}
				opt.Euler = &EulerCurves{Joints: joints, Degrees: deg}
			}
			r, err := Reduce(s, c, opt)
			if err != nil {
				t.Fatal(err)
			}
			encode := func(k *anim.Keys) []byte {
				var buf bytes.Buffer
				var err error
				var keys []*anim.Keys
				if k != nil {
					keys = []*anim.Keys{k}
				}
				if format == "fbx" {
					err = fbx.Encode(&buf, a, fbx.WriteOptions{Keys: keys})
				} else {
					err = gltf.Encode(&buf, a, gltf.WriteOptions{Keys: keys})
				}
				if err != nil {
					t.Fatal(err)
				}
				return buf.Bytes()
			}
			full, small := encode(nil), encode(r.Keys)
			var back *anim.Animation
			if format == "fbx" {
				back, err = fbx.Decode(small, fbx.DefaultLimits())
			} else {
				back, err = gltf.Decode(small, gltf.DefaultLimits())
			}
			if err != nil {
				t.Fatal(err)
			}
			bc := back.Clip()
			if bc.Frames != c.Frames || bc.FPS != c.FPS {
				t.Fatalf("read back %d frames at %v fps, wrote %d at %v", bc.Frames, bc.FPS, c.Frames, c.FPS)
			}
			// Readers may order the joints their own way: match them by name.
			worst := 0.0
			for f := 0; f < c.Frames; f++ {
				p, q := c.WorldPositions(s, f, nil), bc.WorldPositions(back.Skeleton, f, nil)
				for j, jt := range s.Joints {
					k := back.Skeleton.Index(jt.Name)
					if k < 0 {
						t.Fatalf("joint %s missing from the file", jt.Name)
					}
					worst = math.Max(worst, p[j].Sub(q[k]).Len())
				}
			}
			// float32 keys add a few micrometres to the error Reduce measured in float64.
			if worst > bound+1e-3 {
				t.Errorf("read back within %.4f cm of the original, bound %v (Reduce measured %.4f)", worst, bound, r.MaxErrorCM)
			}
			if len(small) >= len(full) {
				t.Errorf("%d bytes reduced from %d", len(small), len(full))
			}
			t.Logf("%d → %d bytes, read back within %.4f cm (Reduce: %.4f)", len(full), len(small), worst, r.MaxErrorCM)
		})
	}
}
