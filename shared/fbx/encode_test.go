package fbx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// encodeSample is a small document holding every property type and every record shape:
// a leaf with properties, a record with neither properties nor children, and nesting.
func encodeSample(version uint32) *Document {
	f32 := make([]float32, 300) // 1200 bytes: above the default compression threshold
	for i := range f32 {
		f32[i] = float32(i) * 0.5
	}
	return &Document{Version: version, Nodes: []*Node{
		{Name: "Leaf", Props: []Prop{{Type: 'I', Int: 7}}},
		{Name: "Empty"},
		{Name: "Parent", Props: []Prop{{Type: 'S', String: "p"}}, Children: []*Node{
			{Name: "Scalars", Props: []Prop{
				{Type: 'C', Int: 1}, {Type: 'Y', Int: -300}, {Type: 'I', Int: math.MinInt32},
				{Type: 'L', Int: math.MaxInt64}, {Type: 'F', Float: 1.5}, {Type: 'D', Float: math.Pi},
				{Type: 'S', String: "mixamorig:Hips\x00\x01Model"}, {Type: 'R', Bytes: []byte{0, 1, 2, 255}},
			}},
			{Name: "Arrays", Props: []Prop{
				{Type: 'f', F32s: f32}, {Type: 'd', F64s: []float64{1, -2.25, math.MaxFloat64}},
				{Type: 'l', I64s: []int64{0, 46186158000, -1}}, {Type: 'i', I32s: []int32{8456, -7}},
				{Type: 'b', Bools: []bool{true, false, true}}, {Type: 'd'},
			}},
			{Name: "Nested", Children: []*Node{{Name: "Deeper", Props: []Prop{{Type: 'D', Float: -0.0}}}}},
		}},
		{Name: "Objects", Children: []*Node{
			{Name: "AnimationLayer", Props: []Prop{{Type: 'L', Int: 42}, {Type: 'S', String: "Layer0\x00\x01AnimLayer"}, {Type: 'S'}}},
		}},
	}}
}

func encodeBytes(t testing.TB, d *Document, opt EncodeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := d.Encode(&buf, opt); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

func TestEncodeLayout(t *testing.T) {
	t.Parallel()
	for _, version := range []uint32{7400, 7700} {
		t.Run(fmt.Sprint(version), func(t *testing.T) {
			b := encodeBytes(t, encodeSample(version), EncodeOptions{})
			if got := string(b[:23]); got != magic {
				t.Fatalf("header %q, want %q", got, magic)
			}
			if got := binary.LittleEndian.Uint32(b[23:]); got != version {
				t.Fatalf("header version %d, want %d", got, version)
			}
			hl := 13
			if version >= 7500 {
				hl = 25
			}
			type rec struct {
				name            string
				end, nprops     uint64
				propLen, nested int
			}
			var recs []rec
			var walk func(pos, end int) int // returns the offset after the list
			walk = func(pos, end int) int {
				for pos < end {
					var r rec
					if hl == 25 {
						r.end, r.nprops = binary.LittleEndian.Uint64(b[pos:]), binary.LittleEndian.Uint64(b[pos+8:])
						r.propLen = int(binary.LittleEndian.Uint64(b[pos+16:]))
					} else {
						r.end, r.nprops = uint64(binary.LittleEndian.Uint32(b[pos:])), uint64(binary.LittleEndian.Uint32(b[pos+4:]))
						r.propLen = int(binary.LittleEndian.Uint32(b[pos+8:]))
					}
					if r.end == 0 {
						return pos + hl
					}
					nl := int(b[pos+hl-1])
					r.name = string(b[pos+hl : pos+hl+nl])
					childAt := pos + hl + nl + r.propLen
					r.nested = int(r.end) - childAt
					recs = append(recs, r)
					if r.nested > 0 {
						if after := walk(childAt, int(r.end)); after != int(r.end) {
							t.Fatalf("record %q: child list ends at %d, record at %d", r.name, after, r.end)
						}
					}
					pos = int(r.end)
				}
				t.Fatalf("list at %d has no zero record", pos)
				return 0
			}
			footer := walk(27, len(b))
			nested := map[string]int{}
			for _, r := range recs {
				nested[r.name] = r.nested
			}
			// The SDK's shapes: leaves with properties have no zero record; empty records,
			// records with children and objects (even with properties only) end with one.
			for name, want := range map[string]int{"Leaf": 0, "Scalars": 0, "Arrays": 0, "Deeper": 0, "Empty": hl, "AnimationLayer": hl} {
				if nested[name] != want {
					t.Errorf("record %q: %d bytes after its properties, want %d", name, nested[name], want)
				}
			}
			if got := b[footer : footer+16]; !bytes.Equal(got, encodeFooterID[:]) {
				t.Errorf("footer id % x", got)
			}
			tail := b[footer+16:]
			if len(b)%16 != 0 {
				t.Errorf("file length %d is not 16-byte aligned", len(b))
			}
			pad := len(tail) - 4 - 4 - 120 - 16
			if pad < 1 || pad > 16 || !encodeAllZero(tail[:pad+4]) {
				t.Fatalf("footer padding of %d bytes (% x), want 1 to 16 zeros then 4 zeros", pad, tail[:max(pad, 0)])
			}
			if got := binary.LittleEndian.Uint32(tail[pad+4:]); got != version {
				t.Errorf("footer version %d, want %d", got, version)
			}
			if !encodeAllZero(tail[pad+8:pad+128]) || !bytes.Equal(tail[pad+128:], encodeEndMagic[:]) {
				t.Errorf("footer tail % x", tail[pad+8:])
			}
		})
	}
}

func encodeAllZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func TestEncodeParseRoundTrip(t *testing.T) {
	t.Parallel()
	for _, version := range []uint32{7400, 7500, 7700} {
		for _, threshold := range []int{-1, 0, 1} {
			t.Run(fmt.Sprintf("%d/threshold%d", version, threshold), func(t *testing.T) {
				src := encodeSample(version)
				b := encodeBytes(t, src, EncodeOptions{CompressThreshold: threshold})
				got, err := Parse(b, Limits{})
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if got.Version != version {
					t.Errorf("version %d, want %d", got.Version, version)
				}
				if diff := encodeDiffNodes("", src.Nodes, got.Nodes); diff != "" {
					t.Fatal(diff)
				}
			})
		}
	}
}

func TestEncodeCompressThreshold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, threshold int
		compressed   bool
	}{
		{255, 0, false}, // 1020 bytes, below the SDK's 1 KB
		{256, 0, true},
		{10, 40, true},
		{10, 41, false},
		{5000, -1, false},
	}
	for _, tc := range tests {
		d := &Document{Version: 7700, Nodes: []*Node{{Name: "A", Props: []Prop{{Type: 'f', F32s: make([]float32, tc.n)}}}}}
		b := encodeBytes(t, d, EncodeOptions{CompressThreshold: tc.threshold})
		// The array header follows the 25-byte record header, the name and the type code.
		at := 27 + 25 + 1 + 1
		if n := binary.LittleEndian.Uint32(b[at:]); int(n) != tc.n {
			t.Fatalf("n=%d: count %d", tc.n, n)
		}
		if enc := binary.LittleEndian.Uint32(b[at+4:]); (enc == 1) != tc.compressed {
			t.Errorf("n=%d threshold=%d: encoding %d, want compressed=%v", tc.n, tc.threshold, enc, tc.compressed)
		}
	}
}

