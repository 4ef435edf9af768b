package fbx

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

func asciiOf(t testing.TB, d *Document) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := d.EncodeASCII(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestASCIIRoundTripFixtures: generated binary files, written as ASCII, read back to the same
// tree and decode to the same clip.
func TestASCIIRoundTripFixtures(t *testing.T) {
	t.Parallel()
	s := writeTestRig(true)
	written, err := EncodeDocument(&anim.Animation{Skeleton: s, Clips: []*anim.Clip{writeTestClip(s, 30, 31)}}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var writtenBin bytes.Buffer
	if err := written.Encode(&writtenBin, EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		bin  []byte
	}{
		{"scene 7400", sceneFixture(7400)},
		{"scene 7700", sceneFixture(7700)},
		{"written clip", writtenBin.Bytes()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse(tc.bin, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			text := asciiOf(t, doc)
			back, err := ParseASCII(text, DefaultLimits())
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if d := encodeDiffNodes("", withoutTopLevel(doc.Nodes), back.Nodes); d != "" || back.Version != doc.Version {
				t.Fatalf("version %d, want %d; %s\n%s", back.Version, doc.Version, d, text)
			}
			a1, err1 := Decode(tc.bin, DefaultLimits())
			a2, err2 := Decode(text, DefaultLimits())
			if err1 != nil || err2 != nil {
				t.Fatalf("decode: %v / %v", err1, err2)
			}
			for ci := range a1.Clips {
				c1, c2 := a1.Clips[ci], a2.Clips[ci]
				if c1.Frames != c2.Frames || c1.FPS != c2.FPS {
					t.Fatalf("clip %d: %d frames at %v fps, ASCII %d at %v", ci, c1.Frames, c1.FPS, c2.Frames, c2.FPS)
				}
				for f := range c1.Frames {
					p1 := c1.WorldPositions(a1.Skeleton, f, nil)
					p2 := c2.WorldPositions(a2.Skeleton, f, nil)
					for j := range p1 {
						if p1[j] != p2[j] {
							t.Fatalf("clip %d frame %d joint %d: %v, ASCII %v", ci, f, j, p1[j], p2[j])
						}
					}
				}
			}
		})
	}
}

// TestParseASCIIText reads what the FBX SDK and other writers put in ASCII files.
func TestParseASCIIText(t *testing.T) {
	t.Parallel()
	const head = "; FBX 7.4.0 project file\n"
	tests := []struct {
		name  string
		text  string
		check func(t *testing.T, d *Document)
	}{
		{"version from the header record wins", "; FBX 7.4.0 project file\nFBXHeaderExtension:  {\n\tFBXVersion: 7500\n}\n",
			func(t *testing.T, d *Document) {
				if d.Version != 7500 {
					t.Errorf("version %d, want 7500", d.Version)
				}
			}},
		{"object names and ids", head + "Objects:  {\n\tModel: 2052994112, \"Model::mixamorig:Hips\", \"LimbNode\" {\n\t}\n}\n",
			func(t *testing.T, d *Document) {
				m := d.Find("Objects").Children[0]
				if m.Props[0].Type != 'L' || m.Props[0].Int != 2052994112 || m.Props[1].String != "mixamorig:Hips\x00\x01Model" || m.Props[2].String != "LimbNode" {
					t.Errorf("model props %+v", m.Props)
				}
			}},
		{"P values typed by their type name", head + "GlobalSettings:  {\n\tProperties70:  {\n" +
			"\t\tP: \"UpAxis\", \"int\", \"Integer\", \"\",1\n" +
			"\t\tP: \"UnitScaleFactor\", \"double\", \"Number\", \"\",1\n" +
			"\t\tP: \"TimeSpanStop\", \"KTime\", \"Time\", \"\",46186158000\n" +
			"\t\tP: \"Lcl Translation\", \"Lcl Translation\", \"\", \"A\",0,-1.5e+2,3\n\t}\n}\n",
			func(t *testing.T, d *Document) {
				ps := d.Find("GlobalSettings").Children[0].Children
				if p := ps[0].Props[4]; p.Type != 'I' || p.Int != 1 {
					t.Errorf("UpAxis %+v", p)
				}
				if p := ps[1].Props[4]; p.Type != 'D' || p.Float != 1 {
					t.Errorf("UnitScaleFactor %+v", p)
				}
				if p := ps[2].Props[4]; p.Type != 'L' || p.Int != 46186158000 {
					t.Errorf("TimeSpanStop %+v", p)
				}
				if p := ps[3].Props[5]; p.Type != 'D' || p.Float != -150 {
					t.Errorf("Lcl Translation y %+v", p)
				}
			}},
		{"arrays over several lines, with comments", head + "Objects:  {\n\tAnimationCurve: 1, \"AnimCurve::\", \"\" {\n" +
			"\t\tKeyTime: *3 {\n\t\t\ta: 0,1924423250,\n3848846500 ; end\n\t\t}\n" +
			"\t\tKeyValueFloat: *3 {\n\t\t\ta: 0.5,-2,1e-3\n\t\t}\n" +
			"\t\tKeyAttrDataFloat: *4 {\n\t\t\ta: 0,0,218434821,0\n\t\t}\n" +
			"\t\tKeyAttrFlags: *1 {\n\t\t\ta: 24840\n\t\t}\n\t}\n}\n",
			func(t *testing.T, d *Document) {
				c := d.Find("Objects").Children[0]
				if p := c.Child("KeyTime").Props[0]; p.Type != 'l' || len(p.I64s) != 3 || p.I64s[2] != 3848846500 {
					t.Errorf("KeyTime %+v", p)
				}
				if p := c.Child("KeyValueFloat").Props[0]; p.Type != 'f' || len(p.F32s) != 3 || p.F32s[1] != -2 || p.F32s[2] != float32(1e-3) {
					t.Errorf("KeyValueFloat %+v", p)
				}
				// 218434821 is the bits of the float that packs the two default weights 1/3.
				if p := c.Child("KeyAttrDataFloat").Props[0]; p.Type != 'f' || math.Float32bits(p.F32s[2]) != 218434821 {
					t.Errorf("KeyAttrDataFloat %+v", p)
				}
				if p := c.Child("KeyAttrFlags").Props[0]; p.Type != 'i' || p.I32s[0] != 24840 {
					t.Errorf("KeyAttrFlags %+v", p)
				}
			}},
		{"FBX 6 keys: times, values and modes", "; FBX 6.1.0 project file\nTakes:  {\n\tTake: \"Take 001\" {\n" +
			"\t\tChannel: \"X\" {\n\t\t\tKeyVer: 4005\n\t\t\tKeyCount: 2\n" +
			"\t\t\tKey: 0,1.5,U,s,0,0,n,1924423250,-2,L\n\t\t}\n\t}\n}\n",
			func(t *testing.T, d *Document) {
				k := d.Find("Takes").Children[0].Children[0].Children[2]
				want := "LDCCDDCLDC"
				got := ""
				for _, p := range k.Props {
					got += string(p.Type)
				}
				if got != want || k.Props[2].Int != 'U' || k.Props[7].Int != 1924423250 || k.Props[8].Float != -2 {
					t.Errorf("key types %s, want %s: %+v", got, want, k.Props)
				}
			}},
		{"quotes, non-finite numbers, BOM and CRLF", "\xef\xbb\xbf; FBX 7.4.0 project file\r\nDocuments:  {\r\n" +
			"\tTitle: \"say &quot;hi&quot;\"\r\n\tWeight: -1.#IND, 1.#INF, -inf, nan\r\n}\r\n",
			func(t *testing.T, d *Document) {
				n := d.Find("Documents")
				if n.Children[0].Props[0].String != `say "hi"` {
					t.Errorf("title %q", n.Children[0].Props[0].String)
				}
				w := n.Children[1].Props
				if !math.IsNaN(w[0].Float) || !math.IsInf(w[1].Float, 1) || !math.IsInf(w[2].Float, -1) || !math.IsNaN(w[3].Float) {
					t.Errorf("weights %+v", w)
				}
			}},
		{"embedded media after a leading comma", head + "Objects:  {\n\tVideo: 5, \"Video::skin\", \"Clip\" {\n\t\tContent: , \"aGVsbG8=\"\n\t}\n}\n",
			func(t *testing.T, d *Document) {
				c := d.Find("Objects").Children[0].Child("Content")
				if len(c.Props) != 1 || c.Props[0].Type != 'R' || string(c.Props[0].Bytes) != "hello" {
					t.Errorf("content %+v", c.Props)
				}
			}},
		{"records without properties or children", head + "Objects:  {\n\tEmpty: \n\tShading: T\n}\n",
			func(t *testing.T, d *Document) {
				o := d.Find("Objects")
				if len(o.Children) != 2 || len(o.Children[0].Props) != 0 || o.Children[1].Props[0].Type != 'C' || o.Children[1].Props[0].Int != 'T' {
					t.Errorf("children %+v", o.Children)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := Parse([]byte(tc.text), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, d)
		})
	}
}

// TestParseASCIIErrors: bad text gets a typed error that names the line and column.
func TestParseASCIIErrors(t *testing.T) {
	t.Parallel()
	const head = "; FBX 7.4.0 project file\n"
	tests := []struct {
		name      string
		text      string
		want      error
		line, col int
		says      string
	}{
		{"unclosed block", head + "Objects:  {\n\tModel: 1 {\n", ErrTruncated, 4, 1, `record "Model" opened on line 3`},
		{"unclosed string", head + "Creator: \"abc\n", ErrTruncated, 2, 10, "string not closed"},
		{"stray brace", head + "}\n", ErrMalformed, 2, 1, "closes no record"},
		{"name without colon", head + "Objects {\n}\n", ErrMalformed, 2, 1, `"Objects" is not followed by ':'`},
		{"bad number", head + "Version: 12x4\n", ErrMalformed, 2, 10, `"12x4" is not a number`},
		{"bad token", head + "Version: @\n", ErrMalformed, 2, 10, `unexpected "@"`},
		{"array too long", head + "KeyTime: *2 {\n\ta: 1,2,3\n}\n", ErrMalformed, 3, 9, "more elements than the 2"},
		{"array too short", head + "KeyTime: *3 {\n\ta: 1,2\n}\n", ErrMalformed, 4, 1, "2 elements, it declares 3"},
		{"float in an index array", head + "PolygonVertexIndex: *2 {\n\ta: 1,2.5\n}\n", ErrMalformed, 3, 7, "not an integer"},
		{"array without a:", head + "KeyTime: *1 {\n\tb: 1\n}\n", ErrMalformed, 3, 2, `want "a:"`},
		{"array cut", head + "KeyTime: *2 {\n\ta: 1,", ErrTruncated, 3, 7, "ends inside it"},
		{"array count not a number", head + "KeyTime: *x {\n}\n", ErrMalformed, 2, 10, "element count"},
		{"no version", "Objects:  {\n}\n", ErrMalformed, 1, 1, "no FBX version"},
		{"FBX 5", "; FBX 5.8.0 project file\nObjects:  {\n}\n", ErrUnsupported, 1, 1, "version 5800"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseASCII([]byte(tc.text), DefaultLimits())
			var fe *FormatError
			if !errors.Is(err, tc.want) || !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FormatError matching %v", err, tc.want)
			}
			if fe.Line != tc.line || fe.Column != tc.col || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %q at line %d column %d, want line %d column %d saying %q", err, fe.Line, fe.Column, tc.line, tc.col, tc.says)
			}
		})
	}
}

