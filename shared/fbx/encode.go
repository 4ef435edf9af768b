package fbx

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// ErrEncode is the sentinel matched by every *FormatError that Encode and Document.Encode
// return for input they cannot write: a record or value the binary format cannot hold, or an
// animation that fails validation.
var ErrEncode = errors.New("cannot encode as binary FBX")

// DefaultEncodeVersion is the version written when none is given: 7400 is the last version
// with 32-bit record headers and the one every importer reads (Blender writes it too).
const DefaultEncodeVersion = 7400

// DefaultCompressThreshold is the array payload size, in bytes, from which arrays are
// zlib-compressed; the FBX SDK compresses from about 1 KB.
const DefaultCompressThreshold = 1024

// encodeMaxDepth bounds record nesting so a cyclic tree built in code fails instead of
// exhausting the stack; real files nest fewer than 10 levels.
const encodeMaxDepth = 256

// encodeFileID and encodeCreationTime are a FileId and CreationTime pair the FBX SDK
// accepts (Blender writes the same); the SDK loads nothing from a file whose FileId does not
// belong with its CreationTime. encodeFooterKey and encodeFooterSeed derive the footer id
// from the header's CreationTimeStamp, as the SDK does; encodeFooterID is the footer id of
// 1970-01-01 10:00:00.000, written when a document has no usable time stamp.
var (
	encodeFileID     = [16]byte{0x28, 0xb3, 0x2a, 0xeb, 0xb6, 0x24, 0xcc, 0xc2, 0xbf, 0xc8, 0xb0, 0x2a, 0xa9, 0x2b, 0xfc, 0xf1}
	encodeFooterID   = [16]byte{0xfa, 0xbc, 0xab, 0x09, 0xd0, 0xc8, 0xd4, 0x66, 0xb1, 0x76, 0xfb, 0x83, 0x1c, 0xf7, 0x26, 0x7e}
	encodeFooterSeed = [16]byte{0x58, 0xab, 0xa9, 0xf0, 0x6c, 0xa2, 0xd8, 0x3f, 0x4d, 0x47, 0x49, 0xa3, 0xb4, 0xb2, 0xe7, 0x3d}
	encodeFooterKey  = [16]byte{0xe2, 0x4f, 0x7b, 0x5f, 0xcd, 0xe4, 0xc8, 0x6d, 0xdb, 0xd8, 0xfb, 0xd7, 0x40, 0x58, 0xc6, 0x78}
	encodeEndMagic   = [16]byte{0xf8, 0x5a, 0x8c, 0x6a, 0xde, 0xf5, 0xd9, 0x7e, 0xec, 0xe9, 0x0c, 0xe3, 0x75, 0x8f, 0x29, 0x0b}
)

const encodeCreationTime = "1970-01-01 10:00:00:000"

// EncodeOptions controls the binary layout of Document.Encode. The zero value writes what the
// FBX SDK writes.
type EncodeOptions struct {
	// CompressThreshold is the raw array payload size in bytes from which arrays are stored
	// zlib-compressed. 0 selects DefaultCompressThreshold; a negative value stores all arrays raw.
	CompressThreshold int
	// CompressLevel is the zlib level (compress/zlib constants). 0 selects zlib.BestSpeed:
	// animation arrays are small and repetitive, and higher levels cost time for a few percent.
	CompressLevel int
	// Concurrency is how many goroutines compress arrays; 0 selects GOMAXPROCS. Each array
	// is a separate zlib stream, so they compress independently; the output is the same.
	Concurrency int
}

// Encode writes the document as binary FBX: the 27-byte header, every record with absolute
// end offsets (32-bit headers below version 7500, 64-bit from 7500 on), the zero record that
// closes each list of children, and the footer. As the FBX SDK writes, a record gets a child
// list (and its zero record) when it has children, no properties, or is an object (a child
// of the top-level Objects record). Version 0 means DefaultEncodeVersion. The document is not
// modified. Errors for records the format cannot hold are *FormatError values matching
// ErrEncode, with the offset in the written file where known.
func (d *Document) Encode(w io.Writer, opt EncodeOptions) error {
	b, err := d.AppendEncoded(nil, opt)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("fbx: write: %w", err)
	}
	return nil
}

