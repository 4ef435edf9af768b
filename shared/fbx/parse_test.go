package fbx

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// fixture builds binary FBX bytes by hand, independently of the package's encoder, so the
// parser is checked against the layout itself.
type fixture struct {
	version uint32
	buf     []byte
}

func newFixture(version uint32) *fixture {
	f := &fixture{version: version}
	f.buf = append(f.buf, magic...)
	f.buf = binary.LittleEndian.AppendUint32(f.buf, version)
	return f
}

func (f *fixture) wide() bool { return f.version >= 7500 }

// rec is a record to write: name, encoded properties, children.
type rec struct {
	name     string
	props    [][]byte
	children []rec
}

func (f *fixture) write(r rec) {
	start := len(f.buf)
	hl := 13
	if f.wide() {
		hl = 25
	}
	f.buf = append(f.buf, make([]byte, hl-1)...)
	f.buf = append(f.buf, byte(len(r.name)))
	f.buf = append(f.buf, r.name...)
	plStart := len(f.buf)
	for _, p := range r.props {
		f.buf = append(f.buf, p...)
	}
	plLen := len(f.buf) - plStart
	for _, c := range r.children {
		f.write(c)
	}
	if len(r.children) > 0 {
		f.buf = append(f.buf, make([]byte, hl)...)
	}
	le := binary.LittleEndian
	if f.wide() {
		le.PutUint64(f.buf[start:], uint64(len(f.buf)))
		le.PutUint64(f.buf[start+8:], uint64(len(r.props)))
		le.PutUint64(f.buf[start+16:], uint64(plLen))
	} else {
		le.PutUint32(f.buf[start:], uint32(len(f.buf)))
		le.PutUint32(f.buf[start+4:], uint32(len(r.props)))
		le.PutUint32(f.buf[start+8:], uint32(plLen))
	}
}

// bytes finishes the file: the closing zero record and a footer.
func (f *fixture) bytes(recs ...rec) []byte {
	for _, r := range recs {
		f.write(r)
	}
	hl := 13
	if f.wide() {
		hl = 25
	}
	f.buf = append(f.buf, make([]byte, hl)...)
	f.buf = append(f.buf, make([]byte, 16)...) // footer id
	f.buf = binary.LittleEndian.AppendUint32(f.buf, 0)
	f.buf = binary.LittleEndian.AppendUint32(f.buf, f.version)
	f.buf = append(f.buf, make([]byte, 120)...)
	f.buf = append(f.buf, 0xf8, 0x5a, 0x8c, 0x6a, 0xde, 0xf5, 0xd9, 0x7e, 0xec, 0xe9, 0x0c, 0xe3, 0x75, 0x8f, 0x29, 0x0b)
	return f.buf
}

var le = binary.LittleEndian

func pY(v int16) []byte   { return le.AppendUint16([]byte{'Y'}, uint16(v)) }
func pC(v byte) []byte    { return []byte{'C', v} }
func pI(v int32) []byte   { return le.AppendUint32([]byte{'I'}, uint32(v)) }
func pL(v int64) []byte   { return le.AppendUint64([]byte{'L'}, uint64(v)) }
func pF(v float32) []byte { return le.AppendUint32([]byte{'F'}, math.Float32bits(v)) }
func pD(v float64) []byte { return le.AppendUint64([]byte{'D'}, math.Float64bits(v)) }
func pS(s string) []byte  { return append(le.AppendUint32([]byte{'S'}, uint32(len(s))), s...) }
func pR(b []byte) []byte  { return append(le.AppendUint32([]byte{'R'}, uint32(len(b))), b...) }

