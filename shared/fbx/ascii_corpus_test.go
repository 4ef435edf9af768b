//go:build corpus

package fbx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// asciiCorpus lists the binary FBX 6 and 7 files of the corpus with animation.
func asciiCorpus(t testing.TB) []string {
	dir := corpus.Require(t)
	var out []string
	for _, pat := range []string{"mixamo/*.fbx", "ufbx/anim/*_binary.fbx"} {
		m, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pat)))
		for _, f := range m {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte(magic)) {
				continue
			}
			if v := uint32(data[23]) | uint32(data[24])<<8; v < minSceneVersion {
				continue
			}
			out = append(out, f)
		}
	}
	if len(out) < 20 {
		t.Fatalf("found %d binary FBX files in the corpus, want 20 or more", len(out))
	}
	return out
}

// TestASCIIRoundTripCorpus: every binary corpus file written as ASCII reads back to the same
// node tree (names, property types and values), decodes to the same joints, frame rate,
// frames and world positions, and writes the same binary FBX as the original.
func TestASCIIRoundTripCorpus(t *testing.T) {
	t.Parallel()
	for _, f := range asciiCorpus(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			bin, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Parse(bin, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			if err := doc.EncodeASCII(&text); err != nil {
				t.Fatal(err)
			}
			back, err := Parse(text.Bytes(), DefaultLimits())
			if err != nil {
				t.Fatalf("reading the ASCII form: %v", err)
			}
			if d := encodeDiffNodes("", withoutTopLevel(doc.Nodes), back.Nodes); d != "" || doc.Version != back.Version {
				t.Errorf("tree differs after ASCII: version %d/%d %s", doc.Version, back.Version, d)
			}

			a1, err := Decode(bin, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			a2, err := Decode(text.Bytes(), DefaultLimits())
			if err != nil {
				t.Fatalf("decoding the ASCII form: %v", err)
			}
			if len(a1.Clips) != len(a2.Clips) || len(a1.Skeleton.Joints) != len(a2.Skeleton.Joints) {
				t.Fatalf("%d clips of %d joints, ASCII %d of %d", len(a1.Clips), len(a1.Skeleton.Joints), len(a2.Clips), len(a2.Skeleton.Joints))
			}
			for i := range a1.Skeleton.Joints {
				if a1.Skeleton.Joints[i].Name != a2.Skeleton.Joints[i].Name {
					t.Fatalf("joint %d: %q, ASCII %q", i, a1.Skeleton.Joints[i].Name, a2.Skeleton.Joints[i].Name)
				}
			}
			for ci, c1 := range a1.Clips {
				c2 := a2.Clips[ci]
				if c1.FPS != c2.FPS || c1.Frames != c2.Frames || c1.Name != c2.Name {
					t.Fatalf("clip %d: %q %v fps %d frames, ASCII %q %v fps %d frames", ci, c1.Name, c1.FPS, c1.Frames, c2.Name, c2.FPS, c2.Frames)
				}
				if d := maxWorldDistance(a1.Skeleton, c1, a2.Skeleton, c2); d > 0.01 {
					t.Errorf("clip %q: world positions differ by up to %.4f cm, want at most 0.01", c1.Name, d)
				}
			}

			var out1, out2 bytes.Buffer
			if err := Encode(&out1, a1, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := Encode(&out2, a2, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			// The FBX SDK writes no file identity in ASCII, so the binary written from the
			// ASCII form carries the known one: all else is equal, record for record.
			d1, err := Parse(out1.Bytes(), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			d2, err := Parse(out2.Bytes(), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if d := encodeDiffNodes("", withoutIdentity(d1.Nodes), withoutIdentity(d2.Nodes)); d != "" {
				t.Errorf("binary written from the ASCII form differs from the one written from the binary: %s", d)
			}
		})
	}
}

// maxWorldDistance is the largest distance, in centimetres, between the world positions of
// the same joint on the same frame of two clips of equal shape.
func maxWorldDistance(s1 *anim.Skeleton, c1 *anim.Clip, s2 *anim.Skeleton, c2 *anim.Clip) float64 {
	var p1, p2 []anim.Vec3
	worst := 0.0
	for f := range c1.Frames {
		p1 = c1.WorldPositions(s1, f, p1)
		p2 = c2.WorldPositions(s2, f, p2)
		for j := range p1 {
			worst = max(worst, p1[j].Sub(p2[j]).Len())
		}
	}
	return worst
}

// withoutIdentity drops what ties a binary file to its moment of writing: FileId,
// CreationTime, FBXHeaderExtension's CreationTimeStamp, and the top-level Creator, which
// ASCII files keep in FBXHeaderExtension only.
func withoutIdentity(nodes []*Node) []*Node {
	var out []*Node
	for _, n := range nodes {
		switch n.Name {
		case "FileId", "CreationTime", "Creator":
			continue
		case "FBXHeaderExtension":
			h := *n
			h.Children = nil
			for _, c := range n.Children {
				if c.Name != "CreationTimeStamp" {
					h.Children = append(h.Children, c)
				}
			}
			n = &h
		}
		out = append(out, n)
	}
	return out
}
