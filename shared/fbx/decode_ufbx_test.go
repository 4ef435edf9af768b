//go:build corpus

package fbx

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// TestUfbxAnimCorpus: every animated file from Maya, 3ds Max and Blender parses and decodes
// to a valid clip (FBX 6 from its Takes, later versions from AnimationStacks); FBX 5800 parses
// (its record layout is the same) but its older scene layout is refused by Decode.
func TestUfbxAnimCorpus(t *testing.T) {
	t.Parallel()
	dir := corpus.Path(t, "ufbx/anim")
	files, _ := filepath.Glob(filepath.Join(dir, "*.fbx"))
	if len(files) == 0 {
		t.Skipf("no files in %s", dir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Parse(data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(name, "_5800_") {
				if doc.Find("FBXHeaderExtension") == nil {
					t.Fatal("FBX 5800: no FBXHeaderExtension record")
				}
				if _, err := Decode(data, DefaultLimits()); !errors.Is(err, ErrUnsupported) {
					t.Fatalf("FBX 5800 scene: err = %v, want ErrUnsupported", err)
				}
				return
			}
			if doc.Find("Objects") == nil {
				t.Fatal("no Objects record")
			}
			a, err := Decode(data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, name, a)
			if a.Clip() == nil {
				t.Fatal("no clip")
			}
		})
	}
}

// interpolationRef holds ufbx's reference values for pCube1's X translation in
// maya_anim_interpolation: a weighted cubic segment, then linear, constant and constant-next keys.
var interpolationRef = []struct{ frame, value float64 }{
	{0, 0}, {1, -0.855245}, {2, -1.13344}, {3, -1.17802}, {4, -1.10882}, {5, -0.991537},
	{6, -0.875223}, {7, -0.808958}, {8, -0.858419}, {9, -1.14293},
	{10, -2}, {15, -3}, // linear from -2 to -4
	{20, -4}, {25 - 0.03, -4}, // constant previous
	{25, -6}, {25 + 0.03, -8}, // constant next
	{30, -8}, {35 - 0.03, -8},
	{35, -10},
	{40, -12}, {40 + 0.03, -14},
	{45, -14}, {50 - 0.03, -14},
	{50, -16}, {50 + 0.03, -14},
	{55, -14}, {70, -14}, // held after the last key
}