// AppendEncoded appends the binary FBX encoding of the document to dst, as Encode writes it,
// and returns the extended buffer. Reusing dst across calls avoids regrowing it.
func (d *Document) AppendEncoded(dst []byte, opt EncodeOptions) ([]byte, error) {
	version := d.Version
	if version == 0 {
		version = DefaultEncodeVersion
	}
	if version < 7000 || version > maxVersion {
		return dst, encodeErr(-1, "version %d, want 7000 to %d", version, maxVersion)
	}
	e := encoder{buf: dst, base: len(dst), wide: version >= wideVersion, threshold: opt.CompressThreshold, level: opt.CompressLevel}
	if e.threshold == 0 {
		e.threshold = DefaultCompressThreshold
	}
	if e.level == 0 {
		e.level = zlib.BestSpeed
	}
	if e.level < zlib.HuffmanOnly || e.level > zlib.BestCompression {
		return dst, encodeErr(-1, "compression level %d, want %d to %d", e.level, zlib.HuffmanOnly, zlib.BestCompression)
	}
	if err := e.precompress(d.Nodes, opt.Concurrency); err != nil {
		return dst, err
	}
	e.buf = append(e.buf, magic...)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, version)
	for _, n := range d.Nodes {
		if err := e.node(n, 1, false); err != nil {
			return dst, err
		}
	}
	e.buf = append(e.buf, make([]byte, e.recordHeaderLen())...)
	footer := encodeFooter(d)
	e.buf = append(e.buf, footer[:]...)
	// The SDK pads to a 16-byte boundary, a full 16 bytes when already aligned, so that the
	// file ends aligned after the fixed-size tail.
	pad := 16 - (len(e.buf)-e.base)%16
	e.buf = append(e.buf, make([]byte, pad+4)...)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, version)
	e.buf = append(e.buf, make([]byte, 120)...)
	e.buf = append(e.buf, encodeEndMagic[:]...)
	if !e.wide && uint64(len(e.buf)-e.base) > math.MaxUint32 {
		return dst, encodeErr(-1, "%d bytes, beyond the 4 GiB that version %d offsets address", len(e.buf)-e.base, version)
	}
	return e.buf, nil
}

// encodeFooter returns the footer id that belongs with the document's
// FBXHeaderExtension/CreationTimeStamp: the seed scrambled with the time digits, the key,
// and the time digits again, each pass chaining every byte into the next.
func encodeFooter(d *Document) [16]byte {
	ts := d.Find("FBXHeaderExtension").Child("CreationTimeStamp")
	var v [7]int64
	for i, name := range [7]string{"Year", "Month", "Day", "Hour", "Minute", "Second", "Millisecond"} {
		c := ts.Child(name)
		if c == nil || len(c.Props) == 0 || (c.Props[0].Type != 'I' && c.Props[0].Type != 'L') {
			return encodeFooterID
		}
		v[i] = c.Props[0].Int
	}
	year, month, day, hour, minute, second, ms := v[0], v[1], v[2], v[3], v[4], v[5], v[6]
	if year < 0 || year > 9999 || month < 0 || month > 12 || day < 0 || day > 31 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0 || ms > 999 {
		return encodeFooterID
	}
	digits := []byte(fmt.Sprintf("%02d%02d%02d%02d%02d%04d%02d", second, month, hour, day, ms/10, year, minute))
	out := encodeFooterSeed
	for _, k := range [3][]byte{digits, encodeFooterKey[:], digits} {
		c := byte(64)
		for i := range out {
			out[i] ^= c ^ k[i]
			c = out[i]
		}
	}
	return out
}

// encoder appends one document to buf; offsets in the file are relative to base.
type encoder struct {
	buf       []byte
	base      int
	wide      bool
	threshold int
	level     int

	zw *zlib.Writer
	zb bytes.Buffer

	// packed holds each array to be compressed, encoded once however many records share
	// its slice (every curve of a clip has the same KeyTime): header and zlib payload.
	packed map[arrayKey][]byte
}

// arrayKey identifies an array property by its backing slice.
type arrayKey struct {
	first any // pointer to the first element
	n     int
}

func arrayKeyOf(p *Prop) (arrayKey, int) {
	switch p.Type {
	case 'f':
		if n := len(p.F32s); n > 0 {
			return arrayKey{&p.F32s[0], n}, n
		}
	case 'd':
		if n := len(p.F64s); n > 0 {
			return arrayKey{&p.F64s[0], n}, n
		}
	case 'l':
		if n := len(p.I64s); n > 0 {
			return arrayKey{&p.I64s[0], n}, n
		}
	case 'i':
		if n := len(p.I32s); n > 0 {
			return arrayKey{&p.I32s[0], n}, n
		}
	case 'b':
		if n := len(p.Bools); n > 0 {
			return arrayKey{&p.Bools[0], n}, n
		}
	}
	return arrayKey{}, 0
}

