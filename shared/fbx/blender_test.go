//go:build corpus

package fbx_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
)

// blenderRef is one file of testdata/blender, written by verify/blender/ref_positions.py
// (make blender-refs): Blender's world bone heads for a corpus file, in cm, Y up.
type blenderRef struct {
	Source     string         `json:"source"`
	SHA256     string         `json:"sha256"`
	Blender    string         `json:"blender"`
	FPS        float64        `json:"fps"`
	FrameStart float64        `json:"frame_start"`
	FrameEnd   float64        `json:"frame_end"`
	Frames     []int          `json:"frames"`
	Bones      []string       `json:"bones"`
	Positions  [][][3]float64 `json:"positions"` // [frame][bone]
}

// blenderTolerance is how far, in centimetres, our joints may be from Blender's.
const blenderTolerance = 0.1

// TestDecodeMatchesBlender holds the reader to an independent evaluator: Blender's FBX importer
// placed every bone of these corpus files, and our reader plus forward kinematics must put each
// joint of the same name within 0.1 cm of it at the first, quarter, half and last frames.
func TestDecodeMatchesBlender(t *testing.T) {
	t.Parallel()
	refs, err := filepath.Glob(filepath.Join("testdata", "blender", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) == 0 {
		t.Fatal("no references in testdata/blender: run make blender-refs")
	}
	for _, refPath := range refs {
		t.Run(strings.TrimSuffix(filepath.Base(refPath), ".json"), func(t *testing.T) {
			var ref blenderRef
			b, err := os.ReadFile(refPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &ref); err != nil {
				t.Fatalf("%s: %v", refPath, err)
			}
			data, err := os.ReadFile(corpus.Path(t, "mixamo/"+ref.Source))
			if err != nil {
				t.Fatal(err)
			}
			a, err := fbx.Decode(data, fbx.DefaultLimits())
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			compareWithBlender(t, a, ref)
		})
	}
}

func compareWithBlender(t *testing.T, a *anim.Animation, ref blenderRef) {
	t.Helper()
	s, c := a.Skeleton, a.Clip()
	if c == nil {
		t.Fatal("no clip")
	}
	if c.FPS != ref.FPS {
		t.Errorf("fps %g, Blender %g", c.FPS, ref.FPS)
	}
	// Blender keys FBX time t at frame t*fps, so its action spans our frames exactly.
	if first, last := c.Start*c.FPS, c.Start*c.FPS+float64(c.Frames-1); math.Abs(first-ref.FrameStart) > 1e-3 || math.Abs(last-ref.FrameEnd) > 1e-3 {
		t.Errorf("frames %g..%g (%d at %g fps from %g s), Blender %g..%g", first, last, c.Frames, c.FPS, c.Start, ref.FrameStart, ref.FrameEnd)
	}
	if len(s.Joints) != len(ref.Bones) {
		t.Errorf("%d joints, Blender %d bones", len(s.Joints), len(ref.Bones))
	}
	index := make(map[string]int, len(ref.Bones))
	for i, n := range ref.Bones {
		index[n] = i
	}
	worst := 0.0
	for fi, frame := range ref.Frames {
		f := int(math.Round(float64(frame) - c.Start*c.FPS))
		if f < 0 || f >= c.Frames {
			t.Errorf("Blender frame %d is outside our %d frames", frame, c.Frames)
			continue
		}
		pos := c.WorldPositions(s, f, nil)
		for j, joint := range s.Joints {
			bi, ok := index[joint.Name]
			if !ok {
				if fi == 0 {
					t.Errorf("joint %q: Blender has no bone of that name", joint.Name)
				}
				continue
			}
			want := anim.Vec3(ref.Positions[fi][bi])
			d := pos[j].Sub(want).Len()
			worst = math.Max(worst, d)
			if d > blenderTolerance {
				t.Errorf("frame %d joint %q at (%.4f, %.4f, %.4f), Blender (%.4f, %.4f, %.4f): %.4f cm apart",
					frame, joint.Name, pos[j][0], pos[j][1], pos[j][2], want[0], want[1], want[2], d)
			}
		}
	}
	t.Logf("%d joints at frames %v: largest distance from Blender %.5f cm", len(s.Joints), ref.Frames, worst)
}
