package gltf

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// synthAnimation builds a humanoid-sized tree of n joints (a spine with branching limbs) and
// one clip of the given rate and length whose rotations, root translation and one scale move.
func synthAnimation(n int, fps, seconds float64) *anim.Animation {
	s := &anim.Skeleton{Base: anim.Identity}
	for i := 0; i < n; i++ {
		parent := -1
		if i > 0 {
			parent = (i - 1) / 2 * 2 / 2 // binary-ish tree: parents always precede children
			if i%5 == 0 {
				parent = i - 1
			}
		}
		rest := anim.Transform{
			T: anim.Vec3{float64(i%3) - 1, 10 + float64(i%7), float64(i%2) * 0.5},
			R: anim.QuatAxisAngle(anim.Vec3{0, 0, 1}, 0.05*float64(i%9)),
			S: anim.Vec3{1, 1, 1},
		}
		if i == 0 {
			rest.T = anim.Vec3{0, 95, 0}
		}
		s.Joints = append(s.Joints, anim.Joint{
			Name: fmt.Sprintf("mixamorig:Bone%02d", i), Parent: parent, Rest: rest,
			PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity,
		})
	}
	frames := int(math.Round(seconds*fps)) + 1
	c := anim.NewClip("synthetic", s, fps, frames)
	axis := anim.Vec3{0.6, 0.8, 0}
	for f := 0; f < frames; f++ {
		t := float64(f) / fps
		for j := 0; j < n; j++ {
			i := f*n + j
			wobble := anim.QuatAxisAngle(axis, 0.7*math.Sin(2*math.Pi*t+float64(j)))
			c.Rotations[i] = s.Joints[j].Rest.R.Mul(wobble)
		}
		c.Translations[f*n] = anim.Vec3{30 * math.Sin(t), 95 + 5*math.Cos(3*t), 40 * t}
		c.Scales[f*n+n-1] = anim.Vec3{1 + 0.2*math.Sin(t), 1, 1}
	}
	return &anim.Animation{Skeleton: s, Clips: []*anim.Clip{c}}
}

func encodeT(tb testing.TB, a *anim.Animation, opt WriteOptions) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, a, opt); err != nil {
		tb.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

func readCorpus(tb testing.TB, rel string) []byte {
	tb.Helper()
	p := corpus.Path(tb, rel)
	data, err := os.ReadFile(p)
	if err != nil {
		tb.Fatalf("corpus file %s: %v", rel, err)
	}
	return data
}

// splitGLB returns a GLB's JSON as a generic map and its BIN chunk, for tests that corrupt it.
func splitGLB(tb testing.TB, glb []byte) (map[string]any, []byte) {
	tb.Helper()
	jsonText, bin, err := splitContainer(glb)
	if err != nil {
		tb.Fatalf("splitContainer: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(jsonText, &m); err != nil {
		tb.Fatalf("json: %v", err)
	}
	return m, bin
}

// joinGLB assembles a GLB from a JSON value and a BIN chunk (nil for none).
func joinGLB(tb testing.TB, doc any, bin []byte) []byte {
	tb.Helper()
	js, err := json.Marshal(doc)
	if err != nil {
		tb.Fatalf("json: %v", err)
	}
	for len(js)%4 != 0 {
		js = append(js, ' ')
	}
	binPadded := append([]byte(nil), bin...)
	for len(binPadded)%4 != 0 {
		binPadded = append(binPadded, 0)
	}
	total := 12 + 8 + len(js)
	if bin != nil {
		total += 8 + len(binPadded)
	}
	out := make([]byte, 0, total)
	out = binary.LittleEndian.AppendUint32(out, glbMagic)
	out = binary.LittleEndian.AppendUint32(out, 2)
	out = binary.LittleEndian.AppendUint32(out, uint32(total))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(js)))
	out = binary.LittleEndian.AppendUint32(out, chunkJSON)
	out = append(out, js...)
	if bin != nil {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(binPadded)))
		out = binary.LittleEndian.AppendUint32(out, chunkBIN)
		out = append(out, binPadded...)
	}
	return out
}

// maxLocalError returns the largest rotation angle (rad) and translation distance (cm)
// between two clips on the same skeleton layout, frame by frame.
func maxLocalError(tb testing.TB, a, b *anim.Clip) (rot, tr, sc float64) {
	tb.Helper()
	if a.Frames != b.Frames || a.NumJoints != b.NumJoints {
		tb.Fatalf("clip shape %d×%d vs %d×%d", a.Frames, a.NumJoints, b.Frames, b.NumJoints)
	}
	for i := range a.Rotations {
		rot = math.Max(rot, a.Rotations[i].Angle(b.Rotations[i]))
		tr = math.Max(tr, a.Translations[i].Sub(b.Translations[i]).Len())
		sc = math.Max(sc, a.Scales[i].Sub(b.Scales[i]).Len())
	}
	return rot, tr, sc
}