// TestEncodeConcurrencyDeterministic: arrays compressed on several goroutines give the same
// bytes as one goroutine, and an array shared by many records is stored identically each time.
func TestEncodeConcurrencyDeterministic(t *testing.T) {
	t.Parallel()
	shared := make([]int64, 700)
	for i := range shared {
		shared[i] = int64(i) * 769769300
	}
	d := &Document{Version: 7700}
	for i := 0; i < 40; i++ {
		v := make([]float32, 300+i)
		for k := range v {
			v[k] = float32(math.Sin(float64(k*i) / 17))
		}
		d.Nodes = append(d.Nodes, &Node{Name: "Curve", Children: []*Node{
			{Name: "KeyTime", Props: []Prop{{Type: 'l', I64s: shared}}},
			{Name: "KeyValueFloat", Props: []Prop{{Type: 'f', F32s: v}}},
		}})
	}
	one := encodeBytes(t, d, EncodeOptions{Concurrency: 1})
	for _, workers := range []int{0, 2, 7} {
		if got := encodeBytes(t, d, EncodeOptions{Concurrency: workers}); !bytes.Equal(got, one) {
			t.Fatalf("%d workers: output differs from one worker", workers)
		}
	}
	back, err := Parse(one, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := encodeDiffNodes("", d.Nodes, back.Nodes); diff != "" {
		t.Fatal(diff)
	}
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	deep := &Node{Name: "Loop"}
	deep.Children = []*Node{deep}
	tests := []struct {
		name string
		doc  *Document
		opt  EncodeOptions
	}{
		{"long name", &Document{Nodes: []*Node{{Name: string(make([]byte, 256))}}}, EncodeOptions{}},
		{"type code", &Document{Nodes: []*Node{{Name: "A", Props: []Prop{{Type: 'x'}}}}}, EncodeOptions{}},
		{"int32 range", &Document{Nodes: []*Node{{Name: "A", Props: []Prop{{Type: 'I', Int: 1 << 40}}}}}, EncodeOptions{}},
		{"int16 range", &Document{Nodes: []*Node{{Name: "A", Props: []Prop{{Type: 'Y', Int: 40000}}}}}, EncodeOptions{}},
		{"nil record", &Document{Nodes: []*Node{nil}}, EncodeOptions{}},
		{"cycle", &Document{Nodes: []*Node{deep}}, EncodeOptions{}},
		{"old version", &Document{Version: 6100}, EncodeOptions{}},
		{"new version", &Document{Version: 8000}, EncodeOptions{}},
		{"level", &Document{}, EncodeOptions{CompressLevel: 42}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.doc.Encode(&bytes.Buffer{}, tc.opt)
			var fe *FormatError
			if !errors.Is(err, ErrEncode) || !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *FormatError matching ErrEncode", err)
			}
		})
	}
}