func TestCurveInterpolationModes(t *testing.T) {
	t.Parallel()
	doc, err := Parse(readCorpus(t, "ufbx/anim/maya_anim_interpolation_7700_binary.fbx"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	c := findCurve(t, newScene(doc), "pCube1", "Lcl Translation", "d|X")
	var cur curveCursor
	c.reset(&cur)
	for _, r := range interpolationRef {
		got := c.eval(r.frame/30*KTimeSecond, &cur)
		if math.Abs(got-r.value) > 1e-4 {
			t.Errorf("frame %v: %.6f, want %.6f", r.frame, got, r.value)
		}
	}
}

// TestDecodeInterpolationModes checks the same reference through Decode's sampled clip, on
// whole frames, for the AnimationStack (7700) and the Take (6100) versions of the scene.
func TestDecodeInterpolationModes(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"maya_anim_interpolation_7700_binary.fbx", "maya_anim_interpolation_6100_binary.fbx"} {
		a, err := Decode(readCorpus(t, "ufbx/anim/"+file), DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		clip := a.Clip()
		j := a.Skeleton.Index("pCube1")
		if clip == nil || j < 0 || clip.FPS != 30 || clip.Start != 0 {
			t.Fatalf("%s: clip %+v, joint %d: want pCube1 at 30 fps from 0", file, clip, j)
		}
		for _, r := range interpolationRef {
			f := int(r.frame)
			if float64(f) != r.frame || f >= clip.Frames {
				continue
			}
			if got := clip.Local(f, j).T[0]; math.Abs(got-r.value) > 1e-4 {
				t.Errorf("%s: frame %d: %.6f, want %.6f", file, f, got, r.value)
			}
		}
	}
}

// TestDecodeTakesMatchStacks: the extrapolation scene saved by Maya as FBX 6100 (Takes) and
// 7100 (AnimationStack) decodes to the same motion.
func TestDecodeTakesMatchStacks(t *testing.T) {
	t.Parallel()
	a6, err := Decode(readCorpus(t, "ufbx/anim/maya_anim_extrapolation_6100_binary.fbx"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	a7, err := Decode(readCorpus(t, "ufbx/anim/maya_anim_extrapolation_7100_binary.fbx"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	c6, c7 := a6.Clip(), a7.Clip()
	if c6 == nil || c7 == nil || c6.Frames != c7.Frames || c6.FPS != c7.FPS || len(a6.Skeleton.Joints) != len(a7.Skeleton.Joints) {
		t.Fatalf("clips differ in shape: %+v vs %+v", c6, c7)
	}
	for f := 0; f < c6.Frames; f++ {
		for j := 0; j < c6.NumJoints; j++ {
			l6, l7 := c6.Local(f, j), c7.Local(f, j)
			if l6.T.Sub(l7.T).Len() > 1e-3 || l6.R.Angle(l7.R) > 1e-4 {
				t.Fatalf("frame %d joint %d: %+v vs %+v", f, j, l6, l7)
			}
		}
	}
}

// findCurve follows the connections from a model's property to the curve on one axis.
func findCurve(t *testing.T, s *scene, model, prop, axis string) *animCurve {
	t.Helper()
	var mid int64
	for _, o := range s.list {
		if o.class == "Model" && o.name == model {
			mid = o.id
		}
	}
	for _, c := range s.conns {
		if !c.op || c.parent != mid || c.prop != prop {
			continue
		}
		for _, c2 := range s.conns {
			if c2.op && c2.parent == c.child && c2.prop == axis {
				if o := s.objects[c2.child]; o != nil && o.class == "AnimationCurve" {
					return newAnimCurve(o.node)
				}
			}
		}
	}
	t.Fatalf("no curve on %s %s %s", model, prop, axis)
	return nil
}

// extrapolationRef holds ufbx's reference values (test/test_animation.h) for pCube1's X
// translation in maya_anim_extrapolation at frames at 24 fps: two keys, 0 at frame 1 and 10 at
// frame 24, repeated after the last key and, in 7200 and later, repeated relative (each cycle
// offset by -10) before the first.
var extrapolationRef = []struct{ frame, value float64 }{
	{1, 0}, {12, 4.674119}, {24, 10}, {25, 0.055067}, {37, 5.972713}, {47, 0}, {5820, 0},
	{4459471, 0}, {4459472, 0.055067}, {9514493, 5.972713}, {100109698, 5.325881},
	{0, -0.055067}, {-12, -5.972713}, {-70, -30.213693}, {-4645, -2020}, {-100509, -43700},
	{-100000181, -43478340}, {-500000000, -217391304.674119},
}

func TestCurveExtrapolation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file     string
		relative bool // the Pre-Extrapolation is repeat relative; constant in 7100
	}{{"maya_anim_extrapolation_7100_binary.fbx", false}, {"maya_anim_extrapolation_7700_binary.fbx", true}} {
		doc, err := Parse(readCorpus(t, "ufbx/anim/"+c.file), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		curve := findCurve(t, newScene(doc), "pCube1", "Lcl Translation", "d|X")
		var cur curveCursor
		curve.reset(&cur)
		for _, r := range extrapolationRef {
			want := r.value
			if r.frame <= 0 && !c.relative {
				want = 0
			}
			got := curve.eval(r.frame/24*KTimeSecond, &cur)
			// ufbx's tolerance: 0.001, or 1e-4 relative for values above 10.
			if tol := math.Min(0.001, math.Max(math.Abs(want), 1)*1e-4); math.Abs(got-want) > tol {
				t.Errorf("%s: frame %v: %.6f, want %.6f", c.file, r.frame, got, want)
			}
		}
	}
}

// TestDecodeExtrapolates: the take runs to frame 120 while the keys end at frame 24, so
// Decode's samples after it are the repeated curve, in both the Take (6100) and the
// AnimationStack (7700) versions.
func TestDecodeExtrapolates(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"maya_anim_extrapolation_6100_binary.fbx", "maya_anim_extrapolation_7700_binary.fbx"} {
		a, err := Decode(readCorpus(t, "ufbx/anim/"+file), DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		clip := a.Clip()
		j := a.Skeleton.Index("pCube1")
		if clip == nil || j < 0 || clip.FPS != 24 || clip.Frames < 38 {
			t.Fatalf("%s: clip %+v, joint %d: want pCube1 at 24 fps over at least 38 frames", file, clip, j)
		}
		first := int(math.Round(clip.Start * clip.FPS)) // the take starts at frame 1
		compared := 0
		for _, r := range extrapolationRef {
			f := int(r.frame) - first
			if f < 0 || f >= clip.Frames {
				continue
			}
			compared++
			if got := clip.Local(f, j).T[0]; math.Abs(got-r.value) > 1e-3 {
				t.Errorf("%s: frame %v: %.6f, want %.6f", file, r.frame, got, r.value)
			}
		}
		if compared < 6 {
			t.Errorf("%s: %d reference frames inside the clip (from frame %d, %d frames), want 6", file, compared, first, clip.Frames)
		}
	}
}