// TestParseASCIILimits: every limit Parse keeps for binary holds for text, before anything
// is allocated for what the text claims.
func TestParseASCIILimits(t *testing.T) {
	t.Parallel()
	const head = "; FBX 7.4.0 project file\n"
	deep := head + strings.Repeat("A:  {\n", 70) + strings.Repeat("}\n", 70)
	tests := []struct {
		name string
		text string
		lim  Limits
	}{
		{"file size", head + "Objects:  {\n}\n", Limits{MaxFileSize: 10}},
		{"records", head + strings.Repeat("Version: 1\n", 20), Limits{MaxNodes: 10}},
		{"depth", deep, Limits{}},
		{"properties on a record", head + "Key: 1,2,3,4,5\n", Limits{MaxProps: 4}},
		{"properties in the file", head + strings.Repeat("Version: 1,2\n", 10), Limits{MaxTotalProps: 15}},
		{"array length", head + "KeyTime: *4000000000 {\n\ta: 1\n}\n", Limits{}},
		{"string length", head + "Creator: \"" + strings.Repeat("x", 100) + "\"\n", Limits{MaxString: 50}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.text), tc.lim)
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want ErrLimit", err)
			}
		})
	}
}

// TestEncodeASCIIRefuses: trees that text cannot hold are refused, not written garbled.
func TestEncodeASCIIRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		doc  *Document
	}{
		{"version", &Document{Version: 5800}},
		{"record name", &Document{Version: 7400, Nodes: []*Node{{Name: "a b"}}}},
		{"NUL in a string", &Document{Version: 7400, Nodes: []*Node{{Name: "Title", Props: []Prop{{Type: 'S', String: "a\x00b"}}}}}},
		{"array among properties", &Document{Version: 7400, Nodes: []*Node{{Name: "X", Props: []Prop{{Type: 'I'}, {Type: 'd'}}}}}},
	} {
		if err := tc.doc.EncodeASCII(&bytes.Buffer{}); !errors.Is(err, ErrEncode) {
			t.Errorf("%s: err = %v, want ErrEncode", tc.name, err)
		}
	}
}

// withoutTopLevel drops the top-level records ASCII files do not hold.
func withoutTopLevel(nodes []*Node) []*Node {
	var out []*Node
	for _, n := range nodes {
		if !asciiOmitted(n.Name) {
			out = append(out, n)
		}
	}
	return out
}