// precompress encodes every array at or above the threshold before the records are laid out,
// on up to workers goroutines. Records that cannot be encoded are left for the layout pass
// to report.
func (e *encoder) precompress(nodes []*Node, workers int) error {
	if e.threshold <= 0 {
		return nil
	}
	var jobs []*Prop
	seen := map[arrayKey]bool{}
	var walk func(ns []*Node, depth int)
	walk = func(ns []*Node, depth int) {
		if depth > encodeMaxDepth {
			return
		}
		for _, n := range ns {
			if n == nil {
				continue
			}
			for i := range n.Props {
				p := &n.Props[i]
				k, cnt := arrayKeyOf(p)
				if cnt == 0 || uint64(cnt)*uint64(elemSize(p.Type)) < uint64(e.threshold) || seen[k] {
					continue
				}
				seen[k] = true
				jobs = append(jobs, p)
			}
			walk(n.Children, depth+1)
		}
	}
	walk(nodes, 1)
	if len(jobs) == 0 {
		return nil
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	out := make([][]byte, len(jobs))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := range workers {
		wg.Go(func() {
			sub := encoder{threshold: e.threshold, level: e.level}
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				sub.buf = sub.buf[:0]
				if err := sub.arrayBody(jobs[i], -1); err != nil {
					errs[w] = err
					return
				}
				out[i] = append([]byte(nil), sub.buf...)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	e.packed = make(map[arrayKey][]byte, len(jobs))
	for i, p := range jobs {
		k, _ := arrayKeyOf(p)
		e.packed[k] = out[i]
	}
	return nil
}

func encodeErr(off int, format string, args ...any) *FormatError {
	return &FormatError{Offset: int64(off), What: fmt.Sprintf(format, args...), Err: ErrEncode}
}

func (e *encoder) recordHeaderLen() int {
	if e.wide {
		return 25
	}
	return 13
}

// node appends one record. object marks the records of the Objects section: the SDK gives
// each of them a child list even when it is empty (an AnimationLayer with only properties).
func (e *encoder) node(n *Node, depth int, object bool) error {
	off := len(e.buf) - e.base
	if n == nil {
		return encodeErr(off, "nil record at depth %d", depth)
	}
	if depth > encodeMaxDepth {
		return encodeErr(off, "record %q nested %d deep, limit %d", n.Name, depth, encodeMaxDepth)
	}
	if len(n.Name) > 255 {
		return encodeErr(off, "record name of %d bytes, want at most 255", len(n.Name))
	}
	start := len(e.buf)
	hl := e.recordHeaderLen()
	e.buf = append(e.buf, make([]byte, hl)...)
	e.buf = append(e.buf, n.Name...)
	propStart := len(e.buf)
	for i := range n.Props {
		if err := e.prop(&n.Props[i]); err != nil {
			var fe *FormatError
			if errors.As(err, &fe) {
				fe.What = fmt.Sprintf("record %q property %d: %s", n.Name, i, fe.What)
			}
			return err
		}
	}
	propLen := len(e.buf) - propStart
	if len(n.Children) > 0 || len(n.Props) == 0 || object {
		objects := depth == 1 && n.Name == "Objects"
		for _, c := range n.Children {
			if err := e.node(c, depth+1, objects); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, make([]byte, hl)...)
	}
	end := len(e.buf) - e.base
	h := e.buf[start:]
	if e.wide {
		binary.LittleEndian.PutUint64(h, uint64(end))
		binary.LittleEndian.PutUint64(h[8:], uint64(len(n.Props)))
		binary.LittleEndian.PutUint64(h[16:], uint64(propLen))
	} else {
		if uint64(end) > math.MaxUint32 || uint64(propLen) > math.MaxUint32 {
			return encodeErr(off, "record %q ends at %d, beyond 32-bit offsets", n.Name, end)
		}
		binary.LittleEndian.PutUint32(h, uint32(end))
		binary.LittleEndian.PutUint32(h[4:], uint32(len(n.Props)))
		binary.LittleEndian.PutUint32(h[8:], uint32(propLen))
	}
	h[hl-1] = byte(len(n.Name))
	return nil
}

func (e *encoder) prop(p *Prop) error {
	off := len(e.buf) - e.base
	b := append(e.buf, p.Type)
	le := binary.LittleEndian
	switch p.Type {
	case 'C':
		v := byte(0)
		if p.Int != 0 {
			v = 1
		}
		b = append(b, v)
	case 'Y':
		if p.Int < math.MinInt16 || p.Int > math.MaxInt16 {
			return encodeErr(off, "int16 value %d out of range", p.Int)
		}
		b = le.AppendUint16(b, uint16(int16(p.Int)))
	case 'I':
		if p.Int < math.MinInt32 || p.Int > math.MaxInt32 {
			return encodeErr(off, "int32 value %d out of range", p.Int)
		}
		b = le.AppendUint32(b, uint32(int32(p.Int)))
	case 'L':
		b = le.AppendUint64(b, uint64(p.Int))
	case 'F':
		b = le.AppendUint32(b, math.Float32bits(float32(p.Float)))
	case 'D':
		b = le.AppendUint64(b, math.Float64bits(p.Float))
	case 'S', 'R':
		s := len(p.String)
		if p.Type == 'R' {
			s = len(p.Bytes)
		}
		if uint64(s) > math.MaxUint32 {
			return encodeErr(off, "%c value of %d bytes, beyond the 32-bit length", p.Type, s)
		}
		b = le.AppendUint32(b, uint32(s))
		if p.Type == 'R' {
			b = append(b, p.Bytes...)
		} else {
			b = append(b, p.String...)
		}
	case 'f', 'd', 'l', 'i', 'b':
		e.buf = b
		return e.array(p, off)
	default:
		return encodeErr(off, "property type code 0x%02x, want one of YCIFDLSRfdlib", p.Type)
	}
	e.buf = b
	return nil
}

// array appends the array header and payload; e.buf already ends with the type code.
func (e *encoder) array(p *Prop, off int) error {
	if e.packed != nil {
		if k, n := arrayKeyOf(p); n > 0 {
			if b, ok := e.packed[k]; ok {
				e.buf = append(e.buf, b...)
				return nil
			}
		}
	}
	return e.arrayBody(p, off)
}

// arrayBody appends count, encoding, byte length and the payload, compressed when it
// reaches the threshold.
func (e *encoder) arrayBody(p *Prop, off int) error {
	_, n := arrayKeyOf(p)
	size := uint64(n) * uint64(elemSize(p.Type))
	if size > math.MaxUint32 {
		return encodeErr(off, "array %q of %d elements, beyond the 32-bit byte length", p.Type, n)
	}
	hdr := len(e.buf)
	e.buf = append(e.buf, make([]byte, 12)...)
	payload := len(e.buf)
	e.buf = appendArrayPayload(e.buf, p)
	enc := uint32(0)
	if e.threshold > 0 && size >= uint64(e.threshold) {
		if err := e.compress(payload); err != nil {
			return encodeErr(off, "array %q: zlib: %v", p.Type, err)
		}
		enc = 1
	}
	le := binary.LittleEndian
	le.PutUint32(e.buf[hdr:], uint32(n))
	le.PutUint32(e.buf[hdr+4:], enc)
	le.PutUint32(e.buf[hdr+8:], uint32(len(e.buf)-payload))
	return nil
}

// compress replaces the raw payload that starts at e.buf[from] by its zlib stream.
func (e *encoder) compress(from int) error {
	e.zb.Reset()
	if e.zw == nil {
		zw, err := zlib.NewWriterLevel(&e.zb, e.level)
		if err != nil {
			return err
		}
		e.zw = zw
	} else {
		e.zw.Reset(&e.zb)
	}
	if _, err := e.zw.Write(e.buf[from:]); err != nil {
		return err
	}
	if err := e.zw.Close(); err != nil {
		return err
	}
	e.buf = append(e.buf[:from], e.zb.Bytes()...)
	return nil
}

func appendArrayPayload(b []byte, p *Prop) []byte {
	le := binary.LittleEndian
	switch p.Type {
	case 'f':
		b = growBytes(b, 4*len(p.F32s))
		for _, v := range p.F32s {
			b = le.AppendUint32(b, math.Float32bits(v))
		}
	case 'd':
		b = growBytes(b, 8*len(p.F64s))
		for _, v := range p.F64s {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
	case 'l':
		b = growBytes(b, 8*len(p.I64s))
		for _, v := range p.I64s {
			b = le.AppendUint64(b, uint64(v))
		}
	case 'i':
		b = growBytes(b, 4*len(p.I32s))
		for _, v := range p.I32s {
			b = le.AppendUint32(b, uint32(v))
		}
	case 'b':
		b = growBytes(b, len(p.Bools))
		for _, v := range p.Bools {
			x := byte(0)
			if v {
				x = 1
			}
			b = append(b, x)
		}
	}
	return b
}

func growBytes(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), 2*cap(b)+n)
	copy(nb, b)
	return nb
}