// pArr encodes an array property; payload is the raw little-endian elements.
func pArr(t byte, count int, payload []byte, compress bool) []byte {
	enc := uint32(0)
	if compress {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(payload)
		w.Close()
		payload, enc = z.Bytes(), 1
	}
	b := []byte{t}
	b = le.AppendUint32(b, uint32(count))
	b = le.AppendUint32(b, enc)
	b = le.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

func f32Bytes(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = le.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func f64Bytes(v ...float64) []byte {
	var b []byte
	for _, x := range v {
		b = le.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

func i32Bytes(v ...int32) []byte {
	var b []byte
	for _, x := range v {
		b = le.AppendUint32(b, uint32(x))
	}
	return b
}

func i64Bytes(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = le.AppendUint64(b, uint64(x))
	}
	return b
}

// everyType is a record holding one property of each type, arrays raw or compressed.
func everyType(compress bool) rec {
	return rec{name: "All", props: [][]byte{
		pY(-2), pC(1), pI(-70000), pL(-1 << 40), pF(1.5), pD(-2.25), pS("name\x00\x01Model"), pR([]byte{1, 2, 3}),
		pArr('f', 3, f32Bytes(1, 2, 3), compress),
		pArr('d', 2, f64Bytes(0.5, -0.5), compress),
		pArr('l', 2, i64Bytes(46186158000, -1), compress),
		pArr('i', 3, i32Bytes(7, -8, 9), compress),
		pArr('b', 4, []byte{1, 0, 1, 1}, compress),
	}}
}

func checkEveryType(t *testing.T, n *Node) {
	t.Helper()
	if n.Name != "All" || len(n.Props) != 13 {
		t.Fatalf("record %q with %d props", n.Name, len(n.Props))
	}
	p := n.Props
	checks := []struct {
		got, want any
	}{
		{p[0].Int, int64(-2)}, {p[1].Int, int64(1)}, {p[2].Int, int64(-70000)}, {p[3].Int, int64(-1 << 40)},
		{p[4].Float, 1.5}, {p[5].Float, -2.25}, {p[6].String, "name\x00\x01Model"}, {p[7].Bytes, []byte{1, 2, 3}},
		{p[8].F32s, []float32{1, 2, 3}}, {p[9].F64s, []float64{0.5, -0.5}}, {p[10].I64s, []int64{46186158000, -1}},
		{p[11].I32s, []int32{7, -8, 9}}, {p[12].Bools, []bool{true, false, true, true}},
	}
	for i, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("prop %d (%c) = %v, want %v", i, p[i].Type, c.got, c.want)
		}
	}
	for i, typ := range "YCILFDSRfdlib" {
		if p[i].Type != byte(typ) {
			t.Errorf("prop %d type %c, want %c", i, p[i].Type, typ)
		}
	}
}

func TestParseLayouts(t *testing.T) {
	t.Parallel()
	for _, version := range []uint32{6100, 7100, 7400, 7500, 7700} {
		for _, compress := range []bool{false, true} {
			f := newFixture(version)
			data := f.bytes(
				rec{name: "Header", children: []rec{{name: "Version", props: [][]byte{pI(1000)}}}},
				everyType(compress),
				rec{name: "Empty"},
			)
			doc, err := Parse(data, DefaultLimits())
			if err != nil {
				t.Fatalf("version %d compress %v: %v", version, compress, err)
			}
			if doc.Version != version || len(doc.Nodes) != 3 {
				t.Fatalf("version %d: got version %d, %d nodes", version, doc.Version, len(doc.Nodes))
			}
			if v := doc.Nodes[0].Child("Version"); v == nil || v.Props[0].Int != 1000 {
				t.Errorf("version %d: nested record lost", version)
			}
			checkEveryType(t, doc.Nodes[1])
			if e := doc.Nodes[2]; e.Name != "Empty" || len(e.Props) != 0 || len(e.Children) != 0 {
				t.Errorf("empty record = %+v", e)
			}
		}
	}
}

// TestParseTrailingBytes: bytes after the closing record (footer, stray padding) are ignored,
// and so is a missing footer.
func TestParseTrailingBytes(t *testing.T) {
	t.Parallel()
	data := newFixture(7700).bytes(everyType(true))
	for _, tail := range [][]byte{nil, {0}, bytes.Repeat([]byte{0xff}, 37)} {
		d := append(append([]byte(nil), data...), tail...)
		if _, err := Parse(d, DefaultLimits()); err != nil {
			t.Errorf("tail of %d bytes: %v", len(tail), err)
		}
	}
	f := newFixture(7400)
	f.write(everyType(false))
	if doc, err := Parse(f.buf, DefaultLimits()); err != nil || len(doc.Nodes) != 1 {
		t.Errorf("file ending after its last record: %v", err)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	t.Parallel()
	good := newFixture(7400).bytes(everyType(false))
	withVersion := func(v uint32) []byte {
		d := append([]byte(nil), good...)
		le.PutUint32(d[23:], v)
		return d
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotFBX},
		{"text cut inside a block", []byte("; FBX 7.4.0 project file\nFBXHeaderExtension:  {\n"), ErrTruncated},
		{"ascii without a version", []byte("FBXHeaderExtension:  {\n\tFBXHeaderVersion: 1003\n}"), ErrMalformed},
		{"png", []byte("\x89PNG\r\n\x1a\n0000000000000000000000000000"), ErrNotFBX},
		{"short header", good[:20], ErrTruncated},
		{"version 2999", withVersion(2999), ErrUnsupported},
		{"version 8000", withVersion(8000), ErrUnsupported},
	}
	for _, tc := range tests {
		_, err := Parse(tc.data, DefaultLimits())
		var fe *FormatError
		if !errors.Is(err, tc.want) || !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want *FormatError matching %v", tc.name, err, tc.want)
		}
	}
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	deep := rec{name: "L0"}
	for i := 1; i < 10; i++ {
		deep = rec{name: "L", children: []rec{deep}}
	}
	big := make([]float64, 1000)
	tests := []struct {
		name string
		lim  Limits
		recs []rec
		off  bool // the error names an offset inside the records
	}{
		{"file size", Limits{MaxFileSize: 100}, []rec{everyType(false)}, false},
		{"nodes", Limits{MaxNodes: 2}, []rec{{name: "A"}, {name: "B"}, {name: "C"}}, true},
		{"depth", Limits{MaxDepth: 5}, []rec{deep}, true},
		{"props per record", Limits{MaxProps: 4}, []rec{everyType(false)}, true},
		{"props in file", Limits{MaxTotalProps: 20}, []rec{everyType(false), everyType(false)}, true},
		{"array length", Limits{MaxArrayLen: 2}, []rec{everyType(false)}, true},
		{"string length", Limits{MaxString: 4}, []rec{everyType(false)}, true},
		{"decompressed total", Limits{MaxDecompressed: 7000}, []rec{
			{name: "A", props: [][]byte{pArr('d', len(big), f64Bytes(big...), true)}},
			{name: "B", props: [][]byte{pArr('d', len(big), f64Bytes(big...), true)}},
		}, true},
		{"compression ratio", Limits{MaxRatio: 10}, []rec{
			{name: "A", props: [][]byte{pArr('d', len(big), f64Bytes(big...), true)}},
		}, true},
	}
	for _, tc := range tests {
		data := newFixture(7700).bytes(tc.recs...)
		if _, err := Parse(data, DefaultLimits()); err != nil {
			t.Fatalf("%s: fixture does not parse within default limits: %v", tc.name, err)
		}
		_, err := Parse(data, tc.lim)
		var fe *FormatError
		if !errors.Is(err, ErrLimit) || !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want a *FormatError matching ErrLimit", tc.name, err)
			continue
		}
		if tc.off && (fe.Offset < headerLen || fe.Offset >= int64(len(data))) {
			t.Errorf("%s: offset %d outside the records", tc.name, fe.Offset)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	good := newFixture(7400).bytes(rec{name: "A", props: [][]byte{pI(1)}})
	// Offsets in the 7400 fixture: record header at 27 (end u32, count u32, list length u32, name length u8).
	mutate := func(at int, b ...byte) []byte {
		d := append([]byte(nil), good...)
		copy(d[at:], b)
		return d
	}
	badZlib := newFixture(7400).bytes(rec{name: "A", props: [][]byte{
		append([]byte{'i', 2, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0}, 1, 2, 3, 4),
	}})
	shortZlib := newFixture(7400).bytes(rec{name: "A", props: [][]byte{func() []byte {
		p := pArr('i', 2, i32Bytes(5), true) // one element inflated, two claimed
		p[1] = 2
		return p
	}()}})
	// A stream whose blocks inflate to the declared size but whose Adler-32 is wrong: the
	// values may look plausible, so the checksum is what tells.
	badChecksum := newFixture(7400).bytes(rec{name: "Objects", children: []rec{
		{name: "AnimationCurve", props: [][]byte{pL(7), pS("\x00\x01AnimCurve"), pS("")}, children: []rec{
			{name: "KeyValueFloat", props: [][]byte{func() []byte {
				p := pArr('f', 64, f32Bytes(make([]float32, 64)...), true)
				p[len(p)-1] ^= 0xff
				return p
			}()}},
		}},
	}})
	longZlib := newFixture(7400).bytes(rec{name: "A", props: [][]byte{func() []byte {
		p := pArr('i', 2, i32Bytes(5, 6, 7), true) // three elements inflated, two claimed
		p[1] = 2
		return p
	}()}})
	rawSize := newFixture(7400).bytes(rec{name: "A", props: [][]byte{
		append([]byte{'i', 2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0}, 1, 2, 3, 4),
	}})
	badEnc := newFixture(7400).bytes(rec{name: "A", props: [][]byte{
		append([]byte{'i', 1, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0}, 1, 2, 3, 4),
	}})
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"end offset before the name", mutate(27, 30, 0, 0, 0), ErrMalformed},
		{"end offset past the data", mutate(27, 0xff, 0xff, 0, 0), ErrTruncated},
		{"property list longer than the record", mutate(35, 200), ErrMalformed},
		{"more properties than bytes", mutate(31, 9), ErrMalformed},
		{"unknown type code", mutate(27+13+1, 'Q'), ErrMalformed},
		{"property list shorter than its properties", mutate(35, 3), ErrTruncated},
		{"zlib garbage", badZlib, ErrMalformed},
		{"zlib too short", shortZlib, ErrMalformed},
		{"zlib too long", longZlib, ErrMalformed},
		{"zlib checksum", badChecksum, ErrMalformed},
		{"raw size mismatch", rawSize, ErrMalformed},
		{"unknown encoding", badEnc, ErrUnsupported},
	}
	for _, tc := range tests {
		_, err := Parse(tc.data, DefaultLimits())
		var fe *FormatError
		if !errors.Is(err, tc.want) || !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want *FormatError matching %v", tc.name, err, tc.want)
		}
	}
	_, err := Parse(badChecksum, DefaultLimits())
	if want := `array KeyValueFloat of AnimationCurve "" ('f', 64 elements)`; err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("damaged curve: err = %v, want it to name %s and the checksum", err, want)
	}
}

// TestParseTruncatedEverywhere cuts a small file at every byte: each prefix parses or fails
// with a typed error, never a panic.
func TestParseTruncatedEverywhere(t *testing.T) {
	t.Parallel()
	for _, version := range []uint32{7400, 7700} {
		data := newFixture(version).bytes(
			rec{name: "Header", children: []rec{{name: "Version", props: [][]byte{pI(1000)}}}},
			everyType(true), everyType(false),
		)
		ok := 0
		for n := 0; n < len(data); n++ {
			doc, err := Parse(data[:n], DefaultLimits())
			if err == nil {
				ok++
				if doc == nil {
					t.Fatalf("cut at %d: nil document without error", n)
				}
				continue
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("cut at %d: untyped error %v", n, err)
			}
		}
		// Every cut inside the records fails; cuts in the footer (and the exact end of the
		// records) succeed.
		if ok == 0 || ok > 200 {
			t.Errorf("version %d: %d of %d prefixes parsed", version, ok, len(data))
		}
	}
}