// encodeCorpusFiles cover both rigs with and without PreRotation, compressed and raw arrays,
// and a character with meshes, skin and bind pose.
var encodeCorpusFiles = []string{
	"kirby-xbot60__Walking_InPlace.fbx",
	"kirby-xbot60__Idle.fbx",
	"add101-ch46__Walking.fbx",
	"vrm4-pirate76__Walking_rootmotion.fbx",
	"kirby-guy-noprefix__Idle.fbx",
	"kirby-xbot__x_bot_character_skin.fbx",
}

func readEncodeCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(corpus.Path(t, filepath.Join("mixamo", name)))
	if err != nil {
		t.Fatalf("corpus file: %v", err)
	}
	return b
}

// TestEncodeFooterOfEpoch: the footer id derived from 1970-01-01 10:00:00.000 is the one that
// belongs with encodeFileID and encodeCreationTime.
func TestEncodeFooterOfEpoch(t *testing.T) {
	t.Parallel()
	ts := &Node{Name: "CreationTimeStamp"}
	for _, f := range []struct {
		name string
		v    int64
	}{{"Version", 1000}, {"Year", 1970}, {"Month", 1}, {"Day", 1}, {"Hour", 10}, {"Minute", 0}, {"Second", 0}, {"Millisecond", 0}} {
		ts.Children = append(ts.Children, &Node{Name: f.name, Props: []Prop{{Type: 'I', Int: f.v}}})
	}
	d := &Document{Nodes: []*Node{{Name: "FBXHeaderExtension", Children: []*Node{ts}}}}
	if got := encodeFooter(d); got != encodeFooterID {
		t.Fatalf("footer % x, want % x", got, encodeFooterID)
	}
	ts.Children[1].Props[0].Int = 2024
	if got := encodeFooter(d); got == encodeFooterID {
		t.Fatal("footer does not follow the time stamp")
	}
	ts.Children[2].Props[0].Int = 13 // no such month: the fixed footer
	if got := encodeFooter(d); got != encodeFooterID {
		t.Fatalf("footer % x for an invalid stamp", got)
	}
}

// encodeDiffNodes describes the first difference between two record lists, or returns "".
func encodeDiffNodes(path string, a, b []*Node) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%s: %d records, want %d", path, len(b), len(a))
	}
	for i := range a {
		p := fmt.Sprintf("%s/%s[%d]", path, a[i].Name, i)
		if a[i].Name != b[i].Name {
			return fmt.Sprintf("%s: name %q", p, b[i].Name)
		}
		if len(a[i].Props) != len(b[i].Props) {
			return fmt.Sprintf("%s: %d properties, want %d", p, len(b[i].Props), len(a[i].Props))
		}
		for k := range a[i].Props {
			if d := encodeDiffProp(&a[i].Props[k], &b[i].Props[k]); d != "" {
				return fmt.Sprintf("%s property %d: %s", p, k, d)
			}
		}
		if d := encodeDiffNodes(p, a[i].Children, b[i].Children); d != "" {
			return d
		}
	}
	return ""
}

func encodeDiffProp(a, b *Prop) string {
	if a.Type != b.Type {
		return fmt.Sprintf("type %q, want %q", b.Type, a.Type)
	}
	var same bool
	switch a.Type {
	case 'C':
		same = (a.Int != 0) == (b.Int != 0)
	case 'Y', 'I', 'L':
		same = a.Int == b.Int
	case 'F':
		same = float32(a.Float) == float32(b.Float)
	case 'D':
		same = math.Float64bits(a.Float) == math.Float64bits(b.Float)
	case 'S':
		same = a.String == b.String
	case 'R':
		same = bytes.Equal(a.Bytes, b.Bytes)
	case 'f':
		same = encodeEqualSlices(a.F32s, b.F32s, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
	case 'd':
		same = encodeEqualSlices(a.F64s, b.F64s, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
	case 'l':
		same = encodeEqualSlices(a.I64s, b.I64s, func(x, y int64) bool { return x == y })
	case 'i':
		same = encodeEqualSlices(a.I32s, b.I32s, func(x, y int32) bool { return x == y })
	case 'b':
		same = encodeEqualSlices(a.Bools, b.Bools, func(x, y bool) bool { return x == y })
	}
	if !same {
		return fmt.Sprintf("%c value differs: got %+v, want %+v", a.Type, *b, *a)
	}
	return ""
}

func encodeEqualSlices[T any](a, b []T, eq func(x, y T) bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !eq(a[i], b[i]) {
			return false
		}
	}
	return true
}
